package remoteaccess_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	remoteaccess "github.com/sessionguard/sessionguard/checks/remote_access"
	"github.com/sessionguard/sessionguard/internal/netnstest"
	"github.com/sessionguard/sessionguard/internal/xvfbtest"
)

// needTool returns the path of a program a live test needs: skipped when
// it is missing, but a failure under CI (scripts/deps.sh installs it).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: scripts/deps.sh installs %s", name, pkg)
		}
		t.Skipf("needs %s (apt install %s)", name, pkg)
	}
	return p
}

func liveCollect(t *testing.T) (remoteaccess.Facts, checks.Result) {
	t.Helper()
	f, err := remoteaccess.Collect(t.Context(), live.New())
	if err != nil {
		t.Fatal(err)
	}
	if !f.ProcessListRead || len(f.Errors) > 0 {
		t.Fatalf("live sources not read: %v", f.Errors)
	}
	return f, remoteaccess.Evaluate(f, checks.Catalogue{remoteaccess.Check}.Default())
}

func toolOf(f remoteaccess.Facts, id string) (remoteaccess.Tool, bool) {
	for _, x := range f.Tools {
		if x.Tool == id {
			return x, true
		}
	}
	return remoteaccess.Tool{}, false
}

// TestLiveX11VNC runs a real x11vnc, sharing a private Xvfb display, inside
// a network namespace of its own (so nothing outside can reach it): while
// it listens the check fails naming x11vnc, with a viewer connected it says
// someone is connected, and once it is stopped the check passes again (or
// keeps whatever else this machine runs, without x11vnc).
func TestLiveX11VNC(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("live test runs on Linux")
	}
	if os.Getenv("SG_REMOTE_NETNS") == "" {
		needTool(t, "Xvfb", "xvfb")
		needTool(t, "x11vnc", "x11vnc")
		needTool(t, "ss", "iproute2")
	}
	if !netnstest.InLoopbackNetns(t, "SG_REMOTE_NETNS", netnstest.LoUp, "x11vnc listens inside a network namespace") {
		return
	}
	needTool(t, "Xvfb", "xvfb")
	x11vnc := needTool(t, "x11vnc", "x11vnc")

	baseF, base := liveCollect(t)
	if x, ok := toolOf(baseF, remoteaccess.X11VNC); ok && x.Running {
		t.Skip("x11vnc already runs on this machine")
	}

	display := xvfbtest.Start(t, "320x240x24")
	dir := t.TempDir()

	vnc := exec.Command(x11vnc, "-display", display, "-rfbport", "5900", "-forever", "-shared", "-nopw", "-quiet", "-noshm")
	vnc.Env = append(os.Environ(), "HOME="+dir)
	stopVNC := start(t, vnc)
	waitListening(t, "x11vnc", "127.0.0.1:5900")

	f, r := liveCollect(t)
	x, ok := toolOf(f, remoteaccess.X11VNC)
	if !ok || !x.Running || x.Listening != remoteaccess.Network || !f.SocketsRead {
		t.Errorf("x11vnc running: facts %+v, sockets read %v", f.Tools, f.SocketsRead)
	}
	if r.Status != checks.Fail || !contains(r.Summary, "x11vnc is running and accepts connections from other computers") {
		t.Errorf("x11vnc running: %s %q, want fail naming x11vnc", r.Status, r.Summary)
	}

	// A viewer connected: the RFB handshake's greeting read, the
	// connection held open.
	conn, err := net.Dial("tcp", "127.0.0.1:5900")
	if err != nil {
		t.Fatal(err)
	}
	greeting := make([]byte, 12)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(greeting); err != nil {
		t.Fatalf("no RFB greeting: %v", err)
	}
	f, r = liveCollect(t)
	if x, _ := toolOf(f, remoteaccess.X11VNC); x.Connected != remoteaccess.Yes {
		t.Errorf("viewer connected: x11vnc facts %+v", x)
	}
	if r.Status != checks.Fail || !contains(r.Summary, "Someone is connected to this computer through x11vnc right now") {
		t.Errorf("viewer connected: %s %q", r.Status, r.Summary)
	}
	conn.Close()

	stopVNC()
	f, r = liveCollect(t)
	if x, ok := toolOf(f, remoteaccess.X11VNC); ok && x.Running {
		t.Errorf("after stopping: x11vnc still running: %+v", x)
	}
	if r.Status != base.Status {
		t.Errorf("after stopping: %s %q, want %s as before it started (%q)", r.Status, r.Summary, base.Status, base.Summary)
	}
	if base.Status == checks.Pass && !contains(r.Summary, "Installed but not running: x11vnc") {
		t.Errorf("after stopping: summary %q does not note x11vnc installed", r.Summary)
	}

	// The same server under a name the catalogue does not know (a VNC
	// server SessionGuard has never heard of): the process list does not
	// show it, but it listens on a VNC port where other computers reach
	// it, so the check finds it there and names the program.
	renamed := filepath.Join(dir, "screenshared")
	if b, err := os.ReadFile(x11vnc); err != nil || os.WriteFile(renamed, b, 0o755) != nil {
		t.Fatalf("copying x11vnc: %v", err)
	}
	other := exec.Command(renamed, "-display", display, "-rfbport", "5901", "-forever", "-shared", "-nopw", "-quiet", "-noshm")
	other.Env = append(os.Environ(), "HOME="+dir)
	stopOther := start(t, other)
	waitListening(t, "the renamed server", "127.0.0.1:5901")
	f, r = liveCollect(t)
	if x, ok := toolOf(f, remoteaccess.X11VNC); ok && x.Running {
		t.Errorf("renamed server taken for x11vnc: %+v", x)
	}
	// (x11vnc also opens 5900 beside the port asked for.)
	if !slices.ContainsFunc(f.OtherListeners, func(o remoteaccess.OtherListener) bool {
		return o.Program == "screenshared" && o.Kind == "vnc" && o.Port == 5901
	}) {
		t.Errorf("renamed server: other listeners %+v", f.OtherListeners)
	}
	if r.Status != checks.Fail || !contains(r.Summary, "program, screenshared, accepts VNC connections from other computers (port 5901)") {
		t.Errorf("renamed server: %s %q, want fail naming screenshared", r.Status, r.Summary)
	}
	stopOther()
	if f, _ = liveCollect(t); len(f.OtherListeners) != 0 {
		t.Errorf("after stopping the renamed server: other listeners %+v", f.OtherListeners)
	}
}

// start starts cmd, stopping it when the test ends; the returned func
// stops it earlier.
func start(t *testing.T, cmd *exec.Cmd) func() {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// waitListening waits until something accepts connections at addr.
func waitListening(t *testing.T, what, addr string) {
	t.Helper()
	waitFor(t, what+" to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
