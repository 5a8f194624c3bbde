package evidence

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// A recorded scan replays to the same holders; a path the recording did
// not ask about is unavailable, not "held by nobody"; a denied scan stays
// denied.
func TestHeldOpenRecordReplay(t *testing.T) {
	inner := &fakeHolders{holders: []probe.Holder{{PID: 42, Path: "/dev/video0"}}}
	rec := NewRecorder(inner)
	if _, err := rec.HeldOpen([]string{"/dev/video0", "/dev/snd/pcmC0D0c"}); err != nil {
		t.Fatal(err)
	}
	rp := replayOf(t, rec)
	hs, err := probe.HeldOpen(rp, []string{"/dev/video0"})
	if err != nil || !slices.Equal(hs, inner.holders) {
		t.Errorf("replayed %v, %v; want %v", hs, err, inner.holders)
	}
	if _, err := probe.HeldOpen(rp, []string{"/dev/video1"}); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("unrecorded path: %v, want unavailable", err)
	}

	inner.err = probe.ErrAccessDenied
	rec = NewRecorder(inner)
	if _, err := rec.HeldOpen([]string{"/dev/video0"}); !errors.Is(err, probe.ErrAccessDenied) {
		t.Fatal(err)
	}
	rp = replayOf(t, rec)
	if hs, err := probe.HeldOpen(rp, []string{"/dev/video0"}); !errors.Is(err, probe.ErrAccessDenied) || len(hs) != 1 {
		t.Errorf("denied scan replayed as %v, %v; want the partial answer and access denied", hs, err)
	}
	if _, err := probe.HeldOpen(inner.Probe, nil); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("a probe without HeldOpen: %v, want unavailable", err)
	}
}

type fakeHolders struct {
	probe.Probe
	holders []probe.Holder
	err     error
}

func (f *fakeHolders) GOOS() string { return "linux" }

func (f *fakeHolders) Now() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }

func (f *fakeHolders) ConsoleUser() (probe.User, error) { return probe.User{}, probe.ErrNotFound }

func (f *fakeHolders) HeldOpen([]string) ([]probe.Holder, error) { return f.holders, f.err }
