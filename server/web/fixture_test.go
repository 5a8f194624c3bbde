package web_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/export"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web"
	"github.com/sessionguard/sessionguard/server/web/password"
)

// Test admin.
const (
	adminName     = "alice"
	adminPassword = "correct horse battery staple"
)

// fastHash keeps logins quick in tests; the format and the check are the
// production ones (the parameters travel in the hash).
var fastHash = password.Params{Memory: 64, Time: 1, Threads: 1}

// golden reads a check's replay golden result (the real evaluator's output
// for captured evidence), so seeded results carry real facts.
func golden(t testing.TB, check, scenario string) checks.Result {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "checks", check, "testdata", scenario, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r checks.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func wire(r checks.Result) report.CheckResult {
	return report.CheckResult{ID: r.ID, Status: r.Status, Required: r.Required, Summary: r.Summary, Reason: r.Reason, Facts: r.Facts}
}

// fixture is a seeded dashboard.
type fixture struct {
	st      store.Store
	srv     *httptest.Server
	ids     map[string]string // device name → ID
	teams   map[string]store.Team
	exports *exportRecorder
	// firewallFail is the golden result behind laptop-fail's firewall.
	firewallFail checks.Result
	session      string // a session record's ID
}

// exportRecorder stands in for the export handler: it records what reached
// it (after login and CSRF) and serves a small CSV download.
type exportRecorder struct {
	mu       sync.Mutex
	requests []string
	actors   []string
	forms    []url.Values
}

func (e *exportRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.requests = append(e.requests, r.Method+" "+r.URL.Path)
	e.actors = append(e.actors, web.Actor(r))
	e.forms = append(e.forms, r.PostForm)
	e.mu.Unlock()
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, ".csv") {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename="devices.csv"`)
		io.WriteString(w, "device_id,name\nabc,laptop-ready\n")
		return
	}
	io.WriteString(w, "ok")
}

// newFixture seeds a fleet with known states:
//
//	Counselling: laptop-ready (ready), laptop-fail (firewall off: not ready),
//	             laptop-stale (reported 3 days ago), laptop-new (never reported)
//	Youth work:  desk-ready (ready), desk-unknown (anti-virus unknown: not ready),
//	             desk-revoked (revoked)
//
// so the overview shows 2 ready, 2 not ready, 1 stale, 1 never reported, 6
// enrolled.
func newFixture(t testing.TB, opts ...func(*fixture, *web.Options)) *fixture {
	t.Helper()
	ctx := t.Context()
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, ids: map[string]string{}, teams: map[string]store.Team{}, exports: &exportRecorder{}}
	hash, err := password.Hash(adminPassword, fastHash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateAdmin(ctx, adminName, hash); err != nil {
		t.Fatal(err)
	}
	for team, devices := range map[string][]string{
		"Counselling": {"laptop-ready", "laptop-fail", "laptop-stale", "laptop-new"},
		"Youth work":  {"desk-ready", "desk-unknown", "desk-revoked"},
	} {
		tm, err := st.CreateTeam(ctx, team, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.teams[team] = tm
		secret, _, err := st.CreateEnrollSecret(ctx, tm.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range devices {
			if f.ids[name], _, err = st.EnrollDevice(ctx, secret, name, storetest.Agent); err != nil {
				t.Fatal(err)
			}
		}
	}
	fwOn := golden(t, "firewall", "darwin/socketfilterfw_on")
	f.firewallFail = golden(t, "firewall", "darwin/socketfilterfw_off")
	avUnknown := golden(t, "antivirus", "linux/clamav_database_unreadable")
	avOK := report.CheckResult{ID: "antivirus", Status: checks.Pass, Required: true, Summary: "Anti-virus is on."}
	// Every run carries all eight checks: those not given pass (smart
	// speakers warn on the Counselling laptops), as a real agent reports.
	save := func(name string, ready bool, rs ...report.CheckResult) {
		given := map[string]bool{}
		for _, r := range rs {
			given[r.ID] = true
		}
		for _, id := range all.Catalogue().IDs() {
			if given[id] {
				continue
			}
			r := report.CheckResult{ID: id, Status: checks.Pass, Required: id != "smart_speakers", Summary: "Fine."}
			if id == "smart_speakers" && strings.HasPrefix(name, "laptop") {
				r.Status, r.Summary = checks.Warn, "A smart speaker with a microphone is on this network."
			}
			rs = append(rs, r)
		}
		if _, err := st.SaveReport(ctx, f.ids[name], storetest.CheckRun(time.Now(), ready, rs...)); err != nil {
			t.Fatal(err)
		}
	}
	save("laptop-ready", true, wire(fwOn), avOK)
	save("laptop-fail", false, wire(f.firewallFail), avOK)
	save("laptop-stale", true, wire(fwOn), avOK)
	save("desk-ready", true, wire(fwOn), avOK)
	save("desk-unknown", false, wire(fwOn), wire(avUnknown))
	save("desk-revoked", true, wire(fwOn), avOK)
	if err := st.RevokeDevice(ctx, f.ids["desk-revoked"]); err != nil {
		t.Fatal(err)
	}
	db := st.(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(ctx, `UPDATE devices SET last_seen_at = ?, latest_run_at = ? WHERE id = ?`, time.Now().Add(-72*time.Hour).UnixMicro(), time.Now().Add(-72*time.Hour).UnixMicro(), f.ids["laptop-stale"]); err != nil {
		t.Fatal(err)
	}
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now().Add(-time.Hour),
		Label: "CASE-0042", NotPassing: []string{"firewall"}, Override: &report.Override{Reason: "safeguarding call could not wait", Checks: []string{"firewall"}}}
	if _, err := st.SaveSession(ctx, f.ids["laptop-fail"], report.NewSession(storetest.Agent, rec)); err != nil {
		t.Fatal(err)
	}
	end := report.SessionRecord{ID: report.NewID(), SessionID: rec.SessionID, Event: report.SessionEnd, At: time.Now().Add(-10 * time.Minute),
		Label: "CASE-0042", Cookies: &report.CookieSummary{Removed: 37, Kept: 2, Browsers: 2, ProfilesCleared: 3}}
	if _, err := st.SaveSession(ctx, f.ids["laptop-fail"], report.NewSession(storetest.Agent, end)); err != nil {
		t.Fatal(err)
	}
	f.session = rec.ID

	o := web.Options{Exports: f.exports, StaleAfter: 24 * time.Hour}
	for _, opt := range opts {
		opt(f, &o)
	}
	h, err := web.New(st, o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// realExports mounts the real export handler (server/export) instead of
// the recorder.
func realExports(f *fixture, o *web.Options) {
	o.Exports = export.NewHandler(f.st, export.Options{Actor: web.Actor})
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed (tests look at them), and same-origin fetch metadata on POSTs.
type client struct {
	t    testing.TB
	f    *fixture
	http *http.Client
}

func (f *fixture) client(t testing.TB) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, f: f, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodGet, c.f.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form as the dashboard's own page would (same origin).
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	return c.postWith(path, form, map[string]string{"Origin": c.f.srv.URL, "Sec-Fetch-Site": "same-origin"})
}

func (c *client) postWith(path string, form url.Values, headers map[string]string) page {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the forms on a page.
func (c *client) csrf(path string) string {
	c.t.Helper()
	p := c.get(path)
	m := csrfPattern.FindStringSubmatch(p.body)
	if m == nil {
		c.t.Fatalf("no csrf_token on %s (status %d)", path, p.status)
	}
	return m[1]
}

// login signs in and fails the test unless it succeeds.
func (c *client) login() {
	c.t.Helper()
	p := c.loginAs(adminName, adminPassword)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		c.t.Fatalf("login: status %d, location %q: %s", p.status, p.header.Get("Location"), p.body)
	}
}

func (c *client) loginAs(name, pw string) page {
	c.t.Helper()
	token := c.csrf("/login")
	return c.post("/login", url.Values{"csrf_token": {token}, "name": {name}, "password": {pw}, "next": {"/"}})
}
