//go:build unix

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/report"
)

// TestStatusOfOldResults: an agent holding three-day-old results (the
// laptop slept, or they were saved before a restart) is asked before it
// checks again: `status` and `check --cached` say the results are out of
// date and exit "not ready", never GREEN and 0.
func TestStatusOfOldResults(t *testing.T) {
	base := t.TempDir()
	state, socket := filepath.Join(base, "state"), filepath.Join(base, "run", "agent.sock")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	old := checks.Report{Schema: checks.ReportSchema, Ready: true, StartedAt: time.Now().Add(-72 * time.Hour).UTC(),
		Results: []checks.Result{{ID: "firewall", Title: "Firewall", Status: checks.Pass, Required: true, Summary: "The firewall is on."}}}
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, statedir.ResultsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{Probe: live.New(), Policy: all.DefaultPolicy(), StateDir: state, Version: "test",
		Log: discardLog{}, ValidateLabel: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := localapi.Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := localapi.NewServer(localapi.NewHandler(a, func(localapi.Peer) bool { return true }))
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	defer srv.Close()

	out, _, code := run(t, "status", "--socket", socket)
	if code != ExitNotReady || !strings.Contains(out, staleWords) || strings.Contains(out, "GREEN") {
		t.Errorf("status of three-day-old results: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "status", "--socket", socket, "--json")
	var st localapi.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != ExitNotReady || st.Ready || !st.Stale || st.Light != localapi.Grey {
		t.Errorf("status --json: exit %d %+v %v", code, st, err)
	}
	out, _, code = run(t, "check", "--cached", "--socket", socket)
	if code != ExitNotReady || !strings.Contains(out, "out of date") {
		t.Errorf("check --cached of three-day-old results: exit %d\n%s", code, out)
	}
}

type discardLog struct{}

func (discardLog) Append(report.SessionRecord) error { return nil }
