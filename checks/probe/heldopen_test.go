package probe

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
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
	if err != nil && !errors.Is(err, ErrAccessDenied) {
		t.Fatal(err)
	}
	want := Holder{PID: int32(os.Getpid()), Path: held}
	if !slices.Contains(hs, want) {
		t.Errorf("holders %v, want %v among them", hs, want)
	}
	for _, h := range hs {
		if h.Path == closed {
			t.Errorf("%v holds a file nobody has open", h)
		}
	}
}

// A recorded scan replays to the same holders; a path the recording did
// not ask about is unavailable, not "held by nobody"; a denied scan stays
// denied.
func TestHeldOpenRecordReplay(t *testing.T) {
	inner := &fakeHolders{holders: []Holder{{PID: 42, Path: "/dev/video0"}}}
	rec := NewRecorder(inner)
	if _, err := rec.HeldOpen([]string{"/dev/video0", "/dev/snd/pcmC0D0c"}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(out); err != nil {
		t.Fatal(err)
	}
	rp, err := OpenReplay(out)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := HeldOpen(rp, []string{"/dev/video0"})
	if err != nil || !slices.Equal(hs, inner.holders) {
		t.Errorf("replayed %v, %v; want %v", hs, err, inner.holders)
	}
	if _, err := HeldOpen(rp, []string{"/dev/video1"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("unrecorded path: %v, want unavailable", err)
	}

	inner.err = ErrAccessDenied
	rec = NewRecorder(inner)
	if _, err := rec.HeldOpen([]string{"/dev/video0"}); !errors.Is(err, ErrAccessDenied) {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(out); err != nil {
		t.Fatal(err)
	}
	if rp, err = OpenReplay(out); err != nil {
		t.Fatal(err)
	}
	if hs, err := HeldOpen(rp, []string{"/dev/video0"}); !errors.Is(err, ErrAccessDenied) || len(hs) != 1 {
		t.Errorf("denied scan replayed as %v, %v; want the partial answer and access denied", hs, err)
	}
	if _, err := HeldOpen(inner.Probe, nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a probe without HeldOpen: %v, want unavailable", err)
	}
}

type fakeHolders struct {
	Probe
	holders []Holder
	err     error
}

func (f *fakeHolders) GOOS() string { return "linux" }

func (f *fakeHolders) Now() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }

func (f *fakeHolders) ConsoleUser() (User, error) { return User{}, ErrNotFound }

func (f *fakeHolders) HeldOpen([]string) ([]Holder, error) { return f.holders, f.err }

// BenchmarkHeldOpen is the open-file scan of every process on this machine
// (what capture_in_use pays where a camera or capture device exists).
func BenchmarkHeldOpen(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("Linux only")
	}
	l := New()
	for b.Loop() {
		if _, err := l.HeldOpen([]string{"/dev/video0", "/dev/snd/pcmC0D0c"}); err != nil && !errors.Is(err, ErrAccessDenied) {
			b.Fatal(err)
		}
	}
}
