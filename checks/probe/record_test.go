package probe

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordMDNSIsPseudonymous: instance and host names often carry a
// person's name, so a bundle keeps pseudonyms; a failed browse replays as
// failed.
func TestRecordMDNSIsPseudonymous(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"darwin","recorded_at":"2026-11-01T10:00:00Z"}`,
		MDNSFile: `[{"service":"_raop._tcp","instances":[{"name":"AABBCCDDEEFF@Sam's HomePod","host":"Sams-HomePod.local.","port":7000,"txt":["am=AudioAccessory5,1"]}]},
 {"service":"_amzn-wplay._tcp","instances":[],"error":"no multicast interface"}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	found, err := rec.MDNS(t.Context(), "_raop._tcp")
	if err != nil || len(found) != 1 || found[0].Name != "AABBCCDDEEFF@Sam's HomePod" {
		t.Fatalf("the recorder must pass the real answer through: %+v %v", found, err)
	}
	if _, err := rec.MDNS(t.Context(), "_amzn-wplay._tcp"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("failed browse: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, MDNSFile))
	if strings.Contains(string(raw), "Sam") {
		t.Errorf("a person's name reached the bundle: %s", raw)
	}
	var browses []MDNSBrowse
	if err := json.Unmarshal(raw, &browses); err != nil {
		t.Fatal(err)
	}
	got := browses[0].Instances[0]
	if !strings.HasPrefix(got.Name, "AABBCCDDEEFF@instance-") || !strings.HasPrefix(got.Host, "host-") || got.TXT[0] != "am=AudioAccessory5,1" || got.Port != 7000 {
		t.Errorf("recorded instance: %+v", got)
	}
	rp, err := OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.MDNS(t.Context(), "_amzn-wplay._tcp"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a failed browse must replay as failed: %v", err)
	}
	if again, _ := rp.MDNS(t.Context(), "_raop._tcp"); len(again) != 1 || again[0].Name != got.Name {
		t.Errorf("replayed: %+v", again)
	}
}

// TestRecordScrubsWhatItKeeps: a scrubber changes what the bundle keeps,
// never what the check is given.
func TestRecordScrubsWhatItKeeps(t *testing.T) {
	inner, err := OpenReplay(writeBundle(t, map[string]string{
		ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`,
		CommandsFile: `[{"argv":["/usr/bin/nmcli","dev"],"stdout":"wlan0 connected HomeNet\n","stderr":"","exit_code":0},
 {"argv":["/usr/bin/findmnt","/"],"stdout":"/ ext4\n","stderr":"","exit_code":0}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	scrub := func(name string, args []string, out []byte) []byte {
		calls = append(calls, name)
		if name != "nmcli" {
			return out
		}
		return []byte(strings.ReplaceAll(string(out), "HomeNet", Pseudonym("network", "HomeNet")))
	}
	rec := NewRecorder(inner, scrub)
	out, err := rec.Run(t.Context(), "nmcli", "dev")
	if err != nil || string(out.Stdout) != "wlan0 connected HomeNet\n" {
		t.Fatalf("the check must see the real output: %q %v", out.Stdout, err)
	}
	if _, err := rec.Run(t.Context(), "findmnt", "/"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, CommandsFile))
	if strings.Contains(string(raw), "HomeNet") || !strings.Contains(string(raw), Pseudonym("network", "HomeNet")) || !strings.Contains(string(raw), "/ ext4") {
		t.Errorf("bundle commands: %s", raw)
	}
	if len(calls) != 4 || calls[0] != "nmcli" || calls[2] != "findmnt" {
		t.Errorf("scrubber called for %v, want stdout and stderr of each command by logical name", calls)
	}
	if p := Pseudonym("network", "HomeNet"); p != Pseudonym("network", "homenet") || !strings.HasPrefix(p, "network-") || len(p) != len("network-")+8 {
		t.Errorf("Pseudonym = %q", p)
	}
}
