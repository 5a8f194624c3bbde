//go:build unix

package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/internal/proctest"
	"github.com/sessionguard/sessionguard/report"
)

const nobody = 65534

// TestPeerCredentials is the acceptance test: a client running as nobody
// (the test binary re-executed with a credential switch) may read, and may
// write only when nobody is the console user; root may always write.
func TestPeerCredentials(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as nobody")
	}
	tests := []struct {
		name       string
		consoleUID string
		wantWrite  bool
	}{
		{"other user reads, may not write", "1000", false},
		{"nobody at the console", "", false},
		{"console user writes", strconv.Itoa(nobody), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			ts := startServer(t, fake, DefaultAuthorizer(func() (string, error) { return tt.consoleUID, nil }))

			// Root (this process) may always write.
			st, err := ts.client.Status(t.Context())
			if err != nil || !st.CanWrite {
				t.Fatalf("root: Status = %+v, %v; want CanWrite", st, err)
			}

			res := runAsNobody(t, ts.path)
			if res.UID != nobody {
				t.Fatalf("child ran as uid %d, want %d", res.UID, nobody)
			}
			if res.ReadErr != "" || res.Version != "test" {
				t.Fatalf("nobody could not read status: %q (version %q)", res.ReadErr, res.Version)
			}
			if res.CanWrite != tt.wantWrite {
				t.Errorf("nobody: CanWrite = %v, want %v", res.CanWrite, tt.wantWrite)
			}
			if tt.wantWrite {
				if res.WriteErr != "" {
					t.Errorf("nobody as console user: start refused: %s", res.WriteErr)
				}
				if fake.openSession() == nil {
					t.Error("no session started")
				}
			} else {
				if !res.WriteForbidden {
					t.Errorf("nobody: start error = %q, want ErrForbidden", res.WriteErr)
				}
				if fake.openSession() != nil {
					t.Error("a session was started by a read-only peer")
				}
			}
		})
	}
}

// runAsNobody copies the test binary where nobody can run it and runs it
// as nobody in client mode against path.
func runAsNobody(t *testing.T, path string) childResult {
	return runAsNobodyMode(t, path, "")
}

// runAsNobodyMode is runAsNobody with the child's mode (envMode).
func runAsNobodyMode(t *testing.T, path, mode string) childResult {
	t.Helper()
	cmd := nobodyCommand(t, path, mode)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstderr: %s", err, stderr.String())
	}
	var res childResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("child output %q: %v (stderr %s)", stdout.String(), err, stderr.String())
	}
	return res
}

// childCommand is the test binary as a client in mode against path, as
// root, killed after timeout.
func childCommand(t *testing.T, path, mode string, timeout time.Duration) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, self, "-test.run=^$")
	cmd.Env = []string{envChild + "=1", envSocket + "=" + path, envMode + "=" + mode, "PATH=/usr/bin:/bin"}
	return cmd
}

// nobodyCommand is the test binary, copied where nobody can run it, as a
// client in mode against path, run as nobody.
func nobodyCommand(t *testing.T, path, mode string) *exec.Cmd {
	t.Helper()
	cmd := proctest.TestAsNobody(t, reachableDir(t), "")
	cmd.Dir = "/"
	cmd.Env = []string{envChild + "=1", envSocket + "=" + path, envMode + "=" + mode, "PATH=/usr/bin:/bin"}
	return cmd
}

func TestListenModes(t *testing.T) {
	old := syscall.Umask(0o077) // a daemon's strict umask must not lock users out
	defer syscall.Umask(old)
	path := filepath.Join(reachableDir(t), "run", "sessionguard", "agent.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for p, want := range map[string]fs.FileMode{filepath.Dir(path): 0o755, path: 0o666} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	if fi, _ := os.Lstat(path); fi.Mode().Type() != fs.ModeSocket {
		t.Errorf("%s is %v, not a socket", path, fi.Mode().Type())
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left behind after Close: %v", err)
	}
	// The lock is released: the next agent starts.
	ln2, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen after Close: %v", err)
	}
	ln2.Close()
}

func TestListenStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(reachableDir(t), "agent.sock")
	// A crashed agent leaves its socket: bound, nobody listening.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close()
	if _, err := net.Dial("unix", path); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("stale socket: dial = %v, want ECONNREFUSED", err)
	}
	// A client sees no agent.
	if _, err := NewClient(path).Status(t.Context()); !errors.Is(err, ErrAgentNotRunning) {
		t.Fatalf("client on a stale socket: %v, want ErrAgentNotRunning", err)
	}

	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen on a stale socket: %v", err)
	}
	defer ln.Close()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the new socket does not answer: %v", err)
	}
	conn.Close()
}

func TestListenSecondAgentRefused(t *testing.T) {
	ts := startServer(t, newFake(), allowAll)
	path := ts.path

	_, err := Listen(path)
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Listen: %v, want ErrAlreadyRunning", err)
	}
	if want := fmt.Sprintf("another SessionGuard agent is already running (pid %d)", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	// The first agent is untouched.
	if _, err := ts.client.Status(t.Context()); err != nil {
		t.Fatalf("first agent after the refused start: %v", err)
	}
}

// A live listener that is not holding our lock (an older agent, another
// program) is refused as well, through the connect probe.
func TestListenLiveForeignSocketRefused(t *testing.T) {
	path := filepath.Join(reachableDir(t), "agent.sock")
	other, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := Listen(path); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("Listen on a live socket: %v, want ErrAlreadyRunning", err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("the live socket was removed: %v", err)
	}
}

func TestListenNeverRemovesOtherFiles(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"regular file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink to a file", func(t *testing.T, path string) {
			target := path + ".target"
			if err := os.WriteFile(target, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(reachableDir(t), "agent.sock")
			tt.make(t, path)
			before, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := Listen(path)
			if err == nil {
				ln.Close()
				t.Fatal("Listen replaced a non-socket")
			}
			if !errors.Is(err, ErrNotSocket) {
				t.Errorf("err = %v, want ErrNotSocket", err)
			}
			after, err := os.Lstat(path)
			if err != nil {
				t.Fatalf("the %s is gone: %v", tt.name, err)
			}
			if !os.SameFile(before, after) {
				t.Errorf("the %s was replaced", tt.name)
			}
			if before.Mode().IsRegular() {
				if b, _ := os.ReadFile(path); string(b) != "precious" {
					t.Errorf("content changed: %q", b)
				}
			}
		})
	}
}

func TestListenUnsafeDir(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"world-writable", func(t *testing.T, dir string) {
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
		}},
		{"owned by another user", func(t *testing.T, dir string) {
			if os.Geteuid() != 0 {
				t.Skip("needs root to chown")
			}
			if err := os.Chown(dir, nobody, nobody); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(reachableDir(t), "sessionguard")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir)
			ln, err := Listen(filepath.Join(dir, "agent.sock"))
			if err == nil {
				ln.Close()
			}
			if !errors.Is(err, ErrUnsafeDir) {
				t.Fatalf("err = %v, want ErrUnsafeDir", err)
			}
		})
	}
}

func TestDefaultSocketPath(t *testing.T) {
	got := DefaultSocketPath()
	if os.Geteuid() == 0 {
		if got != systemSocketPath() {
			t.Errorf("root: %q", got)
		}
		return
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1234")
	if got := DefaultSocketPath(); got != "/run/user/1234/sessionguard/agent.sock" {
		t.Errorf("with XDG_RUNTIME_DIR: %q", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got, want := DefaultSocketPath(), fmt.Sprintf("/tmp/sessionguard-%d/agent.sock", os.Geteuid()); got != want {
		t.Errorf("without: %q, want %q", got, want)
	}
}

func TestUserSocketPath(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1234")
	if got := userSocketPath(); got != "/run/user/1234/sessionguard/agent.sock" {
		t.Errorf("with XDG_RUNTIME_DIR: %q", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "relative")
	if got, want := userSocketPath(), fmt.Sprintf("/tmp/sessionguard-%d/agent.sock", os.Geteuid()); got != want {
		t.Errorf("relative XDG_RUNTIME_DIR: %q, want %q", got, want)
	}
}

// TestLabelHiddenFromOtherUsers is issue 16 item 12 (agent part): a local
// user who is neither root nor at the console sees that a session is
// open, never its label or override reason, in status and in watch; the
// console user sees them.
func TestLabelHiddenFromOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as nobody")
	}
	for _, console := range []string{"1000", strconv.Itoa(nobody)} {
		fake := newFake()
		fake.session = &report.SessionRecord{ID: "a", SessionID: "b", Event: report.SessionStart, Label: "CR-SECRET-7",
			Override: &report.Override{Reason: "urgent safeguarding concern — x", Checks: []string{"firewall"}}}
		ts := startServer(t, fake, DefaultAuthorizer(func() (string, error) { return console, nil }))
		res := runAsNobodyMode(t, ts.path, "peek")
		if res.ReadErr != "" || !res.SessionOpen || !res.WatchSessionOpen {
			t.Fatalf("console %s: nobody must see that a session is open: %+v", console, res)
		}
		atConsole := console == strconv.Itoa(nobody)
		if atConsole && (res.Label != "CR-SECRET-7" || res.WatchLabel != "CR-SECRET-7" || res.Reason == "") {
			t.Errorf("the console user must see the label: %+v", res)
		}
		if !atConsole && (res.Label != "" || res.WatchLabel != "" || res.Reason != "") {
			t.Errorf("another user saw the label or the reason: %+v", res)
		}
		ts.close(t)
	}
}
