package privacy_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/internal/syncbuf"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/privacy"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// openers are the back ends the tests run on.
var openers = []struct {
	name string
	open func(testing.TB) store.Store
}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}}

// migrated opens a fresh, migrated store on one back end.
func migrated(t testing.TB, open func(testing.TB) store.Store) store.Store {
	t.Helper()
	st := open(t)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func openStore(t testing.TB) store.Store { return migrated(t, storetest.OpenSQLite) }

// seed stores runs daily check runs of checksPerRun results for a device,
// the newest at last, and sessions daily session records.
func seed(t testing.TB, st store.Store, deviceID string, last time.Time, runs, checksPerRun, sessions int) {
	t.Helper()
	ctx := context.Background()
	results := make([]report.CheckResult, checksPerRun)
	for i := range results {
		results[i] = report.CheckResult{ID: fmt.Sprintf("check_%d", i), Status: checks.Pass, Summary: "fine"}
	}
	batch := make([]store.DeviceReport, 0, 256)
	flush := func() {
		if _, err := st.SaveReports(ctx, batch); err != nil {
			t.Fatal(err)
		}
		batch = batch[:0]
	}
	// Oldest first, as an agent's spool sends them: the run received last
	// is the device's latest.
	for i := runs - 1; i >= 0; i-- {
		batch = append(batch, store.DeviceReport{DeviceID: deviceID, Envelope: storetest.CheckRun(last.Add(-time.Duration(i)*24*time.Hour), true, results...)})
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	for i := range sessions {
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
			At: last.Add(-time.Duration(i) * 24 * time.Hour), Label: "C-1"}
		if _, err := st.SaveSession(ctx, deviceID, report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
	}
	// Retention goes by the server's receive time: these records were
	// received when they were made.
	db := st.(interface{ DB() *sql.DB }).DB()
	for _, q := range []string{`UPDATE check_runs SET received_at = started_at`, `UPDATE sessions SET received_at = at`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPurgeOnce(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) { testPurgeOnce(t, migrated(t, o.open)) })
	}
}

func testPurgeOnce(t *testing.T, st store.Store) {
	ctx := t.Context()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	_, dev, _ := storetest.Enrolled(t, st, "A")
	seed(t, st, dev, now, 40, 3, 40) // days 0..39 back
	var logs bytes.Buffer
	o := privacy.RetentionOptions{Days: 30, BatchSize: 4, BatchPause: -1, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}

	run, err := privacy.PurgeOnce(ctx, st, o)
	if err != nil {
		t.Fatalf("PurgeOnce: %v", err)
	}
	// Days 31..39 are before the cutoff (day 30 is exactly on it, kept).
	if want := (store.PurgeCounts{Runs: 9, Results: 27, Sessions: 9}); run.Purged != want || run.FinishedAt == nil {
		t.Errorf("purged %+v (finished %v), want %+v", run.Purged, run.FinishedAt, want)
	}
	audit, err := st.AuditLog(ctx, store.AuditFilter{})
	if err != nil || len(audit) != 1 || audit[0].Action != "retention.purge" || audit[0].Actor != "system" ||
		!strings.Contains(audit[0].Detail, "9 check runs, 27 results, 9 session records") {
		t.Errorf("audit = %+v, %v", audit, err)
	}
	if !strings.Contains(logs.String(), "retention_purged") || !strings.Contains(logs.String(), "purged_results=27") {
		t.Errorf("log lacks the purge line: %s", logs.String())
	}

	// Nothing left: a second purge deletes nothing and audits nothing.
	run, err = privacy.PurgeOnce(ctx, st, o)
	if err != nil || !run.Purged.Zero() {
		t.Errorf("second PurgeOnce = %+v, %v; want nothing purged", run.Purged, err)
	}
	if audit, _ := st.AuditLog(ctx, store.AuditFilter{}); len(audit) != 1 {
		t.Errorf("an empty purge was audited: %+v", audit)
	}
}

func TestPurgeOnceResumesAfterStop(t *testing.T) {
	st := openStore(t)
	now := time.Now().UTC()
	_, dev, _ := storetest.Enrolled(t, st, "A")
	seed(t, st, dev, now, 20, 2, 0)
	o := privacy.RetentionOptions{Days: 10, BatchSize: 2, BatchPause: time.Hour, Now: func() time.Time { return now }}

	// The first batch is committed, then the pause is cut short by the
	// context: a stop part way.
	ctx, cancel := context.WithCancel(t.Context())
	var err error
	var stopped store.RetentionRun
	done := make(chan struct{})
	go func() {
		defer close(done)
		stopped, err = privacy.PurgeOnce(ctx, st, o)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, _ := countRuns(t, st, dev)
		if runs < 20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if !errors.Is(err, context.Canceled) || stopped.Purged.Runs != 2 || stopped.FinishedAt != nil {
		t.Fatalf("stopped PurgeOnce = %+v, %v; want 2 runs purged, unfinished, context.Canceled", stopped, err)
	}

	o.BatchPause = -1
	run, err := privacy.PurgeOnce(t.Context(), st, o)
	if err != nil || run.ID != stopped.ID || !run.Resumed || run.Purged.Runs != 9 || run.Purged.Results != 18 {
		t.Errorf("resumed PurgeOnce = %+v, %v; want run %d resumed, 9 runs in all", run, err, stopped.ID)
	}
	if n, _ := countRuns(t, st, dev); n != 11 {
		t.Errorf("%d runs left, want 11 (days 0..10)", n)
	}
}

func TestPurgeOnceLeavesAnotherServersPurge(t *testing.T) {
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) { testLeavesAnotherServersPurge(t, migrated(t, o.open)) })
	}
}

func testLeavesAnotherServersPurge(t *testing.T, st store.Store) {
	now := time.Now().UTC()
	_, dev, _ := storetest.Enrolled(t, st, "A")
	seed(t, st, dev, now, 20, 1, 0)
	other, err := st.BeginRetention(t.Context(), now.AddDate(0, 0, -10), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := privacy.PurgeOnce(t.Context(), st, privacy.RetentionOptions{Days: 10}); !errors.Is(err, store.ErrBusy) {
		t.Errorf("PurgeOnce while another server purges: %v, want store.ErrBusy", err)
	}
	if n, _ := countRuns(t, st, dev); n != 20 {
		t.Errorf("%d runs left, want all 20 (the other server's job)", n)
	}
	// The other server stops cleanly: its purge is resumed here at once.
	if err := st.ReleaseRetention(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	run, err := privacy.PurgeOnce(t.Context(), st, privacy.RetentionOptions{Days: 10, Now: func() time.Time { return now }})
	if err != nil || run.ID != other.ID || !run.Resumed || run.Purged.Runs != 9 {
		t.Errorf("PurgeOnce after the release = %+v, %v; want run %d resumed, 9 runs purged", run, err, other.ID)
	}
}

func countRuns(t testing.TB, st store.Store, deviceID string) (int, error) {
	n := 0
	err := st.ExportRuns(context.Background(), store.ExportFilter{DeviceID: deviceID}, func(store.ExportRun) error { n++; return nil })
	return n, err
}

func TestRetentionOptions(t *testing.T) {
	st := openStore(t)
	for _, days := range []int{-1, privacy.MaxDays + 1} {
		if _, err := privacy.PurgeOnce(t.Context(), st, privacy.RetentionOptions{Days: days}); !errors.Is(err, privacy.ErrInvalidDays) {
			t.Errorf("Days %d: %v, want ErrInvalidDays", days, err)
		}
		if err := privacy.RunRetention(t.Context(), st, privacy.RetentionOptions{Days: days}); !errors.Is(err, privacy.ErrInvalidDays) {
			t.Errorf("RunRetention Days %d: %v, want ErrInvalidDays", days, err)
		}
	}
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	if got := (privacy.RetentionOptions{Now: func() time.Time { return now }}).Cutoff(); !got.Equal(now.AddDate(0, 0, -90)) {
		t.Errorf("default cutoff %v, want 90 days back", got)
	}
}

func TestRunRetentionPurgesAtStartAndStops(t *testing.T) {
	st := openStore(t)
	_, dev, _ := storetest.Enrolled(t, st, "A")
	// Seeded a minute in the future, so the run exactly 90 days back stays
	// on the kept side of the job's own clock.
	seed(t, st, dev, time.Now().UTC().Add(time.Minute), 100, 1, 0)
	ctx, cancel := context.WithCancel(t.Context())
	var logs syncbuf.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- privacy.RunRetention(ctx, st, privacy.RetentionOptions{Interval: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "retention_purged") {
		if time.Now().After(deadline) {
			t.Fatalf("no purge within 10 s; log: %s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("RunRetention returned %v, want context.Canceled", err)
	}
	if n, _ := countRuns(t, st, dev); n != 91 {
		t.Errorf("%d runs left, want 91 (days 0..90)", n)
	}
}

// BenchmarkPurgeOnce purges SG_BENCH_PURGE_RESULTS expired result rows
// (default 1,000,000: 100,000 runs of 10 checks on 100 devices) from a
// seeded store, on SQLite and on PostgreSQL; run it with -benchtime=1x
// (seeding takes a while). ms/batch is the mean time of one batch
// transaction: how long other writers may wait on SQLite.
func BenchmarkPurgeOnce(b *testing.B) {
	total := 1_000_000
	if v := os.Getenv("SG_BENCH_PURGE_RESULTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		total = n
	}
	for _, o := range openers {
		b.Run(o.name, func(b *testing.B) { benchPurge(b, o.open, total) })
	}
}

func benchPurge(b *testing.B, open func(testing.TB) store.Store, total int) {
	const checksPerRun, devices = 10, 100
	for range b.N {
		b.StopTimer()
		st := migrated(b, open)
		team, _, _ := storetest.Enrolled(b, st, "bench")
		ids, _ := storetest.SeedDevices(b, st, team.ID, devices)
		old := time.Now().UTC().AddDate(0, 0, -200)
		for _, id := range ids {
			// +1: each device's latest (newest) run is kept.
			seed(b, st, id, old, total/checksPerRun/devices+1, checksPerRun, 0)
		}
		b.StartTimer()
		run, err := privacy.PurgeOnce(context.Background(), st, privacy.RetentionOptions{BatchPause: -1})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if run.Purged.Results != int64(total) {
			b.Fatalf("purged %d results, want %d", run.Purged.Results, total)
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "results/s")
	batches := float64(total/checksPerRun) / privacy.DefaultBatchSize
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/batches, "ms/batch")
}
