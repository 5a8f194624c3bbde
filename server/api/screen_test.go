package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// TestSessionScreened is the server half of issue 16 item 6: a modified
// (or older) agent posts start records whose label is a given name or not
// of the team's case reference format, or whose override reason is free
// text naming the client; the server refuses them (422, nothing stored,
// the answer never repeats them) and takes the same record's end.
func TestSessionScreened(t *testing.T) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, st, api.Options{})
	start := func(label, reason string) report.Envelope {
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now().UTC(), Label: label, Ready: reason == ""}
		if reason != "" {
			rec.NotPassing = []string{"firewall"}
			rec.Override = &report.Override{Reason: reason, Checks: rec.NotPassing}
		}
		return report.NewSession(storetest.Agent, rec)
	}
	refused := []report.Envelope{
		start("Jane", ""),
		start("Oliver T", ""),
		start("sam.jones", ""),
		start("Jane Smith", ""),
		start("CR-2291", "Jane Smith in crisis, call 07700 900123"),
		start("CR-2291", "urgent safeguarding concern — spoke to Jane"),
	}
	for _, env := range refused {
		code, body := f.post(t, report.PathSessions, env)
		msg, _ := body["error"].(string)
		if code != http.StatusUnprocessableEntity || strings.Contains(msg, "Jane") || strings.Contains(msg, "07700") || strings.Contains(msg, "sam.jones") {
			t.Errorf("label %q reason %+v: %d %q, want 422 that does not repeat it", env.Session.Label, env.Session.Override, code, msg)
		}
	}
	if n := count(t, st, "sessions"); n != 0 {
		t.Fatalf("%d refused sessions stored", n)
	}
	ok := start("CR-2291", "urgent safeguarding concern — laptop update pending")
	if code, body := f.post(t, report.PathSessions, ok); code != http.StatusOK {
		t.Fatalf("a good start: %d %v", code, body)
	}
	// The team's own format: CR-2291 no longer fits, but its end (which
	// repeats the label) is still taken.
	if _, err := f.api.Store().SetTeamPolicy(t.Context(), f.team.ID, json.RawMessage(`{"case_reference_pattern":"YP-[0-9]{4}"}`), ""); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.post(t, report.PathSessions, start("CR-2292", "")); code != http.StatusUnprocessableEntity {
		t.Errorf("CR-2292 under YP-nnnn: %d, want 422", code)
	}
	if code, body := f.post(t, report.PathSessions, start("YP-0042", "")); code != http.StatusOK {
		t.Errorf("YP-0042 under YP-nnnn: %d %v", code, body)
	}
	end := *ok.Session
	end.ID, end.Event, end.Override, end.NotPassing = report.NewID(), report.SessionEnd, nil, nil
	if code, body := f.post(t, report.PathSessions, report.NewSession(storetest.Agent, end)); code != http.StatusOK {
		t.Errorf("the end of a session started under the old format: %d %v", code, body)
	}

	// End and cookies records are screened for personal data too (an
	// older agent's start is refused, its end carried the same label),
	// and so is an override reason on them; none is stored.
	before := count(t, st, "sessions")
	for _, c := range []struct {
		event         string
		label, reason string
	}{
		{report.SessionEnd, "Jane Doe", ""},
		{report.SessionEnd, "CR-2291", "her dad is Tom Brown, born 01/02/2010"},
		{report.SessionCookies, "Mary Brown 07700 900123", ""},
	} {
		rec := *ok.Session
		rec.ID, rec.Event, rec.Label, rec.Override, rec.NotPassing = report.NewID(), c.event, c.label, nil, nil
		if c.reason != "" {
			rec.Override = &report.Override{Reason: c.reason, Checks: []string{"firewall"}}
		}
		code, body := f.post(t, report.PathSessions, report.NewSession(storetest.Agent, rec))
		msg, _ := body["error"].(string)
		if code != http.StatusUnprocessableEntity || strings.Contains(msg, "Jane") || strings.Contains(msg, "Tom") || strings.Contains(msg, "07700") {
			t.Errorf("%s record labelled %q, reason %q: %d %q, want 422 that does not repeat it", c.event, c.label, c.reason, code, msg)
		}
	}
	if n := count(t, st, "sessions"); n != before {
		t.Errorf("%d refused end and cookies records stored", n-before)
	}
}
