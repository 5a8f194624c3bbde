package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return out.String(), errb.String(), code
}

func decodeReport(t *testing.T, s string) checks.Report {
	t.Helper()
	var rep checks.Report
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("decoding report: %v\n%s", err, s)
	}
	return rep
}

func TestBadInputIsOneLineAndExit2(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := filepath.Dir(write("corrupt/manifest.json", `{"format":"sessionguard.evidence/v1",`))
	badPolicy := write("policy.json", `{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":"ten"}`)
	nonEmpty := filepath.Dir(write("full/x", "x"))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing bundle", []string{"check", "--replay", filepath.Join(dir, "nope")}, "manifest.json"},
		{"corrupt bundle", []string{"check", "--replay", corrupt}, "bad evidence bundle"},
		{"unknown check", []string{"check", "--only", "disk_encryption,telepathy"}, `unknown check id "telepathy"`},
		{"malformed policy", []string{"check", "--policy", badPolicy}, "bad policy"},
		{"missing policy", []string{"check", "--policy", filepath.Join(dir, "absent.json")}, "bad policy"},
		{"unknown flag", []string{"check", "--colour"}, "unknown flag"},
		{"stray argument", []string{"check", "now"}, "takes no arguments"},
		{"unknown command", []string{"chek"}, "unknown command"},
		{"record without dir", []string{"evidence", "record"}, "exactly one DIR"},
		{"record into an existing dir", []string{"evidence", "record", nonEmpty}, "already exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := run(t, c.args...)
			if code != ExitError {
				t.Errorf("exit code %d, want %d", code, ExitError)
			}
			if !strings.HasPrefix(stderr, "sessionguard: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("stderr should be one line mentioning %q, got %q", c.want, stderr)
			}
			if stdout != "" {
				t.Errorf("nothing belongs on stdout, got %q", stdout)
			}
		})
	}
}

func TestHelpExplains(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"check", "--help"}, {"evidence", "record", "--help"}} {
		stdout, _, code := run(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") {
			t.Errorf("%v: code %d\n%s", args, code, stdout)
		}
	}
	stdout, _, _ := run(t, "check", "--help")
	for _, want := range []string{"--replay", "--only", "--policy", "--json"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check --help lacks %s", want)
		}
	}
}

// TestLiveCheckOnThisMachine is the acceptance test of a live run: a verdict
// for every check, and disk_encryption is not pass (the CI root is not
// encrypted).
func TestLiveCheckOnThisMachine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the live acceptance run is for the Linux CI machine")
	}
	stdout, stderr, code := run(t, "check", "--local", "--json")
	if code != ExitReady && code != ExitNotReady {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	rep := decodeReport(t, stdout)
	if rep.Schema != checks.ReportSchema || rep.Host.OS != "linux" || rep.Host.Arch == "" {
		t.Errorf("header: %+v", rep)
	}
	if len(rep.Results) != len(all.Checks()) {
		t.Fatalf("%d results for %d checks", len(rep.Results), len(all.Checks()))
	}
	for i, r := range rep.Results {
		if r.ID != all.Checks()[i].ID() || !r.Status.Valid() || r.Summary == "" {
			t.Errorf("result %d: %+v", i, r)
		}
		if r.Status == checks.Unknown && r.Reason == "" {
			t.Errorf("%s unknown without a reason", r.ID)
		}
		if r.ID == "disk_encryption" && r.Status == checks.Pass {
			t.Errorf("disk_encryption passes on a machine whose root is not encrypted: %s", r.Summary)
		}
	}
	if (code == ExitReady) != rep.Ready {
		t.Errorf("exit code %d but ready=%v", code, rep.Ready)
	}
}

// TestRecordThenReplayIsIdentical records the live machine, replays the
// bundle, and expects the very same results.
func TestRecordThenReplayIsIdentical(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	recOut, stderr, code := run(t, "evidence", "record", dir, "--json")
	if code == ExitError {
		t.Fatalf("record: %s", stderr)
	}
	repOut, stderr, code2 := run(t, "check", "--replay", dir, "--json")
	if code2 != code {
		t.Errorf("exit codes differ: record %d, replay %d (%s)", code, code2, stderr)
	}
	recorded, replayed := decodeReport(t, recOut), decodeReport(t, repOut)
	a, _ := json.Marshal(recorded.Results)
	b, _ := json.Marshal(replayed.Results)
	if !bytes.Equal(a, b) {
		t.Errorf("replay differs from recording:\nrecorded %s\nreplayed %s", a, b)
	}
	if !recorded.StartedAt.Equal(replayed.StartedAt) || recorded.Host != replayed.Host {
		t.Errorf("header differs: %+v vs %+v", recorded.Host, replayed.Host)
	}
}

func TestHumanOutput(t *testing.T) {
	rep := checks.Report{
		Host: probe.Host{OS: "windows", OSVersion: "11 24H2"},
		Results: []checks.Result{
			{Title: "Disk encryption", Status: checks.Pass, Required: true, Summary: "BitLocker protects drive C:."},
			{Title: "Firewall", Status: checks.Fail, Required: true, Summary: "The firewall is off.", Fix: "Open Windows Security and turn it on."},
			{Title: "Anti-virus", Status: checks.Unknown, Required: false, Summary: "Could not check anti-virus.", Reason: "access denied", Fix: "Ask IT."},
		},
	}
	var plain, coloured bytes.Buffer
	renderHuman(&plain, rep, false)
	renderHuman(&coloured, rep, true)
	got := plain.String()
	for _, want := range []string{
		"✔ pass     Disk encryption  BitLocker protects drive C:.\n",
		"✘ FAIL     Firewall         The firewall is off.\n",
		"Fix: Open Windows Security and turn it on.",
		"? unknown  Anti-virus       Could not check anti-virus. (optional)\n",
		"Why: access denied",
		"NOT READY",
		"windows (11 24H2)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b[") {
		t.Error("colour codes without a terminal")
	}
	if !strings.Contains(coloured.String(), "\x1b[31m✘\x1b[0m") {
		t.Errorf("colour output lacks red fail:\n%q", coloured.String())
	}
	if strings.Count(got, "Fix:") != 2 {
		t.Errorf("a fix under each non-passing check only:\n%s", got)
	}
}

func BenchmarkLiveCheck(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("linux only")
	}
	p := live.New()
	pol := all.DefaultPolicy()
	list := all.Checks()
	for b.Loop() {
		checks.Run(context.Background(), p, pol, list)
	}
}

// BenchmarkLiveCheckWithoutLAN is the live check without the one check
// that browses the network (the rest of what "Check again" waits for).
func BenchmarkLiveCheckWithoutLAN(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("linux only")
	}
	p := live.New()
	pol := all.DefaultPolicy()
	list := slices.DeleteFunc(all.Checks(), func(c checks.Check) bool { return c.ID() == smartspeakers.ID })
	for b.Loop() {
		checks.Run(context.Background(), p, pol, list)
	}
}

// TestEveryCommandHasHelpWithExamples runs --help on every command as a
// person would and wants examples, and flags written one way: --name.
func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, checks: all.Checks(), colour: func() bool { return false }}
	singleDash := regexp.MustCompile(`(?m)(^|[\s'"(])-[a-z][a-z-]+`)
	examples := regexp.MustCompile(`Examples:\n  (sudo )?sessionguard `)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		n++
		args := append(strings.Fields(c.CommandPath())[1:], "--help")
		stdout, stderr, code := run(t, args...)
		if code != 0 || !examples.MatchString(stdout) || stderr != "" {
			t.Errorf("%s --help: exit %d, no examples?\n%s%s", c.CommandPath(), code, stdout, stderr)
		}
		if m := singleDash.FindAllString(stdout, -1); len(m) > 0 {
			t.Errorf("%s --help has single-dash long flags %q", c.CommandPath(), m)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(e.rootCommand())
	if n < 24 {
		t.Errorf("walked %d commands only", n)
	}
}

func TestVersion(t *testing.T) {
	if stdout, _, code := run(t, "--version"); code != 0 || stdout != "sessionguard "+Version+"\n" {
		t.Errorf("--version: exit %d %q", code, stdout)
	}
	sock := filepath.Join(t.TempDir(), "none.sock")
	stdout, _, code := run(t, "version", "--socket", sock)
	if code != 0 || !strings.HasPrefix(stdout, "sessionguard "+Version+" ("+runtime.GOOS+"/"+runtime.GOARCH+")\n") || !strings.Contains(stdout, "not running") {
		t.Errorf("version: exit %d %q", code, stdout)
	}
	stdout, _, _ = run(t, "version", "--socket", sock, "--json")
	var v versionJSON
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || v.Version != Version || v.Agent != "" {
		t.Errorf("version --json: %q %v", stdout, err)
	}
}
