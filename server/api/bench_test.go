package api_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
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
// SG_BENCH_RATE=n paces the reports at n/s.
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
		requests[i] = rawPost(srv.Listener.Addr().String(), report.PathReports, tokens[i%len(tokens)], body)
	}
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	storetest.ProfileCPU(b)
	cpu := storetest.CPUTime()
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			c, err := dialRaw(srv.Listener.Addr().String())
			if err != nil {
				failed.Add(1)
				return
			}
			defer c.close()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
				}
				t0 := time.Now()
				status, body, err := c.roundTrip(requests[i])
				latencies[i] = time.Since(t0)
				var ack report.Ack
				if err == nil && status == http.StatusOK {
					err = json.Unmarshal(body, &ack)
				}
				if err != nil || status != http.StatusOK || ack.Duplicate {
					failed.Add(1)
					if err != nil {
						return // the connection is broken: stop this client
					}
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
	_, tokens := storetest.SeedDevices(b, st, team.ID, benchEnvInt("SG_BENCH_DEVICES", 10_000))
	for _, c := range []struct {
		name    string
		ttl     time.Duration
		unknown bool
	}{{"hit", time.Hour, false}, {"miss", -1, false}, {"unknown", time.Hour, true}} {
		b.Run(c.name, func(b *testing.B) {
			cache := api.NewTokenCache(st, c.ttl, nil)
			i := 0
			for b.Loop() {
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

// rawPost is a whole HTTP/1.1 POST of a JSON body with a bearer token.
func rawPost(host, path, token string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
		path, host, token, len(body))
	b.Write(body)
	return b.Bytes()
}

// rawConn is the load benchmark's HTTP/1.1 client: one keep-alive
// connection, a request written with one write, the response read with
// net/http's own parser. net/http's Client costs about twice as much CPU
// per request (two goroutines per connection, header maps, a request
// copy), which on a 2-core machine shared with the server is CPU the
// server is measured without.
type rawConn struct {
	conn net.Conn
	r    *bufio.Reader
	buf  bytes.Buffer
}

func dialRaw(addr string) (*rawConn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawConn{conn: conn, r: bufio.NewReaderSize(conn, 4096)}, nil
}

// roundTrip sends one whole request and returns the response's status and
// body (valid until the next call).
func (c *rawConn) roundTrip(req []byte) (int, []byte, error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, nil, err
	}
	c.buf.Reset()
	_, err = c.buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, nil, err
	}
	if resp.Close {
		return resp.StatusCode, c.buf.Bytes(), errors.New("the server closed the connection")
	}
	return resp.StatusCode, c.buf.Bytes(), nil
}

func (c *rawConn) close() { c.conn.Close() }
