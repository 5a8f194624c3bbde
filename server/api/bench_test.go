package api_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/loadtest"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// benchEnvInt reads a positive integer knob of the load benchmark.
func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchResults is a realistic check run: the eight checks with small facts.
func benchResults() []report.CheckResult {
	ids := []string{"disk_encryption", "firewall", "antivirus", "wifi_security", "screen_lock", "user_accounts", "voice_assistants", "smart_speakers"}
	out := make([]report.CheckResult, len(ids))
	for i, id := range ids {
		out[i] = report.CheckResult{ID: id, Status: checks.Pass, Required: i < 7, Summary: "Looks fine.",
			Facts: json.RawMessage(`{"source":"probe","state":"on","age_days":1}`)}
	}
	return out
}

// BenchmarkIngest is the load benchmark of issue 7: SG_BENCH_DEVICES
// devices (100,000 by default) enrolled, then SG_BENCH_CLIENTS concurrent
// keep-alive clients (64) POST b.N check runs (8 results each, every
// device in turn) to the real API handler over loopback HTTP. It reports
// reports/s, the p50/p99 latency of an acknowledged (committed) report and
// this process's CPU time per report (server and clients; not PostgreSQL's).
// SG_BENCH_RATE=n paces the reports at n/s.
// SG_BENCH_CPUPROFILE=file profiles the load alone (not the seeding).
//
//	go test ./server/api -run '^$' -bench BenchmarkIngest -benchtime 20000x -timeout 30m
func BenchmarkIngest(b *testing.B) { onBothBackEnds(b, benchIngest) }

// onBothBackEnds runs bench on a new SQLite store and a new PostgreSQL one.
func onBothBackEnds(b *testing.B, bench func(*testing.B, store.Store)) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(be.name, func(b *testing.B) { bench(b, be.open(b)) })
	}
}

func benchIngest(b *testing.B, st store.Store) {
	devices := benchEnvInt("SG_BENCH_DEVICES", 100_000)
	clients := benchEnvInt("SG_BENCH_CLIENTS", 64)
	// SG_BENCH_RATE paces the load at that many reports/s in all (0: as
	// fast as the server answers), for the CPU a report costs at a steady
	// fleet's rate rather than in a burst.
	rate := benchEnvInt("SG_BENCH_RATE", 0)
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(b, st, "bench")
	seedStart := time.Now()
	_, tokens := storetest.SeedDevices(b, st, team.ID, devices)
	b.Logf("seeded %d devices in %v", devices, time.Since(seedStart).Round(time.Millisecond))
	// The seeding's WAL is checkpointed before the clock starts: copying
	// 100k fresh rows is not a report's cost (at SG_BENCH_RATE it would be
	// most of the CPU measured).
	if x, ok := st.(interface {
		DB() *sql.DB
		Dialect() string
	}); ok && x.Dialect() != "postgres" {
		if _, err := x.DB().ExecContext(b.Context(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
	}

	reg := prometheus.NewRegistry()
	a, err := api.New(st, api.Options{Registerer: reg, Writers: benchEnvInt("SG_BENCH_WRITERS", 0)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer func() { srv.Close(); a.Close() }()
	// Requests are made before the clock starts, whole (request line,
	// headers and body): the clients' JSON encoding and header building
	// are not the server's cost, and on this 2-core machine every
	// microsecond a client spends is one the server does not get.
	results := benchResults()
	requests := make([][]byte, b.N)
	for i := range requests {
		env := report.NewCheckRun(storetest.Agent, checks.Report{StartedAt: time.Now(), DurationMS: 270, Ready: true})
		env.CheckRun.Results = results
		body, err := json.Marshal(env)
		if err != nil {
			b.Fatal(err)
		}
		requests[i] = loadtest.Post(srv.Listener.Addr().String(), report.PathReports, tokens[i%len(tokens)], body)
	}
	storetest.ProfileCPU(b)
	cpu := storetest.CPUTime()
	b.ResetTimer()
	run := loadtest.Drive(srv.Listener.Addr().String(), clients, rate, requests, func(_, status int, body []byte) error {
		var ack report.Ack
		if status != http.StatusOK {
			return fmt.Errorf("status %d: %s", status, body)
		}
		if err := json.Unmarshal(body, &ack); err != nil || ack.Duplicate {
			return fmt.Errorf("answer %s: %w", body, err)
		}
		return nil
	})
	b.StopTimer()
	cpuPerReport := float64((storetest.CPUTime() - cpu).Microseconds()) / float64(b.N)
	if run.Failed > 0 {
		b.Fatalf("%d of %d reports were not acknowledged", run.Failed, b.N)
	}
	pct := run.Percentile
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(0, "ns/op")
	// This process: server and load clients (not PostgreSQL's backends).
	b.ReportMetric(cpuPerReport, "cpu_µs/report")
	if mfs, err := reg.Gather(); err == nil {
		for _, mf := range mfs {
			if mf.GetName() == "sessionguard_ingest_batch_reports" {
				h := mf.GetMetric()[0].GetHistogram()
				b.ReportMetric(h.GetSampleSum()/float64(h.GetSampleCount()), "reports/commit")
			}
		}
	}
	if n := count(b, st, "check_runs"); n != b.N {
		b.Fatalf("check_runs holds %d rows after %d acknowledged reports", n, b.N)
	}
}

// BenchmarkEnroll is the enrolment load of issue 21: SG_BENCH_DEVICES
// devices (100,000 by default) already enrolled, then SG_BENCH_CLIENTS
// (32) keep-alive clients enrol b.N devices at once through the real API
// handler over loopback HTTP, every answer checked. It reports devices/s
// and the p50/p99 latency of an enrolment.
//
//	go test ./server/api -run '^$' -bench BenchmarkEnroll -benchtime 5000x
func BenchmarkEnroll(b *testing.B) { onBothBackEnds(b, benchEnroll) }

func benchEnroll(b *testing.B, st store.Store) {
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(b, st, "bench")
	storetest.SeedDevices(b, st, team.ID, benchEnvInt("SG_BENCH_DEVICES", 100_000))
	secret, _, err := st.CreateEnrollSecret(b.Context(), team.ID)
	if err != nil {
		b.Fatal(err)
	}
	a, err := api.New(st, api.Options{Registerer: prometheus.NewRegistry()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer func() { srv.Close(); a.Close() }()
	requests := make([][]byte, b.N)
	for i := range requests {
		body, err := json.Marshal(report.EnrollRequest{Schema: report.Schema, Secret: secret, DeviceName: fmt.Sprintf("bench-%d", i), Agent: storetest.Agent})
		if err != nil {
			b.Fatal(err)
		}
		requests[i] = loadtest.Post(srv.Listener.Addr().String(), report.PathEnroll, "", body)
	}
	b.ResetTimer()
	run := loadtest.Drive(srv.Listener.Addr().String(), benchEnvInt("SG_BENCH_CLIENTS", 32), 0, requests, func(_, status int, body []byte) error {
		var resp report.EnrollResponse
		if status != http.StatusCreated {
			return fmt.Errorf("status %d: %s", status, body)
		}
		if err := json.Unmarshal(body, &resp); err != nil || resp.Token == "" {
			return fmt.Errorf("answer %s: %w", body, err)
		}
		return nil
	})
	b.StopTimer()
	if run.Failed > 0 {
		b.Fatalf("%d of %d enrolments failed", run.Failed, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "devices/s")
	b.ReportMetric(run.Percentile(0.50), "p50_ms")
	b.ReportMetric(run.Percentile(0.99), "p99_ms")
	b.ReportMetric(0, "ns/op")
	if n := count(b, st, "devices"); n != b.N+benchEnvInt("SG_BENCH_DEVICES", 100_000)+1 {
		b.Fatalf("devices holds %d rows after %d enrolments", n, b.N)
	}
}

// BenchmarkDecodeEnvelope measures the strict decoder on a realistic
// 8-result check run.
func BenchmarkDecodeEnvelope(b *testing.B) {
	env := report.NewCheckRun(storetest.Agent, checks.Report{StartedAt: time.Now(), DurationMS: 270, Ready: true})
	env.CheckRun.Results = benchResults()
	body, err := json.Marshal(env)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := api.DecodeEnvelope(body, report.KindCheckRun); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenLookup measures device token authentication on SQLite
// with SG_BENCH_DEVICES devices (10,000 by default): a cache hit (a SHA-256
// and a map read), a miss (the lookup by the token hash's index) and an
// unknown token (the same lookup, finding nothing).
func BenchmarkTokenLookup(b *testing.B) {
	st := storetest.OpenSQLite(b)
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(b, st, "tokens")
	ids, tokens := storetest.SeedDevices(b, st, team.ID, benchEnvInt("SG_BENCH_DEVICES", 10_000))
	for _, c := range []struct {
		name    string
		ttl     time.Duration
		unknown bool
		// afterCommit: a report is committed (untimed) before each
		// look-up, as under load.
		afterCommit bool
	}{{"hit", time.Hour, false, false}, {"miss", -1, false, false}, {"unknown", time.Hour, true, false},
		{"miss_after_commit", -1, false, true}} {
		b.Run(c.name, func(b *testing.B) {
			cache := api.NewTokenCache(st, c.ttl, nil)
			i := 0
			for b.Loop() {
				if c.afterCommit {
					b.StopTimer()
					env := storetest.CheckRun(time.Now(), true, report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "on"})
					if _, err := st.SaveReportsUnsynced(b.Context(), []store.DeviceReport{{DeviceID: ids[(i*7919)%len(ids)], Envelope: env}}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				tok := tokens[i%min(len(tokens), api.DefaultTokenCacheEntries)]
				if c.unknown {
					tok += "x"
				}
				if _, err := cache.Lookup(b.Context(), tok); err != nil && !c.unknown {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkTokenOwnersAfterCommit measures a token look-up query on
// SQLite asking 1, 4, 8 or 16 tokens (ns/token) with a report committed,
// untimed, before each query, as under load: the case for gathering
// look-ups (lookups.gather). SG_BENCH_DEVICES devices (10,000 by
// default).
func BenchmarkTokenOwnersAfterCommit(b *testing.B) {
	st := storetest.OpenSQLite(b)
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(b, st, "tokens")
	ids, tokens := storetest.SeedDevices(b, st, team.ID, benchEnvInt("SG_BENCH_DEVICES", 10_000))
	for _, k := range []int{1, 4, 8, 16} {
		b.Run(fmt.Sprintf("tokens_%d", k), func(b *testing.B) {
			i := 0
			for b.Loop() {
				b.StopTimer()
				env := storetest.CheckRun(time.Now(), true, report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "on"})
				if _, err := st.SaveReportsUnsynced(b.Context(), []store.DeviceReport{{DeviceID: ids[(i*7919)%len(ids)], Envelope: env}}); err != nil {
					b.Fatal(err)
				}
				hashes := make([][32]byte, k)
				for j := range hashes {
					hashes[j] = sha256.Sum256([]byte(tokens[(i*31+j*104729)%len(tokens)]))
				}
				b.StartTimer()
				if k == 1 {
					if _, _, err := st.TokenOwner(b.Context(), hashes[0]); err != nil {
						b.Fatal(err)
					}
				} else if _, err := st.TokenOwners(b.Context(), hashes); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/token")
		})
	}
}
