package screenlock_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/godbus/dbus/v5"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
	"github.com/sessionguard/sessionguard/internal/xvfbtest"
)

// liveCaseEnv names the case a re-executed child test runs.
const liveCaseEnv = "SESSIONGUARD_SCREENLOCK_LIVE_CASE"

// liveCases are desktop settings written with the real gsettings into a
// private dconf database (GNOME's, or MATE's whose screensaver must run
// too), and the verdict the live check must give.
var liveCases = map[string]struct {
	set  [][]string // gsettings set arguments
	want checks.Status
	// lockSecs is the expected effective time (pass and late fail only).
	lockSecs int
	// desktop is the desktop's session process, stood in by a copy of
	// sleep (gnome-shell when empty); screensaver, when set, is the real
	// screensaver program started on the test's Xvfb display.
	desktop, screensaver string
	// inhibitApp, when set, holds an org.freedesktop.ScreenSaver
	// inhibitor under that application name while the check runs, as a
	// browser playing video or a keep-awake tool does; named is what the
	// summary must then name.
	inhibitApp, named string
}{
	"lock_disabled": {set: [][]string{{"org.gnome.desktop.screensaver", "lock-enabled", "false"}}, want: checks.Fail},
	"idle_0":        {set: [][]string{{"org.gnome.desktop.session", "idle-delay", "0"}}, want: checks.Fail},
	"idle_900":      {set: [][]string{{"org.gnome.desktop.session", "idle-delay", "900"}}, want: checks.Fail, lockSecs: 900},
	"idle_300":      {set: [][]string{{"org.gnome.desktop.session", "idle-delay", "300"}}, want: checks.Pass, lockSecs: 300},
	"idle_300_lock_delay_400": {set: [][]string{
		{"org.gnome.desktop.session", "idle-delay", "300"},
		{"org.gnome.desktop.screensaver", "lock-delay", "400"},
	}, want: checks.Fail, lockSecs: 700},
	// MATE's settings say the screen locks after 6 minutes; it does only
	// while mate-screensaver runs.
	"mate_screensaver_running": {set: mateSettings, want: checks.Pass, lockSecs: 360, desktop: "mate-session", screensaver: "/usr/bin/mate-screensaver"},
	"mate_screensaver_stopped": {set: mateSettings, want: checks.Fail, desktop: "mate-session"},
	// mate-screensaver does not start while an inhibitor it holds is
	// there: caffeine-ng's fails, a browser's is expected during a call.
	"mate_caffeine_inhibits": {set: mateSettings, want: checks.Fail, desktop: "mate-session", screensaver: "/usr/bin/mate-screensaver",
		inhibitApp: "caffeine-ng", named: "Caffeine"},
	"mate_firefox_inhibits": {set: mateSettings, want: checks.Pass, lockSecs: 360, desktop: "mate-session", screensaver: "/usr/bin/mate-screensaver",
		inhibitApp: "Firefox", named: "Firefox"},
	// MATE's power manager set not to lock on suspend (its own switch,
	// used once lock-use-screensaver is off).
	"mate_no_lock_on_suspend": {set: append(slices.Clone(mateSettings),
		[]string{"org.mate.power-manager", "lock-use-screensaver", "false"},
		[]string{"org.mate.power-manager", "lock-suspend", "false"}),
		want: checks.Fail, desktop: "mate-session", screensaver: "/usr/bin/mate-screensaver"},
}

var mateSettings = [][]string{
	{"org.mate.screensaver", "idle-activation-enabled", "true"},
	{"org.mate.screensaver", "lock-enabled", "true"},
	{"org.mate.screensaver", "lock-delay", "1"},
	{"org.mate.session", "idle-delay", "5"},
}

// TestLiveGSettingsDesktops runs the check with the live probe against real
// gsettings and the real GNOME and MATE schemas, inside a private D-Bus
// session (dbus-run-session) with the dconf backend and a throwaway HOME
// and XDG_CONFIG_HOME, so the machine's own settings are never touched;
// MATE's cases run the real mate-screensaver on a private Xvfb display, or
// not. Each case re-executes this test binary under dbus-run-session.
func TestLiveGSettingsDesktops(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live GNOME test on Linux only")
	}
	if os.Getenv(liveCaseEnv) != "" {
		t.Skip("running as a child")
	}
	for _, tool := range []string{"/usr/bin/gsettings", "/usr/bin/dbus-run-session"} {
		if _, err := os.Stat(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install libglib2.0-bin dbus-daemon)", tool)
		}
	}
	if _, err := os.Stat("/usr/share/glib-2.0/schemas/org.gnome.desktop.screensaver.gschema.xml"); err != nil {
		t.Skip("GNOME schemas are not installed (apt-get install gsettings-desktop-schemas)")
	}
	if !dconfBackend() {
		t.Skip("the dconf GSettings backend is not installed (apt-get install dconf-gsettings-backend dconf-service)")
	}
	// One display for every MATE case, kept until the last has run.
	display, parent := "", t
	for name, tc := range liveCases {
		t.Run(name, func(t *testing.T) {
			if strings.HasPrefix(name, "mate_") {
				for _, f := range []string{"/usr/bin/mate-screensaver", "/usr/share/glib-2.0/schemas/org.mate.screensaver.gschema.xml", "/usr/bin/Xvfb"} {
					if _, err := os.Stat(f); err != nil {
						t.Skipf("%s is not installed (apt-get install mate-screensaver xvfb)", f)
					}
				}
				if display == "" {
					display = xvfbtest.Start(parent, "640x480x24")
				}
			}
			dir := t.TempDir()
			home, cfg, run := filepath.Join(dir, "home"), filepath.Join(dir, "config"), filepath.Join(dir, "run")
			for _, d := range []string{home, cfg, run} {
				if err := os.MkdirAll(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.CommandContext(t.Context(), "/usr/bin/dbus-run-session", "--", os.Args[0],
				"-test.run=^TestLiveGSettingsChild$", "-test.v", "-test.count=1")
			cmd.Env = []string{
				"PATH=/usr/bin:/bin", "LC_ALL=C",
				"HOME=" + home, "XDG_CONFIG_HOME=" + cfg, "XDG_RUNTIME_DIR=" + run,
				liveCaseEnv + "=" + name, "DISPLAY=" + display,
			}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("child failed: %v\n%s", err, out.String())
			}
			res := childResult(t, out.Bytes())
			var f screenlock.Facts
			if err := json.Unmarshal(res.Facts, &f); err != nil {
				t.Fatal(err)
			}
			desktop := screenlock.DesktopGNOME
			if tc.desktop == "mate-session" {
				desktop = screenlock.DesktopMATE
			}
			status := res.Status
			if l := f.Linux; desktop == screenlock.DesktopGNOME && l != nil &&
				(l.GNOMEShellLock == screenlock.ShellLockNoGDM || l.GNOMEShellLock == screenlock.ShellLockNoLogind) {
				// Without GDM (or logind) on this machine GNOME Shell would
				// have no lock screen: that fails; the settings are judged
				// as where GDM runs.
				if res.Status != checks.Fail {
					t.Fatalf("GNOME Shell without GDM: status %s, want fail\nfacts %s", res.Status, res.Facts)
				}
				withGDM := f
				lf := *l
				lf.GNOMEShellLock = screenlock.ShellLockGDMRunning
				withGDM.Linux = &lf
				status = screenlock.Evaluate(withGDM, checks.Catalogue{screenlock.Check}.Default()).Status
			}
			if status != tc.want {
				t.Fatalf("status %s, want %s: %s\nfacts %s", status, tc.want, res.Summary, res.Facts)
			}
			if f.Linux == nil || f.Linux.Source != "gsettings" || f.Linux.Desktop != desktop {
				t.Fatalf("facts did not come from gsettings on %s: %s", desktop, res.Facts)
			}
			if desktop == screenlock.DesktopMATE {
				if r := f.Linux.LockerDaemonRunning; r == nil || *r != (tc.screensaver != "") {
					t.Fatalf("mate-screensaver seen running: %v, started: %v (%s)", r, tc.screensaver != "", res.Facts)
				}
				if _, err := os.Stat("/usr/share/glib-2.0/schemas/org.mate.power-manager.gschema.xml"); err == nil {
					// The power manager's schema is there: the lock on
					// sleep is read (it follows the screensaver's unless
					// lock-use-screensaver is off).
					off := f.Linux.LockOnSleep != nil && !*f.Linux.LockOnSleep
					if off != (name == "mate_no_lock_on_suspend") {
						t.Fatalf("lock on sleep %v in %s", f.Linux.LockOnSleep, res.Facts)
					}
				} else if name == "mate_no_lock_on_suspend" {
					t.Skip("mate-power-manager-common is not installed (its schema holds the setting)")
				}
			}
			if tc.lockSecs > 0 {
				got := *f.Linux.IdleDelaySeconds + *f.Linux.LockDelaySeconds
				if got != tc.lockSecs {
					t.Errorf("effective lock time %d s, want %d s", got, tc.lockSecs)
				}
			}
			if res.Status != checks.Pass && res.Fix == "" {
				t.Error("a failing result needs a fix")
			}
			if tc.named != "" && !strings.Contains(res.Summary, tc.named) {
				t.Errorf("the summary does not name %s: %s\nfacts %s", tc.named, res.Summary, res.Facts)
			}
		})
	}
}

// TestLiveGSettingsChild is the part that runs inside dbus-run-session: it
// writes the case's settings with gsettings and prints the check result.
func TestLiveGSettingsChild(t *testing.T) {
	name := os.Getenv(liveCaseEnv)
	if name == "" {
		t.Skip("only run by TestLiveGSettingsDesktops")
	}
	tc, ok := liveCases[name]
	if !ok {
		t.Fatalf("unknown case %q", name)
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no session bus: not under dbus-run-session")
	}
	for _, args := range tc.set {
		out, err := exec.CommandContext(t.Context(), "/usr/bin/gsettings", append([]string{"set"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("gsettings set %v: %v\n%s", args, err, out)
		}
	}
	// The desktop is found from the processes the user runs (there is no
	// logind here): a stand-in named gnome-shell (or tc.desktop), a copy
	// of sleep.
	desktop := tc.desktop
	if desktop == "" {
		desktop = "gnome-shell"
	}
	startStandIn(t, desktop)
	if tc.screensaver != "" {
		saver := exec.CommandContext(t.Context(), tc.screensaver, "--no-daemon")
		var saverOut bytes.Buffer
		saver.Stdout, saver.Stderr = &saverOut, &saverOut
		defer func() {
			if t.Failed() {
				t.Logf("%s said:\n%s", tc.screensaver, saverOut.String())
			}
		}()
		if err := saver.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = saver.Process.Kill(); _ = saver.Wait() }()
		waitForComm(t, saver.Process.Pid, filepath.Base(tc.screensaver)[:15])
		waitForBusName(t, "org.mate.ScreenSaver")
	}
	if tc.inhibitApp != "" {
		holdScreenSaverInhibitor(t, tc.inhibitApp)
	}
	res := screenlock.Check.Run(t.Context(), live.New(), checks.Catalogue{screenlock.Check}.Default())
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("RESULT %s\n", b)
}

// holdScreenSaverInhibitor asks mate-screensaver (on the test's session
// bus) not to start, as app, and holds the inhibitor until the test ends:
// the screen saver drops it when its holder leaves the bus. Its own name,
// org.mate.ScreenSaver: later versions than Debian 12's also answer
// org.freedesktop.ScreenSaver's Inhibit, into the same list.
func holdScreenSaverInhibitor(t *testing.T, app string) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	var cookie uint32
	saver := conn.Object("org.mate.ScreenSaver", "/org/mate/ScreenSaver")
	if err := saver.CallWithContext(t.Context(), "org.mate.ScreenSaver.Inhibit", dbus.FlagNoAutoStart, app, "video-playing").Store(&cookie); err != nil {
		t.Fatalf("Inhibit: %v", err)
	}
}

// waitForBusName waits until name has an owner on the session bus, at
// most 15 s: a screen saver takes its name a moment after it starts, and
// a call to the name before that would have D-Bus start another copy.
func waitForBusName(t *testing.T, name string) {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	owned := false
	for range 300 {
		err = conn.BusObject().CallWithContext(t.Context(), "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned)
		if err != nil || owned {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !owned {
		t.Fatalf("%s never appeared on the session bus: %v", name, err)
	}
}

// startStandIn runs a copy of sleep named name for a minute, until the
// test ends: the person's desktop or window manager, as the process list
// shows it.
func startStandIn(t *testing.T, name string) {
	t.Helper()
	fake := filepath.Join(t.TempDir(), name)
	sleep, err := os.ReadFile("/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fake, sleep, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), fake, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
}

// waitForComm waits until the process pid names itself comm (a program's
// name is set as it starts), at most 5 s.
func waitForComm(t *testing.T, pid int, comm string) {
	t.Helper()
	for range 100 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(b)) == comm {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("process %d never named itself %s", pid, comm)
}

func childResult(t *testing.T, out []byte) checks.Result {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
			var r checks.Result
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("child printed no result:\n%s", out)
	return checks.Result{}
}

func dconfBackend() bool {
	matches, _ := filepath.Glob("/usr/lib/*/gio/modules/libdconfsettings.so")
	return len(matches) > 0
}

// TestLiveHeadless: on a machine where nobody is signed in at a screen
// (like the CI machine), the live check is not applicable, never pass.
func TestLiveHeadless(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if os.Getenv(liveCaseEnv) != "" {
		t.Skip("running as a child")
	}
	p := live.New()
	if _, err := p.ConsoleUser(); !errors.Is(err, probe.ErrNotFound) {
		t.Skipf("someone is signed in at the screen here (%v): not a headless machine", err)
	}
	res := screenlock.Check.Run(t.Context(), p, checks.Catalogue{screenlock.Check}.Default())
	if res.Status != checks.NotApplicable {
		t.Fatalf("headless machine: status %s, want not_applicable: %s", res.Status, res.Summary)
	}
}

// liveNoDesktopEnv marks the child run of TestLiveNoDesktopSession.
const liveNoDesktopEnv = "SESSIONGUARD_SCREENLOCK_LIVE_NODESKTOP"

// TestLiveNoDesktopSession runs the live check the way a person would from
// a terminal or over SSH: as the user running it (under a session bus, so
// the probe takes this account for the person at the screen), and, when
// this test runs as root, as the unprivileged account nobody. This machine
// has no desktop session, and GNOME's schemas may well be installed: the
// verdict is never a pass on GNOME's defaults, and no desktop is assumed.
func TestLiveNoDesktopSession(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if os.Getenv(liveCaseEnv) != "" || os.Getenv(liveNoDesktopEnv) != "" {
		t.Skip("running as a child")
	}
	if out, err := exec.CommandContext(t.Context(), "/bin/sh", "-c", "ps -eo comm= | grep -Ex 'gnome-shell|plasmashell|Xorg|Xwayland|sway|Hyprland|xfce4-session' || true").Output(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Skipf("a desktop runs on this machine (%s): not the case under test", bytes.TrimSpace(out))
	}
	check := func(t *testing.T, res checks.Result) {
		t.Helper()
		var f screenlock.Facts
		if err := json.Unmarshal(res.Facts, &f); err != nil {
			t.Fatal(err)
		}
		if res.Status == checks.Pass {
			t.Fatalf("no desktop session, yet pass: %s\nfacts %s", res.Summary, res.Facts)
		}
		if f.Linux != nil && (f.Linux.Desktop == screenlock.DesktopGNOME || f.Linux.Session == screenlock.SessionGraphical) {
			t.Fatalf("a desktop was assumed: %s", res.Facts)
		}
		if f.ConsoleUser == screenlock.ConsoleSignedIn && res.Status != checks.NotApplicable && res.Status != checks.Unknown {
			t.Fatalf("status %s, want not_applicable or unknown: %s", res.Status, res.Summary)
		}
		if res.Status == checks.Unknown && res.Reason == "" {
			t.Error("unknown without a reason")
		}
		t.Logf("%s: %s (%s) %s", res.Status, res.Summary, res.Reason, res.Facts)
	}
	t.Run("this account under a session bus", func(t *testing.T) {
		if _, err := os.Stat("/usr/bin/dbus-run-session"); err != nil {
			t.Skip("dbus-run-session is not installed (apt-get install dbus-daemon)")
		}
		cmd := exec.CommandContext(t.Context(), "/usr/bin/dbus-run-session", "--", os.Args[0],
			"-test.run=^TestLiveNoDesktopChild$", "-test.v", "-test.count=1")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + t.TempDir(), liveNoDesktopEnv + "=1"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child failed: %v\n%s", err, out)
		}
		check(t, childResult(t, out))
	})
	t.Run("unprivileged account", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to run the child as nobody")
		}
		if _, err := user.Lookup("nobody"); err != nil {
			t.Skip("no nobody account")
		}
		// A copy of this test binary that nobody may run, in a folder
		// nobody can reach; the child's environment is a bare one.
		dir, err := os.MkdirTemp("", "screenlock-live-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := nobodyChild(t, dir, "TestLiveNoDesktopChild")
		cmd.Args = append(cmd.Args, "-test.v", "-test.count=1")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=" + dir, "GOCOVERDIR=" + dir, liveNoDesktopEnv + "=1"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child failed: %v\n%s", err, out)
		}
		check(t, childResult(t, out))
	})
}

// TestLiveNoDesktopChild prints the live check's result (run by
// TestLiveNoDesktopSession).
func TestLiveNoDesktopChild(t *testing.T) {
	if os.Getenv(liveNoDesktopEnv) == "" {
		t.Skip("only run by TestLiveNoDesktopSession")
	}
	res := screenlock.Check.Run(t.Context(), live.New(), checks.Catalogue{screenlock.Check}.Default())
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("RESULT %s\n", b)
}
