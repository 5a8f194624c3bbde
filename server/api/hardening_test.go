package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// Attack (issue 16, item 9): one device token floods the reports
// endpoint. Past its quota it gets 429 with Retry-After and nothing more
// is stored; another device is not affected; once the wait is over the
// device may send again.
func TestQuotaBreach(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		clock := time.Now()
		var mu = make(chan struct{}, 1)
		now := func() time.Time { mu <- struct{}{}; defer func() { <-mu }(); return clock }
		advance := func(d time.Duration) { mu <- struct{}{}; clock = clock.Add(d); <-mu }
		f := newFixture(t, st, api.Options{Now: now, TokenCacheTTL: -1,
			Quota: api.QuotaOptions{Requests: 10, RequestEvery: time.Minute, Bytes: 1 << 20, BytesPerHour: 1 << 20}})
		accepted, limited := 0, 0
		var retryAfter string
		for range 50 {
			code, m, resp := f.do(t, http.MethodPost, report.PathReports, "application/json", f.token, mustJSON(t, storetest.CheckRun(time.Now(), true)))
			switch code {
			case http.StatusOK:
				accepted++
			case http.StatusTooManyRequests:
				limited++
				retryAfter = resp.Header.Get("Retry-After")
				if !strings.Contains(m["error"].(string), "quota") {
					t.Errorf("429 body %v", m)
				}
			default:
				t.Fatalf("status %d %v", code, m)
			}
		}
		if accepted != 10 || limited != 40 {
			t.Errorf("50 reports against a quota of 10: %d accepted, %d refused", accepted, limited)
		}
		if secs, err := strconv.Atoi(retryAfter); err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After %q, want 1–60 seconds", retryAfter)
		}
		if n := count(t, st, "check_runs"); n != 10 {
			t.Errorf("%d runs stored, want 10", n)
		}
		// Sessions share the device's quota.
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "Q-1"}
		if code, m := f.post(t, report.PathSessions, report.NewSession(storetest.Agent, rec)); code != http.StatusTooManyRequests {
			t.Errorf("session over quota: %d %v", code, m)
		}
		// Another device has its own quota.
		_, _, other := storetest.Enrolled(t, st, "other-"+report.NewID()[:6])
		if code, m, _ := f.do(t, http.MethodPost, report.PathReports, "application/json", other, mustJSON(t, storetest.CheckRun(time.Now(), true))); code != http.StatusOK {
			t.Errorf("another device: %d %v", code, m)
		}
		// After Retry-After the device sends again.
		secs, _ := strconv.Atoi(retryAfter)
		advance(time.Duration(secs) * time.Second)
		if code, m := f.post(t, report.PathReports, storetest.CheckRun(time.Now(), true)); code != http.StatusOK {
			t.Errorf("after Retry-After: %d %v", code, m)
		}
		// Bytes: a device within its request count but over its bytes.
		advance(time.Hour)
		big := storetest.CheckRun(time.Now(), true)
		for i := range 60 {
			big.CheckRun.Results = append(big.CheckRun.Results, report.CheckResult{ID: "c" + strconv.Itoa(i), Status: checks.Pass, Summary: strings.Repeat("x", 2000)})
		}
		body := mustJSON(t, big)
		sent, refused := 0, 0
		for range 10 {
			big.ID = report.NewID()
			code, _, _ := f.do(t, http.MethodPost, report.PathReports, "application/json", f.token, mustJSON(t, big))
			if code == http.StatusOK {
				sent++
			} else if code == http.StatusTooManyRequests {
				refused++
			}
		}
		if limit := (1 << 20) / len(body); sent > limit+1 || refused == 0 {
			t.Errorf("%d-byte reports against a 1 MiB quota: %d accepted, %d refused", len(body), sent, refused)
		}
	})
}

// Item 12: NUL characters and invalid UTF-8 in any string of an agent's
// request are answered 400 on PostgreSQL (which cannot store a NUL in
// text, nor cast its JSON escape) and SQLite alike; nothing is stored and
// the server stays healthy.
func TestNULAndInvalidUTF8Refused(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{})
		run := string(mustJSON(t, storetest.CheckRun(time.Now(), true,
			report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: "SUMMARY", Facts: json.RawMessage(`{"k":"FACT"}`)})))
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "LABEL",
			Override: &report.Override{Reason: "REASON", Checks: []string{"firewall"}}, NotPassing: []string{"firewall"}}
		sess := string(mustJSON(t, report.NewSession(storetest.Agent, rec)))
		enrol := string(mustJSON(t, report.EnrollRequest{Schema: report.Schema, Secret: "SECRET", DeviceName: "DEVICE", Agent: storetest.Agent}))
		agentVersion := storetest.Agent.Version
		for _, c := range []struct{ path, body, field string }{
			{report.PathReports, run, "SUMMARY"}, {report.PathReports, run, "FACT"}, {report.PathReports, run, agentVersion},
			{report.PathSessions, sess, "LABEL"}, {report.PathSessions, sess, "REASON"},
			{report.PathEnroll, enrol, "SECRET"}, {report.PathEnroll, enrol, "DEVICE"},
		} {
			for _, bad := range []string{`a\u0000b`, "a\xffb", `\ud800`, "a\x00b"} {
				body := strings.Replace(c.body, `"`+c.field+`"`, `"`+bad+`"`, 1)
				if body == c.body {
					t.Fatalf("%s has no %q", c.path, c.field)
				}
				code, m, _ := f.do(t, http.MethodPost, c.path, "application/json", f.token, []byte(body))
				if code != http.StatusBadRequest {
					t.Errorf("%s with %q in %s: %d %v, want 400", c.path, bad, c.field, code, m)
				}
			}
		}
		if n := count(t, st, "check_runs"); n != 0 {
			t.Errorf("%d runs stored", n)
		}
		if n := count(t, st, "sessions"); n != 0 {
			t.Errorf("%d sessions stored", n)
		}
		// Still serving.
		if code, m := f.post(t, report.PathReports, storetest.CheckRun(time.Now(), true)); code != http.StatusOK {
			t.Errorf("a good report after the bad ones: %d %v", code, m)
		}
	})
}

// Item 12: session records go through the group commit like reports: a
// burst of them is stored in fewer commits than records.
func TestSessionsGroupCommitted(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{})
		const n = 64
		done := make(chan int, n)
		for range n {
			go func() {
				rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "G-1"}
				code, _ := f.post(t, report.PathSessions, report.NewSession(storetest.Agent, rec))
				done <- code
			}()
		}
		for range n {
			if code := <-done; code != http.StatusOK {
				t.Errorf("session: %d", code)
			}
		}
		if got := count(t, st, "sessions"); got != n {
			t.Errorf("%d sessions stored, want %d", got, n)
		}
		mfs, err := f.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "sessionguard_ingest_batch_reports" {
				h := mf.GetMetric()[0].GetHistogram()
				if h.GetSampleSum() != n {
					t.Errorf("the group commit stored %v envelopes, want %d (sessions bypass it)", h.GetSampleSum(), n)
				}
				return
			}
		}
		t.Error("no batch metric: sessions bypass the group commit")
	})
}
