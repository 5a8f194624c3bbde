package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/gobuild"
	"github.com/sessionguard/sessionguard/report"
)

// agentDirs makes a state directory and a socket path reachable by the
// test (the socket's directory is created by the agent).
func agentDirs(t *testing.T) (state, socket string) {
	t.Helper()
	base := t.TempDir()
	return filepath.Join(base, "state"), filepath.Join(base, "run", "agent.sock")
}

func waitForRun(t *testing.T, socket string) localapi.Status {
	t.Helper()
	c := localapi.NewClient(socket)
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st, err := c.Status(t.Context())
		if err == nil && !st.LastRunAt.IsZero() && !st.Running {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the agent did not finish its first check run")
	return localapi.Status{}
}

// TestAgentRunAndSessions runs the agent in this process and drives it
// with the CLI commands a practitioner uses: status, session start, end,
// list and verify.
func TestAgentRunAndSessions(t *testing.T) {
	state, socket := agentDirs(t)
	pol := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(pol, []byte(`{"schema":"sessionguard.policy/v1","allow_override":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // no browser profiles: nothing to clear
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	ctx, cancel := context.WithCancel(t.Context())
	var agentErr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &agentErr, checks: all.Checks(), colour: func() bool { return false }}
	done := make(chan error, 1)
	go func() {
		done <- e.runAgent(ctx, agentOptions{stateDir: state, socket: socket, policyFile: pol})
	}()
	st := waitForRun(t, socket)
	if st.Light != localapi.Red || st.Enrolled {
		t.Errorf("status on this machine (root not encrypted): %+v", st)
	}
	out, _, code := run(t, "status", "--socket", socket, "--json")
	var got localapi.Status
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != ExitNotReady || got.Light != localapi.Red || !got.CanWrite {
		t.Errorf("status: exit %d, %+v, %v", code, got, err)
	}
	out, _, code = run(t, "session", "start", "--label", "CR-2291", "--socket", socket)
	if code != ExitNotReady || !strings.Contains(out, "not ready") || !strings.Contains(out, "--override-reason") {
		t.Errorf("start while not ready: exit %d\n%s", code, out)
	}
	_, errOut, code := run(t, "session", "start", "--label", "jane.smith@example.org", "--socket", socket)
	if code != ExitError || !strings.Contains(errOut, "email") {
		t.Errorf("email label: exit %d %q", code, errOut)
	}
	out, _, code = run(t, "session", "start", "--label", "CR-2291", "--override-reason", "urgent safeguarding concern", "--socket", socket, "--json")
	var start report.SessionRecord
	if err := json.Unmarshal([]byte(out), &start); err != nil || code != 0 || start.Override == nil {
		t.Fatalf("override start: exit %d %v\n%s", code, err, out)
	}
	out, _, code = run(t, "session", "end", "--socket", socket, "--json")
	var end report.SessionRecord
	if err := json.Unmarshal([]byte(out), &end); err != nil || code != 0 || end.SessionID != start.SessionID || end.Cookies == nil {
		t.Fatalf("end: exit %d %v\n%s", code, err, out)
	}
	if _, errOut, code := run(t, "session", "end", "--socket", socket); code != ExitError || !strings.Contains(errOut, "no session is open") {
		t.Errorf("second end: exit %d %q", code, errOut)
	}
	// Cookies cleared after the end are added to the ended session.
	out, _, code = run(t, "session", "cookies", "--socket", socket, "--json")
	var amend report.SessionRecord
	if err := json.Unmarshal([]byte(out), &amend); err != nil || code != 0 || amend.Event != report.SessionCookies || amend.SessionID != start.SessionID || amend.Cookies == nil {
		t.Fatalf("session cookies: exit %d %v\n%s", code, err, out)
	}
	logPath := filepath.Join(state, "sessions.log")
	if out, _, code := run(t, "session", "verify", "--log", logPath); code != 0 || !strings.Contains(out, "3 records") {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("agent run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent did not stop")
	}
	if strings.Contains(agentErr.String(), "CR-2291") || strings.Contains(agentErr.String(), "crisis") {
		t.Errorf("the agent logged a label or reason:\n%s", agentErr.String())
	}
	// Standalone: with no agent the same commands work in-process, and the
	// open session survives between commands through the log.
	out, errOut, code = run(t, "session", "start", "--label", "CR-7", "--override-reason", "IT support is fixing it", "--socket", socket, "--state-dir", state, "--policy", pol)
	if code != 0 || !strings.Contains(out, "started") {
		t.Fatalf("standalone start: exit %d\n%s", code, out)
	}
	if want := "Note: the SessionGuard agent is not running, so this is recorded in " + logPath + " only."; !strings.HasPrefix(errOut, want) {
		t.Errorf("standalone start: stderr %q, want %q", errOut, want)
	}
	if out, _, code := run(t, "session", "end", "--socket", socket, "--state-dir", state); code != 0 || !strings.Contains(out, "CR-7 ended") {
		t.Errorf("standalone end: exit %d\n%s", code, out)
	}
	// The session that ended last is found in the log by a new process.
	if out, _, code := run(t, "session", "cookies", "--socket", socket, "--state-dir", state); code != 0 || !strings.Contains(out, "Added to the record of session CR-7") {
		t.Errorf("standalone cookies after the end: exit %d\n%s", code, out)
	}
	if _, errOut, code := run(t, "session", "cookies", "--socket", socket, "--state-dir", state+"-empty"); code != ExitError || !strings.Contains(errOut, "no ended session") {
		t.Errorf("cookies with no ended session: exit %d %q", code, errOut)
	}
}

// TestAgentIdleMemory builds the real binary, runs `agent run`, and reads
// its resident memory once the first check run is done (target ≤ 25 MB).
// It also checks that SIGTERM stops it cleanly.
func TestAgentIdleMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sessionguard")
	gobuild.Must(t, gobuild.Program{Pkg: "cmd/sessionguard", Out: bin})
	state, socket := agentDirs(t)
	cmd := exec.Command(bin, "agent", "run", "--state-dir", state, "--socket", socket)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitForRun(t, socket)
	time.Sleep(time.Second)
	status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var rssKB int
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			rssKB, _ = strconv.Atoi(f[1])
		}
	}
	t.Logf("idle RSS of agent run after the first check run: %.1f MB", float64(rssKB)/1024)
	if rssKB == 0 || rssKB > 25*1024 {
		t.Errorf("idle RSS %d kB, target ≤ 25 MB", rssKB)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("agent ignored SIGTERM")
	}
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Errorf("socket left behind after a clean stop: %v", err)
	}
}
