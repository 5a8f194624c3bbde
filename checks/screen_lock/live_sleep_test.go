package screenlock_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
	"github.com/sessionguard/sessionguard/internal/xvfbtest"
)

// sleepHooksMoved is the live probe with the system's sleep hook folders
// (/etc/systemd/system/*.target.wants, the systemd-sleep folders) read
// from a test folder instead: the test writes its hooks there, not into
// the machine's /etc.
type sleepHooksMoved struct {
	probe.Probe
	root string
}

func (m sleepHooksMoved) path(p string) string {
	for _, prefix := range []string{"/etc/systemd/system/", "/etc/systemd/system-sleep", "/usr/lib/systemd/system-sleep"} {
		if strings.HasPrefix(p, prefix) {
			return filepath.Join(m.root, p)
		}
	}
	return p
}

func (m sleepHooksMoved) ReadFile(p string) ([]byte, error) { return m.Probe.ReadFile(m.path(p)) }
func (m sleepHooksMoved) ReadFileHead(p string, n int) ([]byte, error) {
	return m.Probe.ReadFileHead(m.path(p), n)
}
func (m sleepHooksMoved) ReadDir(p string) ([]string, error) { return m.Probe.ReadDir(m.path(p)) }

// TestLiveXautolockSleep runs the real xautolock (locking with i3lock
// after 5 minutes) on a private Xvfb display beside an i3 stand-in: the
// idle lock passes the limit, but xautolock has no before-sleep event, so
// with no sleep hook the screen opens unlocked after the lid is closed
// (fail); a unit the sleep target wants that runs i3lock locks it (pass);
// a systemd-sleep script that only stops i3lock after waking does not.
func TestLiveXautolockSleep(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux desktops only")
	}
	for _, f := range []string{"/usr/bin/xautolock", "/usr/bin/Xvfb"} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is not installed (apt-get install xautolock xvfb)", f)
		}
	}
	display := xvfbtest.Start(t, "640x480x24")
	// Run as the person at the screen: a process in a desktop session
	// (with a session bus address) is that person, root included.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	// The window manager: there is no logind here, the desktop is found
	// from the person's processes.
	startStandIn(t, "i3")
	idle := exec.CommandContext(t.Context(), "/usr/bin/xautolock", "-time", "5", "-locker", "i3lock -n", "-detectsleep")
	idle.Env = []string{"DISPLAY=" + display, "PATH=/usr/bin:/bin"}
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idle.Process.Kill(); _ = idle.Wait() }()
	waitForComm(t, idle.Process.Pid, "xautolock")

	unit := "[Unit]\nBefore=sleep.target\n\n[Service]\nUser=%I\nType=forking\nEnvironment=DISPLAY=:0\nExecStart=/usr/bin/i3lock\n\n[Install]\nWantedBy=sleep.target\n"
	stopper := "#!/bin/sh\ncase \"$1\" in\n    post) pkill i3lock ;;\nesac\n"
	for _, tc := range []struct {
		name  string
		hooks map[string]string // path under the moved root → content
		want  checks.Status
		hook  string
	}{
		{"no sleep hook", nil, checks.Fail, ""},
		{"a unit the sleep target wants runs i3lock", map[string]string{"etc/systemd/system/sleep.target.wants/i3lock@sam.service": unit}, checks.Pass, "i3lock@.service"},
		{"a sleep script that only stops i3lock", map[string]string{"usr/lib/systemd/system-sleep/display": stopper}, checks.Fail, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for p, content := range tc.hooks {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res := screenlock.Check.Run(t.Context(), sleepHooksMoved{Probe: live.New(), root: root}, checks.Catalogue{screenlock.Check}.Default())
			var f screenlock.Facts
			if err := json.Unmarshal(res.Facts, &f); err != nil {
				t.Fatal(err)
			}
			if f.Linux == nil || f.Linux.Desktop != screenlock.DesktopI3 || len(f.Linux.IdleLockers) != 1 || f.Linux.IdleLockers[0].Name != "xautolock" {
				t.Fatalf("the i3 stand-in and xautolock were not seen: %s", res.Facts)
			}
			if res.Status != tc.want || f.Linux.SleepHook != tc.hook {
				t.Fatalf("%s (%s), sleep hook %q; want %s, %q\nfacts %s", res.Status, res.Summary, f.Linux.SleepHook, tc.want, tc.hook, res.Facts)
			}
			if res.Status == checks.Fail && !strings.Contains(res.Fix, "xss-lock") {
				t.Errorf("the fix should say how to lock before sleep: %s", res.Fix)
			}
		})
	}
}
