// Command sgload is the server's external load test: it seeds a database
// with a fleet, starts the real sessionguard-server on it as a process of
// its own, enrols devices and sends real-size reports to it over loopback
// HTTP, and prints the rates, the latencies and the server process's
// memory (peak RSS from /proc, Linux).
//
//	go build -o /tmp/sg-server ./cmd/sessionguard-server
//	go run ./server/loadtest/sgload -server /tmp/sg-server -db sqlite:/tmp/sgload/sg.sqlite
//	go run ./server/loadtest/sgload -server /tmp/sg-server -db 'postgres://sgtest:sgtest@127.0.0.1:5432/sgload?sslmode=disable'
//
// The database must be new (a SQLite file that does not exist yet, or an
// empty PostgreSQL database): the fleet is seeded straight into it. With
// -history, every seeded device has also reported once before the server
// starts (a fleet in service, whose devices send what they sent last
// time); without it every report sent is its device's first (a fleet
// that has just enrolled, the heavier case for the database: each device's
// row grows at its first report).
//
// With -replicas N, N server processes share the one (PostgreSQL)
// database and the reports go round robin; -server-cpus limits each to a
// share of a CPU (a control group of its own, as root), so that replicas
// are measured as small hosts of their own rather than as processes
// competing for this machine's cores, and -kill-after SIGKILLs one
// mid-run:
//
//	sgload -server /tmp/sg-server -db 'postgres://…' -enrol 0 -dashboard=false -reports 20000 -clients 128 -replicas 3 -server-cpus 0.25 -kill-after 3s
//
// With -wrk (apt wrk), the reports are sent by wrk for -wrk-seconds
// instead of by this program's client; -reports must outlast the run:
//
//	sgload -server /tmp/sg-server -db sqlite:/tmp/sgload/sg.sqlite -enrol 0 -dashboard=false -reports 100000 -wrk /usr/bin/wrk
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/loadtest"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web/password"
)

func main() {
	var o options
	flag.StringVar(&o.server, "server", "", "the sessionguard-server binary (built with go build ./cmd/sessionguard-server)")
	flag.StringVar(&o.db, "db", "", "a new database: sqlite:PATH (PATH must not exist) or an empty postgres:// database")
	flag.IntVar(&o.devices, "devices", 100_000, "devices seeded before the server starts")
	flag.IntVar(&o.enrol, "enrol", 5000, "devices enrolled through the API")
	flag.IntVar(&o.enrolClients, "enrol-clients", 32, "enrolments at once")
	flag.IntVar(&o.reports, "reports", 40_000, "check runs sent, each from the next seeded device")
	flag.IntVar(&o.clients, "clients", 64, "keep-alive connections sending reports at once")
	flag.IntVar(&o.rate, "rate", 0, "pace the reports at this many a second, each timed from when it was due (0: each client sends the next when answered)")
	flag.IntVar(&o.reportBytes, "report-bytes", 3000, "approximate size of a report's JSON body")
	flag.BoolVar(&o.history, "history", false, "seed a fleet in service: every seeded device has reported once, with what it will send again (without it, each report sent is its device's first)")
	flag.IntVar(&o.replicas, "replicas", 1, "server processes on the one database, the reports sent round robin (issue 21 item 9; PostgreSQL)")
	flag.Float64Var(&o.serverCPUs, "server-cpus", 0, "limit each server process to this many CPUs (a Linux control group of its own, as root): replicas measured as small hosts of their own, not as processes sharing this machine's CPUs (0: no limit)")
	flag.DurationVar(&o.killAfter, "kill-after", 0, "with -replicas 2 or more: SIGKILL the last replica this long after the reports start; its clients go on to the others and send again what was not answered")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the (first) server, taken while the reports arrive, to this file (serve --pprof-listen)")
	flag.IntVar(&o.profileSeconds, "cpuprofile-seconds", 5, "how long -cpuprofile profiles, from the first report on")
	flag.StringVar(&o.clientProfile, "client-cpuprofile", "", "write a CPU profile of this load client, taken while it sends the reports, to this file")
	flag.StringVar(&o.wrk, "wrk", "", "send the reports with this wrk binary (apt wrk) for -wrk-seconds instead of this program's client; -reports must outlast the run")
	flag.IntVar(&o.wrkSeconds, "wrk-seconds", 6, "with -wrk: how long wrk sends reports")
	flag.BoolVar(&o.dashboard, "dashboard", true, "sign in to the dashboard: time each page's first view after the start, and view pages in a loop while reports arrive")
	flag.Parse()
	if o.server == "" || o.db == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "sgload:", err)
		os.Exit(1)
	}
}

type options struct {
	server, db                   string
	devices, enrol, enrolClients int
	reports, clients, rate       int
	reportBytes                  int
	history                      bool
	dashboard                    bool
	replicas                     int
	serverCPUs                   float64
	killAfter                    time.Duration
	profile                      string
	profileSeconds               int
	clientProfile                string
	wrk                          string
	wrkSeconds                   int
}

func run(ctx context.Context, o options) error {
	if path, ok := strings.CutPrefix(o.db, "sqlite:"); ok {
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s exists: give a new database", path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
	}
	secret, tokens, err := seed(ctx, o)
	if err != nil {
		return err
	}
	srv, err := startServer(ctx, o)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Printf("server pid %d at %s; idle RSS %.1f MiB\n", srv.cmd.Process.Pid, srv.addr, srv.mem().rss)
	var dash *dashboard
	if o.dashboard {
		if dash, err = signIn(srv.addr); err != nil {
			return err
		}
		if err := dash.time("first view after the start", dashboardPages); err != nil {
			return err
		}
	}

	if o.enrol > 0 {
		requests := make([][]byte, o.enrol)
		for i := range requests {
			body, _ := json.Marshal(report.EnrollRequest{Schema: report.Schema, Secret: secret,
				DeviceName: "load-" + strconv.Itoa(i), Agent: storetest.Agent})
			requests[i] = loadtest.Post(srv.addr, report.PathEnroll, "", body)
		}
		r := loadtest.Drive(srv.addr, o.enrolClients, 0, requests, expect(http.StatusCreated))
		fmt.Printf("enrol: %d devices, %d at once: %.0f devices/s, p50 %.1f ms, p99 %.1f ms, failed %d; peak RSS %.1f MiB\n",
			o.enrol, o.enrolClients, r.PerSecond(), r.Percentile(0.5), r.Percentile(0.99), r.Failed, srv.mem().hwm)
	}

	if o.reports > 0 && o.wrk != "" {
		if err := ingestWithWrk(ctx, o, srv, tokens); err != nil {
			return err
		}
	} else if o.reports > 0 {
		body := reportBody(o.reportBytes)
		requests := make([][]byte, o.reports)
		// acks[i] is the answer that stores report i as new, byte for byte
		// (the server's report.Ack, encoding/json's order, a newline): a
		// comparison checks it for a fraction of json.Unmarshal's CPU (15 %
		// of this client's), which is the machine's CPU the server is
		// measured without. Any other answer is decoded and checked.
		acks := make([][]byte, o.reports)
		bodyBytes := 0
		for i := range requests {
			b, id := body(i)
			bodyBytes = len(b)
			requests[i] = loadtest.Post(srv.addr, report.PathReports, tokens[i%len(tokens)], b)
			acks[i] = newAck(id)
		}
		addrs := []string{srv.addr}
		for range o.replicas - 1 {
			replica, err := startServer(ctx, o)
			if err != nil {
				return err
			}
			defer replica.stop()
			addrs = append(addrs, replica.addr)
			if o.killAfter > 0 && len(addrs) == o.replicas {
				kill := time.AfterFunc(o.killAfter, func() {
					_ = replica.cmd.Process.Kill()
					fmt.Printf("killed replica %s\n", replica.addr)
				})
				defer kill.Stop()
			}
		}
		// A report sent again after a broken connection may have been
		// stored already: the server answers it as a duplicate.
		var duplicates atomic.Int64
		stopViews := dash.viewWhile()
		stopProfile := srv.profileWhile(o.profile, o.profileSeconds)
		stopClientProfile, err := profileSelf(o.clientProfile)
		if err != nil {
			return err
		}
		serverCPU, clientCPU, dbCPU := srv.cpu(), selfCPU(), postgresCPU()
		written := srv.written()
		var answered atomic.Int64
		stopWatch := watchProgress(os.Stderr, &answered, len(requests), progressEvery, stallAfter)
		r := loadtest.DriveCounting(addrs, o.clients, o.rate, requests, func(i, status int, body []byte) error {
			if status == http.StatusOK && bytes.Equal(body, acks[i]) {
				return nil
			}
			var ack report.Ack
			if status != http.StatusOK || json.Unmarshal(body, &ack) != nil || !bytes.Equal(acks[i], newAck(ack.ID)) {
				return fmt.Errorf("status %d: %s", status, body)
			}
			if ack.Duplicate {
				duplicates.Add(1)
			}
			return nil
		}, &answered)
		stopWatch()
		serverCPU, clientCPU, dbCPU = srv.cpu()-serverCPU, selfCPU()-clientCPU, postgresCPU()-dbCPU
		written = srv.written() - written
		if err := stopClientProfile(); err != nil {
			return err
		}
		stopViews()
		stopProfile()
		paced := ""
		if o.rate > 0 {
			paced = fmt.Sprintf(" paced at %d/s (latency from each report's due time)", o.rate)
		}
		fmt.Printf("ingest: %d reports of %d bytes, %d clients, %d server(s)%s: %.0f reports/s, p50 %.1f ms, p99 %.1f ms, failed %d, answered as duplicates %d\n",
			o.reports, bodyBytes, o.clients, len(addrs), paced, r.PerSecond(), r.Percentile(0.5), r.Percentile(0.99), r.Failed, duplicates.Load())
		perReport := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }
		server := fmt.Sprintf("server %.0f µs (and %.1f KB written to storage)", perReport(serverCPU, o.reports), float64(written)/1024/float64(o.reports))
		if len(addrs) > 1 {
			server = fmt.Sprintf("first server %.1f s in all", serverCPU.Seconds())
		}
		fmt.Printf("ingest CPU per report: %s, load client %.0f µs, PostgreSQL processes %.0f µs; load average %s\n",
			server, perReport(clientCPU, o.reports), perReport(dbCPU, o.reports), loadAverage())
		if err := countStored(ctx, o, r.Failed); err != nil {
			return err
		}
	}
	if dash != nil {
		if err := dash.time("view after the load", dashboardPages); err != nil {
			return err
		}
	}
	m := srv.mem()
	fmt.Printf("server memory: peak RSS %.1f MiB (VmHWM), now %.1f MiB (anonymous %.1f, files %.1f)\n", m.hwm, m.rss, m.anon, m.file)
	if dash != nil {
		// The first views after a restart, the fleet now having reported.
		srv.stop()
		if srv, err = startServer(ctx, o); err != nil {
			return err
		}
		defer srv.stop()
		if dash, err = signIn(srv.addr); err != nil {
			return err
		}
		if err := dash.time("first view after a restart", dashboardPages); err != nil {
			return err
		}
	}
	return nil
}

// time views each page once and prints how long it took.
// How sgload shows a long run's progress, and when it calls a run stalled.
const (
	progressEvery = 5 * time.Second
	stallAfter    = 30 * time.Second
)

// watchProgress prints to w, every `every`, how many of total
// requests have been answered; when none was answered for `stall`, it
// says so once and prints every goroutine's stack (where the client
// waits), then keeps watching. stop ends it.
func watchProgress(w io.Writer, answered *atomic.Int64, total int, every, stall time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		last, lastAt, dumped := int64(-1), time.Now(), false
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				n := answered.Load()
				fmt.Fprintf(w, "  … %d of %d answered\n", n, total)
				if n != last {
					last, lastAt, dumped = n, now, false
					continue
				}
				if !dumped && now.Sub(lastAt) >= stall {
					fmt.Fprintf(w, "sgload: nothing answered for %v; where every goroutine waits:\n", now.Sub(lastAt).Round(time.Millisecond))
					_ = pprof.Lookup("goroutine").WriteTo(w, 1)
					dumped = true
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

func (d *dashboard) time(what string, pages []string) error {
	for _, page := range pages {
		took, err := d.get(page)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %-40s %7.1f ms\n", what, page, ms(took))
	}
	return nil
}

// countStored checks that every report sent is stored exactly once (all
// but the failed ones at least, none twice: each has an id of its own).
func countStored(ctx context.Context, o options, failed int) error {
	runs, distinct, err := storedRuns(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("stored: %d check runs (%d distinct) of %d reports sent, %d not acknowledged\n", runs, distinct, o.reports, failed)
	if runs != distinct || runs > o.reports || runs < o.reports-failed {
		return fmt.Errorf("%d reports sent, %d not acknowledged, but %d stored (%d distinct)", o.reports, failed, runs, distinct)
	}
	return nil
}

// newAck is the answer that stores the report with this envelope ID as
// new, byte for byte: the server's report.Ack as encoding/json writes it,
// and a newline.
func newAck(id string) []byte { return []byte(`{"id":"` + id + `","duplicate":false}` + "\n") }

// storedRuns counts the check runs in the database that the load sent,
// and their distinct IDs: those stored less the ones seeded.
func storedRuns(ctx context.Context, o options) (runs, distinct int, err error) {
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	err = st.(interface{ DB() *sql.DB }).DB().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT id) FROM check_runs`).Scan(&runs, &distinct)
	return runs - o.seededRuns(), distinct - o.seededRuns(), err
}

// seededRuns is how many check runs seed stores (-history: one a device).
func (o options) seededRuns() int {
	if o.history {
		return max(o.devices, 1)
	}
	return 0
}

// seed creates a team, an enrol secret and o.devices devices straight in
// the database, and returns the secret and the devices' tokens.
func seed(ctx context.Context, o options) (secret string, tokens []string, err error) {
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return "", nil, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return "", nil, err
	}
	team, err := st.CreateTeam(ctx, "load", nil)
	if err != nil {
		return "", nil, err
	}
	if secret, _, err = st.CreateEnrollSecret(ctx, team.ID); err != nil {
		return "", nil, err
	}
	hash, err := password.Hash(adminPassword, password.Default)
	if err != nil {
		return "", nil, err
	}
	if _, err := st.CreateAdmin(ctx, adminName, hash); err != nil {
		return "", nil, err
	}
	start := time.Now()
	ids, tokens, err := storetest.SeedDevicesContext(ctx, st, team.ID, max(o.devices, 1))
	if err != nil {
		return "", nil, err
	}
	fmt.Printf("seeded %d devices in %v\n", len(tokens), time.Since(start).Round(time.Millisecond))
	if o.history {
		start = time.Now()
		if err := seedHistory(ctx, st, ids, o.reportBytes); err != nil {
			return "", nil, err
		}
		fmt.Printf("seeded one report from each device in %v\n", time.Since(start).Round(time.Millisecond))
	}
	if x, ok := st.(interface{ Dialect() string }); ok && x.Dialect() == "sqlite" {
		// Copy the seeding's WAL into the database before the server
		// starts: that copy is not the load's cost.
		if _, err := st.(interface{ DB() *sql.DB }).DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return "", nil, err
		}
	}
	return secret, tokens, nil
}

// seedHistory stores one check run from each device, the run the load
// sends (reportRun), straight through the store.
func seedHistory(ctx context.Context, st store.Store, ids []string, size int) error {
	run := reportRun(size)
	const batch = 512
	for chunk := range slices.Chunk(ids, batch) {
		reports := make([]store.DeviceReport, len(chunk))
		for i, id := range chunk {
			reports[i] = store.DeviceReport{DeviceID: id, Envelope: run()}
		}
		if _, err := st.SaveReports(ctx, reports); err != nil {
			return err
		}
	}
	return nil
}

// reportBody returns report i's body and envelope ID: reportRun's check
// run, marshalled.
func reportBody(size int) func(i int) ([]byte, string) {
	run := reportRun(size)
	return func(int) ([]byte, string) {
		env := run()
		b, _ := json.Marshal(env)
		return b, env.ID
	}
}

// reportRun returns a maker of new check runs (a new envelope ID, started
// now) of the eight checks, all passing, whose facts are padded so that
// the run's JSON is about size bytes.
func reportRun(size int) func() report.Envelope {
	ids := []string{"disk_encryption", "firewall", "antivirus", "wifi_security", "screen_lock", "user_accounts", "voice_assistants", "smart_speakers"}
	build := func(pad int) report.Envelope {
		results := make([]report.CheckResult, len(ids))
		for i, id := range ids {
			facts, _ := json.Marshal(map[string]any{"source": "probe", "state": "on", "age_days": 1, "detail": strings.Repeat("x", pad)})
			results[i] = report.CheckResult{ID: id, Status: checks.Pass, Required: i < 7, Summary: "Looks fine.", Facts: facts}
		}
		env := report.NewCheckRun(storetest.Agent, checks.Report{StartedAt: time.Now(), DurationMS: 270, Ready: true})
		env.CheckRun.Results = results
		return env
	}
	empty, _ := json.Marshal(build(0))
	pad := max(0, (size-len(empty))/len(ids))
	return func() report.Envelope { return build(pad) }
}

func expect(status int) func(i, got int, body []byte) error {
	return func(_, got int, body []byte) error {
		if got != status {
			return fmt.Errorf("status %d: %s", got, body)
		}
		return nil
	}
}

type server struct {
	cmd       *exec.Cmd
	addr      string
	pprofAddr string
	done      chan error
	// exit is how the server process ended, once stop has waited for it.
	exit error
	once sync.Once
	// unlimit removes the control group of -server-cpus once the process
	// has ended (nil: none).
	unlimit func()
}

// startServer runs `sessionguard-server serve` on a free loopback port and
// waits until it answers.
func startServer(ctx context.Context, o options) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sgload")
	if err != nil {
		return nil, err
	}
	config := filepath.Join(dir, "server.env")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	args := []string{"--config", config, "--db", o.db, "serve", "--listen", addr}
	var pprofAddr string
	if o.profile != "" {
		if pprofAddr, err = freePort(); err != nil {
			return nil, err
		}
		args = append(args, "--pprof-listen", pprofAddr)
	}
	cmd := exec.CommandContext(ctx, o.server, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr, pprofAddr: pprofAddr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); log.Close() }()
	if o.serverCPUs > 0 {
		if s.unlimit, err = limitCPU(cmd.Process.Pid, o.serverCPUs); err != nil {
			s.stop()
			return nil, err
		}
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("the server stopped (%w); its log: %s", err, log.Name())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			fmt.Printf("server log: %s\n", log.Name())
			return s, nil
		}
	}
	s.stop()
	return nil, errors.New("the server did not listen within 60 s")
}

func (s *server) stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		// The exit status is not wanted: a server stopped by a signal
		// exits non-zero, and its log says the rest.
		select {
		case s.exit = <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			s.exit = <-s.done
		}
		if s.unlimit != nil {
			s.unlimit()
		}
	})
}

// cpu is the CPU time the server process has used (user and system).
func (s *server) cpu() time.Duration { return cpuOf(strconv.Itoa(s.cmd.Process.Pid)) }

// selfCPU is the CPU time this process (the load client) has used.
func selfCPU() time.Duration { return cpuOf("self") }

// cpuOf reads a process's CPU time from /proc (Linux; 0 elsewhere).
func cpuOf(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name (in parentheses, which may hold
	// spaces): utime and stime are the 12th and 13th, in clock ticks
	// (100 a second on Linux).
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// written is how many bytes the server process has caused to be written
// to storage (write_bytes of /proc/PID/io: the database's pages and WAL
// frames as they are dirtied, not the HTTP answers); 0 when unknown.
func (s *server) written() int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/io")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// loadAverage is the machine's load average over the last minute.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

// postgresCPU is the CPU time of every process named postgres on this
// machine (the database's backends and workers, when it runs here), 0
// when there are none.
func postgresCPU() time.Duration {
	procs, _ := filepath.Glob("/proc/[0-9]*/comm")
	var sum time.Duration
	for _, comm := range procs {
		if b, err := os.ReadFile(comm); err == nil && strings.TrimSpace(string(b)) == "postgres" {
			sum += cpuOf(filepath.Base(filepath.Dir(comm)))
		}
	}
	return sum
}

// freePort returns a loopback address no one listens on.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// profileWhile takes a CPU profile of the server (its --pprof-listen)
// over the next seconds and writes it to file; the function it returns
// waits for it. Nothing when file is empty.
func (s *server) profileWhile(file string, seconds int) (wait func()) {
	if file == "" || s.pprofAddr == "" {
		return func() {}
	}
	done := make(chan error, 1)
	go func() { done <- s.fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds), file) }()
	return func() {
		if err := <-done; err != nil {
			fmt.Println("cpu profile:", err)
			return
		}
		fmt.Printf("cpu profile of the server's first %d s of reports: %s\n", seconds, file)
		// And what it allocated since it started (go tool pprof
		// -sample_index=alloc_space).
		if err := s.fetch("/debug/pprof/allocs", file+".allocs"); err != nil {
			fmt.Println("allocation profile:", err)
		}
	}
}

// profileSelf starts a CPU profile of this process into file (nothing
// when file is empty); the function it returns stops it.
func profileSelf(file string) (stop func() error, err error) {
	if file == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		fmt.Printf("cpu profile of the load client while it sent the reports: %s\n", file)
		return f.Close()
	}, nil
}

// fetch GETs path from the server's --pprof-listen into file.
func (s *server) fetch(path, file string) error {
	resp, err := http.Get("http://" + s.pprofAddr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

type memory struct{ rss, hwm, anon, file float64 } // MiB

// mem reads the server's resident and peak resident memory.
func (s *server) mem() memory {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return memory{}
	}
	var m memory
	for line := range strings.SplitSeq(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			m.rss = kb / 1024
		case "VmHWM":
			m.hwm = kb / 1024
		case "RssAnon":
			m.anon = kb / 1024
		case "RssFile":
			m.file = kb / 1024
		}
	}
	return m
}

// The dashboard's account, made with `sessionguard-server admin create`.
const adminName, adminPassword = "load", "load-test-password-1234"

// dashboardPages are the pages of issue 21 item 7, with a name search and
// the devices by last seen.
var dashboardPages = []string{"/", "/devices", "/devices?q=seed-4242", "/devices?sort=last_seen&dir=desc", "/checks/firewall"}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// dashboard is a signed-in browser.
type dashboard struct {
	base   string
	client *http.Client
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signIn(addr string) (*dashboard, error) {
	jar, _ := cookiejar.New(nil)
	d := &dashboard{base: "http://" + addr, client: &http.Client{Jar: jar, Timeout: time.Minute}}
	resp, err := d.client.Get(d.base + "/login")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInput.FindSubmatch(page)
	if m == nil {
		return nil, errors.New("the login page has no CSRF token")
	}
	form := url.Values{"name": {adminName}, "password": {adminPassword}, "csrf_token": {string(m[1])}}
	req, _ := http.NewRequest(http.MethodPost, d.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.base)
	// Not followed: the overview it leads to would be the first view
	// timed.
	d.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = d.client.Do(req)
	d.client.CheckRedirect = nil
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		return nil, fmt.Errorf("signing in: %s, to %q", resp.Status, resp.Header.Get("Location"))
	}
	return d, nil
}

// get views page and returns how long the whole answer took.
func (d *dashboard) get(page string) (time.Duration, error) {
	start := time.Now()
	resp, err := d.client.Get(d.base + page)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err == nil && (resp.StatusCode != http.StatusOK || resp.Request.URL.Path == "/login") {
		err = fmt.Errorf("%s: %s at %s", page, resp.Status, resp.Request.URL)
	}
	return took, err
}

// viewWhile views the pages in turn, one at a time, until the function it
// returns is called; that prints each page's median and worst time.
func (d *dashboard) viewWhile() (stop func()) {
	if d == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan map[string][]time.Duration)
	go func() {
		took := map[string][]time.Duration{}
		for i := 0; ; i++ {
			select {
			case <-done:
				finished <- took
				return
			case <-time.After(200 * time.Millisecond):
			}
			page := dashboardPages[i%len(dashboardPages)]
			if t, err := d.get(page); err == nil {
				took[page] = append(took[page], t)
			} else {
				fmt.Println("dashboard:", err)
			}
		}
	}()
	return func() {
		close(done)
		took := <-finished
		for _, page := range dashboardPages {
			t := took[page]
			slices.Sort(t)
			if len(t) > 0 {
				fmt.Printf("view during the load:  %-40s median %7.1f ms, worst %7.1f ms (%d views)\n", page, ms(t[len(t)/2]), ms(t[len(t)-1]), len(t))
			}
		}
	}
}
