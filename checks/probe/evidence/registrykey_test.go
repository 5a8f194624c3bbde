package evidence

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Recorded answers replay as they were: a key found, a key absent, a key
// denied (never "absent"); a key a value was read from exists; a key the
// recording never asked about is unavailable, not absent.
func TestRegistryKeyRecordReplay(t *testing.T) {
	inner := &fakeKeys{keys: map[string]error{
		`HKLM\SOFTWARE\Found`:  nil,
		`HKLM\SOFTWARE\Locked`: fmt.Errorf("registry key: %w", probe.ErrAccessDenied),
	}, values: map[string]any{`HKLM\SOFTWARE\Read|V`: uint64(1)}}
	rec := NewRecorder(inner)
	for key, want := range map[string]bool{`HKLM\SOFTWARE\Found`: true, `HKLM\SOFTWARE\Absent`: false} {
		if got, err := rec.RegistryKeyExists(key); err != nil || got != want {
			t.Fatalf("%s: %v %v", key, got, err)
		}
	}
	if _, err := rec.RegistryKeyExists(`HKLM\SOFTWARE\Locked`); !errors.Is(err, probe.ErrAccessDenied) {
		t.Fatal(err)
	}
	if _, err := rec.Registry(`HKLM\SOFTWARE\Read`, "V"); err != nil {
		t.Fatal(err)
	}
	rp := replayOf(t, rec)
	for _, tc := range []struct {
		key  string
		want bool
		err  error
	}{
		{`HKEY_LOCAL_MACHINE\SOFTWARE\found`, true, nil},
		{`HKLM\SOFTWARE\Absent`, false, nil},
		{`HKLM\SOFTWARE\Locked`, false, probe.ErrAccessDenied},
		{`HKLM\SOFTWARE\Read`, true, nil},
		{`HKLM\SOFTWARE\NeverAsked`, false, probe.ErrUnavailable},
	} {
		got, err := probe.RegistryKeyExists(rp, tc.key)
		if got != tc.want || (tc.err == nil) != (err == nil) || tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("%s: replayed %v %v, want %v %v", tc.key, got, err, tc.want, tc.err)
		}
	}
	if _, err := probe.RegistryKeyExists(inner.Probe, `HKLM\SOFTWARE\Found`); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("a probe that cannot tell: %v, want unavailable", err)
	}
}

// replayOf writes what rec recorded as a bundle and opens it for replay.
func replayOf(t *testing.T, rec *Recorder) *Replay {
	t.Helper()
	out := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(out); err != nil {
		t.Fatal(err)
	}
	rp, err := OpenReplay(out)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

type fakeKeys struct {
	probe.Probe
	keys   map[string]error // present keys, with the error opening them gives
	values map[string]any   // "key|value" → value
}

func (f *fakeKeys) GOOS() string { return "windows" }

func (f *fakeKeys) Now() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }

func (f *fakeKeys) ConsoleUser() (probe.User, error) { return probe.User{}, probe.ErrNotFound }

func (f *fakeKeys) RegistryKeyExists(key string) (bool, error) {
	err, ok := f.keys[key]
	if err != nil {
		return false, err
	}
	return ok, nil
}

func (f *fakeKeys) Registry(key, value string) (any, error) {
	if v, ok := f.values[key+"|"+value]; ok {
		return v, nil
	}
	return nil, probe.ErrNotFound
}
