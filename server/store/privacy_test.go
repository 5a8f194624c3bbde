package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// TestPrivacy runs the privacy store tests on both back ends.
func TestPrivacy(t *testing.T) {
	backends := []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}}
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"AuditLog", testAuditLog},
		{"AuditAppendOnly", testAuditAppendOnly},
		{"Practitioner", testPractitioner},
		{"Exports", testExports},
		{"ExportCallbackError", testExportCallbackError},
		{"EraseDevice", testEraseDevice},
		{"Retention", testRetention},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					s := b.open(t)
					if err := s.Migrate(t.Context()); err != nil {
						t.Fatalf("Migrate: %v", err)
					}
					tc.fn(t, s)
				})
			}
		})
	}
}

func testAuditLog(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 5 {
		target := "dev-a"
		if i%2 == 1 {
			target = "dev-b"
		}
		if err := s.AppendAudit(ctx, store.AuditEntry{Actor: "alice", Action: "device.revoke", Target: target, Detail: fmt.Sprintf("n=%d", i)}); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	all, err := s.AuditLog(ctx, store.AuditFilter{})
	if err != nil || len(all) != 5 {
		t.Fatalf("AuditLog = %d entries, %v; want 5", len(all), err)
	}
	if all[0].Detail != "n=4" || all[4].Detail != "n=0" || all[0].At.IsZero() || all[0].Actor != "alice" {
		t.Errorf("AuditLog not newest first with times: first %+v, last %+v", all[0], all[4])
	}
	page, err := s.AuditLog(ctx, store.AuditFilter{BeforeID: all[1].ID, Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != all[2].ID || page[1].ID != all[3].ID {
		t.Errorf("page after %d = %+v, %v; want entries 2 and 3", all[1].ID, page, err)
	}
	onlyB, err := s.AuditLog(ctx, store.AuditFilter{Target: "dev-b"})
	if err != nil || len(onlyB) != 2 || onlyB[0].Detail != "n=3" {
		t.Errorf("Target dev-b = %+v, %v; want n=3, n=1", onlyB, err)
	}

	for _, bad := range []store.AuditEntry{
		{Action: "x"}, {Actor: "x"}, {Actor: " ", Action: "x"},
		{Actor: strings.Repeat("a", store.MaxAuditField+1), Action: "x"},
		{Actor: "a", Action: "x", Target: strings.Repeat("t", store.MaxAuditField+1)},
	} {
		if err := s.AppendAudit(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AppendAudit(%.40v): err %v, want ErrInvalid", bad, err)
		}
	}
	long := strings.Repeat("é", store.MaxAuditDetail) // 2 bytes each
	if err := s.AppendAudit(ctx, store.AuditEntry{Actor: "a", Action: "x", Detail: long}); err != nil {
		t.Fatalf("AppendAudit long detail: %v", err)
	}
	got, err := s.AuditLog(ctx, store.AuditFilter{Limit: 1})
	if err != nil || len(got) != 1 || len(got[0].Detail) != store.MaxAuditDetail || !strings.HasPrefix(long, got[0].Detail) {
		t.Errorf("long detail stored as %d bytes, %v; want cut to %d on a character boundary", len(got[0].Detail), err, store.MaxAuditDetail)
	}
}

// testAuditAppendOnly proves the database itself refuses to change or
// delete audit entries, whatever the application does.
func testAuditAppendOnly(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.AppendAudit(ctx, store.AuditEntry{Actor: "alice", Action: "export.devices"}); err != nil {
		t.Fatal(err)
	}
	db := s.(interface{ DB() *sql.DB }).DB()
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'mallory'`,
		`DELETE FROM audit_log`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err %v, want the append-only refusal", stmt, err)
		}
	}
	if s.(interface{ Dialect() string }).Dialect() == "postgres" {
		if _, err := db.ExecContext(ctx, `TRUNCATE audit_log`); err == nil {
			t.Error("TRUNCATE audit_log succeeded")
		}
	}
	got, err := s.AuditLog(ctx, store.AuditFilter{})
	if err != nil || len(got) != 1 || got[0].Actor != "alice" {
		t.Errorf("after the refused changes: %+v, %v", got, err)
	}
}

func testPractitioner(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, dev1, _ := storetest.Enrolled(t, s, "team")
	dev2 := enrolMore(t, s, team.ID, "laptop-2")
	dev3 := enrolMore(t, s, team.ID, "laptop-3")
	if p, err := s.Practitioner(ctx, dev1); err != nil || p != "" {
		t.Errorf("Practitioner before set = %q, %v", p, err)
	}
	for _, d := range []string{dev1, dev3} {
		if err := s.SetPractitioner(ctx, d, "  Jane Smith (staff 42) "); err != nil {
			t.Fatalf("SetPractitioner: %v", err)
		}
	}
	if err := s.SetPractitioner(ctx, dev2, "John Doe"); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Practitioner(ctx, dev1); err != nil || p != "Jane Smith (staff 42)" {
		t.Errorf("Practitioner = %q, %v; want trimmed", p, err)
	}
	ids, err := s.PractitionerDevices(ctx, "Jane Smith (staff 42)")
	want := []string{dev1, dev3}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Errorf("PractitionerDevices = %v, %v; want %v", ids, err, want)
	}
	if ids, err := s.PractitionerDevices(ctx, "jane smith (staff 42)"); err != nil || len(ids) != 0 {
		t.Errorf("match is exact: %v, %v", ids, err)
	}
	// Other capitals or spaces find the spelling stored, so a subject
	// access never reads as "nothing held" for it.
	for typed, want := range map[string][]string{
		"jane  SMITH (staff 42) ": {"Jane Smith (staff 42)"},
		"Jane Smith (staff 42)":   {"Jane Smith (staff 42)"},
		"Jane Smith":              nil,
		"John Doe":                {"John Doe"},
	} {
		if got, err := s.SimilarPractitioners(ctx, typed); err != nil || !slices.Equal(got, want) {
			t.Errorf("SimilarPractitioners(%q) = %q, %v; want %q", typed, got, err, want)
		}
	}
	if err := s.SetPractitioner(ctx, dev3, ""); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.PractitionerDevices(ctx, "Jane Smith (staff 42)"); !slices.Equal(ids, []string{dev1}) {
		t.Errorf("after clearing dev3: %v", ids)
	}
	if err := s.SetPractitioner(ctx, "nope", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown device: %v", err)
	}
	if _, err := s.Practitioner(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown device: %v", err)
	}
	for _, bad := range []string{strings.Repeat("x", store.MaxPractitioner+1), "a\nb", "\x00"} {
		if err := s.SetPractitioner(ctx, dev1, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SetPractitioner(%q): %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.PractitionerDevices(ctx, "  "); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty practitioner: %v", err)
	}
}

// enrolMore enrols another device into a team.
func enrolMore(t testing.TB, s store.Store, teamID, name string) string {
	t.Helper()
	secret, _, err := s.CreateEnrollSecret(context.Background(), teamID)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := s.EnrollDevice(context.Background(), secret, name, storetest.Agent)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// seedRuns stores n check runs for a device, one a day ending at last,
// each with the given checks, and returns their IDs oldest first.
func seedRuns(t testing.TB, s store.Store, deviceID string, last time.Time, n int, checkIDs ...string) []string {
	t.Helper()
	var results []report.CheckResult
	for _, id := range checkIDs {
		results = append(results, report.CheckResult{ID: id, Status: checks.Fail, Required: true, Summary: "=cmd|' /C calc'!A0", Facts: []byte(`{"enabled":false}`)})
	}
	ids := make([]string, n)
	for i := range n {
		env := storetest.CheckRun(last.Add(-time.Duration(n-1-i)*24*time.Hour), false, results...)
		if _, err := s.SaveReport(context.Background(), deviceID, env); err != nil {
			t.Fatalf("SaveReport: %v", err)
		}
		ids[i] = env.ID
	}
	return ids
}

// backdateReceipts sets every record's receive time to the time its agent
// gave it, as if each had been received when it was made.
func backdateReceipts(t testing.TB, s store.Store) {
	t.Helper()
	db := s.(interface{ DB() *sql.DB }).DB()
	for _, q := range []string{`UPDATE check_runs SET received_at = started_at`, `UPDATE sessions SET received_at = at`} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// seedSessions stores n session starts for a device, one a day ending at
// last.
func seedSessions(t testing.TB, s store.Store, deviceID string, last time.Time, n int) {
	t.Helper()
	for i := range n {
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
			At: last.Add(-time.Duration(n-1-i) * 24 * time.Hour), Label: fmt.Sprintf("C-%d", i),
			Override: &report.Override{Reason: "urgent call", Checks: []string{"firewall"}}, NotPassing: []string{"firewall"}}
		if _, err := s.SaveSession(context.Background(), deviceID, report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatalf("SaveSession: %v", err)
		}
	}
}

func testExports(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	teamA, a1, _ := storetest.Enrolled(t, s, "A")
	a2 := enrolMore(t, s, teamA.ID, "laptop-2")
	teamB, b1, _ := storetest.Enrolled(t, s, "B")
	if err := s.SetPractitioner(ctx, a2, "Jane"); err != nil {
		t.Fatal(err)
	}
	seedRuns(t, s, a1, now, 3, "firewall", "antivirus")
	seedRuns(t, s, a2, now.Add(-time.Hour), 2, "firewall")
	seedRuns(t, s, b1, now, 4, "screen_lock")
	seedSessions(t, s, a1, now, 3)
	seedSessions(t, s, b1, now, 2)

	var devs []store.ExportDevice
	if err := s.ExportDevices(ctx, store.ExportFilter{PageSize: 1}, func(d store.ExportDevice) error { devs = append(devs, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(devs) != 3 || !slices.IsSortedFunc(devs, func(x, y store.ExportDevice) int { return strings.Compare(x.ID, y.ID) }) {
		t.Fatalf("ExportDevices: %d devices, want 3 sorted by ID", len(devs))
	}
	for _, d := range devs {
		wantTeam, wantP := "A", ""
		if d.ID == b1 {
			wantTeam = "B"
		}
		if d.ID == a2 {
			wantP = "Jane"
		}
		if d.TeamName != wantTeam || d.Practitioner != wantP || d.LatestRunID == "" {
			t.Errorf("device %s: team %q practitioner %q latest %q; want %q %q and a latest run", d.ID, d.TeamName, d.Practitioner, d.LatestRunID, wantTeam, wantP)
		}
	}
	devs = nil
	if err := s.ExportDevices(ctx, store.ExportFilter{TeamID: teamB.ID}, func(d store.ExportDevice) error { devs = append(devs, d); return nil }); err != nil || len(devs) != 1 || devs[0].ID != b1 {
		t.Errorf("ExportDevices team B = %v, %v", devs, err)
	}

	// Results: small pages cross run boundaries; order is by run start.
	var res []store.ExportResult
	if err := s.ExportResults(ctx, store.ExportFilter{PageSize: 2}, func(r store.ExportResult) error { res = append(res, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(res) != 3*2+2*1+4*1 {
		t.Fatalf("ExportResults: %d rows, want 12", len(res))
	}
	if !slices.IsSortedFunc(res, func(x, y store.ExportResult) int { return x.At.Compare(y.At) }) {
		t.Error("ExportResults not in time order")
	}
	for _, r := range res {
		if r.DeviceName == "" || r.TeamName == "" || r.Status != checks.Fail || string(r.Facts) != `{"enabled":false}` {
			t.Errorf("result row %+v lacks device, team, status or facts", r)
			break
		}
	}
	since := now.Add(-24*time.Hour - time.Minute)
	res = nil
	if err := s.ExportResults(ctx, store.ExportFilter{TeamID: teamA.ID, Since: since}, func(r store.ExportResult) error { res = append(res, r); return nil }); err != nil {
		t.Fatal(err)
	}
	// a1: 2 runs since (today, yesterday) × 2 checks; a2: 1 run (an hour
	// ago; its other is 25 hours old) × 1.
	if len(res) != 2*2+1 {
		t.Errorf("ExportResults team A since yesterday: %d rows, want 5", len(res))
	}
	var runs []store.ExportRun
	if err := s.ExportRuns(ctx, store.ExportFilter{DeviceID: b1, PageSize: 3}, func(r store.ExportRun) error { runs = append(runs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || runs[0].DeviceID != b1 || runs[0].DurationMS != 42 || runs[3].StartedAt.Before(runs[0].StartedAt) {
		t.Errorf("ExportRuns b1 = %+v", runs)
	}

	var sess []store.ExportSession
	if err := s.ExportSessions(ctx, store.ExportFilter{PageSize: 2}, func(x store.ExportSession) error { sess = append(sess, x); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(sess) != 5 || sess[0].Override == nil || sess[0].Override.Reason != "urgent call" || sess[0].TeamName == "" || sess[0].DeviceName == "" {
		t.Fatalf("ExportSessions = %d rows, first %+v", len(sess), sess[0])
	}
	sess = nil
	if err := s.ExportSessions(ctx, store.ExportFilter{DeviceID: a1, Since: now.Add(-time.Hour)}, func(x store.ExportSession) error { sess = append(sess, x); return nil }); err != nil || len(sess) != 1 {
		t.Errorf("ExportSessions a1 since an hour ago: %d rows, %v; want 1", len(sess), err)
	}
}

func testExportCallbackError(t *testing.T, s store.Store) {
	_, dev, _ := storetest.Enrolled(t, s, "A")
	seedRuns(t, s, dev, time.Now(), 3, "firewall")
	seedSessions(t, s, dev, time.Now(), 3)
	stop := errors.New("client went away")
	calls := 0
	fn := func() error { calls++; return stop }
	for name, err := range map[string]error{
		"devices":  s.ExportDevices(t.Context(), store.ExportFilter{}, func(store.ExportDevice) error { return fn() }),
		"runs":     s.ExportRuns(t.Context(), store.ExportFilter{}, func(store.ExportRun) error { return fn() }),
		"results":  s.ExportResults(t.Context(), store.ExportFilter{}, func(store.ExportResult) error { return fn() }),
		"sessions": s.ExportSessions(t.Context(), store.ExportFilter{}, func(store.ExportSession) error { return fn() }),
	} {
		if err != stop { //nolint:errorlint // the callback's own error, unwrapped
			t.Errorf("%s: err %v, want the callback's error as is", name, err)
		}
	}
	if calls != 4 {
		t.Errorf("callback called %d times, want once per export", calls)
	}
}

func count(t *testing.T, s store.Store, query string, args ...any) int {
	t.Helper()
	db := s.(interface{ DB() *sql.DB }).DB()
	if s.(interface{ Dialect() string }).Dialect() == "postgres" {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	var n int
	if err := db.QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func testEraseDevice(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := time.Now()
	team, gone, _ := storetest.Enrolled(t, s, "A")
	kept := enrolMore(t, s, team.ID, "other")
	seedRuns(t, s, gone, now, 7, "firewall", "antivirus")
	seedSessions(t, s, gone, now, 5)
	seedRuns(t, s, kept, now, 2, "firewall")
	seedSessions(t, s, kept, now, 1)
	if err := s.AppendAudit(ctx, store.AuditEntry{Actor: "alice", Action: "device.revoke", Target: gone}); err != nil {
		t.Fatal(err)
	}

	got, err := s.EraseDevice(ctx, gone, 2) // several batches
	if err != nil {
		t.Fatalf("EraseDevice: %v", err)
	}
	if want := (store.Erased{Runs: 7, Results: 14, Sessions: 5}); got != want {
		t.Errorf("EraseDevice = %+v, want %+v", got, want)
	}
	if _, err := s.Device(ctx, gone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("erased device still readable: %v", err)
	}
	for _, table := range []string{"check_runs", "check_results", "sessions"} {
		if n := count(t, s, `SELECT COUNT(*) FROM `+table+` WHERE device_id = ?`, gone); n != 0 {
			t.Errorf("%d %s rows left for the erased device", n, table)
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM check_results WHERE device_id = ?`, kept); n != 2 {
		t.Errorf("other device has %d results, want 2 untouched", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM sessions WHERE device_id = ?`, kept); n != 1 {
		t.Errorf("other device has %d sessions, want 1", n)
	}
	if log, _ := s.AuditLog(ctx, store.AuditFilter{}); len(log) != 1 {
		t.Errorf("erasure touched the audit log: %+v", log)
	}
	if _, err := s.EraseDevice(ctx, gone, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("erasing again: %v, want ErrNotFound", err)
	}
}

// TestEraseLeavesNoTraceInTheFile: after a device is erased, nothing of
// it can be read back from the SQLite database file or its write-ahead
// log (a tester found an erased practitioner's name and device name in
// free pages with grep): the practitioner set on it, renamed once (an
// older copy of the row), and its sessions' labels.
func TestEraseLeavesNoTraceInTheFile(t *testing.T) {
	eraseLeavesNoTrace(t, false)
}

// TestEraseBesideACheckpointLeavesNoTrace: the same with checkpoints run
// on another connection all through the erasure, as the server's
// background checkpoints are every 100 ms: the erasure's own checkpoint,
// refused while another one runs, must still empty the log (CI once found
// the erased name in the log 35 times).
func TestEraseBesideACheckpointLeavesNoTrace(t *testing.T) {
	eraseLeavesNoTrace(t, true)
}

func eraseLeavesNoTrace(t *testing.T, checkpointsBeside bool) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sg.sqlite")
	s, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	team, gone, _ := storetest.Enrolled(t, s, "A")
	kept := enrolMore(t, s, team.ID, "other")
	seedRuns(t, s, gone, time.Now(), 40, "firewall", "antivirus")
	seedRuns(t, s, kept, time.Now(), 40, "firewall")
	for _, name := range []string{"Zebedee Quartermain", "Zebedee Quartermain-Smith"} {
		if err := s.SetPractitioner(ctx, gone, name); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 30 {
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: fmt.Sprintf("QX-%04d", 7000+i), Ready: true}
		if _, err := s.SaveSession(ctx, gone, report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if !checkpointsBeside {
			return
		}
		db := s.(raw).DB()
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
	_, err = s.EraseDevice(ctx, gone, 7)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, trace := range []string{"Zebedee", "QX-70", gone} {
			if n := bytes.Count(b, []byte(trace)); n > 0 {
				t.Errorf("%s holds %q %d times after the erasure", filepath.Base(file), trace, n)
			}
		}
	}
}

func testRetention(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := time.Now().UTC()
	cutoff := now.Add(-90 * 24 * time.Hour)
	team, active, _ := storetest.Enrolled(t, s, "A")
	silent := enrolMore(t, s, team.ID, "silent")
	// active: 100 daily runs, days 0..99 back → days 91..99 are before the
	// cutoff (day 90 is on it: kept).
	activeRuns := seedRuns(t, s, active, now, 100, "firewall", "antivirus")
	// silent: 3 runs, all long ago → the newest is its latest and stays.
	silentRuns := seedRuns(t, s, silent, now.Add(-200*24*time.Hour), 3, "firewall")
	seedSessions(t, s, active, now, 95) // days 91..94 before the cutoff
	// Retention goes by the server's receive time: these records were
	// received when they were made.
	backdateReceipts(t, s)

	// A purge with a short lease; a second server is refused while it runs.
	// (A second, not less: on a loaded 2-core machine 50 ms ran out before
	// the second server asked.)
	run, err := s.BeginRetention(ctx, cutoff, time.Second)
	if err != nil || run.ID == 0 || run.Resumed || !run.Purged.Zero() {
		t.Fatalf("BeginRetention = %+v, %v", run, err)
	}
	if _, err := s.BeginRetention(ctx, cutoff, time.Hour); !errors.Is(err, store.ErrBusy) {
		t.Fatalf("second BeginRetention while the lease runs: %v, want ErrBusy", err)
	}
	// One batch of 4, then the server "crashes": once its lease expires,
	// another takes the same purge over with the counts so far.
	// Oldest first: silent's 2 purgeable runs (1 result each), then 2 of
	// active's (2 each).
	first, err := s.PurgeBatch(ctx, run, 4)
	if err != nil || first != (store.PurgeCounts{Runs: 4, Results: 2*1 + 2*2, Sessions: 4}) {
		t.Fatalf("first PurgeBatch = %+v, %v", first, err)
	}
	var resumed store.RetentionRun
	for deadline := time.Now().Add(10 * time.Second); ; {
		resumed, err = s.BeginRetention(ctx, cutoff, time.Hour)
		if !errors.Is(err, store.ErrBusy) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || resumed.ID != run.ID || !resumed.Resumed || resumed.Purged != first {
		t.Fatalf("BeginRetention after the lease expired = %+v, %v; want run %d resumed with %+v", resumed, err, run.ID, first)
	}
	runsBefore := count(t, s, `SELECT COUNT(*) FROM check_runs`)
	if _, err := s.PurgeBatch(ctx, run, 4); !errors.Is(err, store.ErrBusy) {
		t.Errorf("PurgeBatch by the old holder: %v, want ErrBusy", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM check_runs`); n != runsBefore {
		t.Errorf("the refused batch deleted %d runs", runsBefore-n)
	}
	run = resumed
	total := first
	for range 100 {
		c, err := s.PurgeBatch(ctx, run, 4)
		if err != nil {
			t.Fatal(err)
		}
		if c.Zero() {
			break
		}
		total = total.Add(c)
	}
	// active: 9 old runs; silent: 2 of 3 (the latest is kept).
	if want := (store.PurgeCounts{Runs: 11, Results: 9*2 + 2, Sessions: 4}); total != want {
		t.Errorf("purged %+v, want %+v", total, want)
	}
	// Progress is recorded: the cursor is the newest run deleted (day 91),
	// so a resumed purge never scans the kept runs before it again.
	if n := count(t, s, `SELECT COUNT(*) FROM retention_runs WHERE id = ? AND cursor_id = ?`, run.ID, activeRuns[8]); n != 1 {
		t.Errorf("retention cursor is not at the last run deleted (%s)", activeRuns[8])
	}
	done, err := s.FinishRetention(ctx, run)
	if err != nil || done.FinishedAt == nil || done.Purged != total {
		t.Errorf("FinishRetention = %+v, %v; want finished with %+v", done, err, total)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM check_runs WHERE device_id = ?`, active); n != 91 {
		t.Errorf("active device keeps %d runs, want 91", n)
	}
	if res, err := s.LatestResults(ctx, silent); err != nil || len(res) != 1 || res[0].RunID != silentRuns[2] {
		t.Errorf("silent device's latest results = %+v, %v; want its last run kept", res, err)
	}
	if res, err := s.LatestResults(ctx, active); err != nil || len(res) != 2 || res[0].RunID != activeRuns[99] {
		t.Errorf("active device's latest results = %+v, %v", res, err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM sessions WHERE at < ?`, cutoff.UnixMicro()); n != 0 {
		t.Errorf("%d expired sessions left", n)
	}
	if _, err := s.PurgeBatch(ctx, run, 4); !errors.Is(err, store.ErrBusy) {
		t.Errorf("PurgeBatch on a finished run: %v, want ErrBusy (nothing deleted)", err)
	}
	if _, err := s.FinishRetention(ctx, run); !errors.Is(err, store.ErrBusy) {
		t.Errorf("FinishRetention twice: %v, want ErrBusy", err)
	}

	// A stop releases the lease: the next purge resumes at once.
	next, err := s.BeginRetention(ctx, cutoff, time.Hour)
	if err != nil || next.ID == run.ID || next.Resumed {
		t.Fatalf("BeginRetention after finishing = %+v, %v; want a new run", next, err)
	}
	if err := s.ReleaseRetention(ctx, next); err != nil {
		t.Fatal(err)
	}
	again, err := s.BeginRetention(ctx, cutoff, time.Hour)
	if err != nil || again.ID != next.ID || !again.Resumed {
		t.Errorf("BeginRetention after a release = %+v, %v; want run %d resumed", again, err, next.ID)
	}
	if _, err := s.BeginRetention(ctx, cutoff, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("zero lease: %v, want ErrInvalid", err)
	}
}
