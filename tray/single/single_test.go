package single

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test start this test binary as a second process that
// tries to take the lock (SG_SINGLE_DIR) and prints what it got.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SG_SINGLE_DIR"); dir != "" {
		inst, asked, err := Acquire(dir)
		switch {
		case errors.Is(err, ErrRunning):
			os.Stdout.WriteString(Message(asked))
			os.Exit(3)
		case err != nil:
			os.Stdout.WriteString(err.Error())
			os.Exit(1)
		}
		os.Stdout.WriteString("acquired\n")
		_ = inst.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func second(t *testing.T, dir string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SG_SINGLE_DIR="+dir)
	out, err := cmd.Output()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// TestOneTrayPerUser: a second process finds the lock taken, asks the
// first to show itself (the first hears it) and is told to exit; once the
// first is gone, or crashed, the next start takes over.
func TestOneTrayPerUser(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	first, asked, err := Acquire(dir)
	if err != nil || asked {
		t.Fatalf("first Acquire: %v, asked %v", err, asked)
	}
	out, code := second(t, dir)
	if code != 3 || !strings.Contains(out, "already running") || !strings.Contains(out, "will also show a notification") {
		t.Fatalf("second start: exit %d, %q", code, out)
	}
	if strings.Contains(out, LockName) || strings.Contains(out, SocketName) {
		t.Errorf("the message names a lock file: %q", out)
	}
	select {
	case <-first.Show():
	case <-time.After(5 * time.Second):
		t.Fatal("the first tray was not asked to show itself")
	}
	// A stranger's line on the socket is ignored.
	if askOnceRaw(t, filepath.Join(dir, SocketName), "rm -rf\n") {
		t.Error("an unknown request was answered")
	}
	select {
	case <-first.Show():
		t.Error("an unknown request made the tray show itself")
	case <-time.After(200 * time.Millisecond):
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if out, code := second(t, dir); code != 0 || out != "acquired\n" {
		t.Errorf("after Close: exit %d, %q", code, out)
	}
	// A stale socket file (a tray killed without Close) does not stop the
	// next start, and the next start answers on a fresh socket.
	if err := os.WriteFile(filepath.Join(dir, SocketName), nil, 0o600); err != nil && runtime.GOOS != "windows" {
		t.Fatal(err)
	}
	again, _, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire over a stale socket: %v", err)
	}
	defer again.Close()
	if !askShow(filepath.Join(dir, SocketName), time.Second) {
		t.Error("the new tray does not answer on its socket")
	}
}

func askOnceRaw(t *testing.T, sock, line string) bool {
	t.Helper()
	c, err := netDial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte(line))
	b := make([]byte, 16)
	n, _ := c.Read(b)
	return n > 0
}

// TestPrivateDir: a directory others can read is refused.
func TestPrivateDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows directories are private by their ACL")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Acquire(dir); err == nil || !strings.Contains(err.Error(), "open to other users") {
		t.Errorf("Acquire in a 0755 directory: %v", err)
	}
}

func TestDir(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if d, err := Dir(); runtime.GOOS != "windows" && (err != nil || d != "/run/user/1000") {
		t.Errorf("Dir with XDG_RUNTIME_DIR = %q, %v", d, err)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if d, err := Dir(); err != nil || filepath.Base(d) != "sessionguard" {
		t.Errorf("Dir without XDG_RUNTIME_DIR = %q, %v", d, err)
	}
}

func netDial(sock string) (net.Conn, error) { return net.DialTimeout("unix", sock, time.Second) }
