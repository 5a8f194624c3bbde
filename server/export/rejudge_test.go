package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// storedFacts reads one of package rejudge's stored facts (see its
// testdata/README.md).
func storedFacts(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "rejudge", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestResultsExportShowsTheServersDifferingStatus: a stored pass whose
// facts this server judges unknown keeps status pass and gets
// server_status unknown; a pass the server agrees with leaves it empty.
func TestResultsExportShowsTheServersDifferingStatus(t *testing.T) {
	st := openStore(t)
	_, oldAgent, _ := storetest.Enrolled(t, st, "old")
	_, current, _ := storetest.Enrolled(t, st, "current")
	for dev, facts := range map[string][]byte{
		oldAgent: storedFacts(t, "firewall_windows_old_agent_pass.json"),
		current:  storedFacts(t, "firewall_windows_current_agent_pass.json"),
	} {
		r := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "Windows Firewall is on.", Facts: facts}
		if _, err := st.SaveReport(t.Context(), dev, storetest.CheckRun(time.Now(), true, r)); err != nil {
			t.Fatal(err)
		}
	}
	srv := serve(t, st)
	want := map[string]checks.Status{oldAgent: checks.Unknown, current: ""}

	resp, body := get(t, srv, "/exports/results.csv")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CSV: %d %s", resp.StatusCode, body)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(records[0], name)
		if i < 0 {
			t.Fatalf("no column %q in %v", name, records[0])
		}
		return i
	}
	if len(records) != 3 {
		t.Fatalf("%d rows, want 2", len(records)-1)
	}
	for _, r := range records[1:] {
		dev := r[col("device_id")]
		if r[col("status")] != "pass" || r[col("server_status")] != string(want[dev]) || (r[col("server_summary")] == "") != (want[dev] == "") {
			t.Errorf("device %s: status %q, server_status %q, server_summary %q; want pass, %q",
				dev, r[col("status")], r[col("server_status")], r[col("server_summary")], want[dev])
		}
	}

	resp, body = get(t, srv, "/exports/results.json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("JSON: %d %s", resp.StatusCode, body)
	}
	var doc struct {
		Rows []struct {
			DeviceID     string        `json:"device_id"`
			Status       checks.Status `json:"status"`
			ServerStatus checks.Status `json:"server_status"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Rows {
		if r.Status != checks.Pass || r.ServerStatus != want[r.DeviceID] {
			t.Errorf("JSON device %s: %+v, want pass and server_status %q", r.DeviceID, r, want[r.DeviceID])
		}
	}
	if !bytes.Contains(body, []byte(`"server_status":"unknown"`)) || bytes.Count(body, []byte(`"server_status"`)) != 1 {
		t.Errorf("server_status should appear once, for the old agent's row:\n%s", body)
	}
}
