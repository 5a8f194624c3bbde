package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/export"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// TestDevicesExportState: the devices export says each device's state as
// the dashboard does, so a spreadsheet filtering it does not count a
// device whose latest run is older than the stale time — ready by its
// latest_ready — or a revoked one as ready. Both back ends, CSV and JSON.
// staleGap is how long after the stale device's report the others come.
const staleGap = time.Second

func TestDevicesExportState(t *testing.T) {
	for _, o := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(o.name, func(t *testing.T) {
			st := migrated(t, o.open)
			ctx := t.Context()
			team, never, _ := storetest.Enrolled(t, st, "state")
			ids, _ := storetest.SeedDevices(t, st, team.ID, 4)
			ready, notReady, stale, revoked := ids[0], ids[1], ids[2], ids[3]
			fw := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}
			off := report.CheckResult{ID: "firewall", Status: checks.Fail, Required: true, Summary: "off"}
			for _, r := range []struct {
				id  string
				res report.CheckResult
			}{{stale, fw}, {ready, fw}, {notReady, off}, {revoked, fw}} {
				if _, err := st.SaveReport(ctx, r.id, storetest.CheckRun(time.Now(), r.res.Status == checks.Pass, r.res)); err != nil {
					t.Fatal(err)
				}
				if r.id == stale {
					// The later reports are received after the stale time,
					// with room for two exports on a loaded machine.
					time.Sleep(staleGap)
				}
			}
			if err := st.RevokeDevice(ctx, revoked); err != nil {
				t.Fatal(err)
			}
			// Stale: a device whose latest run came more than StaleAfter ago.
			d, err := st.Device(ctx, stale)
			if err != nil || d.LatestReady == nil || !*d.LatestReady {
				t.Fatalf("stale device %+v, %v: want latest_ready true", d, err)
			}
			// Half the gap: the other devices stay fresh for as long again
			// while the exports run (20 ms then 10 ms failed once under load).
			staleAfter := time.Since(*d.LatestRunAt) - staleGap/2
			want := map[string]string{never: store.StateNeverReported, ready: store.StateReady, notReady: store.StateNotReady,
				stale: store.StateStale, revoked: store.StateRevoked}

			var buf bytes.Buffer
			if _, err := export.Export(ctx, st, &buf, export.Request{Kind: export.Devices, Format: export.CSV, StaleAfter: staleAfter}, "test"); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(rows) != len(want)+1 {
				t.Fatalf("devices.csv: %d rows, %v", len(rows), err)
			}
			col := map[string]int{}
			for i, name := range rows[0] {
				col[name] = i
			}
			if _, ok := col["state"]; !ok {
				t.Fatalf("devices.csv has no state column: %v", rows[0])
			}
			for _, row := range rows[1:] {
				if id := row[col["device_id"]]; row[col["state"]] != want[id] {
					t.Errorf("devices.csv: device %s state %q (latest_ready %q), want %q", id, row[col["state"]], row[col["latest_ready"]], want[id])
				}
			}

			buf.Reset()
			if _, err := export.Export(ctx, st, &buf, export.Request{Kind: export.Devices, Format: export.JSON, StaleAfter: staleAfter}, "test"); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Rows []struct {
					ID    string `json:"id"`
					State string `json:"state"`
				} `json:"rows"`
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.Rows) != len(want) {
				t.Fatalf("devices.json: %d rows, %v", len(doc.Rows), err)
			}
			for _, r := range doc.Rows {
				if r.State != want[r.ID] {
					t.Errorf("devices.json: device %s state %q, want %q", r.ID, r.State, want[r.ID])
				}
			}
		})
	}
}
