package web

import (
	"encoding/json"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
)

// TestFixOfAnOlderAgentsUncheckableResult: an agent older than this server
// reports a check the team's policy requires but the agent does not have
// as unknown and required, with empty facts (checks.Run). The server knows
// every such check; re-evaluating the empty facts to find the fix must
// not fail the page, and an unknown result still gets a fix.
func TestFixOfAnOlderAgentsUncheckableResult(t *testing.T) {
	cat := newCatalog()
	pol := all.DefaultPolicy()
	for _, ch := range all.Checks() {
		if fix := cat.fix(ch.ID(), checks.Unknown, json.RawMessage(`{}`), pol); fix == "" {
			t.Errorf("%s: no fix for an unknown result with empty facts", ch.ID())
		}
	}
}
