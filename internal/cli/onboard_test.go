package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// fixedCheck is a check with a set result, so the checklist is known.
type fixedCheck struct{ r checks.Result }

func (c fixedCheck) ID() string    { return c.r.ID }
func (c fixedCheck) Title() string { return c.r.Title }

func (c fixedCheck) Metadata() checks.Meta { return checks.Meta{Required: c.r.Required} }
func (c fixedCheck) Run(context.Context, probe.Probe, checks.Policy) checks.Result {
	return c.r
}

var onboardChecks = []checks.Check{
	fixedCheck{checks.Result{ID: "firewall", Title: "Firewall", Status: checks.Fail, Required: true,
		Summary: "No firewall is filtering incoming connections.", Fix: "Turn on the firewall: sudo ufw enable"}},
	fixedCheck{checks.Result{ID: "disk_encryption", Title: "Disk encryption", Status: checks.Pass, Required: true,
		Summary: "The system disk is encrypted."}},
	fixedCheck{checks.Result{ID: "smart_speakers", Title: "Smart speakers", Status: checks.Warn,
		Summary: "A smart speaker with a microphone is on this network.", Fix: "Move it out of the room."}},
	fixedCheck{checks.Result{ID: "antivirus", Title: "Anti-virus", Status: checks.Unknown, Required: true,
		Summary: "Could not tell whether anti-virus runs.", Reason: "clamd is not answering", Fix: "Start clamd."}},
}

// runOnboard runs `sessionguard onboard` through the root command, with a
// private state directory, socket and enrol file.
func runOnboard(t *testing.T, stateDir, config string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, checks: onboardChecks, colour: func() bool { return false }}
	root := e.rootCommand()
	root.SetArgs(append([]string{"onboard", "--state-dir", stateDir, "--socket", filepath.Join(stateDir, "none.sock"),
		"--config", config}, args...))
	err = root.ExecuteContext(t.Context())
	return out.String(), errb.String(), err
}

func writeEnrolConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "enroll.env")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOnboardWithoutServer(t *testing.T) {
	t.Setenv(ServerURLEnv, "")
	t.Setenv(EnrollSecretEnv, "")
	state := filepath.Join(t.TempDir(), "state")
	out, _, err := runOnboard(t, state, filepath.Join(t.TempDir(), "missing.env"))
	if err != nil {
		t.Fatalf("onboard failed although only checks fail: %v", err)
	}
	for _, want := range []string{
		"Server: none configured",
		"NOT READY: fix these before the first session:",
		"  [ ] Firewall: No firewall is filtering incoming connections.\n      Fix: Turn on the firewall: sudo ufw enable\n",
		"  [ ] Anti-virus: Could not tell whether anti-virus runs.\n      Could not be checked: clamd is not answering\n      Fix: Start clamd.\n",
		"Worth fixing (not required by your organisation's policy):\n  [ ] Smart speakers:",
		"Already fine: Disk encryption.",
		filepath.Join(state, statedir.ResultsFile),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The results are where the agent reads them at its first start.
	b, err := os.ReadFile(filepath.Join(state, statedir.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var rep checks.Report
	if err := json.Unmarshal(b, &rep); err != nil || rep.Ready || len(rep.Results) != len(onboardChecks) {
		t.Errorf("saved results %+v (err %v): want a not-ready report of %d checks", rep, err, len(onboardChecks))
	}
	if _, err := os.Stat(filepath.Join(state, statedir.CredentialsFile)); !os.IsNotExist(err) {
		t.Errorf("credentials written without a server: %v", err)
	}
}

func TestOnboardEnrolsFromConfigFile(t *testing.T) {
	t.Setenv(ServerURLEnv, "")
	t.Setenv(EnrollSecretEnv, "")
	url := enrolServer(t)
	config := writeEnrolConfig(t, "# written by the admin\n"+ServerURLEnv+"="+url+"\n"+
		EnrollSecretEnv+"=\""+testEnrolSecret+"\"\n"+DeviceNameEnv+"=laptop-7\n")
	state := t.TempDir()
	out, errOut, err := runOnboard(t, state, config)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Server: enrolled as laptop-7 with " + url; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Contains(out+errOut, testEnrolSecret) || strings.Contains(out+errOut, testDeviceToken) {
		t.Errorf("the secret or token was printed:\n%s\n%s", out, errOut)
	}
	if _, err := os.Stat(filepath.Join(state, statedir.CredentialsFile)); err != nil {
		t.Errorf("no credentials after enrolling: %v", err)
	}
	// Again (a package upgrade): no second enrolment.
	out, _, err = runOnboard(t, state, config)
	if err != nil || !strings.Contains(out, "(already; nothing to do)") {
		t.Errorf("second onboarding: %v\n%s", err, out)
	}
}

func TestOnboardEnrolFailureIsReportedNotFatal(t *testing.T) {
	url := enrolServer(t)
	for _, c := range []struct {
		name, config string
		env          map[string]string
		args         []string
		want         string
	}{
		{name: "wrong secret in file", config: ServerURLEnv + "=" + url + "\n" + EnrollSecretEnv + "=wrong-secret-123\n",
			want: "the server refused the enrol secret"},
		{name: "server without secret", config: ServerURLEnv + "=" + url + "\n",
			want: "NOT ENROLLED: " + url + " is set in "},
		{name: "flag wins over file", config: ServerURLEnv + "=https://elsewhere.invalid\n" + EnrollSecretEnv + "=wrong-secret-123\n",
			args: []string{"--server", url}, want: "NOT ENROLLED: enrolling with " + url + ": the server refused"},
		{name: "environment secret wins over file", config: ServerURLEnv + "=" + url + "\n" + EnrollSecretEnv + "=wrong-secret-123\n",
			env: map[string]string{EnrollSecretEnv: testEnrolSecret}, want: "Server: enrolled as "},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(ServerURLEnv, "")
			t.Setenv(EnrollSecretEnv, "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			out, errOut, err := runOnboard(t, t.TempDir(), writeEnrolConfig(t, c.config), c.args...)
			if err != nil {
				t.Fatalf("onboard returned %v; an enrolment problem must not fail the install", err)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("output lacks %q:\n%s", c.want, out)
			}
			if !strings.Contains(out, "NOT READY") {
				t.Errorf("the checks did not run:\n%s", out)
			}
			if strings.Contains(out+errOut, "wrong-secret-123") || strings.Contains(out+errOut, testEnrolSecret) {
				t.Errorf("a secret was printed:\n%s\n%s", out, errOut)
			}
		})
	}
}

func TestOnboardBrokenInstallFails(t *testing.T) {
	t.Setenv(ServerURLEnv, "")
	// A file where the state directory should be.
	state := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(state, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runOnboard(t, state, ""); err == nil {
		t.Error("onboarding succeeded without a usable state directory")
	}
	// A malformed enrol file: the error names the line, never its text.
	config := writeEnrolConfig(t, ServerURLEnv+"=https://x.example\nmy-secret-value\n")
	_, _, err := runOnboard(t, t.TempDir(), config)
	if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "my-secret-value") {
		t.Errorf("malformed enrol file: %v", err)
	}
}

func TestReadEnrolConfig(t *testing.T) {
	got, err := readEnrolConfig(writeEnrolConfig(t, "\n# comment\nexport A=1\nB = 'two words'\nC=\"x=y\"\nD=\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "x=y", "D": ""}
	if len(got) != len(want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := readEnrolConfig(writeEnrolConfig(t, strings.Repeat("#", maxEnrolConfig+1))); err == nil {
		t.Error("an oversized enrol file was read")
	}
}

func TestOnboardUnreadableDefaultConfig(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	t.Setenv(ServerURLEnv, "")
	t.Setenv(EnrollSecretEnv, "")
	config := writeEnrolConfig(t, ServerURLEnv+"=https://x.example\n")
	if err := os.Chmod(config, 0); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, checks: onboardChecks, colour: func() bool { return false }}
	cmd := e.onboardCommand()
	// The default, not given on the command line: checks run without it.
	if err := cmd.Flags().Lookup("config").Value.Set(config); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	cmd.SetArgs([]string{"--state-dir", state, "--socket", filepath.Join(state, "none.sock")})
	if err := cmd.ExecuteContext(t.Context()); err != nil || !strings.Contains(out.String(), "Server: none configured") {
		t.Errorf("%v\n%s", err, out.String())
	}
	// Named explicitly, an unreadable file is an error.
	_, _, err := runOnboard(t, t.TempDir(), config)
	if err == nil {
		t.Error("an unreadable --config was ignored")
	}
}
