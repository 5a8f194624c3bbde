package evidence

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
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

// A listed key replays whole, with the names as recorded and the values
// with home folders rewritten as any registry string is; an absent key
// replays absent, a denied one denied; a key whose values were only read
// one by one, or never asked about, is unavailable: a list is never made
// up from part of a key.
func TestRegistryValuesRecordReplay(t *testing.T) {
	const rules = `HKLM\SYSTEM\FirewallRules`
	inner := &fakeKeys{keys: map[string]error{
		rules:                  nil,
		`HKLM\SOFTWARE\Empty`:  nil,
		`HKLM\SOFTWARE\Locked`: fmt.Errorf("registry key: %w", probe.ErrAccessDenied),
		`HKLM\SOFTWARE\Part`:   nil,
	}, values: map[string]any{
		rules + "|{C8E2}": "v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|",
		rules + `|UDP Query User{3A4D}C:\users\sam\app.exe`: `v2.10|Action=Allow|Active=TRUE|Dir=In|App=C:\Users\Sam\AppData\app.exe|`,
		rules + "|Count":       uint64(2),
		`HKLM\SOFTWARE\Part|V`: "one value",
		`HKLM\SOFTWARE\Part|W`: "another",
	}, user: &probe.User{UID: "S-1-5-21-1-2-3-1001", Name: "Sam", Home: `C:\Users\Sam`}}
	rec := NewRecorder(inner)
	if got, err := rec.RegistryValues(rules); err != nil || len(got) != 3 || got["Count"] != uint64(2) {
		t.Fatalf("recording: %v %v", got, err)
	}
	if got, err := rec.RegistryValues(`HKLM\SOFTWARE\Empty`); err != nil || len(got) != 0 {
		t.Fatalf("recording an empty key: %v %v", got, err)
	}
	if _, err := rec.RegistryValues(`HKLM\SOFTWARE\Absent`); !errors.Is(err, probe.ErrNotFound) {
		t.Fatalf("recording an absent key: %v", err)
	}
	if _, err := rec.RegistryValues(`HKLM\SOFTWARE\Locked`); !errors.Is(err, probe.ErrAccessDenied) {
		t.Fatalf("recording a denied key: %v", err)
	}
	if _, err := rec.Registry(`HKLM\SOFTWARE\Part`, "V"); err != nil {
		t.Fatal(err)
	}
	rp := replayOf(t, rec)
	got, err := probe.RegistryValues(rp, `HKEY_LOCAL_MACHINE\system\FirewallRules`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["{C8E2}"] != "v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|" || got["Count"] != uint64(2) {
		t.Errorf("replayed %v", got)
	}
	for name, v := range got {
		if s, _ := v.(string); strings.Contains(strings.ToLower(s), "sam") || strings.Contains(strings.ToLower(name), "sam") {
			t.Errorf("the console user's name replays in %q: %q", name, s)
		}
	}
	found := false
	for name, v := range got {
		rest, ok := strings.CutPrefix(name, `UDP Query User{3A4D}C:\users\user-`)
		pseudonym, _, _ := strings.Cut(rest, `\`)
		if ok && v == `v2.10|Action=Allow|Active=TRUE|Dir=In|App=C:\Users\user-`+pseudonym+`\AppData\app.exe|` {
			found = true
		}
	}
	if !found {
		t.Errorf("the rule whose id and value hold a home folder did not replay with one pseudonym in both: %v", got)
	}
	for _, tc := range []struct {
		key  string
		want error
	}{
		{`HKLM\SOFTWARE\Absent`, probe.ErrNotFound},
		{`HKLM\SOFTWARE\Locked`, probe.ErrAccessDenied},
		{`HKLM\SOFTWARE\Part`, probe.ErrUnavailable},
		{`HKLM\SOFTWARE\NeverAsked`, probe.ErrUnavailable},
	} {
		if got, err := rp.RegistryValues(tc.key); !errors.Is(err, tc.want) {
			t.Errorf("%s: replayed %v %v, want %v", tc.key, got, err, tc.want)
		}
	}
	if got, err := rp.RegistryValues(`HKLM\SOFTWARE\Empty`); err != nil || len(got) != 0 {
		t.Errorf("an empty key replayed %v %v", got, err)
	}
	if _, err := probe.RegistryValues(inner.Probe, rules); !errors.Is(err, probe.ErrUnavailable) {
		t.Errorf("a probe that cannot list: %v, want unavailable", err)
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
	user   *probe.User      // the console user; nil: nobody
}

func (f *fakeKeys) GOOS() string { return "windows" }

func (f *fakeKeys) Now() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }

func (f *fakeKeys) ConsoleUser() (probe.User, error) {
	if f.user == nil {
		return probe.User{}, probe.ErrNotFound
	}
	return *f.user, nil
}

func (f *fakeKeys) RegistryValues(key string) (map[string]any, error) {
	err, ok := f.keys[key]
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("registry key %s: %w", key, probe.ErrNotFound)
	}
	out := map[string]any{}
	for k, v := range f.values {
		if name, found := strings.CutPrefix(k, key+"|"); found {
			out[name] = v
		}
	}
	return out, nil
}

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
