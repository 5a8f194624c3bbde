package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/sessionguard/sessionguard/report"
)

// wrkScript sends the reports of a file, one a line (token, a tab, the
// body), each once, to the path given; it stops when it runs out (the run
// is sized so that it does not: see wrkIngest).
const wrkScript = `
local reqs, next = {}, 0
function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    reqs[#reqs + 1] = wrk.format("POST", args[2], {
      ["Authorization"] = "Bearer " .. line:sub(1, tab - 1),
      ["Content-Type"] = "application/json",
    }, line:sub(tab + 1))
  end
end
function request()
  next = next + 1
  if next > #reqs then
    wrk.thread:stop()
    next = #reqs
  end
  return reqs[next]
end
`

// wrkResult is what wrk printed about a run.
type wrkResult struct {
	requests, non2xx int
	perSecond        float64
	p50, p99         float64 // ms
	out              string
}

var (
	wrkRequests = regexp.MustCompile(`(?m)^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m)`)
	wrkRate     = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkNon2xx   = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses:\s+(\d+)`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s)`)
)

// parseWrk reads wrk's summary (run with --latency).
func parseWrk(out string) (wrkResult, error) {
	r := wrkResult{out: out}
	m := wrkRequests.FindStringSubmatch(out)
	rate := wrkRate.FindStringSubmatch(out)
	if m == nil || rate == nil {
		return r, fmt.Errorf("wrk's summary not recognised:\n%s", out)
	}
	r.requests, _ = strconv.Atoi(m[1])
	r.perSecond, _ = strconv.ParseFloat(rate[1], 64)
	if n := wrkNon2xx.FindStringSubmatch(out); n != nil {
		r.non2xx, _ = strconv.Atoi(n[1])
	}
	for _, p := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		switch p[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if p[1] == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	return r, nil
}

// wrkIngest sends the reports with wrk (o.wrk) instead of this program's
// own client, for o.wrkSeconds: a load client in C whose CPU takes less of
// the machine the server is measured on. wrk runs for a set time, so the
// reports must outlast it (o.reports of them, each from the next device);
// it fails when wrk ran out. Returns wrk's figures and its CPU time while
// it sent (after it had read the reports: until the server got busy).
func wrkIngest(ctx context.Context, o options, addr string, serverCPU func() time.Duration, tokens []string, body func(int) ([]byte, string)) (wrkResult, time.Duration, error) {
	dir, err := os.MkdirTemp("", "sgload-wrk")
	if err != nil {
		return wrkResult{}, 0, err
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "reports.tsv")
	f, err := os.Create(data)
	if err != nil {
		return wrkResult{}, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range o.reports {
		b, _ := body(i)
		if bytes.ContainsAny(b, "\t\n") {
			f.Close()
			return wrkResult{}, 0, fmt.Errorf("report %d holds a tab or a newline", i)
		}
		w.WriteString(tokens[i%len(tokens)])
		w.WriteByte('\t')
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return wrkResult{}, 0, err
	}
	if err := f.Close(); err != nil {
		return wrkResult{}, 0, err
	}
	script := filepath.Join(dir, "reports.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return wrkResult{}, 0, err
	}
	// One thread: wrk reads a thread's reports (its Lua init) and then
	// starts it, before the next thread's init, and starts its clock only
	// after all of them; with two, the first would send while the second
	// read, and those reports would count against a shorter time. One
	// thread of wrk keeps up with this server many times over.
	cmd := exec.CommandContext(ctx, o.wrk, "-t", "1", "-c", strconv.Itoa(o.clients),
		"-d", strconv.Itoa(o.wrkSeconds)+"s", "--timeout", "10s", "--latency", "-s", script,
		"http://"+addr, "--", data, report.PathReports)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return wrkResult{}, 0, fmt.Errorf("wrk: %w", err)
	}
	// wrk reads the reports before it sends any: its CPU until the
	// server gets busy is that loading, not the load.
	loading, stop := make(chan time.Duration, 1), make(chan struct{})
	go func() {
		defer close(loading)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		pid, last := strconv.Itoa(cmd.Process.Pid), serverCPU()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			before, now := cpuOf(pid), serverCPU()
			if now-last > 5*time.Millisecond {
				loading <- before
				return
			}
			last = now
		}
	}()
	err = cmd.Wait()
	close(stop)
	loaded, busy := <-loading
	if err != nil {
		return wrkResult{}, 0, fmt.Errorf("wrk: %w\n%s", err, out.Bytes())
	}
	if !busy {
		return wrkResult{}, 0, fmt.Errorf("the server never got busy:\n%s", out.Bytes())
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() - loaded
	r, err := parseWrk(out.String())
	if err != nil {
		return r, cpu, err
	}
	if r.requests >= o.reports-o.clients {
		return r, cpu, fmt.Errorf("wrk sent %d of the %d reports: give more -reports or fewer -wrk-seconds, so that the rate is measured over the whole run", r.requests, o.reports)
	}
	return r, cpu, nil
}

// ingestWithWrk is the ingest phase with wrk: it prints the figures as the
// own client's phase does and checks what was stored.
func ingestWithWrk(ctx context.Context, o options, srv *server, tokens []string) error {
	if o.replicas > 1 || o.rate > 0 || o.dashboard {
		return fmt.Errorf("-wrk sends to one server as fast as answered: not with -replicas, -rate or -dashboard")
	}
	body := reportBody(o.reportBytes)
	sample, _ := body(0)
	serverCPU, dbCPU := srv.cpu(), postgresCPU()
	r, wrkCPU, err := wrkIngest(ctx, o, srv.addr, srv.cpu, tokens, body)
	if err != nil {
		return err
	}
	serverCPU, dbCPU = srv.cpu()-serverCPU, postgresCPU()-dbCPU
	fmt.Printf("ingest (wrk, %d s): %d reports of %d bytes, %d clients: %.0f reports/s, p50 %.1f ms, p99 %.1f ms, not 2xx %d\n",
		o.wrkSeconds, r.requests, len(sample), o.clients, r.perSecond, r.p50, r.p99, r.non2xx)
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(max(r.requests, 1)) }
	fmt.Printf("ingest CPU per report: server %.0f µs, wrk %.0f µs, PostgreSQL processes %.0f µs; load average %s\n",
		per(serverCPU), per(wrkCPU), per(dbCPU), loadAverage())
	// Answered reports are stored; those in flight when wrk stopped may
	// be too (at most one a connection).
	runs, distinct, err := storedRuns(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("stored: %d check runs (%d distinct); wrk had %d answered, %d of them not 2xx\n", runs, distinct, r.requests, r.non2xx)
	if r.non2xx > 0 || runs != distinct || runs < r.requests || runs > r.requests+o.clients {
		return fmt.Errorf("%d reports answered (%d not 2xx) but %d stored (%d distinct)", r.requests, r.non2xx, runs, distinct)
	}
	return nil
}
