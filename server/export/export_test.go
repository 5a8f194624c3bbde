package export_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/export"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

func openStore(t testing.TB) store.Store {
	t.Helper()
	return migrated(t, storetest.OpenSQLite)
}

// migrated opens a fresh, migrated store.
func migrated(t testing.TB, open func(testing.TB) store.Store) store.Store {
	t.Helper()
	st := open(t)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// fixture is a seeded store: team A with devices a1 (practitioner Jane
// Smith, 3 runs, 2 sessions) and a2 (practitioner Jane Smith, 1 run), team
// B with b1 (2 runs, 1 session).
type fixture struct {
	st               store.Store
	teamA, teamB     store.Team
	a1, a2, b1       string
	a1Token, b1Token string
	now              time.Time
}

var runChecks = []report.CheckResult{
	{ID: "firewall", Status: checks.Fail, Required: true, Summary: "=HYPERLINK(\"http://evil\",\"x\")", Facts: []byte(`{"active":false}`)},
	{ID: "antivirus", Status: checks.Pass, Required: true, Summary: "Defender is on"},
}

func seedFixture(t testing.TB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{st: openStore(t), now: time.Now().UTC().Truncate(time.Second)}
	f.teamA, f.a1, f.a1Token = storetest.Enrolled(t, f.st, "A")
	secret, _, err := f.st.CreateEnrollSecret(ctx, f.teamA.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.a2, _, err = f.st.EnrollDevice(ctx, secret, "laptop-2", storetest.Agent); err != nil {
		t.Fatal(err)
	}
	f.teamB, f.b1, f.b1Token = storetest.Enrolled(t, f.st, "B")
	for _, d := range []string{f.a1, f.a2} {
		if err := f.st.SetPractitioner(ctx, d, "Jane Smith"); err != nil {
			t.Fatal(err)
		}
	}
	runs := map[string]int{f.a1: 3, f.a2: 1, f.b1: 2}
	for dev, n := range runs {
		for i := range n {
			env := storetest.CheckRun(f.now.Add(-time.Duration(i)*24*time.Hour), false, runChecks...)
			if _, err := f.st.SaveReport(ctx, dev, env); err != nil {
				t.Fatal(err)
			}
		}
	}
	for dev, n := range map[string]int{f.a1: 2, f.b1: 1} {
		for i := range n {
			rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionEnd,
				At: f.now.Add(-time.Duration(i) * 24 * time.Hour), Label: "+CASE-7", Ready: true,
				Cookies: &report.CookieSummary{Removed: 12, Kept: 3, Browsers: 1, ProfilesCleared: 1}}
			if _, err := f.st.SaveSession(ctx, dev, report.NewSession(storetest.Agent, rec)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

// serve returns a test server for the handler, with the actor from the
// X-Test-Admin header (the dashboard's login stands in).
func serve(t *testing.T, st store.Store) *httptest.Server {
	t.Helper()
	h := export.NewHandler(st, export.Options{
		Logger: slog.New(slog.DiscardHandler),
		Actor:  func(r *http.Request) string { return r.Header.Get("X-Test-Admin") },
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Test-Admin", "alice")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp, body
}

// noRedirect is a client that returns redirects instead of following them.
func postForm(t *testing.T, srv *httptest.Server, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Test-Admin", "alice")
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp
}

func auditActions(t *testing.T, st store.Store) []store.AuditEntry {
	t.Helper()
	log, err := st.AuditLog(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func TestResultsCSV(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	resp, body := get(t, srv, "/exports/results.csv")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="sessionguard-results-`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parsing the CSV: %v", err)
	}
	header := records[0]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %q in %v", name, header)
		}
		return i
	}
	if got, want := len(records)-1, (3+1+2)*len(runChecks); got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	for _, r := range records[1:] {
		switch r[col("check_id")] {
		case "firewall":
			if r[col("summary")] != `'=HYPERLINK("http://evil","x")` {
				t.Errorf("formula not defused: %q", r[col("summary")])
			}
			if r[col("cyber_essentials_control")] != checks.ControlFirewalls || r[col("facts")] != `{"active":false}` {
				t.Errorf("firewall row: %v", r)
			}
		case "antivirus":
			if r[col("cyber_essentials_control")] != checks.ControlMalwareProtection ||
				r[col("cyber_essentials_controls")] != checks.ControlMalwareProtection {
				// Anti-virus is no evidence of patching (issue 19).
				t.Errorf("antivirus controls: %v", r)
			}
		default:
			t.Errorf("unexpected check %q", r[col("check_id")])
		}
		if r[col("device_name")] == "" || r[col("team")] == "" || r[col("at")] == "" {
			t.Errorf("row lacks device, team or time: %v", r)
		}
	}
	log := auditActions(t, f.st)
	if len(log) != 1 || log[0].Action != "export.results" || log[0].Actor != "alice" || log[0].Detail != "format=csv" {
		t.Errorf("audit = %+v", log)
	}
}

type jsonExport struct {
	Schema string            `json:"schema"`
	Kind   string            `json:"kind"`
	TeamID string            `json:"team_id"`
	Rows   []json.RawMessage `json:"rows"`
}

func TestJSONExportsAndFilters(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	since := f.now.Add(-36 * time.Hour).Format(time.RFC3339)
	tests := []struct {
		path     string
		rows     int
		teamID   string
		contains string
	}{
		{"/exports/devices.json", 3, "", `"practitioner":"Jane Smith"`},
		{"/exports/devices.json?team=B", 1, f.teamB.ID, `"team":"B"`},
		{"/exports/results.json", 12, "", `"cyber_essentials":["Firewalls"]`},
		{"/exports/results.json?team=" + f.teamA.ID + "&since=" + url.QueryEscape(since), (2 + 1) * 2, f.teamA.ID, `"facts":{"active":false}`},
		{"/exports/sessions.json", 3, "", `"cookies":{"removed":12`},
		{"/exports/sessions.json?since=" + f.now.Format(time.DateOnly), 2, "", `"label":"+CASE-7"`},
		{"/exports/sessions.json?since=0d", 0, "", ``},
	}
	for _, tc := range tests {
		resp, body := get(t, srv, tc.path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: status %d %q: %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			continue
		}
		var doc jsonExport
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Errorf("%s: not JSON: %v\n%s", tc.path, err, body)
			continue
		}
		if doc.Schema != export.ExportSchema || len(doc.Rows) != tc.rows || doc.TeamID != tc.teamID || !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s: schema %q, %d rows, team %q; want %d rows, team %q, containing %s\n%s", tc.path, doc.Schema, len(doc.Rows), doc.TeamID, tc.rows, tc.teamID, tc.contains, body)
		}
	}
	if n := len(auditActions(t, f.st)); n != len(tests) {
		t.Errorf("%d audit entries, want one per export (%d)", n, len(tests))
	}
}

func TestExportRefusals(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	tests := []struct {
		method, path string
		admin        bool
		status       int
	}{
		{"GET", "/exports/devices.csv", false, http.StatusForbidden},
		{"GET", "/exports/subject.json?device=" + f.a1, false, http.StatusForbidden},
		{"GET", "/exports/passwords.csv", true, http.StatusNotFound},
		{"GET", "/exports/devices.xml", true, http.StatusNotFound},
		{"GET", "/exports/devices.csv?since=yesterday", true, http.StatusBadRequest},
		{"GET", "/exports/devices.csv?team=nope", true, http.StatusBadRequest},
		{"GET", "/exports/devices.csv?team=" + strings.Repeat("x", 300), true, http.StatusBadRequest},
		{"POST", "/exports/devices.csv", true, http.StatusMethodNotAllowed},
		{"GET", "/privacy/erase", true, http.StatusMethodNotAllowed},
		{"GET", "/exports/subject.json", true, http.StatusBadRequest},
		{"GET", "/exports/subject.json?device=" + f.a1 + "&practitioner=Jane+Smith", true, http.StatusBadRequest},
		{"GET", "/exports/subject.json?device=nope", true, http.StatusNotFound},
		{"GET", "/exports/subject.json?practitioner=Jane+Smith", true, http.StatusBadRequest}, // a name never in the address
		{"POST", "/exports/subject.json?practitioner=Nobody", true, http.StatusBadRequest},    // nor in a POST's address
		{"POST", "/privacy/erase", false, http.StatusForbidden},
	}
	for _, tc := range tests {
		req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.admin {
			req.Header.Set("X-Test-Admin", "alice")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		if resp.Header.Get("Content-Disposition") != "" {
			t.Errorf("%s %s: a refusal came as a download", tc.method, tc.path)
		}
	}
	if log := auditActions(t, f.st); len(log) != 0 {
		t.Errorf("refused requests were audited as done: %+v", log)
	}
}

type subjectDoc struct {
	Schema  string            `json:"schema"`
	Subject map[string]string `json:"subject"`
	Devices []struct {
		Device    map[string]any   `json:"device"`
		CheckRuns []map[string]any `json:"check_runs"`
		Results   []map[string]any `json:"results"`
		Sessions  []map[string]any `json:"sessions"`
		Audit     []map[string]any `json:"audit"`
	} `json:"devices"`
}

func TestSubjectExport(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	if err := f.st.AppendAudit(t.Context(), store.AuditEntry{Actor: "bob", Action: "device.revoke", Target: f.a1}); err != nil {
		t.Fatal(err)
	}

	resp, body := get(t, srv, "/exports/subject.json?device="+f.a1)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var doc subjectDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	if doc.Schema != export.SubjectSchema || doc.Subject["device"] != f.a1 || len(doc.Devices) != 1 {
		t.Fatalf("subject doc: %+v", doc)
	}
	d := doc.Devices[0]
	if d.Device["id"] != f.a1 || d.Device["practitioner"] != "Jane Smith" || len(d.CheckRuns) != 3 || len(d.Results) != 6 || len(d.Sessions) != 2 {
		t.Errorf("device section: device %v, %d runs, %d results, %d sessions", d.Device, len(d.CheckRuns), len(d.Results), len(d.Sessions))
	}
	// The audit section holds the earlier revoke and this export.
	if len(d.Audit) != 2 || d.Audit[0]["action"] != "subject.export" || d.Audit[1]["action"] != "device.revoke" {
		t.Errorf("audit section: %v", d.Audit)
	}
	tokenHash := sha256.Sum256([]byte(f.a1Token))
	if strings.Contains(string(body), f.a1Token) || strings.Contains(string(body), hex.EncodeToString(tokenHash[:])) {
		t.Error("the subject export holds the device token or its hash")
	}

	resp = postForm(t, srv, "/exports/subject.json", url.Values{"practitioner": {"Nobody"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("practitioner nobody has: %d, want 404", resp.StatusCode)
	}
	// Another spelling of a practitioner held is never "nothing held":
	// the answer names the spelling stored.
	var buf bytes.Buffer
	_, err := export.SubjectExport(t.Context(), f.st, &buf, export.Subject{Practitioner: "jane  smith"}, "alice")
	var spelling *export.SpellingError
	if !errors.As(err, &spelling) || !slices.Equal(spelling.Stored, []string{"Jane Smith"}) || !strings.Contains(err.Error(), `"Jane Smith" is`) {
		t.Errorf("another spelling: %v", err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/exports/subject.json", strings.NewReader(url.Values{"practitioner": {" Jane Smith "}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Test-Admin", "alice")
	if resp, err = srv.Client().Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	doc = subjectDoc{}
	if err := json.Unmarshal(body, &doc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("practitioner export: %d %v", resp.StatusCode, err)
	}
	var ids []string
	for _, d := range doc.Devices {
		ids = append(ids, d.Device["id"].(string))
	}
	want := []string{f.a1, f.a2}
	slices.Sort(want)
	if doc.Subject["practitioner"] != "Jane Smith" || !slices.Equal(ids, want) {
		t.Errorf("practitioner export: subject %v, devices %v; want %v", doc.Subject, ids, want)
	}
	for _, e := range auditActions(t, f.st) {
		if strings.Contains(e.Detail+e.Target, "Jane") {
			t.Errorf("audit entry names the practitioner: %+v", e)
		}
	}
}

func TestErase(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	ctx := t.Context()
	location := func(resp *http.Response) url.Values {
		t.Helper()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", resp.StatusCode)
		}
		u, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || u.Path != "/devices" || u.Host != "" {
			t.Fatalf("Location %q: want the local return path", resp.Header.Get("Location"))
		}
		return u.Query()
	}
	refusals := []struct {
		form url.Values
		code string
	}{
		{url.Values{"return": {"/devices"}}, "missing_subject"},
		{url.Values{"device": {f.a1}, "confirm": {"yes"}, "return": {"/devices"}}, "confirm_mismatch"},
		{url.Values{"device": {f.a1}, "return": {"/devices"}}, "confirm_mismatch"},
		{url.Values{"device": {"nope"}, "confirm": {"nope"}, "return": {"/devices"}}, "not_found"},
		{url.Values{"practitioner": {"Jane"}, "confirm": {"Jane"}, "return": {"/devices"}}, "not_found"},
	}
	for _, tc := range refusals {
		if q := location(postForm(t, srv, "/privacy/erase", tc.form)); q.Get("erase_error") != tc.code {
			t.Errorf("erase %v: %v, want erase_error=%s", tc.form, q, tc.code)
		}
	}
	if _, err := f.st.Device(ctx, f.a1); err != nil {
		t.Fatalf("a refused erasure erased: %v", err)
	}

	q := location(postForm(t, srv, "/privacy/erase", url.Values{"device": {f.b1}, "confirm": {f.b1}, "return": {"/devices?team=x"}, "csrf_token": {"t"}}))
	if q.Get("erased") != "1" || q.Get("team") != "x" {
		t.Errorf("erase b1: %v", q)
	}
	if _, err := f.st.Device(ctx, f.b1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b1 not erased: %v", err)
	}
	q = location(postForm(t, srv, "/privacy/erase", url.Values{"practitioner": {"Jane Smith"}, "confirm": {" Jane Smith"}, "return": {"/devices"}}))
	if q.Get("erased") != "2" {
		t.Errorf("erase Jane Smith: %v", q)
	}
	var left int
	if err := f.st.ExportResults(ctx, store.ExportFilter{}, func(store.ExportResult) error { left++; return nil }); err != nil || left != 0 {
		t.Errorf("%d results left after erasing every device, %v", left, err)
	}
	log := auditActions(t, f.st)
	var erased []string
	for _, e := range log {
		if strings.Contains(e.Detail+e.Target, "Jane") || strings.Contains(e.Detail, "laptop") {
			t.Errorf("audit entry keeps erased personal data: %+v", e)
		}
		if e.Action == "subject.erased" {
			erased = append(erased, e.Target)
		}
	}
	slices.Sort(erased)
	want := []string{f.a1, f.a2, f.b1}
	slices.Sort(want)
	if !slices.Equal(erased, want) {
		t.Errorf("subject.erased entries for %v, want %v", erased, want)
	}
}

func TestReturnPathStaysLocal(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	for _, ret := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`, "javascript:alert(1)", "", "devices"} {
		resp := postForm(t, srv, "/privacy/erase", url.Values{"return": {ret}})
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Host != "" || loc.Path != "/" {
			t.Errorf("return %q: Location %q, want /", ret, resp.Header.Get("Location"))
		}
	}
}

func TestPractitionerForm(t *testing.T) {
	f := seedFixture(t)
	srv := serve(t, f.st)
	resp := postForm(t, srv, "/privacy/practitioner", url.Values{"device": {f.b1}, "practitioner": {"Sam Jones"}, "return": {"/devices/" + f.b1}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/devices/"+f.b1+"?practitioner=saved" {
		t.Errorf("set: %d %q", resp.StatusCode, loc)
	}
	if p, _ := f.st.Practitioner(t.Context(), f.b1); p != "Sam Jones" {
		t.Errorf("practitioner %q", p)
	}
	for form, code := range map[string]url.Values{
		"not_found": {"device": {"nope"}, "practitioner": {"x"}},
		"invalid":   {"device": {f.b1}, "practitioner": {"a\nb"}},
	} {
		resp := postForm(t, srv, "/privacy/practitioner", code)
		if loc := resp.Header.Get("Location"); loc != "/?practitioner_error="+form {
			t.Errorf("%v: Location %q", code, loc)
		}
	}
	big := url.Values{"device": {f.b1}, "practitioner": {strings.Repeat("x", 70<<10)}}
	if resp := postForm(t, srv, "/privacy/practitioner", big); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized form: status %d, want 400", resp.StatusCode)
	}
	log := auditActions(t, f.st)
	if len(log) != 1 || log[0].Action != "device.practitioner" || log[0].Detail != "practitioner set" || log[0].Target != f.b1 {
		t.Errorf("audit %+v", log)
	}
}

// failingStore fails the results export after some rows, as a database
// that goes away part way would.
type failingStore struct {
	store.Store
	after int
}

func (s failingStore) ExportResults(ctx context.Context, f store.ExportFilter, fn func(store.ExportResult) error) error {
	n := 0
	err := s.Store.ExportResults(ctx, f, func(r store.ExportResult) error {
		if n++; n > s.after {
			return errors.New("database went away")
		}
		return fn(r)
	})
	return err
}

func TestFailurePartWayCutsTheDownload(t *testing.T) {
	f := seedFixture(t)
	// Enough rows to pass the first buffered write.
	for i := range 400 {
		env := storetest.CheckRun(f.now.Add(-time.Duration(i)*time.Minute), false, runChecks...)
		if _, err := f.st.SaveReport(t.Context(), f.a1, env); err != nil {
			t.Fatal(err)
		}
	}
	srv := serve(t, failingStore{Store: f.st, after: 700})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/exports/results.json", nil)
	req.Header.Set("X-Test-Admin", "alice")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("the download ended cleanly although the export failed part way")
	}
}

// pausingStore yields rows, then waits until the client has received the
// first bytes before it yields more: an export that buffered the whole
// table would never let the client read anything.
type pausingStore struct {
	store.Store
	clientRead chan struct{}
}

func (s pausingStore) ExportResults(ctx context.Context, _ store.ExportFilter, fn func(store.ExportResult) error) error {
	row := store.ExportResult{Result: store.Result{RunID: "r", DeviceID: "d", CheckResult: report.CheckResult{ID: "firewall", Status: checks.Pass, Summary: strings.Repeat("x", 100)}}}
	for i := range 2000 {
		if i == 1000 {
			select {
			case <-s.clientRead:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

func TestExportStreams(t *testing.T) {
	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			st := pausingStore{Store: openStore(t), clientRead: make(chan struct{})}
			srv := serve(t, st)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/exports/results."+format, nil)
			req.Header.Set("X-Test-Admin", "alice")
			type answer struct {
				resp *http.Response
				err  error
			}
			got := make(chan answer, 1)
			go func() {
				resp, err := srv.Client().Do(req)
				got <- answer{resp, err}
			}()
			var a answer
			select {
			case a = <-got:
			case <-time.After(20 * time.Second):
				t.Fatal("no response while the export was still running: the handler buffers the export")
			}
			if a.err != nil {
				t.Fatal(a.err)
			}
			defer a.resp.Body.Close()
			first := make([]byte, 1024)
			if _, err := io.ReadFull(a.resp.Body, first); err != nil {
				t.Fatalf("reading the first KiB: %v", err)
			}
			close(st.clientRead)
			rest, err := io.ReadAll(a.resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if lines := bytes.Count(append(first, rest...), []byte("\n")); lines < 2000 {
				t.Errorf("%d lines, want the 2000 rows", lines)
			}
		})
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+44 20": "'+44 20", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "fine": "fine", "a=b": "a=b", "2026-01-01T00:00:00Z": "2026-01-01T00:00:00Z",
	} {
		if got := export.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                          {},
		"2026-01-31":                time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
		"2026-01-31T12:00:00+01:00": time.Date(2026, 1, 31, 11, 0, 0, 0, time.UTC),
		"30d":                       now.AddDate(0, 0, -30),
	} {
		if got, err := export.ParseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-3d", "31/01/2026", "99999999d"} {
		if _, err := export.ParseSince(bad, now); !errors.Is(err, export.ErrBadRequest) {
			t.Errorf("ParseSince(%q): %v, want ErrBadRequest", bad, err)
		}
	}
}

// BenchmarkExportResults measures the results export (rows/s) from a store
// seeded with 100,000 result rows (10,000 runs of 10 checks on 100
// devices), written to io.Discard, on SQLite and on PostgreSQL.
func BenchmarkExportResults(b *testing.B) {
	for _, o := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(o.name, func(b *testing.B) { benchExport(b, migrated(b, o.open)) })
	}
}

func benchExport(b *testing.B, st store.Store) {
	ctx := context.Background()
	team, _, _ := storetest.Enrolled(b, st, "bench")
	devices, _ := storetest.SeedDevices(b, st, team.ID, 100)
	ids := []string{"disk_encryption", "firewall", "antivirus", "wifi_security", "screen_lock", "user_accounts", "voice_assistants", "smart_speakers", "os_updates", "vpn"}
	results := make([]report.CheckResult, len(ids))
	for i, id := range ids {
		results[i] = report.CheckResult{ID: id, Status: checks.Pass, Required: true, Summary: "All good here", Facts: []byte(`{"enabled":true,"source":"nft"}`)}
	}
	start := time.Now().Add(-24 * time.Hour)
	batch := make([]store.DeviceReport, 0, 500)
	for i := range 10_000 {
		batch = append(batch, store.DeviceReport{DeviceID: devices[i%len(devices)], Envelope: storetest.CheckRun(start.Add(time.Duration(i)*time.Second), true, results...)})
		if len(batch) == cap(batch) {
			if _, err := st.SaveReports(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for _, format := range []export.Format{export.CSV, export.JSON} {
		b.Run(string(format), func(b *testing.B) {
			var rows int64
			for b.Loop() {
				n, err := export.Export(ctx, st, io.Discard, export.Request{Kind: export.Results, Format: format}, "bench")
				if err != nil {
					b.Fatal(err)
				}
				rows += n
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
