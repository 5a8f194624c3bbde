//go:build linux

package antivirus

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/internal/proctest"
	"github.com/sessionguard/sessionguard/internal/syncbuf"
)

// eicar is the anti-virus test file; the test gives clamd a signature of
// its own for it (the machine has no ClamAV database).
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// personAt is the live probe with a given person at the screen: this
// machine has no graphical session.
type personAt struct {
	probe.Probe
	user probe.User
}

func (p personAt) ConsoleUser() (probe.User, error) { return p.user, nil }

// TestLiveOnAccessCoverage runs a real clamd and clamonacc (apt
// clamav-daemon) with each way of leaving a person's folder out, opens a
// test virus in that folder as the person (uid 65534), and checks that the
// check says the folder is watched exactly when clamonacc scanned the file
// (blocked it, or logged it found where a mount watch cannot block).
func TestLiveOnAccessCoverage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (fanotify)")
	}
	for _, bin := range []string{"/usr/sbin/clamd", "/usr/sbin/clamonacc"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("%s is not installed (apt install clamav-daemon)", bin)
		}
	}
	if _, err := os.Stat("/etc/clamav/clamd.conf"); err != nil {
		t.Skip("no /etc/clamav/clamd.conf (apt install clamav-daemon)")
	}
	if out, _ := exec.Command("pgrep", "-x", "clamonacc").Output(); len(out) > 0 {
		t.Skip("a clamonacc already runs on this machine")
	}
	dir := t.TempDir()
	// The person must reach their folder: t.TempDir's parent is private.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The database: one MD5 signature of the test file.
	db := filepath.Join(dir, "db")
	sum := md5.Sum([]byte(eicar))
	mustWrite(t, filepath.Join(db, "test.hdb"), fmt.Sprintf("%s:%d:SessionGuard.Test.EICAR\n", hex.EncodeToString(sum[:]), len(eicar)), 0o644)
	sock := filepath.Join(dir, "clamd.ctl")
	mustWrite(t, filepath.Join(dir, "clamd.conf"), "LocalSocket "+sock+"\nDatabaseDirectory "+db+"\nForeground yes\nUser root\n", 0o644)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	clamd := exec.CommandContext(ctx, "/usr/sbin/clamd", "-c", filepath.Join(dir, "clamd.conf"))
	var clamdOut syncbuf.Buffer
	clamd.Stdout, clamd.Stderr = &clamdOut, &clamdOut
	if err := clamd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = clamd.Process.Kill(); _ = clamd.Wait() }()
	waitFor(t, 60*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }, func() string { return "clamd's socket; clamd said: " + clamdOut.String() })

	// The person: uid 65534 with a home in people/, their file in a folder
	// inside it.
	people := filepath.Join(dir, "people")
	home := filepath.Join(people, "person")
	downloads := filepath.Join(home, "Downloads")
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		t.Fatal(err)
	}
	who := probe.User{UID: "65534", Name: "nobody", Home: home}

	cases := []struct {
		name     string
		conf     string
		args     []string
		watched  bool
		wantsGap string
	}{
		{"include the people folder", "OnAccessIncludePath " + people, nil, true, ""},
		{"include it without DDD", "OnAccessIncludePath " + people + "\nOnAccessDisableDDD yes", nil, false, gapTopOnly},
		{"exclude the home", "OnAccessIncludePath " + people + "\nOnAccessExcludePath " + home, nil, false, gapExcluded},
		{"exclude the home written with a slash", "OnAccessIncludePath " + people + "\nOnAccessExcludePath " + home + "/", nil, true, ""},
		{"exclude Downloads", "OnAccessIncludePath " + people + "\nOnAccessExcludePath " + downloads, nil, false, gapExcludedInside},
		{"exclude the person's account", "OnAccessIncludePath " + people + "\nOnAccessExcludeUname nobody", nil, false, gapAccountExcluded},
		{"include /", "OnAccessIncludePath /", nil, false, gapRootRefused},
		{"a watch list", "", []string{"-W", filepath.Join(dir, "watch.list")}, true, ""},
		{"watch the filesystem of the home", "OnAccessMountPath " + home, nil, true, ""},
		{"watch another filesystem", "OnAccessMountPath /proc", nil, false, gapNotIncluded},
	}
	mustWrite(t, filepath.Join(dir, "watch.list"), "# people\n"+people+"\n", 0o644)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conf := filepath.Join(dir, fmt.Sprintf("onaccess%d.conf", i))
			// Root is left out so that clamd reading a file does not
			// raise another event (clamonacc refuses to start without an
			// account left out).
			mustWrite(t, conf, "LocalSocket "+sock+"\nOnAccessPrevention yes\nOnAccessExcludeRootUID yes\n"+tc.conf+"\n", 0o644)
			logFile := filepath.Join(dir, fmt.Sprintf("onaccess%d.log", i))
			args := append([]string{"-F", "-v", "--fdpass", "-c", conf, "-l", logFile}, tc.args...)
			acc := exec.CommandContext(ctx, "/usr/sbin/clamonacc", args...)
			var accOut syncbuf.Buffer
			acc.Stdout, acc.Stderr = &accOut, &accOut
			if err := acc.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = acc.Wait(); close(exited) }()
			defer func() { _ = acc.Process.Kill(); <-exited }()
			ready := func() bool {
				select {
				case <-exited:
					return true
				default:
				}
				return strings.Contains(accOut.String(), "waiting to consume events")
			}
			waitFor(t, 30*time.Second, ready, func() string { return "clamonacc's start; it said: " + accOut.String() })
			select {
			case <-exited:
				if strings.Contains(accOut.String(), "fanotify") {
					t.Skipf("clamonacc cannot use fanotify here: %s", accOut.String())
				}
				t.Fatalf("clamonacc exited: %s", accOut.String())
			default:
			}

			// A new probe each time: a live probe keeps its process list
			// for a moment.
			p := personAt{Probe: live.New(), user: who}
			procs, err := p.Processes()
			if err != nil {
				t.Fatal(err)
			}
			c := collectClamAV(ctx, p, procs, "")
			if c == nil || c.OnAccess == nil {
				t.Fatalf("no on-access facts: %+v", c)
			}
			if c.OnAccess.Unread != "" || c.OnAccess.ConfigError != "" {
				t.Fatalf("unread: %+v", c.OnAccess)
			}

			scanned := scannedAsNobody(t, downloads, logFile)
			if scanned != tc.watched {
				t.Fatalf("clamonacc scanned the file: %v, the case expects %v (clamonacc said: %s)", scanned, tc.watched, accOut.String())
			}
			if c.OnAccess.Gap != tc.wantsGap || (c.OnAccess.Gap == gapNone) != scanned {
				t.Errorf("check judged gap %q (path %q), want %q; clamonacc scanned the file: %v", c.OnAccess.Gap, c.OnAccess.GapPath, tc.wantsGap, scanned)
			}
			if c.OnAccess.Folder != "~" {
				t.Errorf("folder %q, want ~", c.OnAccess.Folder)
			}
			for _, p := range append(append(c.OnAccess.ExcludePaths, c.OnAccess.GapPath), c.OnAccess.WatchListPaths...) {
				if strings.Contains(p, home) {
					t.Errorf("facts hold the home's path: %q", p)
				}
			}
		})
	}
}

// scannedAsNobody writes the test file into dir, opens it as nobody (the
// person), and reports whether clamonacc scanned it: the open was
// refused, or its log names the file as found within a few seconds (a
// mount watch cannot refuse).
func scannedAsNobody(t *testing.T, dir, logFile string) bool {
	t.Helper()
	f, err := os.CreateTemp(dir, "eicar-*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(eicar); err != nil {
		t.Fatal(err)
	}
	if err := f.Chmod(0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	cat := proctest.AsNobody(exec.Command("/bin/cat", f.Name()))
	var stderr bytes.Buffer
	cat.Stdout, cat.Stderr = nil, &stderr
	err = cat.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && strings.Contains(stderr.String(), "Operation not permitted") {
		return true
	} else if err != nil {
		t.Fatalf("cat as %d: %v: %s", proctest.NobodyUID, err, stderr.String())
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(logFile); bytes.Contains(b, []byte(f.Name()+": SessionGuard.Test.EICAR")) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func mustWrite(t *testing.T, name, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, limit time.Duration, ok func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
