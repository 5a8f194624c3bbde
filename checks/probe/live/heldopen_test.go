package live

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// The live scan finds this test process holding a file it opened, and
// nobody holding one it closed.
func TestHeldOpenLive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("open files are read from /proc on Linux only")
	}
	dir := t.TempDir()
	held, closed := filepath.Join(dir, "held"), filepath.Join(dir, "closed")
	f, err := os.Create(held)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.WriteFile(closed, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	hs, err := New().HeldOpen([]string{held, closed})
	if err != nil && !errors.Is(err, probe.ErrAccessDenied) {
		t.Fatal(err)
	}
	want := probe.Holder{PID: int32(os.Getpid()), Path: held}
	if !slices.Contains(hs, want) {
		t.Errorf("holders %v, want %v among them", hs, want)
	}
	for _, h := range hs {
		if h.Path == closed {
			t.Errorf("%v holds a file nobody has open", h)
		}
	}
}

// BenchmarkHeldOpen is the open-file scan of every process on this machine
// (what capture_in_use pays where a camera or capture device exists).
func BenchmarkHeldOpen(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("Linux only")
	}
	l := New()
	for b.Loop() {
		if _, err := l.HeldOpen([]string{"/dev/video0", "/dev/snd/pcmC0D0c"}); err != nil && !errors.Is(err, probe.ErrAccessDenied) {
			b.Fatal(err)
		}
	}
}
