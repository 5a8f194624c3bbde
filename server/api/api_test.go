package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// backends runs fn against a fresh SQLite and a fresh PostgreSQL store.
func backends(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, b := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			fn(t, st)
		})
	}
}

// fixture is an API on a real store behind a loopback HTTP server, with
// one enrolled device.
type fixture struct {
	st       store.Store
	api      *api.API
	srv      *httptest.Server
	reg      *prometheus.Registry
	team     store.Team
	deviceID string
	token    string
}

func newFixture(t *testing.T, st store.Store, o api.Options) *fixture {
	t.Helper()
	f := &fixture{st: st, reg: prometheus.NewRegistry()}
	o.Registerer = f.reg
	a, err := api.New(st, o)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	f.api = a
	f.srv = httptest.NewServer(a)
	t.Cleanup(func() { f.srv.Close(); a.Close() })
	f.team, f.deviceID, f.token = storetest.Enrolled(t, st, "team-"+report.NewID()[:8])
	return f
}

// do sends a request and returns the status, the decoded body and the
// response.
func (f *fixture) do(t *testing.T, method, path, contentType, token string, body []byte) (int, map[string]any, *http.Response) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m, resp
}

func (f *fixture) post(t *testing.T, path string, v any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	code, m, _ := f.do(t, http.MethodPost, path, "application/json", f.token, b)
	return code, m
}

func count(t testing.TB, st store.Store, table string) int {
	t.Helper()
	var n int
	db := st.(interface{ DB() *sql.DB }).DB()
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

func checkRun(ready bool) report.Envelope {
	return storetest.CheckRun(time.Now(), ready,
		report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on", Facts: json.RawMessage(`{"backend":"nftables"}`)},
		report.CheckResult{ID: "disk_encryption", Status: checks.Fail, Required: true, Summary: "off"})
}

func session() report.Envelope {
	return report.NewSession(storetest.Agent, report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
		At: time.Now().UTC(), Label: "case-17", Ready: true})
}

func TestReportAndSession(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{})
		env := checkRun(false)
		code, body := f.post(t, report.PathReports, env)
		if code != http.StatusOK || body["id"] != env.ID || body["duplicate"] != false {
			t.Fatalf("report: %d %v", code, body)
		}
		res, err := st.LatestResults(t.Context(), f.deviceID)
		if err != nil || len(res) != 2 || res[1].ID != "firewall" || string(res[1].Facts) != `{"backend":"nftables"}` {
			t.Fatalf("LatestResults = %+v, %v", res, err)
		}
		// A replay (lost acknowledgement) is acknowledged as a duplicate
		// and stored once.
		code, body = f.post(t, report.PathReports, env)
		if code != http.StatusOK || body["duplicate"] != true {
			t.Fatalf("replayed report: %d %v", code, body)
		}
		if n := count(t, st, "check_runs"); n != 1 {
			t.Errorf("check_runs = %d after a replay, want 1", n)
		}
		s := session()
		for i, wantDup := range []bool{false, true} {
			code, body = f.post(t, report.PathSessions, s)
			if code != http.StatusOK || body["id"] != s.ID || body["duplicate"] != wantDup {
				t.Fatalf("session %d: %d %v", i, code, body)
			}
		}
		if n := count(t, st, "sessions"); n != 1 {
			t.Errorf("sessions = %d, want 1", n)
		}
		// Cookies cleared after the end: a record of its own for the
		// session; one without counts is refused.
		later := report.NewSession(storetest.Agent, report.SessionRecord{ID: report.NewID(), SessionID: s.Session.SessionID,
			Event: report.SessionCookies, At: time.Now().UTC(), Label: "case-17", Cookies: &report.CookieSummary{Removed: 4, ProfilesCleared: 1}})
		if code, body = f.post(t, report.PathSessions, later); code != http.StatusOK || body["duplicate"] != false {
			t.Fatalf("cookies record: %d %v", code, body)
		}
		noCounts := later
		noCounts.ID = report.NewID()
		rec := *later.Session
		rec.ID, rec.Cookies = noCounts.ID, nil
		noCounts.Session = &rec
		if code, body = f.post(t, report.PathSessions, noCounts); code != http.StatusUnprocessableEntity {
			t.Errorf("cookies record without counts: %d %v, want 422", code, body)
		}
		if n := count(t, st, "sessions"); n != 2 {
			t.Errorf("sessions = %d, want 2", n)
		}
		if got := counter(t, f.reg, "reports", "duplicate"); got != 1 {
			t.Errorf("duplicate reports counted %v, want 1", got)
		}
	})
}

// counter finds sessionguard_api_requests_total{endpoint, outcome}.
func counter(t *testing.T, reg *prometheus.Registry, endpoint, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "sessionguard_api_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["endpoint"] == endpoint && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestRefusals: every bad request gets its 4xx, a JSON error the agent can
// show, and stores nothing.
func TestRefusals(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{MaxBody: 16 << 10})
		good, err := json.Marshal(checkRun(true))
		if err != nil {
			t.Fatal(err)
		}
		withField := func(field string) []byte {
			return append(append([]byte{}, good[:len(good)-1]...), []byte(`,`+field+`}`)...)
		}
		sess, _ := json.Marshal(session())
		invalid := checkRun(true)
		invalid.ID = "not-hex"
		invalidBody, _ := json.Marshal(invalid)
		tooMany := checkRun(true)
		for i := range 70 {
			tooMany.CheckRun.Results = append(tooMany.CheckRun.Results, report.CheckResult{ID: fmt.Sprintf("c%d", i), Status: checks.Pass})
		}
		tooManyBody, _ := json.Marshal(tooMany)
		// The schema lets the same check come twice; storing refuses it
		// (store.PrepareRun, before the report joins a group commit).
		twice := checkRun(true)
		twice.CheckRun.Results = []report.CheckResult{{ID: "firewall", Status: checks.Pass}, {ID: "firewall", Status: checks.Fail}}
		twiceBody, _ := json.Marshal(twice)
		huge := withField(`"pad":"` + strings.Repeat("x", 20<<10) + `"`)

		for _, c := range []struct {
			name, method, path, ctype, token string
			body                             []byte
			want                             int
		}{
			{"no token", "POST", report.PathReports, "application/json", "", good, 401},
			{"wrong token", "POST", report.PathReports, "application/json", "sgdt_nope", good, 401},
			{"basic auth", "POST", report.PathReports, "application/json", "", good, 401},
			{"oversized", "POST", report.PathReports, "application/json", f.token, huge, 413},
			{"malformed JSON", "POST", report.PathReports, "application/json", f.token, good[:len(good)/2], 400},
			{"empty body", "POST", report.PathReports, "application/json", f.token, nil, 400},
			{"unknown field", "POST", report.PathReports, "application/json", f.token, withField(`"extra":1`), 400},
			{"trailing data", "POST", report.PathReports, "application/json", f.token, append(append([]byte{}, good...), []byte(`{}`)...), 400},
			{"wrong type", "POST", report.PathReports, "application/json", f.token, []byte(`{"id":5}`), 400},
			{"duplicate name", "POST", report.PathReports, "application/json", f.token, withField(`"kind":"check_run"`), 400},
			{"name in other case", "POST", report.PathReports, "application/json", f.token, bytes.Replace(good, []byte(`"kind":`), []byte(`"Kind":`), 1), 400},
			{"invalid UTF-8", "POST", report.PathReports, "application/json", f.token, bytes.Replace(good, []byte(`"version":"`), []byte("\"version\":\"\xff"), 1), 400},
			{"text/plain", "POST", report.PathReports, "text/plain", f.token, good, 415},
			{"no content type", "POST", report.PathReports, "", f.token, good, 415},
			{"GET reports", "GET", report.PathReports, "", f.token, nil, 405},
			{"PUT sessions", "PUT", report.PathSessions, "application/json", f.token, sess, 405},
			{"POST policy", "POST", report.PathPolicy, "application/json", f.token, nil, 405},
			{"GET enroll", "GET", report.PathEnroll, "", "", nil, 405},
			{"session to reports", "POST", report.PathReports, "application/json", f.token, sess, 422},
			{"report to sessions", "POST", report.PathSessions, "application/json", f.token, good, 422},
			{"schema broken", "POST", report.PathReports, "application/json", f.token, invalidBody, 422},
			{"too many results", "POST", report.PathReports, "application/json", f.token, tooManyBody, 422},
			{"same check twice", "POST", report.PathReports, "application/json", f.token, twiceBody, 422},
			{"unknown endpoint", "POST", "/api/v1/nothing", "application/json", f.token, good, 404},
			{"bad enrol secret", "POST", report.PathEnroll, "application/json", "",
				[]byte(`{"schema":"` + report.Schema + `","secret":"sges_wrong","device_name":"x","agent":{"version":"1","host":{"os":"linux","os_version":"12","arch":"amd64"}}}`), 401},
			{"enrol unknown field", "POST", report.PathEnroll, "application/json", "", []byte(`{"secret":"x","admin":true}`), 400},
		} {
			t.Run(c.name, func(t *testing.T) {
				req, err := http.NewRequestWithContext(t.Context(), c.method, f.srv.URL+c.path, bytes.NewReader(c.body))
				if err != nil {
					t.Fatal(err)
				}
				if c.ctype != "" {
					req.Header.Set("Content-Type", c.ctype)
				}
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				if c.name == "basic auth" {
					req.SetBasicAuth("admin", f.token)
				}
				resp, err := f.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var e struct{ Error string }
				decErr := json.NewDecoder(resp.Body).Decode(&e)
				want := c.want
				if resp.StatusCode != want {
					t.Errorf("status %d, want %d (%s)", resp.StatusCode, want, e.Error)
				}
				if decErr != nil || e.Error == "" {
					t.Errorf("no JSON error body: %v", decErr)
				}
				if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q", got)
				}
				if want == 405 && resp.Header.Get("Allow") == "" {
					t.Error("405 without Allow")
				}
				if want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			})
		}
		for table, want := range map[string]int{"check_runs": 0, "check_results": 0, "sessions": 0, "devices": 1} {
			if n := count(t, st, table); n != want {
				t.Errorf("%s holds %d rows after refusals, want %d", table, n, want)
			}
		}
	})
}

func TestPolicyETag(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{})
		code, body, resp := f.do(t, "GET", report.PathPolicy, "", f.token, nil)
		etag := resp.Header.Get("ETag")
		if code != 200 || etag != `"`+f.team.ETag+`"` || body["allow_override"] != true {
			t.Fatalf("policy: %d %v etag %q", code, body, etag)
		}
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+report.PathPolicy, nil)
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("If-None-Match", inm)
			resp, err := f.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified || resp.Header.Get("ETag") != etag {
				t.Errorf("If-None-Match %s: %d etag %q, want 304", inm, resp.StatusCode, resp.Header.Get("ETag"))
			}
		}
		// Saved through the API's store (the dashboard's): the next poll
		// gets it although the policy is cached.
		if _, err := f.api.Store().SetTeamPolicy(t.Context(), f.team.ID, json.RawMessage(`{"screen_lock_max_seconds":300}`), ""); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+report.PathPolicy, nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("If-None-Match", etag)
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var pol map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&pol)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag || pol["screen_lock_max_seconds"] != float64(300) {
			t.Errorf("after a policy change: %d etag %q body %v", resp.StatusCode, resp.Header.Get("ETag"), pol)
		}
		if code, _, _ := f.do(t, "GET", report.PathPolicy, "", "sgdt_wrong", nil); code != 401 {
			t.Errorf("policy with a wrong token: %d, want 401", code)
		}
	})
}

// TestRevocation: revoked through the API's store, a device is refused at
// once although its token is cached; revoked behind the API's back (another
// replica), it is refused once the cache entry expires.
func TestRevocation(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		f := newFixture(t, st, api.Options{TokenCacheTTL: time.Minute, Now: func() time.Time { return time.Unix(0, clock.Load()) }})
		if code, body := f.post(t, report.PathReports, checkRun(true)); code != 200 {
			t.Fatalf("report: %d %v", code, body)
		}
		if err := f.api.Store().RevokeDevice(t.Context(), f.deviceID); err != nil {
			t.Fatal(err)
		}
		code, body := f.post(t, report.PathReports, checkRun(true))
		if code != 401 || !strings.Contains(fmt.Sprint(body["error"]), "enrol") {
			t.Errorf("revoked device: %d %v, want 401 saying to enrol again", code, body)
		}

		// Another device, revoked by another replica (straight in the store).
		_, dev2, tok2 := storetest.Enrolled(t, st, "replica-"+report.NewID()[:6])
		f.token = tok2
		if code, _ := f.post(t, report.PathReports, checkRun(true)); code != 200 {
			t.Fatalf("second device: %d", code)
		}
		if err := st.RevokeDevice(t.Context(), dev2); err != nil {
			t.Fatal(err)
		}
		if code, _ := f.post(t, report.PathReports, checkRun(true)); code != 200 {
			t.Errorf("within the cache TTL: %d, want 200 (the documented bound)", code)
		}
		clock.Add(int64(time.Minute + time.Second))
		if code, _ := f.post(t, report.PathReports, checkRun(true)); code != 401 {
			t.Errorf("after the cache TTL: %d, want 401", code)
		}
	})
}

// TestConcurrentIngest: many clients at once are group-committed, each
// acknowledged once its batch committed, and everything is stored once.
func TestConcurrentIngest(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st, api.Options{})
		team, _, _ := storetest.Enrolled(t, st, "many")
		ids, tokens := storetest.SeedDevices(t, st, team.ID, 50)
		const perDevice = 6
		var wg sync.WaitGroup
		var acked atomic.Int64
		for i := range ids {
			wg.Go(func() {
				for range perDevice {
					b, _ := json.Marshal(checkRun(true))
					req, _ := http.NewRequestWithContext(t.Context(), "POST", f.srv.URL+report.PathReports, bytes.NewReader(b))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+tokens[i])
					resp, err := f.srv.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode == 200 {
						acked.Add(1)
					}
				}
			})
		}
		wg.Wait()
		want := len(ids) * perDevice
		if acked.Load() != int64(want) {
			t.Errorf("acknowledged %d, want %d", acked.Load(), want)
		}
		if n := count(t, st, "check_runs"); n != want {
			t.Errorf("check_runs = %d, want %d", n, want)
		}
		if n := count(t, st, "check_results"); n != 2*want {
			t.Errorf("check_results = %d, want %d", n, 2*want)
		}
	})
}

func TestClosedAPIRefusesWithRetry(t *testing.T) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, st, api.Options{})
	f.api.Close()
	code, _, resp := f.do(t, "POST", report.PathReports, "application/json", f.token, mustJSON(t, checkRun(true)))
	if code != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after Close: %d Retry-After %q, want 503 with Retry-After", code, resp.Header.Get("Retry-After"))
	}
	if n := count(t, st, "check_runs"); n != 0 {
		t.Errorf("check_runs = %d after a refused report", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
