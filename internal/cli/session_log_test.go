package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/report"
)

// runSessionLog runs the whole CLI, as main does.
func runSessionLog(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return run(t, args...)
}

var sessionT0 = time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)

// sessionLogFile writes a log of three sessions: one ready, one started on
// an override, one still open.
func sessionLogFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.log")
	l, err := sessionlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	id := 0
	next := func() string { id++; return fmt.Sprintf("%032x", id) }
	at := func(min int) time.Time { return sessionT0.Add(time.Duration(min) * time.Minute) }
	recs := []report.SessionRecord{
		{SessionID: fmt.Sprintf("%032x", 101), Event: report.SessionStart, At: at(0), Label: "CR-2291", Ready: true},
		{SessionID: fmt.Sprintf("%032x", 101), Event: report.SessionEnd, At: at(50), Label: "CR-2291", Cookies: &report.CookieSummary{Removed: 312, Browsers: 2, ProfilesCleared: 2}},
		{SessionID: fmt.Sprintf("%032x", 102), Event: report.SessionStart, At: at(120), Label: "Case 17/B", NotPassing: []string{"firewall", "os_updates"},
			Override: &report.Override{Reason: "urgent safeguarding call", Checks: []string{"firewall", "os_updates"}}},
		{SessionID: fmt.Sprintf("%032x", 102), Event: report.SessionEnd, At: at(180), Label: "Case 17/B", Cookies: &report.CookieSummary{Removed: 1, ProfilesCleared: 1, ProfilesSkipped: 1}},
		{SessionID: fmt.Sprintf("%032x", 103), Event: report.SessionStart, At: at(240), Label: "YP-0042 week 3", Ready: true},
	}
	for _, r := range recs {
		r.ID = next()
		if _, err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// tamper changes the label of the record at line 3 in place.
func tamper(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(data, []byte(`"label":"Case 17/B"`), []byte(`"label":"Case 71/B"`), 1)
	if bytes.Equal(changed, data) {
		t.Fatal("nothing to tamper with")
	}
	if err := os.WriteFile(path, changed, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSessionVerify(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.log")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	intact := sessionLogFile(t)
	broken := sessionLogFile(t)
	tamper(t, broken)
	torn := sessionLogFile(t)
	data, _ := os.ReadFile(torn)
	if err := os.WriteFile(torn, data[:len(data)-20], 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		log  string
		code int
		want []string
	}{
		{"empty log", empty, ExitReady, []string{"OK: no records yet, the log is empty\n"}},
		{"intact", intact, ExitReady, []string{"OK: 5 records, chain intact\n", "Last record (seq 5) hash: "}},
		{"tampered", broken, ExitNotReady, []string{"BROKEN at line 3 (record seq 3): the hash does not match the record", "Intact before it: 2 records", "Keep a copy"}},
		{"torn", torn, ExitNotReady, []string{"BROKEN at line 5 (record seq 5): the last line is incomplete", "Intact before it: 4 records"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runSessionLog(t, "session", "verify", "--log", c.log)
			if code != c.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, c.code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout does not contain %q:\n%s", w, stdout)
				}
			}
			if stderr != "" {
				t.Errorf("stderr: %q", stderr)
			}
		})
	}
	// The head printed is the one the package computes.
	stdout, _, _ := runSessionLog(t, "session", "verify", "--log", intact)
	f, _ := os.Open(intact)
	defer f.Close()
	sum, err := sessionlog.Check(f)
	if err != nil || !strings.Contains(stdout, sum.Head) {
		t.Errorf("verify output %q does not show head %s (%v)", stdout, sum.Head, err)
	}
}

func TestSessionList(t *testing.T) {
	path := sessionLogFile(t)
	// The second session's browser was open at its end and cleared later.
	l, err := sessionlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(report.SessionRecord{ID: fmt.Sprintf("%032x", 900), SessionID: fmt.Sprintf("%032x", 102), Event: report.SessionCookies,
		At: sessionT0.Add(190 * time.Minute), Label: "Case 17/B", Cookies: &report.CookieSummary{Removed: 9, ProfilesCleared: 1}}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	stdout, stderr, code := runSessionLog(t, "session", "list", "--log", path)
	if code != ExitReady || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	local := func(min int) string {
		return sessionT0.Add(time.Duration(min) * time.Minute).Local().Format("2006-01-02 15:04")
	}
	lines := strings.Split(stdout, "\n")
	for _, w := range []struct {
		line  int
		words []string
	}{
		{0, []string{"STARTED", "ENDED", "LABEL", "READY", "OVERRIDE", "COOKIES CLEARED"}},
		{1, []string{local(0), local(50)[11:], "CR-2291", "yes", "–", "312 cookies removed"}},
		{2, []string{local(120), "Case 17/B", "no (2 not passing)", "yes [1]", "1 cookie removed, 1 profile skipped; later 9 cookies removed"}},
		{3, []string{local(240), "open", "YP-0042 week 3", "yes"}},
	} {
		for _, word := range w.words {
			if !strings.Contains(lines[w.line], word) {
				t.Errorf("line %d %q does not contain %q", w.line, lines[w.line], word)
			}
		}
	}
	if want := "[1] " + local(120) + " Case 17/B: urgent safeguarding call (not passing: Firewall and Security updates)"; !strings.Contains(stdout, want) {
		t.Errorf("the override and its reason are missing (%q):\n%s", want, stdout)
	}

	stdout, _, code = runSessionLog(t, "session", "list", "--log", path, "--json")
	if code != ExitReady {
		t.Fatalf("--json: exit %d", code)
	}
	var got sessionListJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if got.Schema != sessionListSchema || !got.Intact || got.Broken != nil || len(got.Sessions) != 3 {
		t.Fatalf("--json: %+v", got)
	}
	s := got.Sessions[1]
	if s.Label != "Case 17/B" || s.StartSeq != 3 || s.EndSeq != 4 || s.Start == nil || s.Start.Override == nil ||
		s.Start.Override.Reason != "urgent safeguarding call" || s.End == nil || s.End.Cookies.Removed != 1 ||
		len(s.Later) != 1 || s.Later[0].Cookies.Removed != 9 {
		t.Errorf("second session: %+v", s)
	}
	if got.Sessions[2].End != nil || got.Sessions[2].Start == nil {
		t.Errorf("third session should be open: %+v", got.Sessions[2])
	}
}

func TestSessionListBroken(t *testing.T) {
	broken := sessionLogFile(t)
	tamper(t, broken)
	stdout, stderr, code := runSessionLog(t, "session", "list", "--log", broken)
	if code != ExitNotReady {
		t.Errorf("broken log: exit %d, want %d", code, ExitNotReady)
	}
	if !strings.Contains(stdout, "Case 71/B (untrusted)") || strings.Contains(stdout, "CR-2291 (untrusted)") || !strings.Contains(stderr, "BROKEN at line 3 (record seq 3)") || !strings.Contains(stderr, "session verify") {
		t.Errorf("broken log: the list and a warning are expected:\n%s\n%s", stdout, stderr)
	}
	stdout, _, code = runSessionLog(t, "session", "list", "--log", broken, "--json")
	if code != ExitNotReady || !strings.Contains(stdout, `"intact": false`) || !strings.Contains(stdout, `"line": 3`) || strings.Count(stdout, `"untrusted": true`) != 2 {
		t.Errorf("broken log, --json: exit %d, %s", code, stdout)
	}
}

func TestSessionLogErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"directory as log", []string{"session", "verify", "--log", dir}, "is a folder, not a file"},
		{"directory as log, list", []string{"session", "list", "--log", dir}, "is a folder, not a file"},
		{"stray argument", []string{"session", "verify", "now"}, "takes no arguments"},
		// A log that is not there proves nothing: never "OK".
		{"missing log", []string{"session", "verify", "--log", filepath.Join(dir, "nope", "sessions.log")}, "there is no session log at " + filepath.Join(dir, "nope", "sessions.log")},
		{"missing log, list", []string{"session", "list", "--log", filepath.Join(dir, "nope.log")}, "there is no session log at"},
		{"missing log, list --json", []string{"session", "list", "--json", "--log", filepath.Join(dir, "nope.log")}, "there is no session log at"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runSessionLog(t, c.args...)
			if code != ExitError || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, stdout, stderr, c.want)
			}
		})
	}
}

func TestPrintableKeepsEscapesOut(t *testing.T) {
	if got := printable("CR-1\x1b]0;pwned\x07\u202e"); strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("printable left control characters: %q", got)
	}
}
