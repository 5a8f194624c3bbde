package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
)

// lenientPolicyFile is a policy file that requires no check, so a
// computer judged against it alone is ready whatever the checks find.
func lenientPolicyFile(t *testing.T) string {
	t.Helper()
	pol := all.DefaultPolicy()
	for id := range pol.Checks {
		pol.Checks[id] = checks.CheckPolicy{Required: false}
	}
	b, err := json.Marshal(pol)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lenient.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// enrolledState is a state directory whose computer is enrolled (the
// credentials file is there) and, when teamPolicy is not empty, holds the
// policy the server last sent, as policysync caches it.
func enrolledState(t *testing.T, teamPolicy string) string {
	t.Helper()
	state := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	creds := `{"server_url":"https://sessionguard.example.org","device_id":"dev1","token_in":"file","token":"device-token"}`
	if err := os.WriteFile(filepath.Join(state, statedir.CredentialsFile), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	if teamPolicy != "" {
		cache, err := json.Marshal(map[string]any{"etag": `"v3"`, "policy": json.RawMessage(teamPolicy)})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(state, statedir.ServerPolicyFile), cache, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return state
}

// TestWithoutTheAgentTheTeamPolicyJudges: with the agent down, session
// start and status judge against the team's policy the server last sent
// (as the agent would at its start), not the built-in or a file's; when
// the computer is enrolled but that policy cannot be read, they say so
// and the computer is not ready; not enrolled, the file's policy judges
// as before.
func TestWithoutTheAgentTheTeamPolicyJudges(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", "")
	lenient := lenientPolicyFile(t)
	socket := filepath.Join(t.TempDir(), "no-agent.sock")

	// The team's stricter screen lock is the one the in-process agent
	// judges against.
	team := `{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":60,"allow_override":true}`
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}, checks: all.Checks(), colour: func() bool { return false }}
	cfg, log, policyErr, err := e.agentConfig(agentOptions{stateDir: enrolledState(t, team), socket: socket})
	if err != nil || policyErr != nil {
		t.Fatalf("agentConfig: %v, %v", policyErr, err)
	}
	log.Close()
	if got := string(cfg.Policy.Settings["screen_lock_max_seconds"]); got != "60" || !cfg.Policy.AllowOverride {
		t.Errorf("the in-process agent judges with screen_lock_max_seconds %s, allow_override %v; want the team's 60, true", got, cfg.Policy.AllowOverride)
	}

	// Not enrolled: the lenient file judges, so the computer is ready.
	notEnrolled := filepath.Join(t.TempDir(), "state")
	if _, errOut, code := run(t, "status", "--socket", socket, "--state-dir", notEnrolled, "--policy", lenient); code != ExitReady {
		t.Errorf("not enrolled, lenient policy file: exit %d, want ready\n%s", code, errOut)
	}

	// Enrolled: the team's policy requires a check the lenient file does
	// not (one this agent does not have, so that it fails on any
	// computer).
	strict := enrolledState(t, `{"schema":"sessionguard.policy/v1","checks":{"camera_cover":{"required":true}}}`)
	if out, errOut, code := run(t, "status", "--socket", socket, "--state-dir", strict, "--policy", lenient); code != ExitNotReady || !strings.Contains(out, "RED") {
		t.Errorf("enrolled, team policy stricter than the file: exit %d, want not ready\n%s%s", code, out, errOut)
	}
	if out, errOut, code := run(t, "session", "start", "--label", "CR-11", "--socket", socket, "--state-dir", strict, "--policy", lenient); code != ExitNotReady || !strings.Contains(out, "not ready") {
		t.Errorf("session start, team policy stricter than the file: exit %d, want not ready\n%s%s", code, out, errOut)
	}

	// Enrolled, but the team's policy was never fetched or is damaged.
	for name, state := range map[string]string{"missing": enrolledState(t, ""), "damaged": enrolledState(t, `{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":-5}`)} {
		out, errOut, code := run(t, "status", "--socket", socket, "--state-dir", state, "--policy", lenient)
		if code != ExitNotReady || !strings.Contains(out, "RED") || !strings.Contains(errOut, "cannot read your organisation's policy") {
			t.Errorf("%s team policy, status: exit %d, want not ready and said\n%s%s", name, code, out, errOut)
		}
		out, errOut, code = run(t, "session", "start", "--label", "CR-12", "--socket", socket, "--state-dir", state, "--policy", lenient)
		if code != ExitNotReady || !strings.Contains(out, "cannot read your organisation's policy") {
			t.Errorf("%s team policy, session start: exit %d, want not ready and said\n%s%s", name, code, out, errOut)
		}
		if b, _ := os.ReadFile(filepath.Join(state, statedir.SessionLogFile)); strings.Contains(string(b), "CR-12") {
			t.Errorf("%s team policy: a session was recorded although the computer is not ready", name)
		}
	}
}
