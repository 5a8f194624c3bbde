package daemon

import (
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
)

// The agent keeps browsing what the registered checks browse (the smart
// speakers check's service types), found through the checks themselves.
func TestLANServicesComeFromTheChecks(t *testing.T) {
	got := lanServices(all.Checks())
	for _, want := range []string{"_googlecast._tcp", "_airplay._tcp", "_amzn-wplay._tcp"} {
		if !slices.Contains(got, want) {
			t.Errorf("lanServices(all.Checks()) = %v: no %s", got, want)
		}
	}
	if twice := lanServices(append(all.Checks(), all.Checks()...)); len(twice) != len(got) {
		t.Errorf("a service type browsed by two checks is listed twice: %v", twice)
	}
	var without []checks.Check
	for _, c := range all.Checks() {
		if c.ID() != "smart_speakers" {
			without = append(without, c)
		}
	}
	if got := lanServices(without); len(got) != 0 {
		t.Errorf("without the smart speakers check the agent still browses %v", got)
	}
}
