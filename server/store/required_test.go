package store_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/server/store"
)

// TestRequiredChecks: the checks a stored team policy requires are those
// of the default with the policy laid over it, and a required check this
// server does not know stays required (a device cannot pass it).
func TestRequiredChecks(t *testing.T) {
	var defaults []string
	for id, c := range all.DefaultPolicy().Checks {
		if c.Required {
			defaults = append(defaults, id)
		}
	}
	slices.Sort(defaults)
	if len(defaults) == 0 {
		t.Fatal("the default policy requires nothing; this test needs a required check")
	}
	for _, raw := range []string{``, `null`, `{"schema":"sessionguard.policy/v1"}`} {
		if got := store.RequiredChecks(json.RawMessage(raw)); !slices.Equal(got, defaults) {
			t.Errorf("policy %q requires %v, want the default's %v", raw, got, defaults)
		}
	}
	relaxed := `{"schema":"sessionguard.policy/v1","checks":{"` + defaults[0] + `":{"required":false},"from_a_newer_server":{"required":true}}}`
	got := store.RequiredChecks(json.RawMessage(relaxed))
	if slices.Contains(got, defaults[0]) || !slices.Contains(got, "from_a_newer_server") {
		t.Errorf("policy %s requires %v", relaxed, got)
	}
}
