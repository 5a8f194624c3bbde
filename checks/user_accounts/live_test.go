package useraccounts

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// atScreen is the live probe with the console user replaced, so the fake
// root's accounts can be "signed in" without touching the machine's users.
// Their passwd -S answer (they are not accounts of this machine) is
// shadow-utils' line for a password that is set, as recorded here;
// TestLivePasswdStatus asks the real passwd about a real account.
type atScreen struct {
	probe.Probe
	user *probe.User
}

func (a atScreen) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	if name == probe.CmdPasswd && a.user != nil {
		return probe.Output{Stdout: []byte(a.user.Name + " P 2026-12-06 0 99999 7 -1\n")}, nil
	}
	return a.Probe.RunAsConsoleUser(ctx, name, args...)
}

func (a atScreen) ConsoleUser() (probe.User, error) {
	if a.user == nil {
		return probe.User{}, fmt.Errorf("console user: %w", probe.ErrNotFound)
	}
	return *a.user, nil
}

// writeRoot writes files (path → content) under a new fake root; a content
// starting with "->" makes a symlink to the rest.
func writeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(filepath.Join(root, filepath.FromSlash(target)), full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	fakePasswd = "root:x:0:0:root:/root:/bin/bash\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
		"gdm:x:120:125:Gnome Display Manager:/var/lib/gdm3:/bin/false\n" +
		"alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n" +
		"bob:x:1001:1001:Bob,,,:/home/bob:/bin/bash\n" +
		"carol:x:1002:10:Carol,,,:/home/carol:/usr/bin/zsh\n" +
		"svc:x:1003:1003::/srv:/usr/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	fakeGroup  = "root:x:0:\nsudo:x:27:alice\nwheel:x:10:\nalice:x:1000:\nbob:x:1001:\ncarol:x:10:\n"
	fakeShells = "/bin/sh\n/bin/bash\n/usr/bin/bash\n/usr/bin/zsh\n"
	fakeDefs   = "UID_MIN 1000\nUID_MAX 60000\n"
)

// TestLiveFakeRoot runs the collector with the live probe over fake root
// directories: real files, real symlinks, no change to this machine's users.
func TestLiveFakeRoot(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("fake-root live test runs on Linux")
	}
	accounts := map[string]string{"/etc/passwd": fakePasswd, "/etc/group": fakeGroup, "/etc/shells": fakeShells, "/etc/login.defs": fakeDefs}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range accounts {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	alice := &probe.User{UID: "1000", Name: "alice", Home: "/home/alice"}
	bob := &probe.User{UID: "1001", Name: "bob", Home: "/home/bob"}
	carol := &probe.User{UID: "1002", Name: "carol", Home: "/home/carol"}
	tests := []struct {
		name               string
		files              map[string]string
		user               *probe.User
		guest, auto, admin state
		humans             int
		status             checks.Status
		dm                 string
	}{
		{"gdm autologin, sudo user", with(map[string]string{
			"/etc/X11/default-display-manager": "/usr/sbin/gdm3\n",
			"/etc/gdm3/custom.conf":            "[daemon]\nAutomaticLoginEnable=True\nAutomaticLogin=alice\n",
		}), alice, stateOff, stateOn, stateOn, 3, checks.Fail, "gdm"},
		{"gdm via display-manager.service symlink, standard user", with(map[string]string{
			"/lib/systemd/system/gdm3.service":            "[Service]\nExecStartPre=/usr/share/gdm/generate-config\nExecStart=/usr/sbin/gdm3\n",
			"/etc/systemd/system/display-manager.service": "->/lib/systemd/system/gdm3.service",
			"/etc/gdm3/daemon.conf":                       "[daemon]\n#  AutomaticLoginEnable = true\n#  AutomaticLogin = user1\n",
		}), bob, stateOff, stateOff, stateOff, 3, checks.Pass, "gdm"},
		{"lightdm guest, nobody at the screen", with(map[string]string{
			"/etc/X11/default-display-manager":          "/usr/sbin/lightdm\n",
			"/etc/lightdm/lightdm.conf":                 "[LightDM]\n[Seat:*]\n#allow-guest=true\n",
			"/etc/lightdm/lightdm.conf.d/50-guest.conf": "[Seat:*]\nallow-guest=true\n",
		}), nil, stateOn, stateOff, stateNotApplicable, 3, checks.Fail, "lightdm"},
		{"lightdm default guest needs the guest-account script", with(map[string]string{
			"/etc/X11/default-display-manager": "/usr/sbin/lightdm\n",
			"/etc/lightdm/lightdm.conf":        "[Seat:*]\ngreeter-hide-users=true\n",
			"/usr/sbin/guest-account":          "#!/bin/sh\n",
		}), bob, stateOn, stateOff, stateOff, 3, checks.Fail, "lightdm"},
		{"sddm autologin, wheel by primary group", with(map[string]string{
			"/usr/lib/systemd/system/sddm.service":        "[Service]\nExecStart=/usr/bin/sddm\n",
			"/etc/systemd/system/display-manager.service": "->/usr/lib/systemd/system/sddm.service",
			"/etc/sddm.conf.d/kde_settings.conf":          "[Autologin]\nRelogin=false\nSession=plasma\nUser=carol\n",
		}), carol, stateOff, stateOn, stateOn, 3, checks.Fail, "sddm"},
		{"getty console autologin only", with(map[string]string{
			"/etc/systemd/system/getty@tty1.service.d/autologin.conf": "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin bob --noclear %I $TERM\n",
		}), nil, stateOff, stateOn, stateNotApplicable, 3, checks.Fail, "none"},
		{"headless, no display manager", with(nil), nil, stateOff, stateOff, stateNotApplicable, 3, checks.Pass, "none"},
		{"sudoers.d grant to a user not in sudo", with(map[string]string{
			"/etc/sudoers":                       "Defaults\tuse_pty\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
			"/etc/sudoers.d/README":              "# files holding a . are skipped\n",
			"/etc/sudoers.d/90-cloud-init-users": "# User rules for bob\nbob ALL=(ALL) NOPASSWD:ALL\n",
			"/etc/sudoers.d/old.bak":             "carol ALL=(ALL) ALL\n",
		}), bob, stateOff, stateOff, stateOn, 3, checks.Warn, "none"},
		{"sudoers.d file sudo skips", with(map[string]string{
			"/etc/sudoers":           "#includedir /etc/sudoers.d\n",
			"/etc/sudoers.d/bob.bak": "bob ALL=(ALL) ALL\n",
		}), bob, stateOff, stateOff, stateOff, 3, checks.Pass, "none"},
		{"doas permit", with(map[string]string{
			"/etc/doas.conf": "permit persist bob as root\n",
		}), bob, stateOff, stateOff, stateOn, 3, checks.Warn, "none"},
		{"polkit admin rule for a group", with(map[string]string{
			"/usr/share/polkit-1/rules.d/50-default.rules": "polkit.addAdminRule(function(action, subject) {\n    return [\"unix-group:wheel\"];\n});\n",
			"/etc/polkit-1/rules.d/49-it.rules":            "polkit.addAdminRule(function(action, subject) {\n    return [\"unix-group:bob\"];\n});\n",
		}), bob, stateOff, stateOff, stateOn, 3, checks.Warn, "none"},
		{"greetd initial session", with(map[string]string{
			"/etc/greetd/config.toml": "[default_session]\ncommand = \"agreety --cmd /bin/sh\"\nuser = \"_greeter\"\n\n[initial_session]\ncommand = \"sway\"\nuser = \"bob\"\n",
		}), bob, stateOff, stateOn, stateOff, 3, checks.Fail, "unnamed"},
		{"nodm named", with(map[string]string{
			"/etc/X11/default-display-manager": "/usr/sbin/nodm\n",
			"/etc/default/nodm":                "NODM_ENABLED=true\nNODM_USER=bob\n",
		}), bob, stateOff, stateOn, stateOff, 3, checks.Fail, "nodm"},
		{"lxdm named, autologin commented out", with(map[string]string{
			"/usr/lib/systemd/system/lxdm.service":        "[Service]\nExecStart=/usr/sbin/lxdm\n",
			"/etc/systemd/system/display-manager.service": "->/usr/lib/systemd/system/lxdm.service",
			"/etc/lxdm/lxdm.conf":                         "[base]\n# autologin=dgod\ngreeter=/usr/lib/lxdm/lxdm-greeter-gtk\n",
		}), bob, stateOff, stateOff, stateOff, 3, checks.Pass, "lxdm"},
		{"passwd is a directory", map[string]string{
			"/etc/passwd/x": "", "/etc/group": fakeGroup,
			"/etc/X11/default-display-manager": "/usr/sbin/gdm3\n", "/etc/gdm3/custom.conf": "[daemon]\n",
		}, alice, stateOff, stateOff, stateUnknown, -1, checks.Unknown, "gdm"},
	}
	live := live.New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := writeRoot(t, tc.files)
			p := atScreen{Probe: live, user: tc.user}
			f, err := collect(t.Context(), p, root)
			if err != nil {
				t.Fatalf("collect: %v", err)
			}
			if f.Guest != tc.guest || f.AutoLogin != tc.auto || f.ConsoleUserAdmin != tc.admin {
				t.Errorf("guest %s auto %s admin %s, want %s %s %s (errors %v)", f.Guest, f.AutoLogin, f.ConsoleUserAdmin, tc.guest, tc.auto, tc.admin, f.Errors)
			}
			if tc.humans < 0 && f.HumanAccounts != nil {
				t.Errorf("human accounts = %d, want unknown", *f.HumanAccounts)
			}
			if tc.humans >= 0 && (f.HumanAccounts == nil || *f.HumanAccounts != tc.humans) {
				t.Errorf("human accounts = %v, want %d", f.HumanAccounts, tc.humans)
			}
			if f.Linux == nil || f.Linux.DisplayManager != tc.dm {
				t.Errorf("display manager = %+v, want %s", f.Linux, tc.dm)
			}
			if r := evaluate(f, checks.Catalogue{Check}.Default()); r.Status != tc.status {
				t.Errorf("status = %s, want %s: %s", r.Status, tc.status, r.Summary)
			}
			raw, _ := json.Marshal(f)
			for _, name := range []string{"alice", "bob", "carol", root} {
				if strings.Contains(string(raw), name) {
					t.Errorf("facts carry %q: %s", name, raw)
				}
			}
		})
	}
}

// TestLiveCheckOnThisMachine runs the real check here: a valid verdict, and
// no account name of this machine in the facts.
func TestLiveCheckOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live check test runs on the Linux CI machine")
	}
	r := Check.Run(t.Context(), live.New(), checks.Catalogue{Check}.Default())
	if !r.Status.Valid() || r.Summary == "" || r.ID != ID {
		t.Fatalf("bad result: %+v", r)
	}
	if r.Status != checks.Pass && r.Status != checks.NotApplicable && r.Fix == "" {
		t.Errorf("no fix for %s", r.Status)
	}
	if r.Status == checks.Unknown && r.Reason == "" {
		t.Error("unknown without a reason")
	}
	var f facts
	if err := json.Unmarshal(r.Facts, &f); err != nil {
		t.Fatal(err)
	}
	if f.OS != "linux" || f.HumanAccounts == nil {
		t.Errorf("facts: %s", r.Facts)
	}
	if f.ConsoleUser == consoleNone && !strings.Contains(r.Summary, "nobody is signed in") {
		t.Errorf("headless summary does not say the administrator part does not apply: %q", r.Summary)
	}
	if b, err := os.ReadFile("/etc/passwd"); err == nil {
		entries, _ := unixlogin.ParsePasswd(b)
		for _, e := range entries {
			if e.UID >= 1000 && len(e.Name) >= 3 && slices.Contains(strings.FieldsFunc(string(r.Facts), func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-')
			}), e.Name) {
				t.Errorf("facts carry the account name %q: %s", e.Name, r.Facts)
			}
		}
	}
	t.Logf("live: %s — %s %s %s", r.Status, r.Summary, r.Reason, r.Facts)
}

// TestLivePasswdStatus asks the real passwd -S about a real account the
// test makes (root only), with no password, a password and a locked one,
// both as root naming it and as the account itself without a name (as the
// check asks it).
func TestLivePasswdStatus(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root (makes an account)")
	}
	for _, tool := range []string{"/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/chpasswd", "/usr/bin/passwd"} {
		if _, err := os.Stat(tool); err != nil {
			t.Skipf("%s missing", tool)
		}
	}
	name := fmt.Sprintf("sgpw%d", os.Getpid()%100000)
	if out, err := exec.Command("/usr/sbin/useradd", "-M", "-s", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("/usr/sbin/userdel", name).Run() })
	uid, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(uid.Uid)
	g, _ := strconv.Atoi(uid.Gid)
	p := live.New()
	steps := []struct {
		do   []string // a command making the state
		in   string   // its standard input
		want string
	}{
		{nil, "", passwordLocked}, // useradd leaves "!"
		{[]string{"/usr/bin/passwd", "-d", name}, "", passwordEmpty},
		{[]string{"/usr/sbin/chpasswd"}, name + ":correct horse battery\n", passwordSet},
		{[]string{"/usr/bin/passwd", "-l", name}, "", passwordLocked},
	}
	for _, st := range steps {
		if st.do != nil {
			cmd := exec.Command(st.do[0], st.do[1:]...)
			cmd.Stdin = strings.NewReader(st.in)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v: %s", st.do, err, out)
			}
		}
		out, err := p.Run(t.Context(), probe.CmdPasswd, "-S", name)
		if err != nil || out.ExitCode != 0 {
			t.Fatalf("passwd -S %s: %v %+v", name, err, out)
		}
		if got, err := passwdstatus.Parse(out.Stdout); got != st.want || err != nil {
			t.Errorf("after %v: %q -> %q, %v; want %q", st.do, out.Stdout, got, err, st.want)
		}
		self := exec.Command("/usr/bin/passwd", "-S")
		self.SysProcAttr = asUser(n, g)
		b, err := self.Output()
		if err != nil {
			t.Fatalf("passwd -S as %s: %v", name, err)
		}
		if got, _ := passwdstatus.Parse(b); got != st.want || !strings.HasPrefix(string(b), name+" ") {
			t.Errorf("as the account itself: %q -> %q, want %q", b, got, st.want)
		}
	}
}

// rootOnlyPasswd answers passwd -S as Fedora's and RHEL's passwd does:
// refused to the account itself, answered to root naming it.
type rootOnlyPasswd struct {
	atScreen
	asked []string
}

func (r *rootOnlyPasswd) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	if name == probe.CmdPasswd {
		r.asked = append(r.asked, "as the person")
		return probe.Output{Stderr: []byte("Only root can do that.\n"), ExitCode: 1}, nil
	}
	return r.atScreen.RunAsConsoleUser(ctx, name, args...)
}

func (r *rootOnlyPasswd) Run(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	if name == probe.CmdPasswd {
		r.asked = append(r.asked, strings.Join(args, " "))
		return probe.Output{Stdout: []byte(args[len(args)-1] + " NP 2026-12-06 0 99999 7 -1 (Empty password.)\n")}, nil
	}
	return r.atScreen.Run(ctx, name, args...)
}

// TestPasswordAskedAsRootWhenRefused: where passwd answers root only, the
// check asks again naming the account, and an empty password fails.
func TestPasswordAskedAsRootWhenRefused(t *testing.T) {
	root := writeRoot(t, map[string]string{"/etc/passwd": fakePasswd, "/etc/group": fakeGroup})
	bob := &probe.User{UID: "1001", Name: "bob", Home: "/home/bob"}
	p := &rootOnlyPasswd{atScreen: atScreen{Probe: live.New(), user: bob}}
	f, err := collect(t.Context(), p, root)
	if err != nil {
		t.Fatal(err)
	}
	if f.ConsolePassword != passwordEmpty || !slices.Equal(p.asked, []string{"as the person", "-S bob"}) {
		t.Errorf("password %q, asked %q", f.ConsolePassword, p.asked)
	}
	if r := evaluate(f, checks.Catalogue{Check}.Default()); r.Status != checks.Fail {
		t.Errorf("status %s: %s", r.Status, r.Summary)
	}
	// A directory account (not in /etc/passwd) is not asked.
	p = &rootOnlyPasswd{atScreen: atScreen{Probe: live.New(), user: &probe.User{UID: "50123", Name: "dana", Home: "/home/dana"}}}
	if f, _ := collect(t.Context(), p, root); f.ConsolePassword != passwordDirectory || len(p.asked) != 0 {
		t.Errorf("directory account: %q, asked %q", f.ConsolePassword, p.asked)
	}
}
