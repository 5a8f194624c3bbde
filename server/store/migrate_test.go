package store_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// TestMigration00005 stores check runs the way migrations 00001–00004 did
// (a check_results row per result), migrates, and reads them back through
// the store: the results moved into check_runs.results, each device's
// latest statuses were filled in, and every reader sees what it saw before.
func TestMigration00005(t *testing.T) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(be.name, func(t *testing.T) { testMigration00005(t, be.open(t)) })
	}
}

func testMigration00005(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := store.MigrateTo(ctx, s, 4); err != nil {
		t.Fatal(err)
	}
	raw := s.(interface {
		DB() *sql.DB
		Dialect() string
	})
	exec := func(query string, args ...any) {
		t.Helper()
		if raw.Dialect() == "postgres" {
			for i := 1; strings.Contains(query, "?"); i++ {
				query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
			}
		}
		if _, err := raw.DB().ExecContext(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	team, dev := enrolAtOldSchema(t, s, "old")
	_, other := enrolAtOldSchema(t, s, "other")
	now := time.Now().UTC().Truncate(time.Microsecond)
	type row struct {
		check, status string
		required      bool
		facts         any
	}
	// An odd check ID shows the escaping of the statuses text.
	const odd = "odd|id=50%"
	addRun := func(device, id string, at time.Time, ready bool, rows ...row) {
		exec(`INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version) VALUES (?, ?, ?, ?, 7, ?, '1.0')`,
			id, device, at.UnixMicro(), at.UnixMicro(), ready)
		for _, r := range rows {
			exec(`INSERT INTO check_results (run_id, device_id, check_id, status, required, at, summary, reason, facts) VALUES (?, ?, ?, ?, ?, ?, 'sum "q"', 'why', ?)`,
				id, device, r.check, r.status, r.required, at.UnixMicro(), r.facts)
		}
		exec(`UPDATE devices SET latest_run_id = ?, latest_run_at = ?, latest_ready = ?, last_seen_at = ? WHERE id = ?`, id, at.UnixMicro(), ready, at.UnixMicro(), device)
	}
	addRun(dev, "run-old", now.Add(-time.Hour), true, row{"firewall", "pass", true, nil})
	addRun(dev, "run-new", now, false,
		row{"firewall", "fail", true, `{"enabled": false, "zones": [1, null]}`},
		row{odd, "unknown", false, nil},
		row{"antivirus", "pass", true, `{"name":"x"}`})
	addRun(other, "run-other", now, true, row{"firewall", "pass", true, nil}, row{"antivirus", "pass", true, nil})

	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}

	got, err := s.LatestResults(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID+"="+string(r.Status))
		if r.RunID != "run-new" || r.DeviceID != dev || !r.At.Equal(now) || r.Summary != `sum "q"` || r.Reason != "why" {
			t.Errorf("result %+v: run, device, time or texts changed", r)
		}
	}
	if want := []string{"antivirus=pass", "firewall=fail", odd + "=unknown"}; !slices.Equal(ids, want) {
		t.Errorf("latest results %v, want %v (in check ID order)", ids, want)
	}
	if len(got) == 3 {
		var facts map[string]any
		if err := json.Unmarshal(got[1].Facts, &facts); err != nil || facts["enabled"] != false || len(facts["zones"].([]any)) != 2 {
			t.Errorf("firewall facts %s (%v), want the stored object", got[1].Facts, err)
		}
		if got[2].Facts != nil || got[2].Required {
			t.Errorf("odd check: facts %s required %v, want none and false", got[2].Facts, got[2].Required)
		}
	}

	runs, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, Desc: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || !slices.Equal(runs[0].NotPassing, []string{"firewall", odd}) || len(runs[1].NotPassing) != 0 {
		t.Errorf("device runs %+v, want the new run failing firewall and %s, the old one passing", runs, odd)
	}

	// The team requires what its device reports (a required check left
	// out would count as unknown).
	if _, err := s.SetTeamPolicy(ctx, team.ID, storetest.RequiringOnly(t, "firewall", "antivirus"), ""); err != nil {
		t.Fatal(err)
	}
	comp, err := s.CheckCompliance(ctx, team.ID, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []store.CheckCompliance{
		{CheckID: "antivirus", Counts: map[checks.Status]int{checks.Pass: 1}},
		{CheckID: "firewall", Counts: map[checks.Status]int{checks.Fail: 1}},
		{CheckID: odd, Counts: map[checks.Status]int{checks.Unknown: 1}},
	}
	if fmt.Sprint(comp) != fmt.Sprint(want) {
		t.Errorf("compliance %v, want %v", comp, want)
	}
	for check, wantDevices := range map[string]int{"firewall": 1, odd: 1, "antivirus": 0, "odd": 0} {
		devs, err := s.SearchDevices(ctx, store.DeviceQuery{FailingCheck: check, StaleBefore: now.Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if len(devs) != wantDevices {
			t.Errorf("devices failing %q: %d, want %d", check, len(devs), wantDevices)
		}
	}

	// The view keeps the old table's shape for ad-hoc queries.
	var n int
	if err := raw.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM check_results`).Scan(&n); err != nil || n != 6 {
		t.Errorf("check_results view: %d rows (%v), want 6", n, err)
	}

	// Erasure counts the results that went with the runs.
	erased, err := s.EraseDevice(ctx, dev, 1)
	if err != nil {
		t.Fatal(err)
	}
	if erased.Runs != 2 || erased.Results != 4 {
		t.Errorf("erased %+v, want 2 runs and 4 results", erased)
	}
}

// TestMigration00007 keeps the runs stored before SQLite's check_runs
// became a rowid table again, and what depends on them: the latest results,
// the history, the check_results view and duplicate detection by id.
func TestMigration00007(t *testing.T) {
	s := openSQLite(t)
	ctx := t.Context()
	if err := store.MigrateTo(ctx, s, 6); err != nil {
		t.Fatal(err)
	}
	_, dev := enrolAtOldSchema(t, s, "rowid")
	older := storetest.CheckRun(time.Now().Add(-time.Hour), true, report.CheckResult{ID: "firewall", Status: checks.Pass})
	newer := storetest.CheckRun(time.Now(), false, report.CheckResult{ID: "firewall", Status: checks.Fail}, report.CheckResult{ID: "antivirus", Status: checks.Pass})
	// Stored as the ingest of schema 6 stored them.
	db6 := s.(interface{ DB() *sql.DB }).DB()
	for _, env := range []report.Envelope{older, newer} {
		results, statuses, err := store.EncodeRun(env.CheckRun.Results)
		if err != nil {
			t.Fatal(err)
		}
		at := env.CheckRun.StartedAt.UnixMicro()
		if _, err := db6.ExecContext(ctx, `INSERT INTO check_runs (id, device_id, started_at, received_at, duration_ms, ready, agent_version, results) VALUES (?, ?, ?, ?, 1, ?, '1.0', ?)`,
			env.ID, dev, at, at, env.CheckRun.Ready, results); err != nil {
			t.Fatal(err)
		}
		if _, err := db6.ExecContext(ctx, `UPDATE devices SET latest_run_id = ?, latest_run_at = ?, latest_ready = ?, latest_statuses = ?, last_seen_at = ? WHERE id = ?`,
			env.ID, at, env.CheckRun.Ready, statuses, at, dev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := s.(interface{ DB() *sql.DB }).DB()
	var ddl string
	if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'check_runs'`).Scan(&ddl); err != nil || strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID") {
		t.Errorf("check_runs after 00007: %q, %v; want a rowid table", ddl, err)
	}
	if got, err := s.LatestResults(ctx, dev); err != nil || len(got) != 2 || got[0].RunID != newer.ID {
		t.Errorf("latest results after 00007: %+v, %v; want the newer run's two", got, err)
	}
	if runs, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, Desc: true, Limit: 10}); err != nil || len(runs) != 2 || runs[1].ID != older.ID {
		t.Errorf("history after 00007: %+v, %v; want both runs, newest first", runs, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM check_results`).Scan(&n); err != nil || n != 3 {
		t.Errorf("check_results view after 00007: %d rows, %v; want 3", n, err)
	}
	if dup, err := s.SaveReport(ctx, dev, older); err != nil || !dup {
		t.Errorf("an old report sent again after 00007: duplicate %v, %v", dup, err)
	}
}

// enrolAtOldSchema enrols a device the way the schema before migration
// 00010 allows (today's EnrollDevice counts the secret's uses, a column of
// 00010).
func enrolAtOldSchema(t *testing.T, s store.Store, teamName string) (store.Team, string) {
	t.Helper()
	team, err := s.CreateTeam(t.Context(), teamName, nil)
	if err != nil {
		t.Fatal(err)
	}
	dev := report.NewID()
	raw := s.(interface {
		DB() *sql.DB
		Dialect() string
	})
	query := `INSERT INTO devices (id, team_id, name, token_hash, agent_version, os, os_version, arch, enrolled_at, last_seen_at)
		VALUES (?, ?, 'laptop-1', ?, '1.0', 'linux', '6', 'amd64', ?, ?)`
	if raw.Dialect() == "postgres" {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	now := time.Now().UnixMicro()
	if _, err := raw.DB().ExecContext(t.Context(), query, dev, team.ID, report.NewID(), now, now); err != nil {
		t.Fatal(err)
	}
	return team, dev
}
