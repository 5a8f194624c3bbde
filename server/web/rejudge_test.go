package web_test

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// storedFacts reads one of package rejudge's stored facts (see its
// testdata/README.md).
func storedFacts(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "rejudge", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// saveFirewall stores a check run on device name whose firewall result is
// status with facts.
func (f *fixture) saveFirewall(t *testing.T, name string, status checks.Status, facts string) {
	t.Helper()
	r := report.CheckResult{ID: "firewall", Status: status, Required: true, Summary: "As the agent said.", Facts: []byte(facts)}
	if _, err := f.st.SaveReport(t.Context(), f.ids[name], storetest.CheckRun(time.Now(), status == checks.Pass, r)); err != nil {
		t.Fatal(err)
	}
}

const serverRules = "this server's rules:"

func TestDevicePageShowsTheServersDifferingJudgement(t *testing.T) {
	f := newFixture(t)
	f.saveFirewall(t, "laptop-ready", checks.Pass, storedFacts(t, "firewall_windows_old_agent_pass.json"))
	c := f.client(t)
	c.login()
	p := c.get("/devices/" + f.ids["laptop-ready"])
	row := between(p.body, `<tr data-check="firewall">`, "</tr>")
	for _, want := range []string{
		`<span class="status st-pass">pass</span>`,
		"(reported by SessionGuard " + storetest.Agent.Version + " on the computer); " + serverRules,
		`<span class="status st-unknown">unknown</span>`,
		"Update SessionGuard on this computer",
	} {
		if !strings.Contains(row, want) {
			t.Errorf("firewall row lacks %q:\n%s", want, row)
		}
	}
	// The fix column carries the server's fix for unknown (a pass has
	// none).
	if !strings.Contains(row, html.EscapeString("SessionGuard could not read the firewall settings.")) {
		t.Errorf("firewall row lacks the server's fix:\n%s", row)
	}

	// A result the server agrees with shows nothing new.
	f.saveFirewall(t, "desk-ready", checks.Pass, storedFacts(t, "firewall_windows_current_agent_pass.json"))
	p = c.get("/devices/" + f.ids["desk-ready"])
	if strings.Contains(p.body, serverRules) || strings.Contains(p.body, "reported by SessionGuard") {
		t.Errorf("agreeing results show a second status:\n%s", between(p.body, `<tr data-check="firewall">`, "</tr>"))
	}
	// Nor do the fixture's other devices (results without facts, or
	// facts the server judges the same).
	for _, name := range []string{"laptop-fail", "desk-unknown"} {
		if p := c.get("/devices/" + f.ids[name]); strings.Contains(p.body, serverRules) {
			t.Errorf("%s shows a second status", name)
		}
	}
}

func TestCheckPageShowsTheServersDifferingJudgement(t *testing.T) {
	f := newFixture(t)
	// Stored fail on facts this server passes: listed as failing, with
	// both statuses.
	f.saveFirewall(t, "desk-ready", checks.Fail, storedFacts(t, "firewall_windows_current_agent_pass.json"))
	c := f.client(t)
	c.login()
	p := c.get("/checks/firewall")
	row := between(p.body, ">desk-ready</a>", "</tr>")
	for _, want := range []string{`<span class="status st-fail">fail</span>`, serverRules, `<span class="status st-pass">pass</span>`} {
		if !strings.Contains(row, want) {
			t.Errorf("desk-ready row lacks %q:\n%s", want, row)
		}
	}
	if row := between(p.body, ">laptop-fail</a>", "</tr>"); strings.Contains(row, serverRules) {
		t.Errorf("laptop-fail (server agrees) shows a second status:\n%s", row)
	}
}

// between is s from the first start to the next end after it ("" when
// start is absent).
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}
