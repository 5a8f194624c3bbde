package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// requiring is a team policy that requires exactly the checks ids.
func requiring(t *testing.T, ids ...string) json.RawMessage {
	t.Helper()
	pol := map[string]any{"schema": checks.PolicySchema}
	cs := map[string]checks.CheckPolicy{}
	for _, id := range all.Catalogue().IDs() {
		cs[id] = checks.CheckPolicy{}
	}
	for _, id := range ids {
		cs[id] = checks.CheckPolicy{Required: true}
	}
	pol["checks"] = cs
	b, err := json.Marshal(pol)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadinessJudgedAgainstTeamPolicy: the device's readiness on the
// dashboard is the server's judgement of its latest results against the
// team's policy, not the flag the agent sent (which an older or modified
// agent, or one on a policy it has not yet replaced, gets wrong); the
// run keeps the agent's flag.
func TestReadinessJudgedAgainstTeamPolicy(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{})
		if _, err := st.SetTeamPolicy(t.Context(), f.team.ID, requiring(t, "firewall", "disk_encryption"), ""); err != nil {
			t.Fatal(err)
		}
		result := func(id string, status checks.Status, required bool) report.CheckResult {
			return report.CheckResult{ID: id, Status: status, Required: required, Summary: "x"}
		}
		for _, c := range []struct {
			name       string
			agentReady bool
			results    []report.CheckResult
			want       string
		}{
			{"a required check left out", true, []report.CheckResult{result("firewall", checks.Pass, true)}, store.StateNotReady},
			{"a required check failing that the agent calls optional", true,
				[]report.CheckResult{result("firewall", checks.Pass, true), result("disk_encryption", checks.Fail, false)}, store.StateNotReady},
			{"a required check unknown", true,
				[]report.CheckResult{result("firewall", checks.Pass, true), result("disk_encryption", checks.Unknown, true)}, store.StateNotReady},
			{"every required check acceptable, the agent on an older policy", false,
				[]report.CheckResult{result("firewall", checks.Warn, true), result("disk_encryption", checks.NotApplicable, true),
					result("screen_lock", checks.Fail, true)}, store.StateReady},
		} {
			env := storetest.CheckRun(time.Now(), c.agentReady, c.results...)
			if code, body := f.post(t, report.PathReports, env); code != http.StatusOK {
				t.Fatalf("%s: report: %d %v", c.name, code, body)
			}
			d, err := st.Device(t.Context(), f.deviceID)
			if err != nil {
				t.Fatal(err)
			}
			if got := store.DeviceState(d, time.Now().Add(-time.Hour)); got != c.want {
				t.Errorf("%s: state %s, want %s", c.name, got, c.want)
			}
			runs, err := st.DeviceRuns(t.Context(), store.RunQuery{DeviceID: f.deviceID, Desc: true, Limit: 1})
			if err != nil || len(runs) != 1 || runs[0].Ready != c.agentReady {
				t.Errorf("%s: stored run %+v (%v), want the agent's ready=%v kept", c.name, runs, err, c.agentReady)
			}
		}
	})
}
