//go:build unix

package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/daemon"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/report"
)

// BenchmarkSessionListThroughAgent10k is `session list` on an installed
// system with 10,000 records: the agent reads and checks its log, sends
// it over the unix socket, and the CLI pairs the sessions.
func BenchmarkSessionListThroughAgent10k(b *testing.B) {
	dir, err := os.MkdirTemp("", "sg-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	log, err := sessionlog.Open(filepath.Join(dir, statedir.SessionLogFile))
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range 10_000 {
		rec := report.SessionRecord{ID: fmt.Sprintf("%032x", 1000+i), SessionID: fmt.Sprintf("%032x", i/2+1), Event: report.SessionEnd,
			At: t0.Add(time.Duration(i) * 30 * time.Minute), Label: fmt.Sprintf("CR-%d", 2291+i/2)}
		if i%2 == 0 {
			rec.Event, rec.Ready = report.SessionStart, true
		} else {
			rec.Cookies = &report.CookieSummary{Removed: 12, Browsers: 1, ProfilesCleared: 1}
		}
		if _, err := log.Append(rec); err != nil {
			b.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "run", "agent.sock")
	ln, err := localapi.Listen(sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := localapi.NewServer(localapi.NewHandler(daemon.WithLog{Log: log}, func(localapi.Peer) bool { return true }))
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	defer srv.Close()
	c := localapi.NewClient(sock)
	defer c.Close()
	for b.Loop() {
		l, err := c.SessionLog(context.Background())
		if err != nil || len(l.Entries) != 10_000 || l.Broken != nil {
			b.Fatal(len(l.Entries), err)
		}
		if s := pairSessions(l.Entries, len(l.Entries)); len(s) != 5_000 {
			b.Fatal(len(s))
		}
	}
}
