// Package storetest is the one test suite every store.Store back end must
// pass: [Run] it with a function that opens a fresh, empty store.
//
// The suite migrates each store itself (twice, to prove migrations are
// idempotent). Stores that expose their database through
// `DB() *sql.DB` and `Dialect() string` are also scanned row by row to prove
// no secret or token is stored in plain text.
package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
)

// Opener returns a new, empty store for one test; the opener registers its
// own cleanup.
type Opener func(t *testing.T) store.Store

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"MigrateTwice", testMigrateTwice},
		{"Teams", testTeams},
		{"EnrolSecrets", testEnrolSecrets},
		{"EnrolTokenRevoke", testEnrolTokenRevoke},
		{"RevokedSecretRefused", testRevokedSecretRefused},
		{"SecretsHashed", testSecretsHashed},
		{"SaveReportIdempotent", testSaveReportIdempotent},
		{"SaveReportsBatch", testSaveReportsBatch},
		{"LatestResults", testLatestResults},
		{"SaveSessionIdempotent", testSaveSessionIdempotent},
		{"DevicesPaging", testDevicesPaging},
		{"ConcurrentReports", testConcurrentReports},
		{"FleetCounts", testFleetCounts},
		{"FleetSummaryWholeFleet", testFleetSummaryWholeFleet},
		{"SaveReportsUnsyncedThenSync", testSaveReportsUnsyncedThenSync},
		{"SaveReportsPrepared", testSaveReportsPrepared},
		{"ReadinessJudgedByServer", testReadinessJudgedByServer},
		{"StaleByCheckRuns", testStaleByCheckRuns},
		{"FleetFiguresCountMissingRequired", testFleetFiguresCountMissingRequired},
		{"PolicySaveRejudges", testPolicySaveRejudges},
		{"NotPassingFollowsStatuses", testNotPassingFollowsStatuses},
		{"SeedDevices", testSeedDevices},
		{"TokenOwner", testTokenOwner},
		{"TokenOwners", testTokenOwners},
		{"DevicePolicyApplied", testDevicePolicyApplied},
		{"FutureDatedReport", testFutureDatedReport},
		{"ReportIDsPerDevice", testReportIDsPerDevice},
		{"MixedBatch", testMixedBatch},
		{"LimitedSecrets", testLimitedSecrets},
		{"EnrolmentsAtOnce", testEnrolmentsAtOnce},
		{"FleetFiguresKept", testFleetFiguresKept},
		{"RetentionByReceipt", testRetentionByReceipt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			tc.fn(t, s)
		})
	}
}

// Fixtures.

// Agent is the agent description the suite enrols with.
var Agent = report.Agent{Version: "1.2.3", Host: probe.Host{OS: "linux", OSVersion: "debian 12", Arch: "amd64"}}

// Enrolled makes a team, a secret and a device, and returns the device ID
// and token.
func Enrolled(t testing.TB, s store.Store, teamName string) (team store.Team, deviceID, token string) {
	t.Helper()
	ctx := context.Background()
	team, err := s.CreateTeam(ctx, teamName, json.RawMessage(`{"schema":"sessionguard.policy/v1","allow_override":true}`))
	if err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatalf("CreateEnrollSecret: %v", err)
	}
	deviceID, token, err = s.EnrollDevice(ctx, secret, "laptop-1", Agent)
	if err != nil {
		t.Fatalf("EnrollDevice: %v", err)
	}
	return team, deviceID, token
}

// CheckRun returns a valid check-run envelope with the given results.
func CheckRun(startedAt time.Time, ready bool, results ...report.CheckResult) report.Envelope {
	env := report.NewCheckRun(Agent, checks.Report{StartedAt: startedAt, DurationMS: 42, Ready: ready})
	env.CheckRun.Results = results
	return env
}

func testMigrateTwice(t *testing.T, s store.Store) {
	// Run already migrated once.
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if _, _, token := Enrolled(t, s, "after-migrate"); token == "" {
		t.Fatal("empty token")
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("third Migrate with data: %v", err)
	}
}

func testTeams(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, err := s.CreateTeam(ctx, "Safeguarding", json.RawMessage(`{"screen_lock_max_seconds":100}`))
	if err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if _, err := s.CreateTeam(ctx, "Safeguarding", nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate team name: err %v, want ErrConflict", err)
	}
	// Capitals and spaces make no other team (a tester made "Counselling"
	// and "counselling" both).
	for _, same := range []string{"safeguarding", " SafeGuarding ", "SAFEGUARDING\t"} {
		if _, err := s.CreateTeam(ctx, same, nil); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateTeam(%q) beside Safeguarding: %v, want ErrConflict", same, err)
		}
	}
	if store.SameTeamName("Safeguarding", "Safe guarding") {
		t.Error("Safe guarding is another name")
	}
	// Not JSON, or JSON no agent would apply (an unknown field, a value
	// out of range): refused, so agents never receive a policy they reject.
	// A cookie site agents cannot clear by (a wildcard): they would
	// refuse every clear of the team.
	for _, bad := range []string{`{`, `{"a":1}`, `{"screen_lock_max_seconds":-1}`, `{"cookie_keep":["*.mybank.co.uk"]}`, `{"cookie_domains":["zoom.us","'teams.microsoft.com'"]}`} {
		if _, err := s.CreateTeam(ctx, "Bad", json.RawMessage(bad)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("bad policy %s: err %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.SetTeamPolicy(ctx, a.ID, json.RawMessage(`{"cookie_keep":["*.mybank.co.uk"]}`), ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SetTeamPolicy with a wildcard site: err %v, want ErrInvalid", err)
	}
	got, err := s.Team(ctx, a.ID)
	if err != nil || got.Name != "Safeguarding" || string(got.Policy) != `{"screen_lock_max_seconds":100}` || got.ETag != a.ETag || a.ETag == "" {
		t.Fatalf("Team = %+v, %v; want %+v", got, err, a)
	}
	if _, err := s.Team(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown team: err %v, want ErrNotFound", err)
	}

	b, err := s.SetTeamPolicy(ctx, a.ID, json.RawMessage(`{"screen_lock_max_seconds":200}`), a.ETag)
	if err != nil {
		t.Fatalf("SetTeamPolicy with current ETag: %v", err)
	}
	if b.ETag == a.ETag || string(b.Policy) != `{"screen_lock_max_seconds":200}` {
		t.Errorf("after SetTeamPolicy: %+v (old ETag %s)", b, a.ETag)
	}
	if _, err := s.SetTeamPolicy(ctx, a.ID, json.RawMessage(`{"screen_lock_max_seconds":300}`), a.ETag); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale ETag: err %v, want ErrConflict", err)
	}
	if _, err := s.SetTeamPolicy(ctx, "nope", json.RawMessage(`{}`), ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown team: err %v, want ErrNotFound", err)
	}
	if _, err := s.SetTeamPolicy(ctx, a.ID, json.RawMessage(`{"screen_lock_max_seconds":400}`), ""); err != nil {
		t.Errorf("unconditional SetTeamPolicy: %v", err)
	}
	if _, err := s.CreateTeam(ctx, "Admin", nil); err != nil {
		t.Fatal(err)
	}
	teams, err := s.Teams(ctx)
	if err != nil || len(teams) != 2 || teams[0].Name != "Admin" || string(teams[1].Policy) != `{"screen_lock_max_seconds":400}` {
		t.Errorf("Teams = %+v, %v", teams, err)
	}
}

func testEnrolSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, err := s.CreateTeam(ctx, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateTeam(ctx, "u", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateEnrollSecret(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("secret for unknown team: err %v, want ErrNotFound", err)
	}
	p1, id1, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	p2, id2, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateEnrollSecret(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if p1 == p2 || id1 == id2 || len(p1) < 40 {
		t.Errorf("secrets not distinct or too short: %q %q", p1, p2)
	}
	got, err := s.EnrollSecretByPlaintext(ctx, p1)
	if err != nil || got.ID != id1 || got.TeamID != team.ID || got.Revoked() {
		t.Errorf("EnrollSecretByPlaintext = %+v, %v", got, err)
	}
	if _, err := s.EnrollSecretByPlaintext(ctx, p1+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown secret: err %v, want ErrNotFound", err)
	}
	if err := s.RevokeEnrollSecret(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeEnrollSecret(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke unknown: err %v, want ErrNotFound", err)
	}
	if got, err := s.EnrollSecretByPlaintext(ctx, p2); err != nil || !got.Revoked() {
		t.Errorf("revoked secret = %+v, %v", got, err)
	}
	list, err := s.EnrollSecrets(ctx, team.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("EnrollSecrets(team) = %+v, %v", list, err)
	}
	all, err := s.EnrollSecrets(ctx, "")
	if err != nil || len(all) != 3 {
		t.Fatalf("EnrollSecrets(all) = %+v, %v", all, err)
	}
}

func testEnrolTokenRevoke(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, id, token := Enrolled(t, s, "t")
	d, err := s.DeviceByToken(ctx, token)
	if err != nil {
		t.Fatalf("DeviceByToken: %v", err)
	}
	if d.ID != id || d.TeamID != team.ID || d.Name != "laptop-1" || d.AgentVersion != "1.2.3" ||
		d.OS != "linux" || d.OSVersion != "debian 12" || d.Arch != "amd64" || d.Revoked() || d.EnrolledAt.IsZero() ||
		d.LatestReady != nil || d.LatestRunID != "" {
		t.Errorf("DeviceByToken = %+v", d)
	}
	for _, bad := range []string{"", token + "x", "sgdt_" + strings.Repeat("A", 43)} {
		if _, err := s.DeviceByToken(ctx, bad); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("DeviceByToken(%q): err %v, want ErrUnauthorized", bad, err)
		}
	}
	if err := s.RevokeDevice(ctx, id); err != nil {
		t.Fatalf("RevokeDevice: %v", err)
	}
	if _, err := s.DeviceByToken(ctx, token); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("revoked device: err %v, want ErrUnauthorized", err)
	}
	if d, err := s.Device(ctx, id); err != nil || !d.Revoked() {
		t.Errorf("Device after revoke = %+v, %v", d, err)
	}
	if err := s.RevokeDevice(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke unknown device: err %v, want ErrNotFound", err)
	}
	if _, err := s.Device(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown device: err %v, want ErrNotFound", err)
	}
}

func testRevokedSecretRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, err := s.CreateTeam(ctx, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	secret, id, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnrollDevice(ctx, "sges_unknown", "x", Agent); !errors.Is(err, store.ErrInvalidSecret) {
		t.Errorf("unknown secret: err %v, want ErrInvalidSecret", err)
	}
	if _, _, err := s.EnrollDevice(ctx, secret, "before", Agent); err != nil {
		t.Fatalf("enrol before revoke: %v", err)
	}
	if err := s.RevokeEnrollSecret(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnrollDevice(ctx, secret, "after", Agent); !errors.Is(err, store.ErrInvalidSecret) {
		t.Errorf("revoked secret: err %v, want ErrInvalidSecret", err)
	}
	devs, err := s.Devices(ctx, store.DeviceFilter{})
	if err != nil || len(devs) != 1 || devs[0].Name != "before" {
		t.Errorf("Devices = %+v, %v; want only the one enrolled before revoking", devs, err)
	}
}

// rawDB is what SQL back ends expose for the plain-text scan.
type rawDB interface {
	DB() *sql.DB
	Dialect() string
}

func testSecretsHashed(t *testing.T, s store.Store) {
	ctx := t.Context()
	raw, ok := s.(rawDB)
	if !ok {
		t.Skip("store does not expose its database")
	}
	team, err := s.CreateTeam(ctx, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	id, token, err := s.EnrollDevice(ctx, secret, "d", Agent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReport(ctx, id, CheckRun(time.Now(), true, report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "on"})); err != nil {
		t.Fatal(err)
	}

	var tablesQuery string
	switch raw.Dialect() {
	case "sqlite":
		tablesQuery = `SELECT name FROM sqlite_master WHERE type = 'table'`
	case "postgres":
		tablesQuery = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	default:
		t.Fatalf("unknown dialect %q", raw.Dialect())
	}
	db := raw.DB()
	var tables []string
	rows, err := db.QueryContext(ctx, tablesQuery)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	cells := 0
	for _, table := range tables {
		// Identifiers cannot be parameters; these names come from the
		// catalogue and are quoted.
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
		if err != nil {
			t.Fatalf("reading %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				cells++
				text := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					text = string(b)
				}
				for _, plain := range []struct{ what, s string }{{"device token", token}, {"enrol secret", secret}} {
					if strings.Contains(text, plain.s) {
						t.Errorf("%s in plain text in %s.%s", plain.what, table, cols[i])
					}
				}
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if cells < 20 {
		t.Errorf("scanned only %d cells of tables %v; the scan is not looking at the data", cells, tables)
	}
}

func countRows(t *testing.T, s store.Store, query string, args ...any) int {
	t.Helper()
	raw, ok := s.(rawDB)
	if !ok {
		return -1
	}
	if raw.Dialect() == "postgres" {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	var n int
	if err := raw.DB().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func testSaveReportIdempotent(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "t")
	env := CheckRun(time.Now(), false,
		report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on", Facts: json.RawMessage(`{"backend":"nftables"}`)},
		report.CheckResult{ID: "disk_encryption", Status: checks.Fail, Required: true, Summary: "off", Reason: "no LUKS"},
	)
	if err := env.Validate(); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	dup, err := s.SaveReport(ctx, id, env)
	if err != nil || dup {
		t.Fatalf("first SaveReport = %v, %v", dup, err)
	}
	dup, err = s.SaveReport(ctx, id, env)
	if err != nil || !dup {
		t.Fatalf("second SaveReport = %v, %v; want duplicate", dup, err)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM check_runs WHERE id = ?`, env.ID); n != 1 && n != -1 {
		t.Errorf("%d check_runs rows, want 1", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM check_results WHERE run_id = ?`, env.ID); n != 2 && n != -1 {
		t.Errorf("%d check_results rows, want 2", n)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM check_results WHERE device_id = ? AND check_id = ? AND status = ? AND required = ?`, id, "disk_encryption", "fail", true); n != 1 && n != -1 {
		t.Errorf("fleet filter found %d failing disk_encryption rows, want 1", n)
	}
	sess := report.NewSession(Agent, report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "C-1"})
	if _, err := s.SaveReport(ctx, id, sess); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SaveReport(session envelope): err %v, want ErrInvalid", err)
	}
	if _, err := s.SaveReport(ctx, "nope", CheckRun(time.Now(), true)); err == nil {
		t.Error("SaveReport for an unknown device succeeded")
	}
}

func testLatestResults(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "t")
	if rs, err := s.LatestResults(ctx, id); err != nil || len(rs) != 0 {
		t.Fatalf("LatestResults before any report = %+v, %v", rs, err)
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	newer := CheckRun(t0, true,
		report.CheckResult{ID: "screen_lock", Status: checks.Pass, Required: true, Summary: "5 min"},
		report.CheckResult{ID: "firewall", Status: checks.Warn, Summary: "partial", Facts: json.RawMessage(`{"rules":3}`)},
	)
	older := CheckRun(t0.Add(-time.Hour), false, report.CheckResult{ID: "firewall", Status: checks.Fail, Required: true, Summary: "off"})
	for _, env := range []report.Envelope{older, newer} { // the reporter sends its spool oldest first
		if _, err := s.SaveReport(ctx, id, env); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := s.LatestResults(ctx, id)
	if err != nil || len(rs) != 2 {
		t.Fatalf("LatestResults = %+v, %v", rs, err)
	}
	if rs[0].ID != "firewall" || rs[0].Status != checks.Warn || rs[0].Required || string(rs[0].Facts) != `{"rules":3}` ||
		rs[0].RunID != newer.ID || !rs[0].At.Equal(t0) || rs[1].ID != "screen_lock" || !rs[1].Required || rs[1].Facts != nil {
		t.Errorf("LatestResults = %+v", rs)
	}
	d, err := s.Device(ctx, id)
	// LatestRunAt is when the server received it (not before the agent's t0).
	if err != nil || d.LatestRunID != newer.ID || d.LatestReady == nil || !*d.LatestReady || d.LatestRunAt == nil || d.LatestRunAt.Before(t0) ||
		d.LatestRunAt.After(time.Now()) || d.ClockSkewed() {
		t.Errorf("Device latest = %+v, %v", d, err)
	}
}

func testSaveSessionIdempotent(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "t")
	sid := report.NewID()
	t0 := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Microsecond)
	start := report.NewSession(Agent, report.SessionRecord{
		ID: report.NewID(), SessionID: sid, Event: report.SessionStart, At: t0, Label: "CASE-17",
		NotPassing: []string{"disk_encryption"},
		Override:   &report.Override{Reason: "urgent call", Checks: []string{"disk_encryption"}},
	})
	end := report.NewSession(Agent, report.SessionRecord{
		ID: report.NewID(), SessionID: sid, Event: report.SessionEnd, At: t0.Add(time.Hour), Label: "CASE-17", Ready: true,
		Cookies: &report.CookieSummary{Removed: 12, Kept: 3, Browsers: 2, ProfilesCleared: 2},
	})
	for _, env := range []report.Envelope{start, end} {
		if err := env.Validate(); err != nil {
			t.Fatalf("fixture: %v", err)
		}
		if dup, err := s.SaveSession(ctx, id, env); err != nil || dup {
			t.Fatalf("SaveSession = %v, %v", dup, err)
		}
	}
	if dup, err := s.SaveSession(ctx, id, start); err != nil || !dup {
		t.Fatalf("SaveSession again = %v, %v; want duplicate", dup, err)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM sessions WHERE device_id = ?`, id); n != 2 && n != -1 {
		t.Errorf("%d session rows, want 2", n)
	}
	if _, err := s.SaveSession(ctx, id, CheckRun(t0, true)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SaveSession(check run): err %v, want ErrInvalid", err)
	}
	got, err := s.Sessions(ctx, id, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("Sessions = %+v, %v", got, err)
	}
	e, st := got[0], got[1]
	if e.ID != end.ID || e.Event != report.SessionEnd || !e.Ready || e.Override != nil || e.Cookies == nil || *e.Cookies != *end.Session.Cookies ||
		len(e.NotPassing) != 0 || !e.At.Equal(t0.Add(time.Hour)) {
		t.Errorf("end record = %+v", e)
	}
	if st.ID != start.ID || st.SessionID != sid || st.Label != "CASE-17" || st.Ready || st.Cookies != nil || st.Override == nil ||
		st.Override.Reason != "urgent call" || len(st.Override.Checks) != 1 || len(st.NotPassing) != 1 || st.NotPassing[0] != "disk_encryption" {
		t.Errorf("start record = %+v", st)
	}
	if got, err := s.Sessions(ctx, id, 1); err != nil || len(got) != 1 || got[0].ID != end.ID {
		t.Errorf("Sessions(limit 1) = %+v, %v", got, err)
	}
}

func testDevicesPaging(t *testing.T, s store.Store) {
	ctx := t.Context()
	teamA, err := s.CreateTeam(ctx, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	teamB, err := s.CreateTeam(ctx, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	secretA, _, err := s.CreateEnrollSecret(ctx, teamA.ID)
	if err != nil {
		t.Fatal(err)
	}
	secretB, _, err := s.CreateEnrollSecret(ctx, teamB.ID)
	if err != nil {
		t.Fatal(err)
	}
	ready := map[string]bool{}
	for i := range 7 {
		secret := secretA
		if i%2 == 1 {
			secret = secretB
		}
		id, _, err := s.EnrollDevice(ctx, secret, fmt.Sprintf("d%d", i), Agent)
		if err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			ready[id] = i%3 == 0
			if _, err := s.SaveReport(ctx, id, CheckRun(time.Now(), i%3 == 0)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var all []store.Device
	after := ""
	for {
		page, err := s.Devices(ctx, store.DeviceFilter{AfterID: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 3 {
			t.Fatalf("page of %d", len(page))
		}
		all = append(all, page...)
		after = page[len(page)-1].ID
	}
	if len(all) != 7 {
		t.Fatalf("paged through %d devices, want 7", len(all))
	}
	for i, d := range all {
		if i > 0 && all[i-1].ID >= d.ID {
			t.Errorf("devices out of order at %d", i)
		}
		want, reported := ready[d.ID]
		switch {
		case !reported && d.LatestReady != nil:
			t.Errorf("%s never reported but LatestReady = %v", d.Name, *d.LatestReady)
		case reported && (d.LatestReady == nil || *d.LatestReady != want):
			t.Errorf("%s LatestReady = %v, want %v", d.Name, d.LatestReady, want)
		}
	}
	b, err := s.Devices(ctx, store.DeviceFilter{TeamID: teamB.ID})
	if err != nil || len(b) != 3 {
		t.Errorf("Devices(team b) = %d, %v; want 3", len(b), err)
	}
}

func testConcurrentReports(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "t")
	const workers, each = 4, 10
	envs := make([]report.Envelope, each)
	for i := range envs {
		envs[i] = CheckRun(time.Now().Add(time.Duration(i)*time.Second), true, report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "on"})
	}
	// Every worker sends every envelope: exactly one save of each may win.
	var mu sync.Mutex
	fresh := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for _, env := range envs {
				dup, err := s.SaveReport(ctx, id, env)
				if err != nil {
					t.Errorf("SaveReport: %v", err)
					return
				}
				if !dup {
					mu.Lock()
					fresh[env.ID]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	for _, env := range envs {
		if fresh[env.ID] != 1 {
			t.Errorf("envelope %s stored as new %d times, want 1", env.ID, fresh[env.ID])
		}
	}
	d, err := s.Device(ctx, id)
	if err != nil || d.LatestRunID != envs[each-1].ID {
		t.Errorf("latest run = %q, %v; want the newest %q", d.LatestRunID, err, envs[each-1].ID)
	}
}

func testSaveReportsBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, a, _ := Enrolled(t, s, "a")
	_, b, _ := Enrolled(t, s, "b")
	res := report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "on"}
	old := CheckRun(time.Now(), true, res)
	if _, err := s.SaveReport(ctx, a, old); err != nil {
		t.Fatal(err)
	}
	x, y := CheckRun(time.Now(), true, res), CheckRun(time.Now(), false, res)
	dr := func(device string, env report.Envelope) store.DeviceReport {
		return store.DeviceReport{DeviceID: device, Envelope: env}
	}
	dups, err := s.SaveReports(ctx, []store.DeviceReport{dr(a, x), dr(b, y), dr(a, old), dr(b, y)})
	if err != nil {
		t.Fatalf("SaveReports: %v", err)
	}
	if want := []bool{false, false, true, true}; fmt.Sprint(dups) != fmt.Sprint(want) {
		t.Errorf("duplicates = %v, want %v", dups, want)
	}
	if n := countRows(t, s, `SELECT COUNT(*) FROM check_runs`); n != 3 && n != -1 {
		t.Errorf("%d check_runs rows, want 3", n)
	}
	// All or nothing: an unknown device fails the whole batch.
	z := CheckRun(time.Now(), true, res)
	if _, err := s.SaveReports(ctx, []store.DeviceReport{dr(a, z), dr("nope", CheckRun(time.Now(), true))}); err == nil {
		t.Fatal("SaveReports with an unknown device succeeded")
	}
	if dup, err := s.SaveReport(ctx, a, z); err != nil || dup {
		t.Errorf("envelope of a failed batch: SaveReport = %v, %v; want stored fresh", dup, err)
	}
	if dups, err := s.SaveReports(ctx, nil); err != nil || len(dups) != 0 {
		t.Errorf("empty batch = %v, %v", dups, err)
	}

	// The run received last is a device's latest, whatever time its agent
	// gave it (agents' clocks are not trusted): in a batch, the later one;
	// a run dated earlier but received later replaces it.
	base := time.Now().Add(-time.Hour)
	first, second := CheckRun(base.Add(time.Minute), true, res), CheckRun(base, false, res)
	if _, err := s.SaveReports(ctx, []store.DeviceReport{dr(b, first), dr(b, second)}); err != nil {
		t.Fatal(err)
	}
	d, err := s.Device(ctx, b)
	if err != nil || d.LatestRunID != second.ID || d.LatestReady == nil || *d.LatestReady {
		t.Errorf("device after a batch of two runs: latest %q ready %v, %v; want %q not ready", d.LatestRunID, d.LatestReady, err, second.ID)
	}
	late := CheckRun(base.Add(-time.Minute), true, res)
	if _, err := s.SaveReports(ctx, []store.DeviceReport{dr(b, late)}); err != nil {
		t.Fatal(err)
	}
	d, err = s.Device(ctx, b)
	if err != nil || d.LatestRunID != late.ID || d.LatestReady == nil || !*d.LatestReady {
		t.Errorf("device after a run dated earlier, received later: latest %q ready %v, %v; want %q ready", d.LatestRunID, d.LatestReady, err, late.ID)
	}
	if r, err := s.LatestResults(ctx, b); err != nil || len(r) != 1 || r[0].RunID != late.ID {
		t.Errorf("LatestResults = %+v, %v", r, err)
	}
}

func testFleetCounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "fleet")
	other, _, _ := Enrolled(t, s, "other")
	ids, _ := SeedDevices(t, s, team.ID, 4)
	SeedDevices(t, s, other.ID, 2)
	for i, ready := range []bool{true, false} {
		if _, err := s.SaveReport(ctx, ids[i], CheckRun(time.Now(), ready)); err != nil {
			t.Fatalf("SaveReport: %v", err)
		}
	}
	if err := s.RevokeDevice(ctx, ids[3]); err != nil {
		t.Fatalf("RevokeDevice: %v", err)
	}
	// The team has Enrolled's device and ids[2] never reported, ids[0]
	// ready, ids[1] not ready, ids[3] revoked (not counted).
	for _, c := range []struct {
		name        string
		team        string
		staleBefore time.Time
		want        store.FleetCounts
	}{
		{"fresh", team.ID, time.Now().Add(-time.Hour), store.FleetCounts{Total: 4, Ready: 1, NotReady: 1, NeverReported: 2}},
		{"all stale", team.ID, time.Now().Add(time.Hour), store.FleetCounts{Total: 4, Stale: 2, NeverReported: 2}},
		{"every team", "", time.Now().Add(-time.Hour), store.FleetCounts{Total: 7, Ready: 1, NotReady: 1, NeverReported: 5}},
		{"unknown team", "nope", time.Now(), store.FleetCounts{}},
	} {
		got, err := s.FleetCounts(ctx, c.team, c.staleBefore)
		if err != nil || got != c.want {
			t.Errorf("%s: FleetCounts = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// testFleetSummaryWholeFleet: the fleet figures over a fleet big enough
// to be read in parts (SQLite reads two rowid halves at once) count every
// device once, per team and for all, and FleetCounts agrees.
func testFleetSummaryWholeFleet(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "whole")
	other, _, _ := Enrolled(t, s, "rest")
	// Each team requires what its devices report (a required check left
	// out counts as unknown: testFleetFiguresCountMissingRequired).
	for teamID, required := range map[string][]string{team.ID: {"firewall", "antivirus"}, other.ID: {"firewall"}} {
		if _, err := s.SetTeamPolicy(ctx, teamID, RequiringOnly(t, required...), ""); err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := SeedDevices(t, s, team.ID, 60)
	otherIDs, _ := SeedDevices(t, s, other.ID, 15)
	want := map[string]map[checks.Status]int{}
	wantCounts := store.FleetCounts{Total: 61, NeverReported: 1} // Enrolled's device never reports
	var batch []store.DeviceReport
	for i, id := range ids {
		if i%10 == 9 {
			wantCounts.NeverReported++
			continue
		}
		fw, av := checks.Pass, checks.Pass
		if i%3 == 0 {
			fw = checks.Fail
		}
		if i%5 == 0 {
			av = checks.Unknown
		}
		ready := fw == checks.Pass && av == checks.Pass
		if ready {
			wantCounts.Ready++
		} else {
			wantCounts.NotReady++
		}
		for id, st := range map[string]checks.Status{"firewall": fw, "antivirus": av} {
			if want[id] == nil {
				want[id] = map[checks.Status]int{}
			}
			want[id][st]++
		}
		batch = append(batch, store.DeviceReport{DeviceID: id, Envelope: CheckRun(time.Now(), ready,
			report.CheckResult{ID: "firewall", Status: fw, Required: true}, report.CheckResult{ID: "antivirus", Status: av, Required: true})})
	}
	for _, id := range otherIDs[:5] {
		batch = append(batch, store.DeviceReport{DeviceID: id, Envelope: CheckRun(time.Now(), true, report.CheckResult{ID: "firewall", Status: checks.Pass})})
	}
	if _, err := s.SaveReports(ctx, batch); err != nil {
		t.Fatal(err)
	}
	counts, comp, err := s.FleetSummary(ctx, team.ID, time.Now().Add(-time.Hour))
	if err != nil || counts != wantCounts {
		t.Errorf("FleetSummary counts = %+v, %v; want %+v", counts, err, wantCounts)
	}
	got := map[string]map[checks.Status]int{}
	for _, c := range comp {
		got[c.CheckID] = c.Counts
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FleetSummary compliance = %v; want %v", got, want)
	}
	if c, err := s.FleetCounts(ctx, team.ID, time.Now().Add(-time.Hour)); err != nil || c != wantCounts {
		t.Errorf("FleetCounts = %+v, %v; want %+v", c, err, wantCounts)
	}
	all, comp, err := s.FleetSummary(ctx, "", time.Now().Add(-time.Hour))
	wantAll := wantCounts
	wantAll.Total += 16
	wantAll.Ready += 5
	wantAll.NeverReported += 11
	if err != nil || all != wantAll {
		t.Errorf("FleetSummary of every team = %+v, %v; want %+v", all, err, wantAll)
	}
	for _, c := range comp {
		if c.CheckID == "firewall" && c.Counts[checks.Pass] != want["firewall"][checks.Pass]+5 {
			t.Errorf("every team: firewall passes %d, want %d", c.Counts[checks.Pass], want["firewall"][checks.Pass]+5)
		}
	}
	stale, _, err := s.FleetSummary(ctx, team.ID, time.Now().Add(time.Hour))
	if wantStale := (store.FleetCounts{Total: 61, Stale: 61 - wantCounts.NeverReported, NeverReported: wantCounts.NeverReported}); err != nil || stale != wantStale {
		t.Errorf("FleetSummary, all stale = %+v, %v; want %+v", stale, err, wantStale)
	}
}

// testSaveReportsUnsyncedThenSync: a batch saved without the disk flush is
// committed (visible, idempotent), and SyncReports then succeeds.
func testSaveReportsUnsyncedThenSync(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, device, _ := Enrolled(t, s, "unsynced")
	env := CheckRun(time.Now(), true)
	dups, err := s.SaveReportsUnsynced(ctx, []store.DeviceReport{{DeviceID: device, Envelope: env}})
	if err != nil || len(dups) != 1 || dups[0] {
		t.Fatalf("SaveReportsUnsynced = %v, %v", dups, err)
	}
	if d, err := s.Device(ctx, device); err != nil || d.LatestRunID != env.ID {
		t.Errorf("device after an unsynced save: latest run %q, %v; want %q", d.LatestRunID, err, env.ID)
	}
	if err := s.SyncReports(ctx); err != nil {
		t.Errorf("SyncReports: %v", err)
	}
	if dup, err := s.SaveReport(ctx, device, env); err != nil || !dup {
		t.Errorf("the same report again: duplicate %v, %v; want a duplicate", dup, err)
	}
}

// testSaveReportsPrepared: a report whose run was prepared before it was
// queued (store.PrepareRun, as the API does) is stored as one the store
// prepares itself: the same results, statuses and checks not passing.
func testSaveReportsPrepared(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "prepared")
	ids, _ := SeedDevices(t, s, team.ID, 2)
	results := []report.CheckResult{
		{ID: "screen_lock", Status: checks.Unknown, Summary: "could not tell", Reason: "no session", Facts: json.RawMessage(`{"idle":null}`)},
		{ID: "firewall", Status: checks.Fail, Summary: "off", Required: true},
		{ID: "antivirus", Status: checks.Pass, Summary: "on"},
	}
	prepared, plain := CheckRun(time.Now(), false, results...), CheckRun(time.Now(), false, results...)
	run, err := store.PrepareRun(prepared.CheckRun)
	if err != nil {
		t.Fatalf("PrepareRun: %v", err)
	}
	dups, err := s.SaveReports(ctx, []store.DeviceReport{{DeviceID: ids[0], Envelope: prepared, Run: run}, {DeviceID: ids[1], Envelope: plain}})
	if err != nil || dups[0] || dups[1] {
		t.Fatalf("SaveReports = %v, %v", dups, err)
	}
	var stored [2][]report.CheckResult
	for i, id := range ids {
		rs, err := s.LatestResults(ctx, id)
		if err != nil {
			t.Fatalf("LatestResults: %v", err)
		}
		for _, r := range rs {
			stored[i] = append(stored[i], r.CheckResult)
		}
	}
	if len(stored[0]) != len(results) || !reflect.DeepEqual(stored[0], stored[1]) {
		t.Errorf("results stored from a prepared run:\n%+v\nfrom the store's own:\n%+v", stored[0], stored[1])
	}
	for check, want := range map[string]int{"firewall": 2, "screen_lock": 2, "antivirus": 0} {
		ds, err := s.SearchDevices(ctx, store.DeviceQuery{TeamID: team.ID, FailingCheck: check})
		if err != nil || len(ds) != want {
			t.Errorf("devices not passing %s: %d, %v; want %d", check, len(ds), err, want)
		}
	}
	twice := CheckRun(time.Now(), true, results[2], results[2])
	if _, err := store.PrepareRun(twice.CheckRun); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PrepareRun of a run with one check twice: %v, want ErrInvalid", err)
	}
	if _, err := store.PrepareRun(nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("PrepareRun(nil): %v, want ErrInvalid", err)
	}
}

// testReadinessJudgedByServer: a device's latest readiness is the
// server's judgement, in one batch of both kinds: a run prepared against
// the team's required checks (PrepareRunFor, as the API does) is ready
// when they are all acceptable, whatever the agent said, and not when one
// is missing; a run given unprepared is never readier than the agent said
// nor ready with a result the agent itself marked required failing. The
// run keeps the agent's flag.
func testReadinessJudgedByServer(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "judged")
	ids, _ := SeedDevices(t, s, team.ID, 4)
	fw := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}
	de := report.CheckResult{ID: "disk_encryption", Status: checks.NotApplicable, Summary: "n/a"}
	failing := report.CheckResult{ID: "screen_lock", Status: checks.Fail, Required: true, Summary: "off"}
	required := []string{"disk_encryption", "firewall"}
	cases := []struct {
		env        report.Envelope
		required   []string // nil: unprepared
		agentReady bool
		want       string
	}{
		{CheckRun(time.Now(), true, fw), required, true, store.StateNotReady},
		{CheckRun(time.Now(), false, fw, de, failing), required, false, store.StateReady},
		{CheckRun(time.Now(), true, fw, de, failing), nil, true, store.StateNotReady},
		{CheckRun(time.Now(), true, fw, de), nil, true, store.StateReady},
	}
	batch := make([]store.DeviceReport, len(cases))
	for i, c := range cases {
		batch[i] = store.DeviceReport{DeviceID: ids[i], Envelope: c.env}
		if c.required != nil {
			run, err := store.PrepareRunFor(c.env.CheckRun, c.required)
			if err != nil {
				t.Fatalf("PrepareRunFor: %v", err)
			}
			batch[i].Run = run
		}
	}
	if _, err := s.SaveReports(ctx, batch); err != nil {
		t.Fatalf("SaveReports: %v", err)
	}
	for i, c := range cases {
		d, err := s.Device(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := store.DeviceState(d, time.Now().Add(-time.Hour)); got != c.want {
			t.Errorf("case %d: state %s, want %s", i, got, c.want)
		}
		runs, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: ids[i], Limit: 1})
		if err != nil || len(runs) != 1 || runs[0].Ready != c.agentReady {
			t.Errorf("case %d: stored run %+v (%v), want the agent's ready=%v kept", i, runs, err, c.agentReady)
		}
	}
}

// testStaleByCheckRuns: a device whose check runs stopped while its
// session records still arrive is stale — in its state, the fleet counts,
// the state filter and the state order — though its last contact is
// recent.
func testStaleByCheckRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, id, _ := Enrolled(t, s, "stale")
	if _, err := s.SaveReport(ctx, id, CheckRun(time.Now(), true)); err != nil {
		t.Fatalf("SaveReport: %v", err)
	}
	time.Sleep(5 * time.Millisecond)
	staleBefore := time.Now()
	time.Sleep(5 * time.Millisecond)
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionEnd, At: time.Now(), Label: "C-1", Ready: true}
	if _, err := s.SaveSession(ctx, id, report.NewSession(Agent, rec)); err != nil {
		t.Fatalf("SaveSession: %v", err)
	}
	d, err := s.Device(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !d.LastSeenAt.After(staleBefore) {
		t.Fatalf("last seen %v, want the session record's receipt, after %v", d.LastSeenAt, staleBefore)
	}
	if got := store.DeviceState(d, staleBefore); got != store.StateStale {
		t.Errorf("state %s, want stale", got)
	}
	if got, err := s.FleetCounts(ctx, team.ID, staleBefore); err != nil || got != (store.FleetCounts{Total: 1, Stale: 1}) {
		t.Errorf("FleetCounts = %+v, %v; want one stale", got, err)
	}
	for state, want := range map[string]int{store.StateStale: 1, store.StateReady: 0} {
		ds, err := s.SearchDevices(ctx, store.DeviceQuery{TeamID: team.ID, State: state, StaleBefore: staleBefore})
		if err != nil || len(ds) != want {
			t.Errorf("devices %s: %d, %v; want %d", state, len(ds), err, want)
		}
	}
	other, _ := SeedDevices(t, s, team.ID, 1)
	if _, err := s.SaveReport(ctx, other[0], CheckRun(time.Now(), true)); err != nil {
		t.Fatalf("SaveReport: %v", err)
	}
	ds, err := s.SearchDevices(ctx, store.DeviceQuery{TeamID: team.ID, Sort: store.DeviceSortState, StaleBefore: staleBefore})
	if err != nil || len(ds) != 2 || ds[0].ID != id {
		t.Errorf("devices worst first: %+v, %v; want the stale one before the ready one", ds, err)
	}
}

// RequiringOnly is a team policy that requires exactly the checks ids.
func RequiringOnly(t testing.TB, ids ...string) json.RawMessage {
	t.Helper()
	cs := map[string]checks.CheckPolicy{}
	for _, id := range all.Catalogue().IDs() {
		cs[id] = checks.CheckPolicy{}
	}
	for _, id := range ids {
		cs[id] = checks.CheckPolicy{Required: true}
	}
	b, err := json.Marshal(map[string]any{"schema": checks.PolicySchema, "checks": cs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testFleetFiguresCountMissingRequired: a check a device's team requires
// that its latest run left out counts as unknown in that check's figures
// (for the team and for the whole fleet), not as a device the check
// was never asked of; a check not required stays out of the base.
func testFleetFiguresCountMissingRequired(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "strict")
	other, _, _ := Enrolled(t, s, "lenient")
	if _, err := s.SetTeamPolicy(ctx, team.ID, RequiringOnly(t, "firewall", "disk_encryption"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetTeamPolicy(ctx, other.ID, RequiringOnly(t, "firewall"), ""); err != nil {
		t.Fatal(err)
	}
	ids, _ := SeedDevices(t, s, team.ID, 2)
	lenient, _ := SeedDevices(t, s, other.ID, 1)
	fw := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}
	de := report.CheckResult{ID: "disk_encryption", Status: checks.Pass, Required: true, Summary: "on"}
	for _, r := range []struct {
		id  string
		env report.Envelope
	}{{ids[0], CheckRun(time.Now(), true, fw, de)}, {ids[1], CheckRun(time.Now(), true, fw)}, {lenient[0], CheckRun(time.Now(), true, fw)}} {
		if _, err := s.SaveReport(ctx, r.id, r.env); err != nil {
			t.Fatalf("SaveReport: %v", err)
		}
	}
	for _, c := range []struct {
		team string
		want map[string]map[checks.Status]int
	}{
		{team.ID, map[string]map[checks.Status]int{"disk_encryption": {checks.Pass: 1, checks.Unknown: 1}, "firewall": {checks.Pass: 2}}},
		{other.ID, map[string]map[checks.Status]int{"firewall": {checks.Pass: 1}}},
		{"", map[string]map[checks.Status]int{"disk_encryption": {checks.Pass: 1, checks.Unknown: 1}, "firewall": {checks.Pass: 3}}},
	} {
		_, comp, err := s.FleetSummary(ctx, c.team, time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatalf("FleetSummary: %v", err)
		}
		got := map[string]map[checks.Status]int{}
		for _, cc := range comp {
			got[cc.CheckID] = cc.Counts
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("team %q: compliance %v, want %v", c.team, got, c.want)
		}
	}
}

// testPolicySaveRejudges: saving a team policy judges its devices'
// readiness again from their latest statuses (in chunks: more devices
// than one holds), both ways, and leaves other teams' devices and those
// that never reported alone.
func testPolicySaveRejudges(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, never, _ := Enrolled(t, s, "rejudged")
	other, otherDev, _ := Enrolled(t, s, "untouched")
	ids, _ := SeedDevices(t, s, team.ID, 1100)
	fw := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}
	lock := report.CheckResult{ID: "screen_lock", Status: checks.Fail, Summary: "off"}
	batch := make([]store.DeviceReport, 0, len(ids)+1)
	for _, id := range append(slices.Clone(ids), otherDev) {
		env := CheckRun(time.Now(), true, fw, lock)
		run, err := store.PrepareRunFor(env.CheckRun, []string{"firewall"})
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, store.DeviceReport{DeviceID: id, Envelope: env, Run: run})
	}
	if _, err := s.SaveReports(ctx, batch); err != nil {
		t.Fatalf("SaveReports: %v", err)
	}
	for _, c := range []struct {
		name     string
		team     string
		required []string
		want     store.FleetCounts
	}{
		{"screen lock required", team.ID, []string{"firewall", "screen_lock"}, store.FleetCounts{Total: 1101, NotReady: 1100, NeverReported: 1}},
		{"screen lock optional again", team.ID, []string{"firewall"}, store.FleetCounts{Total: 1101, Ready: 1100, NeverReported: 1}},
		{"a check nobody reported required", team.ID, []string{"disk_encryption"}, store.FleetCounts{Total: 1101, NotReady: 1100, NeverReported: 1}},
	} {
		if _, err := s.SetTeamPolicy(ctx, c.team, RequiringOnly(t, c.required...), ""); err != nil {
			t.Fatalf("%s: SetTeamPolicy: %v", c.name, err)
		}
		if got, err := s.FleetCounts(ctx, team.ID, time.Now().Add(-time.Hour)); err != nil || got != c.want {
			t.Errorf("%s: FleetCounts = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	if d, err := s.Device(ctx, never); err != nil || d.LatestReady != nil {
		t.Errorf("device that never reported: %+v, %v", d, err)
	}
	if got, err := s.FleetCounts(ctx, other.ID, time.Now().Add(-time.Hour)); err != nil || got != (store.FleetCounts{Total: 1, Ready: 1}) {
		t.Errorf("the other team: FleetCounts = %+v, %v; want its device ready", got, err)
	}
}

// testNotPassingFollowsStatuses: the device lists' "not passing" index
// follows each device's latest statuses through reports that change them,
// repeat them (the steady state, where the rows are left in place), clear
// them, and change them twice in one batch.
func testNotPassingFollowsStatuses(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "not passing")
	ids, _ := SeedDevices(t, s, team.ID, 2)
	run := func(fw, av checks.Status) report.Envelope {
		return CheckRun(time.Now(), false, report.CheckResult{ID: "firewall", Status: fw, Summary: "x", Required: true},
			report.CheckResult{ID: "antivirus", Status: av, Summary: "x", Required: true})
	}
	failing := func(step string, want map[string][]string) {
		t.Helper()
		for _, check := range []string{"firewall", "antivirus"} {
			ds, err := s.SearchDevices(ctx, store.DeviceQuery{TeamID: team.ID, FailingCheck: check})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.ID)
			}
			slices.Sort(got)
			w := slices.Sorted(slices.Values(want[check]))
			if !slices.Equal(got, w) {
				t.Errorf("%s: not passing %s: %v, want %v", step, check, got, w)
			}
		}
	}
	a, b := ids[0], ids[1]
	save := func(reps ...store.DeviceReport) {
		t.Helper()
		if _, err := s.SaveReports(ctx, reps); err != nil {
			t.Fatal(err)
		}
	}
	save(store.DeviceReport{DeviceID: a, Envelope: run(checks.Fail, checks.Pass)}, store.DeviceReport{DeviceID: b, Envelope: run(checks.Pass, checks.Unknown)})
	failing("first reports", map[string][]string{"firewall": {a}, "antivirus": {b}})
	save(store.DeviceReport{DeviceID: a, Envelope: run(checks.Fail, checks.Pass)}, store.DeviceReport{DeviceID: b, Envelope: run(checks.Pass, checks.Unknown)})
	failing("the same again", map[string][]string{"firewall": {a}, "antivirus": {b}})
	save(store.DeviceReport{DeviceID: a, Envelope: run(checks.Unknown, checks.Fail)})
	failing("a's changed", map[string][]string{"firewall": {a}, "antivirus": {a, b}})
	save(store.DeviceReport{DeviceID: a, Envelope: run(checks.Pass, checks.Pass)}, store.DeviceReport{DeviceID: b, Envelope: run(checks.Fail, checks.Pass)})
	failing("a passes, b's swapped", map[string][]string{"firewall": {b}})
	save(store.DeviceReport{DeviceID: b, Envelope: run(checks.Pass, checks.Fail)}, store.DeviceReport{DeviceID: b, Envelope: run(checks.Fail, checks.Pass)})
	failing("b twice in one batch", map[string][]string{"firewall": {b}})
	save(store.DeviceReport{DeviceID: b, Envelope: run(checks.Pass, checks.Pass)})
	failing("all pass", nil)
}

func testSeedDevices(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "seeded")
	ids, tokens := SeedDevices(t, s, team.ID, 1203)
	for _, i := range []int{0, 500, 1202} {
		d, err := s.DeviceByToken(ctx, tokens[i])
		if err != nil || d.ID != ids[i] || d.TeamID != team.ID {
			t.Errorf("DeviceByToken(seeded %d) = %+v, %v; want device %s", i, d, err, ids[i])
		}
	}
}

// testTokenOwner: a token's hash finds its device and team; an unknown
// token, a malformed one and a revoked device's are ErrUnauthorized.
func testTokenOwner(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "owners")
	ids, tokens := SeedDevices(t, s, team.ID, 300)
	for _, i := range []int{0, 150, 299} {
		id, teamID, err := s.TokenOwner(ctx, sha256.Sum256([]byte(tokens[i])))
		if err != nil || id != ids[i] || teamID != team.ID {
			t.Errorf("TokenOwner(seeded %d) = %s, %s, %v; want %s, %s", i, id, teamID, err, ids[i], team.ID)
		}
	}
	for _, bad := range []string{"", tokens[0] + "x", "sgdt_" + strings.Repeat("A", 43)} {
		if _, _, err := s.TokenOwner(ctx, sha256.Sum256([]byte(bad))); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("TokenOwner(%q): err %v, want ErrUnauthorized", bad, err)
		}
	}
	if err := s.RevokeDevice(ctx, ids[7]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TokenOwner(ctx, sha256.Sum256([]byte(tokens[7]))); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("revoked device: err %v, want ErrUnauthorized", err)
	}
}

// testTokenOwners: several tokens at once find their devices, in the
// order asked, a token asked twice twice; unknown tokens and a revoked
// device's get the zero holder; none asked, none found.
func testTokenOwners(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "owners")
	ids, tokens := SeedDevices(t, s, team.ID, 300)
	if err := s.RevokeDevice(ctx, ids[7]); err != nil {
		t.Fatal(err)
	}
	ask := []string{tokens[299], "unknown", tokens[0], tokens[7], tokens[150], tokens[0], tokens[0] + "x"}
	want := []string{ids[299], "", ids[0], "", ids[150], ids[0], ""}
	hashes := make([][32]byte, len(ask))
	for i, tok := range ask {
		hashes[i] = sha256.Sum256([]byte(tok))
	}
	got, err := s.TokenOwners(ctx, hashes)
	if err != nil || len(got) != len(want) {
		t.Fatalf("TokenOwners: %v, %v; want %d holders", got, err, len(want))
	}
	for i := range want {
		if got[i].DeviceID != want[i] || (want[i] != "" && got[i].TeamID != team.ID) || (want[i] == "" && got[i].TeamID != "") {
			t.Errorf("holder %d: %+v, want device %q in team %s", i, got[i], want[i], team.ID)
		}
	}
	if got, err := s.TokenOwners(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("TokenOwners(none): %v, %v", got, err)
	}
	// A revocation is seen at once by the next look-up, also after
	// look-ups and a report commit read the device (whichever SQLite
	// connection's page cache holds its pages; another one revokes).
	env := CheckRun(time.Now(), true, report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "on"})
	if _, err := s.SaveReport(ctx, ids[150], env); err != nil {
		t.Fatal(err)
	}
	h150 := sha256.Sum256([]byte(tokens[150]))
	if got, err := s.TokenOwners(ctx, [][32]byte{h150, hashes[0]}); err != nil || got[0].DeviceID != ids[150] {
		t.Fatalf("TokenOwners before revoking: %v, %v", got, err)
	}
	if id, _, err := s.TokenOwner(ctx, h150); err != nil || id != ids[150] {
		t.Fatalf("TokenOwner before revoking: %q, %v", id, err)
	}
	if err := s.RevokeDevice(ctx, ids[150]); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TokenOwners(ctx, [][32]byte{h150, hashes[0]}); err != nil || got[0].DeviceID != "" || got[1].DeviceID != ids[299] {
		t.Errorf("TokenOwners after revoking: %v, %v; want the revoked device not found", got, err)
	}
	if _, _, err := s.TokenOwner(ctx, h150); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("TokenOwner after revoking: err %v, want ErrUnauthorized", err)
	}
}

// testDevicePolicyApplied: a device's applied policy is recorded once per
// ETag (a repeated confirmation keeps the first time), listed with the
// device; unknown devices are skipped.
func testDevicePolicyApplied(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, device, _ := Enrolled(t, s, "applied")
	if d, err := s.Device(ctx, device); err != nil || d.PolicyETag != "" || d.PolicyAppliedAt != nil {
		t.Fatalf("new device: %+v, %v; want no applied policy", d, err)
	}
	first := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	// Twice in one batch and once more: the first time stays.
	twice := []store.PolicyApplied{{DeviceID: device, ETag: team.ETag, At: first}, {DeviceID: device, ETag: team.ETag, At: first.Add(time.Second)}}
	if err := s.SetPoliciesApplied(ctx, twice); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPoliciesApplied(ctx, []store.PolicyApplied{{DeviceID: device, ETag: team.ETag, At: first.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	devs, err := s.Devices(ctx, store.DeviceFilter{TeamID: team.ID})
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices: %v, %v", devs, err)
	}
	if d := devs[0]; d.PolicyETag != team.ETag || d.PolicyAppliedAt == nil || !d.PolicyAppliedAt.Equal(first) {
		t.Fatalf("after two confirmations: etag %q at %v; want %q at %v (the first)", d.PolicyETag, d.PolicyAppliedAt, team.ETag, first)
	}
	later := first.Add(time.Hour)
	// Unknown devices are skipped, the others recorded.
	if err := s.SetPoliciesApplied(ctx, []store.PolicyApplied{{DeviceID: "no-such-device", ETag: "x", At: later}, {DeviceID: device, ETag: "other", At: later}}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.Device(ctx, device); d.PolicyETag != "other" || d.PolicyAppliedAt == nil || !d.PolicyAppliedAt.Equal(later) {
		t.Fatalf("a new version: %q at %v; want other at %v", d.PolicyETag, d.PolicyAppliedAt, later)
	}
	if err := s.SetPoliciesApplied(ctx, []store.PolicyApplied{{DeviceID: device, ETag: "", At: later}}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("empty ETag: %v; want ErrInvalid", err)
	}

	// The rollout: a second device that confirmed nothing comes first.
	secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := s.EnrollDevice(ctx, secret, "zz-second", Agent)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.PolicyRollout(ctx, store.RolloutQuery{TeamID: team.ID, ETag: "other", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 2 || r.Applied != 1 || len(r.Devices) != 2 || r.Devices[0].ID != second || r.Devices[1].ID != device {
		t.Fatalf("rollout = %d of %d, devices %v; want 1 of 2, %s first", r.Applied, r.Total, r.Devices, second)
	}
	if r, err := s.PolicyRollout(ctx, store.RolloutQuery{TeamID: "no-such-team", ETag: "other", Limit: 10}); err != nil || r.Total != 0 || r.Applied != 0 || len(r.Devices) != 0 {
		t.Fatalf("rollout of no team = %+v, %v", r, err)
	}
}
