package rejudge_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/rejudge"
)

// storedFacts reads one of testdata's stored facts (see its README).
func storedFacts(t *testing.T, name string) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestStoredPassTheServerCannotTellDiffers(t *testing.T) {
	j := rejudge.New()
	pol := all.DefaultPolicy()
	got, ok := j.Differs("team", "firewall", checks.Pass, storedFacts(t, "firewall_windows_old_agent_pass.json"), pol)
	if !ok || got.Status != checks.Unknown || got.Fix == "" || got.Summary == "" {
		t.Fatalf("old agent's pass: Differs = %+v, %v; want unknown with a summary and a fix", got, ok)
	}
	// Remembered: the same facts again give the same judgement.
	if again, ok := j.Differs("team", "firewall", checks.Pass, storedFacts(t, "firewall_windows_old_agent_pass.json"), pol); !ok || again != got {
		t.Errorf("second look = %+v, %v; want %+v", again, ok, got)
	}
}

func TestAgreeingOrUnjudgeableResultsDoNotDiffer(t *testing.T) {
	j := rejudge.New()
	pol := all.DefaultPolicy()
	for _, c := range []struct {
		name, check string
		stored      checks.Status
		facts       json.RawMessage
	}{
		{"current agent's pass", "firewall", checks.Pass, storedFacts(t, "firewall_windows_current_agent_pass.json")},
		{"stored unknown (facts may be partial)", "firewall", checks.Unknown, storedFacts(t, "firewall_windows_old_agent_pass.json")},
		{"no facts", "firewall", checks.Pass, nil},
		{"facts that do not decode", "firewall", checks.Pass, json.RawMessage(`{"os":7}`)},
		{"check unknown to this server", "teleport", checks.Pass, json.RawMessage(`{}`)},
	} {
		if got, ok := j.Differs("team", c.check, c.stored, c.facts, pol); ok {
			t.Errorf("%s: Differs = %+v, want no difference", c.name, got)
		}
	}
}

// BenchmarkDiffersDistinctFacts is the worst case of a list or export:
// every row's facts differ, so none is remembered.
func BenchmarkDiffersDistinctFacts(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "firewall_windows_old_agent_pass.json"))
	if err != nil {
		b.Fatal(err)
	}
	j, pol := rejudge.New(), all.DefaultPolicy()
	i := 0
	for b.Loop() {
		i++
		facts := append([]byte(`{"seq":`+strconv.Itoa(i)+`,`), raw[1:]...)
		if _, ok := j.Differs("team", "firewall", checks.Pass, facts, pol); !ok {
			b.Fatal("no judgement")
		}
	}
}
