// Package faulttest holds the fault test of issue 7: the server killed
// with SIGKILL during ingest under load from real agent spools, restarted,
// and then every report it acknowledged is stored exactly once and every
// spooled report arrives exactly once.
//
// The server is this test binary re-executed (see TestMain) running
// servercli.Main with the arguments of `sessionguard-server serve` — the
// very function cmd/sessionguard-server's main calls — so the process
// killed is the real server: HTTP, group-commit writer, SQLite in WAL
// mode. The agents are the agent's own spool and reporter packages, one
// spool directory and device token per simulated device.
package faulttest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/enroll"
	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/internal/servercli"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

const serverChildEnv = "SG_FAULTTEST_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(serverChildEnv) == "1" {
		os.Exit(servercli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// serverProc is one run of the server process.
type serverProc struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

func startServer(t *testing.T, addr, dsn string) *serverProc {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(os.Args[0], "--db", dsn, "serve", "--listen", addr)
	cmd.Env = append(os.Environ(), serverChildEnv+"=1")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the server: %v", err)
	}
	p := &serverProc{cmd: cmd, logs: &logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come up on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *serverProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	_ = p.cmd.Wait()
}

func (p *serverProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("server exit after SIGTERM: %v\n%s", err, p.logs)
	}
}

// ackRecorder is the agents' HTTP transport: it records every envelope id
// the server acknowledged with a 2xx, which is what the server promised to
// have stored.
type ackRecorder struct {
	base  http.RoundTripper
	mu    sync.Mutex
	acked map[string]int
}

func (a *ackRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.base.RoundTrip(req)
	if err != nil || resp.StatusCode/100 != 2 || req.URL.Path == report.PathEnroll {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var ack report.Ack
	if json.Unmarshal(body, &ack) == nil && ack.ID != "" {
		a.mu.Lock()
		a.acked[ack.ID]++
		a.mu.Unlock()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (a *ackRecorder) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.acked)
}

// freeAddr returns a loopback address with a port free right now (the
// server must come back on the same one after a kill).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestKilledDuringIngest(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { killedDuringIngest(t, "sqlite:"+filepath.Join(t.TempDir(), "server.db")) })
	t.Run("postgres", func(t *testing.T) { killedDuringIngest(t, storetest.PostgresDSN(t)) })
}

func killedDuringIngest(t *testing.T, dsn string) {
	const (
		devices   = 4
		perDevice = 120 // every fifth a session record
	)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr

	var out bytes.Buffer
	if code := servercli.Main([]string{"--db", dsn, "enroll-secret", "create"}, &out, io.Discard); code != 0 {
		t.Fatal("enroll-secret create failed")
	}
	secret := string(bytes.TrimSpace(out.Bytes()))
	srv := startServer(t, addr, dsn)

	rec := &ackRecorder{base: &http.Transport{MaxIdleConnsPerHost: devices}, acked: map[string]int{}}
	client := &http.Client{Transport: rec, Timeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var put sync.Map // envelope id → device index
	var putCount atomic.Int64
	reporters := make([]*reporter.Reporter, devices)
	var wg sync.WaitGroup
	for d := range devices {
		creds, err := (&enroll.Client{HTTPClient: client}).Enroll(ctx, base, secret, fmt.Sprintf("pc-%d", d), storetest.Agent)
		if err != nil {
			t.Fatalf("enrolling device %d: %v", d, err)
		}
		sp, err := spool.Open(filepath.Join(dir, fmt.Sprintf("spool-%d", d)), 0, spool.WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := reporter.New(reporter.Config{Spool: sp, ServerURL: creds.ServerURL, HTTPClient: client,
			Token: func(c credentials.Creds) func() (string, error) {
				return func() (string, error) { return c.Token, nil }
			}(creds),
			BaseBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, RequestTimeout: 5 * time.Second,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		reporters[d] = rep
		wg.Go(func() { _ = rep.Run(ctx) })
		// The agent keeps producing while the server dies and returns.
		wg.Go(func() {
			for i := range perDevice {
				env := report.NewCheckRun(storetest.Agent, checks.Report{StartedAt: time.Now(), DurationMS: 5, Ready: i%2 == 0,
					Results: []checks.Result{{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}}})
				if i%5 == 4 {
					env = report.NewSession(storetest.Agent, report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(),
						Event: report.SessionStart, At: time.Now().UTC(), Label: fmt.Sprintf("case-%d", i), Ready: true})
				}
				if err := rep.Put(env); err != nil {
					t.Errorf("spooling: %v", err)
					return
				}
				put.Store(env.ID, d)
				putCount.Add(1)
				time.Sleep(time.Millisecond)
			}
		})
	}

	total := devices * perDevice
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (acked %d, put %d)", what, rec.count(), putCount.Load())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	// Kill it twice in the middle of the stream, restarting each time.
	for round, at := range []int{total / 3, 2 * total / 3} {
		waitFor(fmt.Sprintf("%d acknowledgements", at), func() bool { return rec.count() >= at })
		srv.kill(t)
		t.Logf("round %d: killed with %d acknowledged, %d spooled", round, rec.count(), putCount.Load())
		srv = startServer(t, addr, dsn)
	}
	waitFor("every spool to drain", func() bool {
		if putCount.Load() < int64(total) {
			return false
		}
		for _, r := range reporters {
			if r.Len() != 0 {
				return false
			}
		}
		return true
	})
	cancel()
	wg.Wait()
	srv.stop(t)

	// Every report acknowledged, and every report spooled, is stored once.
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[string]int{}
	for _, q := range []string{"SELECT id FROM check_runs", "SELECT id FROM sessions"} {
		rows, err := st.(interface{ DB() *sql.DB }).DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			stored[id]++
		}
		rows.Close()
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.acked) != total {
		t.Errorf("%d distinct envelopes acknowledged, want %d", len(rec.acked), total)
	}
	for id := range rec.acked {
		if stored[id] != 1 {
			t.Errorf("acknowledged envelope %s stored %d times", id, stored[id])
		}
	}
	missing := 0
	put.Range(func(k, _ any) bool {
		if stored[k.(string)] != 1 {
			missing++
		}
		return true
	})
	if missing > 0 || len(stored) != total {
		t.Errorf("%d spooled envelopes not stored exactly once; %d stored, %d spooled", missing, len(stored), total)
	}
	for d, r := range reporters {
		if s := r.State(); s.DeadLettered != 0 || s.Revoked {
			t.Errorf("device %d: %+v", d, s)
		}
	}
}
