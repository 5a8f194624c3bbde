package unixlogin

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// files is a probe that reads files from a map; a value "DENIED" is a
// file that cannot be read.
type files struct {
	probe.Probe
	m     map[string]string
	reads map[string]int
}

func (f *files) ReadFile(path string) ([]byte, error) {
	f.reads[path]++
	s, ok := f.m[path]
	switch {
	case !ok:
		return nil, fmt.Errorf("%s: %w", path, probe.ErrNotFound)
	case s == "DENIED":
		return nil, fmt.Errorf("%s: %w", path, probe.ErrAccessDenied)
	}
	return []byte(s), nil
}

// TestPasswordlessFollowsIncludes reads PAM services whose passwordless
// rule is three or more includes down (Arch's gdm-password includes
// system-local-login, which includes system-login, which includes
// system-auth), by an absolute path, in files that include each other,
// and past what is unreadable or too deep.
func TestPasswordlessFollowsIncludes(t *testing.T) {
	const (
		passwd = "root:x:0:0:root:/root:/bin/bash\nsam:x:1000:1000:Sam:/home/sam:/bin/bash\n"
		group  = "root:x:0:\nnopasswdlogin:x:1001:sam\n"
	)
	arch := map[string]string{ // Arch's stack: GDM's file and pambase's
		"/etc/pam.d/gdm-password":       "#%PAM-1.0\nauth       include                     system-local-login\nauth       optional                    pam_gnome_keyring.so\n",
		"/etc/pam.d/system-local-login": "auth      include   system-login\n",
		"/etc/pam.d/system-login":       "auth       required   pam_shells.so\nauth       requisite  pam_nologin.so\nauth       include    system-auth\n",
		"/etc/passwd":                   passwd,
		"/etc/group":                    group,
	}
	with := func(base map[string]string, more ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i]] = more[i+1]
		}
		return m
	}
	deep := map[string]string{"/etc/passwd": passwd, "/etc/group": group}
	for i := range maxIncludeDepth + 2 {
		deep[fmt.Sprintf("/etc/pam.d/s%d", i)] = fmt.Sprintf("auth include s%d\n", i+1)
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  Rule
		err   string
	}{
		{"a sufficient pam_permit three includes down", with(arch, "/etc/pam.d/system-auth", "auth sufficient pam_permit.so\nauth required pam_unix.so\n"), Rule{ViaPermit, "/etc/pam.d/system-auth", ""}, ""},
		{"the person's group let in four includes down", with(arch, "/etc/pam.d/system-auth", "auth substack extra\n", "/etc/pam.d/extra", "auth sufficient pam_succeed_if.so user ingroup nopasswdlogin\n"), Rule{ViaNoPasswdGroup, "/etc/pam.d/extra", "nopasswdlogin"}, ""},
		{"the group the person is in, not the first one named", with(arch, "/etc/pam.d/system-auth", "auth sufficient pam_succeed_if.so user ingroup autologin\nauth include extra\n", "/etc/pam.d/extra", "auth sufficient pam_succeed_if.so user ingroup nopasswdlogin\n"), Rule{ViaNoPasswdGroup, "/etc/pam.d/extra", "nopasswdlogin"}, ""},
		{"by an absolute path", with(arch, "/etc/pam.d/system-auth", "auth include /usr/lib/pam.d/vendor-auth\n", "/usr/lib/pam.d/vendor-auth", "auth sufficient pam_permit.so\n"), Rule{ViaPermit, "/usr/lib/pam.d/vendor-auth", ""}, ""},
		{"Arch's own rules (an optional pam_permit after pam_unix)", with(arch, "/etc/pam.d/system-auth", "auth       required                    pam_faillock.so      preauth\nauth       [success=1 default=bad]     pam_unix.so          try_first_pass nullok\nauth       [default=die]               pam_faillock.so      authfail\nauth       optional                    pam_permit.so\nauth       required                    pam_env.so\nauth       required                    pam_faillock.so      authsucc\n"), Rule{}, ""},
		{"files that include each other", with(arch, "/etc/pam.d/system-auth", "auth include system-login\n"), Rule{}, ""},
		{"an included file that is not there", arch, Rule{}, ""},
		{"an included file that cannot be read", with(arch, "/etc/pam.d/system-auth", "DENIED"), Rule{}, "denied"},
		{"includes too deep", with(deep, "/etc/pam.d/gdm-password", "auth include s0\n"), Rule{}, "deep"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &files{m: c.files, reads: map[string]int{}}
			got, err := Passwordless(f, "", "gdm-password", nil, func(e Passwd) bool { return e.UID >= 1000 })
			if c.err != "" {
				if err == nil || !strings.Contains(strings.ToLower(err.Error()), c.err) {
					t.Fatalf("got %+v, %v; want an error about %q", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
			for path, n := range f.reads {
				if n > 1 {
					t.Errorf("%s read %d times", path, n)
				}
			}
		})
	}
}

// TestPasswordlessFindsServicesAsPAMDoes: a service is looked up in
// /etc/pam.d, then in the distribution's /usr/lib/pam.d (openSUSE ships
// its services there), and one with no file at all is read as PAM reads
// it, as "other"; an included file with no file adds nothing.
func TestPasswordlessFindsServicesAsPAMDoes(t *testing.T) {
	const (
		permit = "auth sufficient pam_permit.so\n"
		unix   = "auth required pam_unix.so\n"
	)
	for _, c := range []struct {
		name  string
		files map[string]string
		want  Rule
	}{
		{"no file: other lets everyone in", map[string]string{"/etc/pam.d/other": permit}, Rule{ViaPermit, "/etc/pam.d/other", ""}},
		{"no file: other asks (Debian's includes common-auth)", map[string]string{"/etc/pam.d/other": "@include common-auth\n", "/etc/pam.d/common-auth": unix}, Rule{}},
		{"no file: other in the vendor directory", map[string]string{"/usr/lib/pam.d/other": permit}, Rule{ViaPermit, "/usr/lib/pam.d/other", ""}},
		{"no file and no other", map[string]string{}, Rule{}},
		{"only in the vendor directory", map[string]string{"/usr/lib/pam.d/kde": permit, "/etc/pam.d/other": unix}, Rule{ViaPermit, "/usr/lib/pam.d/kde", ""}},
		{"/etc/pam.d wins over the vendor directory", map[string]string{"/etc/pam.d/kde": unix, "/usr/lib/pam.d/kde": permit}, Rule{}},
		{"an include found in the vendor directory", map[string]string{"/etc/pam.d/kde": "auth include common-auth\n", "/usr/lib/pam.d/common-auth": permit}, Rule{ViaPermit, "/usr/lib/pam.d/common-auth", ""}},
		{"an include with no file is not read as other", map[string]string{"/etc/pam.d/kde": "auth include missing\n", "/etc/pam.d/other": permit}, Rule{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &files{m: c.files, reads: map[string]int{}}
			got, err := Passwordless(f, "", "kde", nil, func(e Passwd) bool { return true })
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

// TestPasswordlessSucceedIf: pam_succeed_if's conditions judged for the
// person as pam_succeed_if(8) reads them (all must hold), and the rules
// whose conditions cannot be judged here reported, never ignored.
func TestPasswordlessSucceedIf(t *testing.T) {
	const (
		passwd = "root:x:0:0:root:/root:/bin/bash\nsam:x:1000:1000:Sam:/home/sam:/bin/bash\nkiosk:x:1001:1001::/srv/kiosk:/bin/sh\n"
		group  = "root:x:0:\nsam:x:1000:\nkiosk:x:1001:\nnopasswdlogin:x:1002:kiosk\n"
	)
	sam := func(e Passwd) bool { return e.Name == "sam" }
	anyone := func(e Passwd) bool { return e.UID >= 1000 }
	rule := func(args string) string {
		return "auth sufficient pam_succeed_if.so " + args + "\n@include common-auth\n"
	}
	for _, c := range []struct {
		name, pam string
		person    func(Passwd) bool
		want      Rule
		err       string
	}{
		{"uid >= 1000 lets every person in", rule("uid >= 1000 quiet"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"the person in a user list", rule("user in anna:sam"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"the person not in a user list", rule("user in anna:kiosk"), sam, Rule{}, ""},
		{"a user list, nobody signed in: any person", rule("user in anna:kiosk"), anyone, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"user = name", rule("user = sam"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"conditions all hold (and)", rule("uid >= 1000 user notin kiosk"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"one condition fails (and)", rule("uid >= 1000 user != sam"), sam, Rule{}, ""},
		{"uid below", rule("uid < 1000"), sam, Rule{}, ""},
		{"uid in hex", rule("uid eq 0x3e8"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"a shell pattern", rule("shell =~ /bin/*sh"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"a home pattern that misses", rule("home =~ /srv/*"), sam, Rule{}, ""},
		{"the service", rule("service = lightdm"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"ingroup with another condition names the group", rule("user ingroup nopasswdlogin uid > 1000"), anyone, Rule{Via: ViaNoPasswdGroup, File: "/etc/pam.d/lightdm", Group: "nopasswdlogin"}, ""},
		{"not in the group", rule("user notingroup nopasswdlogin"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"an incomplete condition fails", rule("uid >="), sam, Rule{}, ""},
		{"an unknown field fails", rule("colour = blue"), sam, Rule{}, ""},
		{"no condition at all succeeds", rule("quiet"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"a condition on the tty is not judged", rule("tty = :0"), sam, Rule{}, "not judged"},
		{"use_uid is not judged", rule("use_uid user ingroup wheel"), sam, Rule{}, "not judged"},
		{"an unjudged condition after one that fails", rule("uid < 1000 rhost = x"), sam, Rule{}, ""},
		{"a later rule that holds beats an unjudged one", rule("tty = :0") + "auth sufficient pam_succeed_if.so uid >= 1000\n", sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		{"required rules restrict, let no one in", "auth required pam_succeed_if.so uid >= 1000\n", sam, Rule{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &files{m: map[string]string{"/etc/pam.d/lightdm": c.pam, "/etc/pam.d/common-auth": "auth required pam_unix.so\n", "/etc/passwd": passwd, "/etc/group": group}, reads: map[string]int{}}
			got, err := Passwordless(f, "", "lightdm", nil, c.person)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || Where(err, "") != "/etc/pam.d/lightdm" {
					t.Fatalf("got %+v, %v; want an error about %q in /etc/pam.d/lightdm", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"/bin/*sh", "/bin/bash", true},
		{"*", "/usr/bin/zsh", true}, // fnmatch without FNM_PATHNAME: * crosses "/"
		{"/home/?am", "/home/sam", true},
		{"/home/[!s]am", "/home/sam", false},
		{"/home/[a-t]am", "/home/sam", true},
		{"a.b", "axb", false},
		{"[", "[", true},
	} {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestScrubPAM(t *testing.T) {
	p := func(n string) string { return "user-" + n }
	in := "#%PAM-1.0\nauth sufficient pam_succeed_if.so quiet user in sam:root:anna # sam's\nauth  [success=done default=ignore]  pam_succeed_if.so User = sam uid >= 1000\nauth required pam_succeed_if.so user ingroup nopasswdlogin\n@include common-auth"
	want := "\nauth sufficient pam_succeed_if.so quiet user in user-sam:root:user-anna\nauth  [success=done default=ignore]  pam_succeed_if.so User = user-sam uid >= 1000\nauth required pam_succeed_if.so user ingroup nopasswdlogin\n@include common-auth"
	if got := string(ScrubPAM([]byte(in), p)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestEmptyPasswordAccepted: a pam_unix auth rule with nullok (Debian's
// and Ubuntu's common-auth, Arch's system-auth) accepts an empty password,
// found through includes; without nullok, or nullok on another module or
// another type of rule, it does not; an unreadable include is an error.
func TestEmptyPasswordAccepted(t *testing.T) {
	const login = "auth requisite pam_nologin.so\n@include common-auth\n"
	for _, c := range []struct {
		name   string
		common string
		want   string
		err    bool
	}{
		{"Debian 12's common-auth", "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n", "/etc/pam.d/common-auth", false},
		{"Debian's older nullok_secure", "auth [success=1 default=ignore] pam_unix.so nullok_secure\n", "/etc/pam.d/common-auth", false},
		{"by the module's path, an optional -auth rule", "-auth sufficient /lib/x86_64-linux-gnu/security/pam_unix.so try_first_pass nullok\n", "/etc/pam.d/common-auth", false},
		{"without nullok", "auth [success=1 default=ignore] pam_unix.so\nauth requisite pam_deny.so\n", "", false},
		{"nullok commented out", "auth [success=1 default=ignore] pam_unix.so # nullok\n", "", false},
		{"nullok only on the password rule", "auth [success=1 default=ignore] pam_unix.so\npassword [success=1 default=ignore] pam_unix.so obscure nullok yescrypt\n", "", false},
		{"nullok on another module", "auth sufficient pam_tally2.so nullok\nauth required pam_unix.so\n", "", false},
		{"common-auth unreadable", "DENIED", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &files{m: map[string]string{"/etc/pam.d/login": login, "/etc/pam.d/common-auth": c.common}, reads: map[string]int{}}
			got, err := EmptyPasswordAccepted(f, "", "login")
			if (err != nil) != c.err || got != c.want {
				t.Fatalf("got %q, %v; want %q (error %v)", got, err, c.want, c.err)
			}
		})
	}
}
