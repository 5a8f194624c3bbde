package unixlogin

import (
	"fmt"
	"os"
	"slices"
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
		{"a later rule that holds beats an unjudged one", "auth sufficient pam_succeed_if.so tty = :0\n" + rule("uid >= 1000"), sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
		// pam_unix, required, has failed by then: PAM runs the rule and
		// still refuses; only the unjudged rule before could let in.
		{"a rule after a required one that failed lets no one in", rule("tty = :0") + "auth sufficient pam_succeed_if.so uid >= 1000\n", sam, Rule{}, "not judged"},
		{"required rules restrict, let no one in", "auth required pam_succeed_if.so uid >= 1000\n@include common-auth\n", sam, Rule{}, ""},
		{"a required rule that holds, with nothing asking after it", "auth required pam_succeed_if.so uid >= 1000\n", sam, Rule{Via: ViaSucceedIf, File: "/etc/pam.d/lightdm"}, ""},
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

// stackCases are PAM stacks and what Passwordless says of them: gdm is
// the service's file, extra the file it includes (common-auth, or
// password-auth); err, when set, is what its error says.
type stackCase struct {
	name       string
	gdm, extra string
	want       Rule
	err        string
}

func permitIn(file string) Rule { return Rule{Via: ViaPermit, File: file} }

const (
	stackPasswd = "root:x:0:0:root:/root:/bin/bash\nsam:x:1000:1000:Sam:/home/sam:/bin/bash\n"
	stackGroup  = "root:x:0:\nsam:x:1000:\n"
	debian      = "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\nauth\toptional\t\t\tpam_cap.so\n"
	gdmDebian   = "auth    requisite       pam_nologin.so\nauth\trequired\tpam_succeed_if.so user != root quiet_success\n@include common-auth\nauth\toptional\tpam_gnome_keyring.so\n"
	fedoraGDM   = "auth     [success=done ignore=ignore default=bad] pam_selinux_permit.so\nauth        substack      password-auth\nauth        optional      pam_gnome_keyring.so\nauth        include       postlogin\n"
	fedora      = "auth        required      pam_env.so\nauth        required      pam_faildelay.so delay=2000000\nauth        [default=1 ignore=ignore success=ok] pam_usertype.so isregular\nauth        [default=1 ignore=ignore success=ok] pam_localuser.so\nauth        sufficient    pam_unix.so nullok\nauth        [default=1 ignore=ignore success=ok] pam_usertype.so isregular\nauth        sufficient    pam_sss.so forward_pass\nauth        required      pam_deny.so\n"
	common      = "/etc/pam.d/common-auth"
)

var stackCases = []stackCase{
	{"Debian as shipped", gdmDebian, debian, Rule{}, ""},
	{"a jump over pam_unix and pam_deny", gdmDebian, "auth [success=2 default=ignore] pam_permit.so\n" + debian, permitIn(common), ""},
	{"a pam_succeed_if jump", gdmDebian, "auth [success=2 default=ignore] pam_succeed_if.so uid >= 1000\n" + debian, Rule{Via: ViaSucceedIf, File: common}, ""},
	{"default=done", gdmDebian, "auth [default=done] pam_permit.so\n" + debian, permitIn(common), ""},
	{"keywords in capitals", gdmDebian, "AUTH SUFFICIENT pam_permit.so\n" + debian, permitIn(common), ""},
	{"a line continued", gdmDebian, "auth sufficient \\\n    pam_permit.so\n" + debian, permitIn(common), ""},
	{"Ubuntu's fingerprint layout", gdmDebian, "auth [success=2 default=ignore] pam_fprintd.so max-tries=1 timeout=10\nauth [success=1 default=ignore] pam_unix.so nullok try_first_pass\nauth requisite pam_deny.so\nauth required pam_permit.so\n", Rule{}, ""},
	{"a jump that lands before the password is asked", gdmDebian, "auth [success=1 default=ignore] pam_succeed_if.so uid >= 1000\nauth required pam_faildelay.so delay=2000000\n" + debian, Rule{}, ""},
	{"Fedora as shipped (substack)", fedoraGDM, fedora, Rule{}, ""},
	{"done in a substack ends only the substack", "auth substack password-auth\nauth requisite pam_deny.so\n", "auth sufficient pam_permit.so\n", Rule{}, ""},
	{"a jump over a substack counts it as one rule", "auth [success=1 default=ignore] pam_permit.so\nauth substack password-auth\nauth required pam_permit.so\n", "auth requisite pam_deny.so\nauth required pam_unix.so\n", permitIn("/etc/pam.d/gdm-password"), ""},
	{"a jump past the end", "auth [success=5 default=ignore] pam_permit.so\n", "", Rule{}, ""},
	{"a module not known here that a jump relies on", gdmDebian, "auth [success=2 default=ignore] pam_mystery.so\n" + debian, Rule{}, "does not know"},
	{"a stack that asks nothing, with nothing to name", "auth required pam_env.so\n", "", Rule{}, "without any rule that asks"},
}

// TestPasswordlessRunsTheStack: the stack is run as Linux-PAM runs it,
// so a rule lets a person in by what its control does, not by its
// keyword: a jump over the rules that ask (the layout pam-auth-update
// writes), default=done, keywords in capitals and lines continued with a
// backslash, which pamtester showed each let an account with a locked
// password in; while the stacks Debian, Ubuntu (fingerprint) and Fedora
// (substack, pam_usertype jumps) ship, a jump that lands before the
// password is asked, done inside a substack and a jump past the end let
// nobody in, and a module not known here that a jump relies on is not
// judged.
func TestPasswordlessRunsTheStack(t *testing.T) {
	for _, c := range stackCases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string]string{"/etc/pam.d/gdm-password": c.gdm, common: c.extra, "/etc/pam.d/password-auth": c.extra, "/etc/pam.d/postlogin": "session optional pam_umask.so silent\n", "/etc/passwd": stackPasswd, "/etc/group": stackGroup}
			got, err := Passwordless(&files{m: m, reads: map[string]int{}}, "", "gdm-password", nil, func(e Passwd) bool { return e.Name == "sam" })
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %+v, %v; want an error about %q", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

// TestParsePAMIncludes: the services a PAM file includes for
// authentication, in every form (types and keywords in any case), in
// their place among the rules; other types' includes are not auth's.
func TestParsePAMIncludes(t *testing.T) {
	pf := ParsePAM([]byte("@include common-auth\nauth substack system-login\nAuth Include password-auth\naccount include system-account\n"))
	var got []string
	for _, r := range pf.Rules {
		got = append(got, fmt.Sprintf("%s/%v", r.include, r.substack))
	}
	if want := []string{"common-auth/false", "system-login/true", "password-auth/false"}; !slices.Equal(got, want) {
		t.Errorf("includes %q, want %q", got, want)
	}
}

// TestPasswordlessDebianFiles: Debian 12's own display-manager files
// (recorded in user_accounts' parser data: sddm has the nopasswdlogin
// line commented out, and common-auth's pam_permit is required after
// pam_deny) let nobody in.
func TestPasswordlessDebianFiles(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile("../../user_accounts/testdata/parsers/pam/debian12_" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	m := map[string]string{"/etc/pam.d/common-auth": read("common-auth"), "/etc/pam.d/sddm": read("sddm"), "/etc/pam.d/gdm-password": read("gdm-password"),
		"/etc/passwd": "sam:x:1000:1000:Sam:/home/sam:/bin/bash\n", "/etc/group": "sam:x:1000:\nnopasswdlogin:x:1001:sam\n"}
	for _, service := range []string{"sddm", "gdm-password", "common-auth"} {
		got, err := Passwordless(&files{m: m, reads: map[string]int{}}, "", service, nil, func(Passwd) bool { return true })
		if err != nil || got != (Rule{}) {
			t.Errorf("%s: %+v, %v; want nobody let in", service, got, err)
		}
	}
	m["/etc/pam.d/sddm"] = strings.Replace(m["/etc/pam.d/sddm"], "# auth ", "auth ", 1)
	if got, _ := Passwordless(&files{m: m, reads: map[string]int{}}, "", "sddm", nil, func(Passwd) bool { return true }); got.Via != ViaNoPasswdGroup {
		t.Errorf("sddm with its nopasswdlogin line: %+v", got)
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
		{"the type in capitals, as PAM reads it too", "Auth [success=1 default=ignore] pam_unix.so nullok\n", "/etc/pam.d/common-auth", false},
		{"nullok on a continued line", "auth [success=1 default=ignore] \\\n\tpam_unix.so \\\n nullok\n", "/etc/pam.d/common-auth", false},
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
