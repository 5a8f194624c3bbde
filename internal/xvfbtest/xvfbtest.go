// Package xvfbtest starts a private Xvfb display for a test. Xvfb picks a
// free display number itself (-displayfd), passing over the lock files
// that Xvfbs killed in earlier runs left in /tmp, and it is stopped with
// SIGTERM, on which it removes its own lock and socket.
package xvfbtest

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Path is where Debian's xvfb package puts Xvfb.
const Path = "/usr/bin/Xvfb"

// Start starts Xvfb with one screen of the given geometry ("640x480x24")
// and returns its display (":N") once it accepts clients. The display is
// stopped when the test ends.
func Start(tb testing.TB, screen string) string {
	tb.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	x := exec.Command(Path, "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", screen)
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		tb.Fatal(err)
	}
	_ = w.Close()
	tb.Cleanup(func() { stop(x) })
	// Xvfb writes its display number once it is ready; a stuck one must
	// not hold the test until go test's own timeout.
	_ = r.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	_ = r.Close()
	if err != nil {
		tb.Fatalf("Xvfb gave no display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

// stop ends x with SIGTERM (Xvfb then removes its lock file), and kills
// it if it has not ended within 5 seconds.
func stop(x *exec.Cmd) {
	done := make(chan struct{})
	go func() {
		_ = x.Wait()
		close(done)
	}()
	_ = x.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = x.Process.Kill()
		<-done
	}
}
