package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

func openSQLite(t testing.TB) store.Store { return storetest.OpenSQLite(t) }

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

func TestSQLitePragmas(t *testing.T) {
	s := openSQLite(t)
	db := s.(interface{ DB() *sql.DB }).DB()
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"foreign_keys", "1"}, {"busy_timeout", "10000"}, {"synchronous", "2"}, {"wal_autocheckpoint", "16384"},
	} {
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", c.pragma, got, err, c.want)
		}
	}
}

// TestSQLiteIngestConnectionNeverPooled: the ingest connection commits
// without an fsync (SyncReports does it); when it is let go (here: a
// transaction that could not begin) it is closed, never handed to another
// write through the pool. Holding as many connections as the pool has,
// every one of them syncs its commits.
func TestSQLiteIngestConnectionNeverPooled(t *testing.T) {
	s := openSQLite(t)
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, device, _ := storetest.Enrolled(t, s, "pool")
	if _, err := s.SaveReport(ctx, device, storetest.CheckRun(time.Now(), true)); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.SaveReportsUnsynced(cancelled, []store.DeviceReport{{DeviceID: device, Envelope: storetest.CheckRun(time.Now(), true)}}); err == nil {
		t.Fatal("a save with a cancelled context succeeded")
	}
	db := s.(interface{ DB() *sql.DB }).DB()
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range db.Stats().MaxOpenConnections {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var sync string
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != "2" {
			t.Errorf("a pooled connection has synchronous %q, %v; want 2 (FULL)", sync, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	// The next save opens a new ingest connection and works.
	if _, err := s.SaveReport(ctx, device, storetest.CheckRun(time.Now(), true)); err != nil {
		t.Errorf("saving after the ingest connection was let go: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, dsn := range []string{"", "mysql://x", "sqlite:", "sqlite:/tmp/a?b"} {
		if _, err := store.Open(t.Context(), dsn); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Open(%q): err %v, want ErrInvalid", dsn, err)
		}
	}
	_, err := store.Open(t.Context(), "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2")
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if s := err.Error(); strings.Contains(s, "hunter2") {
		t.Errorf("error leaks the password: %s", s)
	}
}

func openPostgres(t testing.TB) store.Store { return storetest.OpenPostgres(t) }

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// TestPostgresResultsLZ4: check run results are compressed with lz4
// (migration 00015; this machine's PostgreSQL has it), and a stored run
// reads back whole.
func TestPostgresResultsLZ4(t *testing.T) {
	s := openPostgres(t)
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := s.(interface{ DB() *sql.DB }).DB()
	var method string
	if err := db.QueryRowContext(ctx, `SELECT attcompression FROM pg_attribute WHERE attrelid = 'check_runs'::regclass AND attname = 'results'`).Scan(&method); err != nil || method != "l" {
		t.Fatalf("check_runs.results compression %q, %v; want l (lz4)", method, err)
	}
	_, device, _ := storetest.Enrolled(t, s, "lz4")
	run := storetest.CheckRun(time.Now(), true, report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "On.",
		Facts: json.RawMessage(`{"detail":"` + strings.Repeat("compressible ", 400) + `"}`)})
	if _, err := s.SaveReport(ctx, device, run); err != nil {
		t.Fatal(err)
	}
	var compressed string
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(pg_column_compression(results), '') FROM check_runs WHERE id = $1`, run.ID).Scan(&compressed); err != nil || compressed != "lz4" {
		t.Errorf("the stored results: compression %q, %v; want lz4", compressed, err)
	}
	results, err := s.LatestResults(ctx, device)
	if err != nil || len(results) == 0 || !strings.Contains(string(results[0].Facts), "compressible compressible") {
		t.Errorf("the stored results read back: %v, %v", results, err)
	}
}

// TestPostgresNameSearchIndex: migration 00006 gives device name search
// its trigram index (the tests' role owns its database, so it may create
// pg_trgm), and the planner uses it for a substring search once the table
// is large enough for an index to beat a scan.
func TestPostgresNameSearchIndex(t *testing.T) {
	s := openPostgres(t)
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := s.(interface{ DB() *sql.DB }).DB()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'devices' AND indexname = 'devices_name_trgm'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("devices_name_trgm indexes: %d, %v; want 1", n, err)
	}
	team, _, _ := storetest.Enrolled(t, s, "names")
	storetest.SeedDevices(t, s, team.ID, 20_000)
	if _, err := db.ExecContext(ctx, `ANALYZE devices`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `EXPLAIN SELECT id FROM devices WHERE LOWER(name) LIKE '%no-such-name%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if !strings.Contains(plan.String(), "devices_name_trgm") {
		t.Errorf("name search does not use the trigram index:\n%s", plan.String())
	}
}

// Benchmarks.

// benchSetup enrols devices and returns their IDs and a realistic set of
// 10 results (the agent's checks, one result each).
func benchSetup(b *testing.B, s store.Store, devices int) ([]string, []report.CheckResult) {
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	team, err := s.CreateTeam(ctx, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, devices)
	for i := range ids {
		if ids[i], _, err = s.EnrollDevice(ctx, secret, fmt.Sprintf("d%d", i), storetest.Agent); err != nil {
			b.Fatal(err)
		}
	}
	checkIDs := []string{"firewall", "disk_encryption", "screen_lock", "os_updates", "antivirus", "wifi_security", "browser_cookies", "local_admin", "remote_access", "password_manager"}
	results := make([]report.CheckResult, len(checkIDs))
	for i, id := range checkIDs {
		results[i] = report.CheckResult{ID: id, Status: checks.Pass, Required: i%2 == 0, Summary: "fine", Facts: []byte(`{"k":"v"}`)}
	}
	return ids, results
}

// benchSaveReports stores b.N reports from 1,000 devices, batch at a time
// (batch 1 is SaveReport: one transaction each).
func benchSaveReports(b *testing.B, s store.Store, batch int) {
	ctx := context.Background()
	ids, results := benchSetup(b, s, 1000)
	envs := make([]store.DeviceReport, b.N)
	for i := range envs {
		envs[i] = store.DeviceReport{DeviceID: ids[i%len(ids)], Envelope: storetest.CheckRun(time.Now(), true, results...)}
	}
	b.ResetTimer()
	for i := 0; i < len(envs); i += batch {
		chunk := envs[i:min(i+batch, len(envs))]
		if batch == 1 {
			if _, err := s.SaveReport(ctx, chunk[0].DeviceID, chunk[0].Envelope); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if _, err := s.SaveReports(ctx, chunk); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

// BenchmarkSaveReportSQLite measures ingest of 10-result check runs on
// SQLite: one transaction per report, and group commits of 16 and 128.
func BenchmarkSaveReportSQLite(b *testing.B) {
	for _, batch := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchSaveReports(b, openSQLite(b), batch) })
	}
}

// BenchmarkSaveReportPostgres is the same against a real PostgreSQL.
func BenchmarkSaveReportPostgres(b *testing.B) {
	for _, batch := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchSaveReports(b, openPostgres(b), batch) })
	}
}

// BenchmarkSaveReportsFleet measures the group commit at fleet scale:
// 100,000 devices (SG_BENCH_DEVICES), batches of 32 (what 64 concurrent
// agents give the API's writer), 8 results a run, every report from
// another device, so each touches pages all over the tables as in
// production. Reports CPU µs a report of the store alone.
func BenchmarkSaveReportsFleet(b *testing.B) {
	fleetBackends(b, func(b *testing.B, s store.Store, devices int) {
		ids := shuffledFleet(b, s, devices)
		results := fleetResults(0)
		envs := make([]store.DeviceReport, b.N)
		for i := range envs {
			envs[i] = store.DeviceReport{DeviceID: ids[i%len(ids)], Envelope: storetest.CheckRun(time.Now(), true, results...)}
		}
		saveTimed(b, s, envs)
	})
}

// BenchmarkSaveReportsSteady is the fleet's steady state: every device has
// reported before, with two checks not passing, and reports the same
// again (SG_BENCH_DEVICES devices, 100,000 by default). Beside the CPU it
// reports the bytes the database wrote a report (SQLite: this process's
// writes; PostgreSQL: its WAL).
func BenchmarkSaveReportsSteady(b *testing.B) {
	fleetBackends(b, func(b *testing.B, s store.Store, devices int) {
		ids := shuffledFleet(b, s, devices)
		results := fleetResults(2)
		reports := func(n int) []store.DeviceReport {
			envs := make([]store.DeviceReport, n)
			for i := range envs {
				envs[i] = store.DeviceReport{DeviceID: ids[i%len(ids)], Envelope: storetest.CheckRun(time.Now(), false, results...)}
			}
			return envs
		}
		for chunk := range slices.Chunk(reports(len(ids)), 512) {
			if _, err := s.SaveReports(context.Background(), chunk); err != nil {
				b.Fatal(err)
			}
		}
		written := writtenBytes(b, s)
		saveTimed(b, s, reports(b.N))
		b.ReportMetric(float64(writtenBytes(b, s)-written)/float64(b.N), "written_B/report")
	})
}

// shuffledFleet seeds devices and returns their IDs in a random order.
func shuffledFleet(b *testing.B, s store.Store, devices int) []string {
	team, _, _ := storetest.Enrolled(b, s, "fleet")
	ids, _ := storetest.SeedDevices(b, s, team.ID, devices)
	ids = slices.Clone(ids)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// fleetResults are a run's 8 results, the first failing of them failed.
func fleetResults(failing int) []report.CheckResult {
	results := make([]report.CheckResult, 8)
	for i := range results {
		status := checks.Pass
		if i < failing {
			status = checks.Fail
		}
		results[i] = report.CheckResult{ID: all.Catalogue().IDs()[i%len(all.Catalogue().IDs())] + strconv.Itoa(i), Status: status, Required: i < 7,
			Summary: "Looks fine.", Facts: json.RawMessage(`{"source":"probe","state":"on","age_days":1}`)}
	}
	return results
}

// saveTimed stores envs in batches of 32 under the benchmark's clock and
// reports the rate and the CPU a report.
func saveTimed(b *testing.B, s store.Store, envs []store.DeviceReport) {
	const batch = 32
	storetest.ProfileCPU(b)
	cpu := storetest.CPUTime()
	b.ResetTimer()
	for i := 0; i < len(envs); i += batch {
		if _, err := s.SaveReports(context.Background(), envs[i:min(i+batch, len(envs))]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(envs))/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(float64((storetest.CPUTime()-cpu).Microseconds())/float64(len(envs)), "cpu_µs/report")
}

// writtenBytes is what the database has written so far: SQLite's, this
// process's writes (/proc/self/io wchar); PostgreSQL's, its WAL position.
func writtenBytes(b *testing.B, s store.Store) int64 {
	var n int64
	if s.(raw).Dialect() == "postgres" {
		if err := s.(raw).DB().QueryRowContext(context.Background(), `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}
	io, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Skip("no /proc/self/io:", err)
	}
	for line := range strings.Lines(string(io)) {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return n
}

// TestSQLiteCheckpointsInBackground: committed pages reach the database
// file well before wal_autocheckpoint's 16,384 pages (64 MiB of WAL), so
// the ingest writer never has to copy them itself.
func TestSQLiteCheckpointsInBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sg.sqlite")
	s, err := store.Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(t, s, "wal")
	storetest.SeedDevices(t, s, team.ID, 3000)
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	const want = 1 << 20 // 3,000 devices take more than this
	for deadline := time.Now().Add(10 * time.Second); size(path) < want; {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s the database file holds %d bytes and the WAL %d: the seeded devices were not checkpointed",
				size(path), size(path+"-wal"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkPolicyRollout is the team page's "devices running this version"
// at SG_BENCH_DEVICES devices in one team (100,000 by default), half of
// them confirmed.
func BenchmarkPolicyRollout(b *testing.B) {
	fleetBackends(b, func(b *testing.B, s store.Store, n int) {
		ctx := context.Background()
		team, err := s.CreateTeam(ctx, "bench", nil)
		if err != nil {
			b.Fatal(err)
		}
		ids, _ := storetest.SeedDevices(b, s, team.ID, n)
		applied := make([]store.PolicyApplied, 0, n/2)
		for _, id := range ids[:n/2] {
			applied = append(applied, store.PolicyApplied{DeviceID: id, ETag: team.ETag, At: time.Now()})
		}
		start := time.Now()
		if err := s.SetPoliciesApplied(ctx, applied); err != nil {
			b.Fatal(err)
		}
		b.Logf("%d confirmations recorded in one transaction in %v", len(applied), time.Since(start))
		b.ResetTimer()
		// The team page's sorts: not yet running it first (by name), by
		// name, the latest to apply it first, and a page deep in.
		for _, q := range []store.RolloutQuery{{}, {Sort: store.RolloutSortName}, {Desc: true},
			{Sort: store.RolloutSortName, After: &store.Cursor{Value: "seed-50000", ID: "0"}}} {
			b.Run(fmt.Sprintf("sort=%q,desc=%v,deep=%v", q.Sort, q.Desc, q.After != nil), func(b *testing.B) {
				q.TeamID, q.ETag, q.Limit = team.ID, team.ETag, 51
				for b.Loop() {
					r, err := s.PolicyRollout(ctx, q)
					if err != nil || r.Total != n || r.Applied != n/2 || len(r.Devices) != 51 {
						b.Fatalf("rollout %d of %d, %d listed, %v", r.Applied, r.Total, len(r.Devices), err)
					}
				}
			})
		}
	})
}

// fleetBackends runs a fleet benchmark on a migrated SQLite and PostgreSQL
// store, with SG_BENCH_DEVICES devices to seed (100,000 by default).
func fleetBackends(b *testing.B, fn func(b *testing.B, s store.Store, devices int)) {
	devices := 100_000
	if v, err := strconv.Atoi(os.Getenv("SG_BENCH_DEVICES")); err == nil && v > 0 {
		devices = v
	}
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			if err := s.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			fn(b, s, devices)
		})
	}
}

// TestTokenOwnerUsesIndex: authenticating a device token is one lookup by
// the unique index on devices.token_hash on both databases, never a scan
// of the fleet (issue 21).
func TestTokenOwnerUsesIndex(t *testing.T) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(be.name, func(t *testing.T) {
			s := be.open(t)
			ctx := t.Context()
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			team, _, _ := storetest.Enrolled(t, s, "plan")
			storetest.SeedDevices(t, s, team.ID, 5_000)
			db := s.(raw).DB()
			explain, index, scan := `EXPLAIN QUERY PLAN `, "USING INDEX", "SCAN"
			if be.name == "postgres" {
				if _, err := db.ExecContext(ctx, `ANALYZE devices`); err != nil {
					t.Fatal(err)
				}
				explain, index, scan = `EXPLAIN `, "devices_token_hash_key", "Seq Scan"
			}
			list := `["` + strings.Repeat("ab", 32) + `","` + strings.Repeat("cd", 32) + `"]`
			if be.name == "postgres" {
				list = strings.Repeat("ab", 32) + "," + strings.Repeat("cd", 32)
			}
			for _, q := range []struct{ query, arg string }{
				{store.TokenOwnerQuery, strings.Repeat("ab", 32)},
				{store.TokenOwnersQuery(be.name), list},
			} {
				rows, err := db.QueryContext(ctx, rawQuery(t, s, explain+q.query), q.arg)
				if err != nil {
					t.Fatal(err)
				}
				cols, _ := rows.Columns()
				var plan strings.Builder
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						t.Fatal(err)
					}
					plan.WriteString(fmt.Sprintln(vals...))
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				if p := plan.String(); !strings.Contains(p, index) || strings.Contains(p, scan+" devices") || strings.Contains(p, scan+" on devices") {
					t.Errorf("the plan of %s is not index look-ups:\n%s", q.query, p)
				}
			}
		})
	}
}
