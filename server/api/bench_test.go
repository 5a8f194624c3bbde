package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
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
// SG_BENCH_CPUPROFILE=file profiles the load alone (not the seeding).
//
//	go test ./server/api -run '^$' -bench BenchmarkIngest -benchtime 20000x -timeout 30m
func BenchmarkIngest(b *testing.B) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(be.name, func(b *testing.B) { benchIngest(b, be.open(b)) })
	}
}

func benchIngest(b *testing.B, st store.Store) {
	devices := benchEnvInt("SG_BENCH_DEVICES", 100_000)
	clients := benchEnvInt("SG_BENCH_CLIENTS", 64)
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(b, st, "bench")
	seedStart := time.Now()
	_, tokens := storetest.SeedDevices(b, st, team.ID, devices)
	b.Logf("seeded %d devices in %v", devices, time.Since(seedStart).Round(time.Millisecond))

	reg := prometheus.NewRegistry()
	a, err := api.New(st, api.Options{Registerer: reg, Writers: benchEnvInt("SG_BENCH_WRITERS", 0)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer func() { srv.Close(); a.Close() }()
	transport := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute}

	// Bodies are made before the clock starts: the client's JSON encoding
	// is not the server's cost.
	results := benchResults()
	bodies := make([][]byte, b.N)
	for i := range bodies {
		env := report.NewCheckRun(storetest.Agent, checks.Report{StartedAt: time.Now(), DurationMS: 270, Ready: true})
		env.CheckRun.Results = results
		if bodies[i], err = json.Marshal(env); err != nil {
			b.Fatal(err)
		}
	}
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	storetest.ProfileCPU(b)
	cpu := storetest.CPUTime()
	b.ResetTimer()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+report.PathReports, bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				var ack report.Ack
				decErr := json.NewDecoder(resp.Body).Decode(&ack)
				resp.Body.Close()
				latencies[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK || decErr != nil || ack.Duplicate {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpuPerReport := float64((storetest.CPUTime() - cpu).Microseconds()) / float64(b.N)
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d reports were not acknowledged", n, b.N)
	}
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
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

// BenchmarkTokenLookup measures device token authentication: a cache hit
// (a SHA-256 and a map read) and a miss (the query by token hash), on
// SQLite with 10,000 devices.
func BenchmarkTokenLookup(b *testing.B) {
	st := storetest.OpenSQLite(b)
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(b, st, "tokens")
	_, tokens := storetest.SeedDevices(b, st, team.ID, 10_000)
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"hit", time.Hour}, {"miss", -1}} {
		b.Run(c.name, func(b *testing.B) {
			cache := api.NewTokenCache(st, c.ttl, nil)
			i := 0
			for b.Loop() {
				if _, err := cache.Lookup(b.Context(), tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
