// Package traytest runs a real SessionGuard agent for the tray's tests:
// every check over a replay probe (which a test can switch to another
// bundle between runs), serving the local API on a unix socket in a
// temporary directory, counting runs, watch streams and results reads; it
// can stop listening and start again, as an agent that restarts.
package traytest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	"github.com/sessionguard/sessionguard/report"
)

// SwapProbe replays one bundle and can be switched to another between
// runs (a check turning red).
type SwapProbe struct {
	p atomic.Pointer[evidence.Replay]
}

func (s *SwapProbe) cur() *evidence.Replay { return s.p.Load() }
func (s *SwapProbe) GOOS() string          { return s.cur().GOOS() }
func (s *SwapProbe) Now() time.Time        { return s.cur().Now() }
func (s *SwapProbe) Run(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	return s.cur().Run(ctx, name, args...)
}
func (s *SwapProbe) ReadFile(p string) ([]byte, error)            { return s.cur().ReadFile(p) }
func (s *SwapProbe) ReadFileHead(p string, n int) ([]byte, error) { return s.cur().ReadFileHead(p, n) }
func (s *SwapProbe) ReadDir(p string) ([]string, error)           { return s.cur().ReadDir(p) }
func (s *SwapProbe) Registry(k, v string) (any, error)            { return s.cur().Registry(k, v) }
func (s *SwapProbe) WMI(ns, c string) ([]map[string]any, error)   { return s.cur().WMI(ns, c) }
func (s *SwapProbe) Processes() ([]probe.Process, error)          { return s.cur().Processes() }
func (s *SwapProbe) ConsoleUser() (probe.User, error)             { return s.cur().ConsoleUser() }
func (s *SwapProbe) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	return s.cur().RunAsConsoleUser(ctx, name, args...)
}
func (s *SwapProbe) MDNS(ctx context.Context, svc string) ([]probe.MDNSInstance, error) {
	return s.cur().MDNS(ctx, svc)
}

func (s *SwapProbe) Use(t testing.TB, scenario string) {
	t.Helper()
	rp, err := evidence.OpenReplay(filepath.Join(repoRoot(), "checks", "firewall", "testdata", "linux", scenario))
	if err != nil {
		t.Fatal(err)
	}
	s.p.Store(rp)
}

// MemLog is a session log in memory.
type MemLog struct {
	mu   sync.Mutex
	recs []report.SessionRecord
}

func (l *MemLog) Append(r report.SessionRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
	return nil
}

// Records returns the session records appended so far.
func (l *MemLog) Records() []report.SessionRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]report.SessionRecord(nil), l.recs...)
}

// Agent is a real agent (all eight checks over a replay probe) serving
// the local API on a socket in a temporary directory.
type Agent struct {
	*agent.Agent
	Probe  *SwapProbe
	Log    *MemLog
	Socket string
	Runs   atomic.Int32
	// nWatch and nResults count watch streams and results reads.
	nWatch, nResults atomic.Int32

	mu          sync.Mutex
	stopServing func()
}

// StartAgent starts the agent with the firewall on, runs the checks once
// and serves the local API.
func StartAgent(t testing.TB) *Agent {
	t.Helper()
	ta := &Agent{Probe: &SwapProbe{}, Log: &MemLog{}}
	ta.Probe.Use(t, "nft_inet_policy_drop") // firewall on
	a, err := agent.New(agent.Config{
		Probe: ta.Probe, Checks: all.Checks(), Policy: all.DefaultPolicy(), StateDir: t.TempDir(),
		Version: "test", Log: ta.Log, ValidateLabel: sessionlog.ValidateLabel,
	})
	if err != nil {
		t.Fatal(err)
	}
	ta.Agent = a
	events, unsubscribe := a.Subscribe()
	t.Cleanup(unsubscribe)
	go func() {
		for ev := range events {
			if ev.Type == localapi.EventRunFinished {
				ta.Runs.Add(1)
			}
		}
	}()
	if _, err := a.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	WaitFor(t, "the first run to be counted", func() bool { return ta.Runs.Load() == 1 })
	dir, err := os.MkdirTemp("", "sgtray") // short: unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ta.Socket = filepath.Join(dir, "agent.sock")
	ta.Serve(t)
	return ta
}

// counting counts the tray's watch streams and results reads.
type counting struct{ *Agent }

func (c counting) Results(ctx context.Context) (checks.Report, bool) {
	c.nResults.Add(1)
	return c.Agent.Results(ctx)
}

func (c counting) Subscribe() (<-chan localapi.Event, func()) {
	c.nWatch.Add(1)
	return c.Agent.Subscribe()
}

func (ta *Agent) Watchers() int32    { return ta.nWatch.Load() }
func (ta *Agent) ResultsRead() int32 { return ta.nResults.Load() }

// Stop stops serving the local API, as an agent that exits.
func (ta *Agent) Stop() {
	ta.mu.Lock()
	stop := ta.stopServing
	ta.mu.Unlock()
	stop()
}

// Serve listens on the socket until the test ends or the returned stop
// is called (an agent restart).
func (ta *Agent) Serve(t testing.TB) (stop func()) {
	t.Helper()
	ln, err := localapi.Listen(ta.Socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := localapi.NewServer(localapi.NewHandler(counting{ta}, func(localapi.Peer) bool { return true }))
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
			_ = ln.Close()
		})
	}
	t.Cleanup(stop)
	ta.mu.Lock()
	ta.stopServing = stop
	ta.mu.Unlock()
	return stop
}

// WaitFor polls cond until it holds, failing the test after 20 s.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// repoRoot is the module's root directory (this file is tray/traytest).
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
