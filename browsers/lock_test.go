//go:build unix

package browsers

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestParseLocks(t *testing.T) {
	if h, p, ok := parseChromiumLock("my-laptop.local-4242"); !ok || h != "my-laptop.local" || p != 4242 {
		t.Errorf("chromium: %q %d %v", h, p, ok)
	}
	for _, bad := range []string{"", "host", "host-", "-12", "host-x1"} {
		if _, _, ok := parseChromiumLock(bad); ok {
			t.Errorf("chromium %q parsed", bad)
		}
	}
	if ip, p, ok := parseFirefoxLock("127.0.1.1:+31337"); !ok || ip != "127.0.1.1" || p != 31337 {
		t.Errorf("firefox: %q %d %v", ip, p, ok)
	}
	if _, _, ok := parseFirefoxLock("garbage"); ok {
		t.Error("firefox garbage parsed")
	}
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run /bin/true: %v", err)
	}
	return cmd.Process.Pid
}

func TestLocksLiveAndStale(t *testing.T) {
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	live := os.Getpid()
	dead := deadPID(t)
	cases := []struct {
		name   string
		engine Engine
		target string
		inUse  bool
	}{
		{"chromium live", EngineChromium, host + "-" + itoa(live), true},
		{"chromium dead pid", EngineChromium, host + "-" + itoa(dead), false},
		{"chromium other host", EngineChromium, "someone-elses-mac-" + itoa(live), false},
		{"chromium garbage", EngineChromium, "garbage", false},
		{"firefox live", EngineFirefox, "127.0.1.1:+" + itoa(live), true},
		{"firefox dead pid", EngineFirefox, "127.0.1.1:+" + itoa(dead), false},
		{"firefox other host", EngineFirefox, "192.0.2.77:+" + itoa(live), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "SingletonLock"
			if tc.engine == EngineFirefox {
				name = "lock"
			}
			if err := os.Symlink(tc.target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
			st := liveSystem().lockState(Profile{Engine: tc.engine, LockDir: dir})
			if st.inUse != tc.inUse {
				t.Errorf("inUse = %v, want %v", st.inUse, tc.inUse)
			}
		})
	}
}

func TestStaleLockDoesNotBlockClearing(t *testing.T) {
	home := t.TempDir()
	udd := filepath.Join(home, ".config", "chromium")
	writeCookieDB(t, filepath.Join(udd, "Default", "Cookies"), EngineChromium, "wal", sampleCookies)
	if err := os.Symlink("other-host-"+itoa(os.Getpid()), filepath.Join(udd, "SingletonLock")); err != nil {
		t.Fatal(err)
	}
	ff := filepath.Join(home, ".mozilla", "firefox")
	writeFile(t, filepath.Join(ff, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=p.default\n")
	writeCookieDB(t, filepath.Join(ff, "p.default", "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
	if err := os.Symlink("127.0.1.1:+"+itoa(deadPID(t)), filepath.Join(ff, "p.default", "lock")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ff, "p.default", ".parentlock"), "")
	rep, err := Clear(t.Context(), Options{Env: &Env{Home: home, GOOS: "linux"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || !rep.OK() {
		t.Fatalf("stale locks blocked clearing: %+v", rep.Results)
	}
	for _, r := range rep.Results {
		if r.Removed != len(sampleCookies) {
			t.Errorf("%s removed %d", r.Browser, r.Removed)
		}
	}
}

func TestCloseBrowserRefusesNonBrowserAndTimesOut(t *testing.T) {
	p := Profile{Engine: EngineChromium, Browser: Chromium, LockDir: t.TempDir()}
	held := lockState{inUse: true, pid: 4242}
	terminated := false
	sys := system{
		processName: func(context.Context, int) (string, error) { return "postgres", nil },
		terminate:   func(context.Context, int) error { terminated = true; return nil },
	}
	if err := sys.closeBrowser(t.Context(), p, held, time.Second); !errors.Is(err, errStillRunning) || terminated {
		t.Errorf("non-browser: err %v, terminated %v", err, terminated)
	}
	// A browser that ignores the request: bounded wait, then still running.
	if err := os.Symlink("h-4242", filepath.Join(p.LockDir, "SingletonLock")); err != nil {
		t.Fatal(err)
	}
	sys.processName = func(context.Context, int) (string, error) { return "chrome", nil }
	sys.hostname = func() (string, error) { return "h", nil }
	sys.alive = func(int) bool { return true }
	sys.fileLockHolder = func(string) (bool, int) { return false, 0 }
	start := time.Now()
	if err := sys.closeBrowser(t.Context(), p, held, 300*time.Millisecond); !errors.Is(err, errStillRunning) || !terminated {
		t.Errorf("stubborn browser: err %v, terminated %v", err, terminated)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("wait not bounded: %s", d)
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	return strconv.Itoa(n)
}

// A Chromium lock naming another host: the host name may have changed
// under a running browser, so it counts unless nothing here is behind it.
func TestChromiumForeignHostLock(t *testing.T) {
	cases := []struct {
		name    string
		answers bool
		alive   bool
		proc    string
		procErr error
		inUse   bool
	}{
		{"socket answers", true, false, "", nil, true},
		{"browser pid alive", false, true, "chrome", nil, true},
		{"pid alive, name unknown", false, true, "", errors.New("denied"), true},
		{"pid is another program", false, true, "postgres", nil, false},
		{"nothing behind it", false, false, "", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Symlink("old-name-4242", filepath.Join(dir, "SingletonLock")); err != nil {
				t.Fatal(err)
			}
			sys := system{
				hostname:         func() (string, error) { return "new-name", nil },
				alive:            func(int) bool { return tc.alive },
				singletonAnswers: func(string) bool { return tc.answers },
				processName:      func(context.Context, int) (string, error) { return tc.proc, tc.procErr },
			}
			if st := sys.chromiumLock(dir); st.inUse != tc.inUse {
				t.Errorf("inUse = %v, want %v (%+v)", st.inUse, tc.inUse, st)
			}
		})
	}
}
