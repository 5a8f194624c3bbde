package useraccounts

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestScrubPasswdAndGroup(t *testing.T) {
	sam := evidence.Pseudonym("user", "sam")
	in := []byte("root:x:0:0:root:/root:/bin/bash\nsam:x:1000:1000:Sam Taylor,,,07700 900123:/home/sam:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n# comment:a:b\n+::::::\n")
	got := scrub("/etc/passwd", nil, in)
	want := "root:x:0:0:::/bin/bash\n" + sam + ":x:1000:1000:::/bin/bash\nnobody:x:65534:65534:::/usr/sbin/nologin\n# comment:a:b\n+::::::\n"
	if string(got) != want {
		t.Errorf("passwd: got\n%s\nwant\n%s", got, want)
	}
	a, okA := unixlogin.ParsePasswd(in)
	b, okB := unixlogin.ParsePasswd(got)
	if len(a) != len(b) || okA != okB || b[1].UID != 1000 || b[1].Shell != "/bin/bash" || b[1].Name != sam {
		t.Errorf("parsed differently: %+v / %+v", a, b)
	}

	group := []byte("root:x:0:\nsudo:x:27:sam,root\nadm:x:4:syslog,sam\nsam:x:1000:\nnogroup:x:65534:\n")
	got = scrub("/etc/group", nil, group)
	want = "root:x:0:\nsudo:x:27:" + sam + ",root\nadm:x:4:" + evidence.Pseudonym("user", "syslog") + "," + sam + "\n" + sam + ":x:1000:\nnogroup:x:65534:\n"
	if string(got) != want {
		t.Errorf("group: got\n%s\nwant\n%s", got, want)
	}
	// Membership still matches: the console user's pseudonymised account
	// is in sudo after the scrub as sam was before.
	before, _ := unixlogin.ParseGroup(group)
	after, _ := unixlogin.ParseGroup(got)
	if isAdmin(a[1], before) != isAdmin(b[1], after) || !isAdmin(b[1], after) {
		t.Error("admin membership changed with the scrub")
	}
	if out := scrub("/etc/shells", nil, in); !bytes.Equal(out, in) {
		t.Error("another file changed")
	}
}

// TestScrubShadow: no password hash stays in a bundle, from /etc/shadow
// or an old-style /etc/passwd; what the check reads of each (empty,
// locked, set) and the accounts' names (pseudonymised but root's, as
// /etc/passwd's people are) still read the same.
func TestScrubShadow(t *testing.T) {
	const hash = "$y$j9T$abcdefghijklmnopqrstu.$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
	in := []byte("root:" + hash + ":19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nsam:" + hash + ":19000:0:99999:7:::\nalex::19000:0:99999:7:::\nkim:!" + hash + ":19000:0:99999:7:::\nold:!!:19000::::::\nshort:" + hash + "\n")
	got := scrub("/etc/shadow", nil, in)
	if bytes.Contains(got, []byte("$y$")) || bytes.Contains(got, []byte("sam")) || bytes.Contains(got, []byte("alex")) {
		t.Errorf("a hash or a name left in\n%s", got)
	}
	want, _ := parseShadow(in)
	scrubbed, ok := parseShadow(got)
	if !ok || len(scrubbed) != len(want) {
		t.Fatalf("parsed differently: %v / %v", want, scrubbed)
	}
	for name, field := range want {
		if name != "root" {
			name = evidence.Pseudonym("user", name)
		}
		if g := scrubbed[name]; (g == "") != (field == "") || strings.HasPrefix(g, "!") != strings.HasPrefix(field, "!") || strings.HasPrefix(g, "*") != strings.HasPrefix(field, "*") {
			t.Errorf("%s: %q scrubbed to %q", name, field, g)
		}
	}

	oldStyle := scrub("/etc/passwd", nil, []byte("root:"+hash+":0:0:root:/root:/bin/bash\nalex::1001:1001::/home/alex:/bin/bash\n"))
	entries, _ := unixlogin.ParsePasswd(oldStyle)
	if bytes.Contains(oldStyle, []byte("$y$")) || len(entries) != 2 || entries[0].Password == "" || entries[1].Password != "" {
		t.Errorf("passwd's own password fields scrubbed to\n%s", oldStyle)
	}
}

func TestScrubMacAccounts(t *testing.T) {
	sam := evidence.Pseudonym("user", "sam")
	for _, c := range []struct {
		name     string
		args     []string
		in, want string
	}{
		{"dscl", []string{".", "-list", "/Users", "UniqueID"}, "_amavisd   83\nroot       0\nnobody     -2\nsam        501\n", "_amavisd   83\nroot       0\nnobody     -2\n" + sam + "        501\n"},
		{"dscl", []string{".", "-read", "/Groups/admin", "GroupMembership"}, "GroupMembership: root sam\n", "GroupMembership: root " + sam + "\n"},
		{"defaults", []string{"read", "/Library/Preferences/com.apple.loginwindow", "autoLoginUser"}, "sam\n", sam + "\n"},
		{"defaults", []string{"read", "/Library/Preferences/com.apple.loginwindow", "autoLoginUser"}, "", ""},
		{"dscl", []string{".", "-read", "/Users/sam", "RealName"}, "RealName: Sam\n", "RealName: Sam\n"},
	} {
		if got := string(scrub(c.name, c.args, []byte(c.in))); got != c.want {
			t.Errorf("%s %v: got %q, want %q", c.name, c.args, got, c.want)
		}
	}
	// The loginwindow plist keeps its format and every other key.
	for _, format := range []int{plist.BinaryFormat, plist.XMLFormat} {
		in, err := plist.Marshal(map[string]any{"autoLoginUser": "sam", "lastUserName": "sam", "GuestEnabled": true}, format)
		if err != nil {
			t.Fatal(err)
		}
		out := scrub(loginwindowPlist, nil, in)
		var m map[string]any
		got, err := plist.Unmarshal(out, &m)
		if err != nil || got != format || m["autoLoginUser"] != sam || m["lastUserName"] != sam || m["GuestEnabled"] != true {
			t.Errorf("plist format %d: %v %v %v", format, m, got, err)
		}
		if bytes.Contains(out, []byte("sam<")) || bytes.Contains(out, []byte("\x03sam")) {
			t.Errorf("plist format %d still names sam", format)
		}
	}
}

func TestScrubAdminAndLoginFiles(t *testing.T) {
	sam, anna := evidence.Pseudonym("user", "sam"), evidence.Pseudonym("user", "anna")
	for _, c := range []struct{ file, in, want string }{
		{"/etc/sudoers", "# User_Alias ADMINS = sam, anna\nDefaults\tuse_pty\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n#includedir /etc/sudoers.d\n",
			"#\nDefaults\tuse_pty\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n#includedir /etc/sudoers.d\n"},
		{"/etc/sudoers.d/90-cloud-init-users", "# User rules for sam\nsam ALL=(ALL) NOPASSWD:ALL\n", "#\n" + sam + " ALL=(ALL) NOPASSWD:ALL\n"},
		{"/etc/sudoers.d/practice", "User_Alias IT = %staff, anna : OPS = sam\nIT, !sam ALL=(ALL:ALL) ALL # anna looks after it\nDefaults:sam !requiretty\nanna ALL=(sam, root) /bin/ls\n#1000 ALL=(ALL) ALL\n",
			"User_Alias IT = %staff, " + anna + " : OPS = " + sam + "\nIT, !" + sam + " ALL=(ALL:ALL) ALL\nDefaults:" + sam + " !requiretty\n" + anna + " ALL=(" + sam + ", root) /bin/ls\n#1000 ALL=(ALL) ALL\n"},
		{"/etc/doas.conf", "# sam looks after this\npermit persist sam as root\npermit nopass :wheel\ndeny anna # not anna\npermit root as sam cmd /bin/ls\n",
			"#\npermit persist " + sam + " as root\npermit nopass :wheel\ndeny " + anna + "\npermit root as " + sam + " cmd /bin/ls\n"},
		{"/etc/greetd/config.toml", "[default_session]\nuser = \"_greeter\"\n[initial_session]\ncommand = \"sway\"\nuser = \"sam\"\n",
			"[default_session]\nuser = \"" + evidence.Pseudonym("user", "_greeter") + "\"\n[initial_session]\ncommand = \"sway\"\nuser = \"" + sam + "\"\n"},
		{"/etc/lxdm/lxdm.conf", "[base]\nautologin=sam\n# timeout=10\n", "[base]\nautologin=" + sam + "\n# timeout=10\n"},
		{"/etc/gdm3/custom.conf", "[daemon]\n#AutomaticLoginEnable=True\n#  AutomaticLogin = sam\n", "[daemon]\n#AutomaticLoginEnable=True\n#  AutomaticLogin = " + sam + "\n"},
		{"/etc/default/nodm", "NODM_ENABLED=true\nNODM_USER='sam'\n", "NODM_ENABLED=true\nNODM_USER='" + sam + "'\n"},
		{"/etc/default/nodm", "NODM_USER=root\n", "NODM_USER=root\n"},
		{"/etc/ly/config.ini", "auto_login_user = sam\n", "auto_login_user = " + sam + "\n"},
		{"/etc/systemd/system/getty@tty1.service", "[Service]\nExecStart=-/sbin/agetty --autologin sam --noclear %I $TERM\n", "[Service]\nExecStart=-/sbin/agetty --autologin " + sam + " --noclear %I $TERM\n"},
		{"/usr/lib/systemd/system/getty@.service", "ExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear --autologin=sam %I $TERM\n", "ExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear --autologin=" + sam + " %I $TERM\n"},
		{"/etc/ly/config.ini", "auto_login_user = null\n", "auto_login_user = null\n"},
		{"/etc/polkit-1/rules.d/49-it.rules", "return [\"unix-user:sam\", \"unix-group:staff\", \"unix-user:0\"];\n", "return [\"unix-user:" + sam + "\", \"unix-group:staff\", \"unix-user:0\"];\n"},
		{"/etc/polkit-1/rules.d/10-sam.rules", "    if (subject.user == \"sam\" || subject.user == 'root') {\n", "    if (subject.user == \"" + sam + "\" || subject.user == 'root') {\n"},
		{"/etc/polkit-1/localauthority.conf.d/60-it.conf", "[Configuration]\nAdminIdentities=unix-user:sam;unix-group:sudo\n", "[Configuration]\nAdminIdentities=unix-user:" + sam + ";unix-group:sudo\n"},
	} {
		if got := string(scrub(c.file, nil, []byte(c.in))); got != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.file, got, c.want)
		}
	}
	// The scrubbed sudoers still grants the pseudonymised account.
	s := newSudoers()
	s.Parse(scrub("/etc/sudoers.d/x", nil, []byte("sam ALL=(ALL) ALL\n")))
	if s.AdminVia(identity{Name: sam, UID: 1000}) != viaSudoersUser {
		t.Error("grant lost in the scrub")
	}
}

// TestScrubbedScenariosReplayTheSame: the verdict is the same from a
// scrubbed bundle, and no full name or home is left in /etc/passwd.
func TestScrubbedScenariosReplayTheSame(t *testing.T) {
	checktest.RunScrubbedScenarios(t, Check, "testdata", func(t *testing.T, bundle string) {
		// No person's account name is left anywhere in the bundle.
		// The people in the scenarios.
		for _, person := range []string{"therapist", "alice", "anna", "ben", "bob", "carol", "clinicadmin", "jsmith", "pi", "dana", "sam", "erin", "kim"} {
			_ = filepath.WalkDir(bundle, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					if err == nil && strings.EqualFold(d.Name(), person) {
						t.Errorf("a folder named %q is left: %s", person, p)
					}
					return err
				}
				b, err := os.ReadFile(p)
				if err == nil && regexp.MustCompile(`(^|[^A-Za-z0-9_.-])`+person+`([^A-Za-z0-9_.-]|$)`).Match(b) {
					t.Errorf("%s still names %q", p, person)
				}
				return nil
			})
		}
		passwd, err := os.ReadFile(filepath.Join(bundle, "files", "etc", "passwd"))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(passwd), "\n") {
			if f := strings.Split(line, ":"); len(f) == 7 && (f[4] != "" || f[5] != "") {
				t.Errorf("kept %q", line)
			}
		}
	})
}
