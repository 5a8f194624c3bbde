package web_test

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web"
)

func TestLoginRequired(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for _, path := range []string{"/", "/devices", "/devices/" + f.ids["laptop-ready"], "/checks/firewall", "/sessions",
		"/teams", "/secrets", "/audit", "/data-protection", "/exports/devices.csv"} {
		p := c.get(path)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without login: %d → %q, want 303 to /login", path, p.status, p.header.Get("Location"))
		}
	}
	for _, path := range []string{"/devices/" + f.ids["laptop-ready"] + "/revoke", "/secrets", "/privacy/erase", "/logout"} {
		if p := c.post(path, url.Values{"csrf_token": {"x"}}); p.status != http.StatusForbidden {
			t.Errorf("POST %s without login: %d, want 403", path, p.status)
		}
	}
	if len(f.exports.requests) != 0 {
		t.Errorf("the export handler was reached without login: %v", f.exports.requests)
	}
	if d, _ := f.st.Device(t.Context(), f.ids["laptop-ready"]); d.Revoked() {
		t.Error("a device was revoked without login")
	}
}

func TestLoginLogout(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	token := c.csrf("/login?next=%2Fdevices")
	p := c.post("/login", url.Values{"csrf_token": {token}, "name": {adminName}, "password": {adminPassword}, "next": {"/devices"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/devices" {
		t.Fatalf("login: %d → %q", p.status, p.header.Get("Location"))
	}
	cookie := setCookie(t, p, "sg_session")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("session cookie %q is Secure on plain http", cookie)
	}
	value := strings.TrimPrefix(strings.Split(cookie, ";")[0], "sg_session=")
	if len(value) < 48 {
		t.Errorf("session token %q is shorter than 256 bits", value)
	}
	if p := c.get("/"); p.status != http.StatusOK || !strings.Contains(p.body, adminName) {
		t.Fatalf("overview after login: %d", p.status)
	}
	// Safe redirect targets only.
	c2 := f.client(t)
	tok := c2.csrf("/login")
	if p := c2.post("/login", url.Values{"csrf_token": {tok}, "name": {adminName}, "password": {adminPassword}, "next": {"//evil.example/x"}}); p.header.Get("Location") != "/" {
		t.Errorf("login with next=//evil.example went to %q", p.header.Get("Location"))
	}

	csrf := c.csrf("/")
	if p := c.post("/logout", url.Values{"csrf_token": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.status)
	}
	if p := c.get("/"); p.status != http.StatusSeeOther {
		t.Errorf("overview after logout: %d, want a redirect to login", p.status)
	}
	// The old cookie is dead on the server, not only in this jar.
	raw := f.client(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "sg_session", Value: value})
	if p := raw.do(req); p.status != http.StatusSeeOther {
		t.Errorf("replayed session cookie after logout: %d, want 303", p.status)
	}
	actions := auditActions(t, f.st)
	for _, want := range []string{"login", "logout"} {
		if !strings.Contains(actions, want+" by "+adminName) {
			t.Errorf("audit log %q lacks %s", actions, want)
		}
	}
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t, func(_ *fixture, o *web.Options) { o.SecureCookies = true })
	c := f.client(t)
	p := c.loginAs(adminName, adminPassword)
	cookie := setCookie(t, p, "__Host-sg_session")
	for _, want := range []string{"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Domain=") {
		t.Errorf("__Host- cookie %q has a Domain", cookie)
	}
}

func setCookie(t *testing.T, p page, name string) string {
	t.Helper()
	for _, c := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, name+"=") {
			return c
		}
	}
	t.Fatalf("no %s cookie set (status %d): %v", name, p.status, p.header.Values("Set-Cookie"))
	return ""
}

func auditActions(t *testing.T, st store.Store) string {
	t.Helper()
	entries, err := st.AuditLog(t.Context(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&b, "%s by %s on %s; ", e.Action, e.Actor, e.Target)
	}
	return b.String()
}

func TestLoginFailures(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for _, creds := range [][2]string{{adminName, "wrong"}, {"mallory", adminPassword}, {"", ""}} {
		p := c.loginAs(creds[0], creds[1])
		if p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Wrong name or password") {
			t.Errorf("login %q/%q: %d", creds[0], creds[1], p.status)
		}
		if strings.Contains(strings.Join(p.header.Values("Set-Cookie"), ";"), "sg_session=sgas") {
			t.Error("a failed login set a session cookie")
		}
	}
	a := auditActions(t, f.st)
	if !strings.Contains(a, "login_failed by anonymous on alice") || !strings.Contains(a, "login_failed by anonymous on unknown account") {
		t.Errorf("failed logins not audited: %s", a)
	}
	// A name that is no account (maybe a password typed in the wrong
	// field) never reaches the audit log, which is kept for good.
	if strings.Contains(a, "mallory") {
		t.Errorf("the audit log keeps a name that is no account: %s", a)
	}
	// The login form's own CSRF (double-submit cookie) is required.
	fresh := f.client(t)
	if p := fresh.post("/login", url.Values{"name": {adminName}, "password": {adminPassword}}); p.status != http.StatusForbidden {
		t.Errorf("login without the form token: %d, want 403", p.status)
	}
	// A disabled account cannot sign in, even with the right password.
	if err := f.st.DisableAdmin(t.Context(), adminName); err != nil {
		t.Fatal(err)
	}
	if p := f.client(t).loginAs(adminName, adminPassword); p.status != http.StatusUnauthorized {
		t.Errorf("disabled admin login: %d, want 401", p.status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for i := range 5 {
		if p := c.loginAs(adminName, "wrong"); p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, p.status)
		}
	}
	// The account is now paused: even the right password is refused, with
	// a message that says why and for how long.
	p := c.loginAs(adminName, adminPassword)
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" ||
		!strings.Contains(p.body, "Too many failed sign-ins for this account") || !strings.Contains(p.body, "minutes") {
		t.Fatalf("6th attempt: %d %q", p.status, p.header.Get("Retry-After"))
	}
	// Another account from the same address is still allowed (the address
	// limit is higher).
	hashOther(t, f, "bob")
	if p := c.loginAs("bob", adminPassword); p.status != http.StatusSeeOther {
		t.Errorf("other account: %d, want 303", p.status)
	}
	// Per address: failures across many names add up.
	c2 := f.client(t)
	for i := range 20 {
		c2.loginAs(fmt.Sprintf("guess%d", i), "x")
	}
	if p := c2.loginAs("bob", adminPassword); p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "network address") {
		t.Errorf("after 20 failures from one address: %d", p.status)
	}
}

func hashOther(t *testing.T, f *fixture, name string) {
	t.Helper()
	h, err := passwordHash(adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateAdmin(t.Context(), name, h); err != nil {
		t.Fatal(err)
	}
}

func TestSessionExpiry(t *testing.T) {
	var offset time.Duration
	f := newFixture(t, func(_ *fixture, o *web.Options) {
		o.Now = func() time.Time { return time.Now().Add(offset) }
		o.IdleTimeout = 30 * time.Minute
		o.SessionLifetime = 2 * time.Hour
	})
	c := f.client(t)
	c.login()
	offset = 20 * time.Minute
	if p := c.get("/devices"); p.status != http.StatusOK {
		t.Fatalf("20 minutes later: %d", p.status)
	}
	offset = 45 * time.Minute // 25 minutes after the last touch: still fine
	if p := c.get("/devices"); p.status != http.StatusOK {
		t.Fatalf("45 minutes later: %d", p.status)
	}
	offset = 90 * time.Minute // idle for 45 minutes
	p := c.get("/devices")
	if p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Location"), "expired=1") {
		t.Fatalf("after idling: %d → %q, want the login page", p.status, p.header.Get("Location"))
	}
	// Absolute lifetime, even when active.
	offset = 0
	c.login()
	for _, m := range []int{25, 50, 75, 100, 115, 125} {
		offset = time.Duration(m) * time.Minute
		p := c.get("/devices")
		if want := m < 120; (p.status == http.StatusOK) != want {
			t.Errorf("%d minutes into the login: %d", m, p.status)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	for _, path := range []string{"/", "/login", "/devices", "/static/style.css", "/nope"} {
		p := c.get(path)
		h := p.header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
		if path != "/static/style.css" && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, h.Get("Cache-Control"))
		}
		// Nothing on any page needs inline script or style.
		if regexp.MustCompile(`<script|style=|\son[a-z]+=`).MatchString(p.body) {
			t.Errorf("%s has inline script or style", path)
		}
	}
	if p := c.get("/nope"); p.status != http.StatusNotFound {
		t.Errorf("unknown page: %d", p.status)
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	target := "/devices/" + f.ids["laptop-ready"] + "/revoke"
	good := c.csrf("/devices/" + f.ids["laptop-ready"])
	other := f.client(t)
	other.login()
	foreign := other.csrf("/")
	if foreign == good {
		t.Fatal("two sessions share a CSRF token")
	}
	for _, tc := range []struct {
		name    string
		form    url.Values
		headers map[string]string
		want    int
	}{
		{"no token", url.Values{}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"csrf_token": {"AAAA"}}, nil, http.StatusForbidden},
		{"another session's token", url.Values{"csrf_token": {foreign}}, nil, http.StatusForbidden},
		{"cross-site fetch metadata", url.Values{"csrf_token": {good}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site other origin", url.Values{"csrf_token": {good}}, map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin", url.Values{"csrf_token": {good}}, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"null Origin", url.Values{"csrf_token": {good}}, map[string]string{"Origin": "null"}, http.StatusForbidden},
	} {
		p := c.postWith(target, tc.form, tc.headers)
		if p.status != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, p.status, tc.want)
		}
	}
	if d, _ := f.st.Device(t.Context(), f.ids["laptop-ready"]); d.Revoked() {
		t.Fatal("a forged request revoked the device")
	}
	// Without confirm=yes the answer is the confirmation page, and nothing
	// is revoked.
	if p := c.postWith(target, url.Values{"csrf_token": {good}}, nil); p.status != http.StatusOK || !strings.Contains(p.body, "Revoke the device laptop-ready?") {
		t.Fatalf("unconfirmed revoke: %d", p.status)
	}
	if d, _ := f.st.Device(t.Context(), f.ids["laptop-ready"]); d.Revoked() {
		t.Fatal("an unconfirmed request revoked the device")
	}
	// The real form works (no fetch-metadata headers, as from curl, also works
	// with the token).
	if p := c.postWith(target, url.Values{"csrf_token": {good}, "confirm": {"yes"}}, nil); p.status != http.StatusSeeOther {
		t.Fatalf("genuine revoke: %d", p.status)
	}
	if d, _ := f.st.Device(t.Context(), f.ids["laptop-ready"]); !d.Revoked() {
		t.Error("the genuine revoke did not revoke")
	}
	if a := auditActions(t, f.st); !strings.Contains(a, "device.revoke by alice on "+f.ids["laptop-ready"]) {
		t.Errorf("revoke not audited: %s", a)
	}
}

func TestFormSizeLimit(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	team := f.teams["Counselling"]
	form := url.Values{"csrf_token": {c.csrf("/teams/" + team.ID)}, "etag": {team.ETag}, "policy": {strings.Repeat(" ", 70<<10) + "{}"}}
	if p := c.post("/teams/"+team.ID+"/policy", form); p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("70 KiB policy form: %d, want 413", p.status)
	}
}

func TestOverviewNumbers(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	p := c.get("/")
	if got := p.header.Get("Refresh"); got != "60" {
		t.Errorf("overview Refresh header %q, want 60 (it reloads as often as its figures are renewed)", got)
	}
	if got := c.get("/devices").header.Get("Refresh"); got != "" {
		t.Errorf("devices page Refresh header %q, want none", got)
	}
	for id, want := range map[string]string{"count-ready": "2", "count-not-ready": "2", "count-stale": "1", "count-never": "1", "count-total": "6"} {
		if got := elementText(p.body, id); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	// Firewall among the 4 fresh reporters: 3 pass, 1 fail; the row links to
	// its check page and names its Cyber Essentials control.
	row := regexp.MustCompile(`(?s)<tr data-check="firewall">.*?</tr>`).FindString(p.body)
	for _, want := range []string{`href="/checks/firewall"`, "Firewalls", `<td class="num pass">3</td>`, `<td class="num fail">1</td>`, "75%"} {
		if !strings.Contains(row, want) {
			t.Errorf("firewall row lacks %q: %s", want, row)
		}
	}
	if !strings.Contains(p.body, `<svg id="trend"`) {
		t.Error("no trend chart")
	}
	// One team only.
	p = c.get("/?team=" + f.teams["Youth work"].ID)
	if got := elementText(p.body, "count-ready") + "/" + elementText(p.body, "count-not-ready") + "/" + elementText(p.body, "count-total"); got != "1/1/2" {
		t.Errorf("Youth work ready/not ready/total = %s, want 1/1/2", got)
	}
	// Viewing the overview records a snapshot for the trend.
	snaps, err := f.st.FleetSnapshots(t.Context(), "", time.Now().Add(-time.Hour))
	if err != nil || len(snaps) != 1 || snaps[0].Ready != 2 || snaps[0].Total != 6 {
		t.Errorf("snapshots %+v, %v", snaps, err)
	}
}

// elementText is the text of the element with the given id.
func elementText(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}

func TestDevicesList(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"laptop-ready", "laptop-fail", "laptop-stale", "laptop-new", "desk-ready", "desk-unknown"}},
		{"state=not_ready", []string{"laptop-fail", "desk-unknown"}},
		{"state=revoked", []string{"desk-revoked"}},
		{"failing=firewall", []string{"laptop-fail"}},
		{"failing=antivirus", []string{"desk-unknown"}},
		{"q=DESK", []string{"desk-ready", "desk-unknown"}},
		{"team=" + f.teams["Counselling"].ID + "&state=stale", []string{"laptop-stale"}},
	} {
		p := c.get("/devices?" + tc.query)
		if p.status != http.StatusOK {
			t.Errorf("%s: %d", tc.query, p.status)
			continue
		}
		for name := range f.ids {
			listed := strings.Contains(p.body, ">"+name+"</a>")
			if want := contains(tc.want, name); listed != want {
				t.Errorf("/devices?%s: %s listed=%v, want %v", tc.query, name, listed, want)
			}
		}
	}
	if p := c.get("/devices?state=bogus"); p.status != http.StatusBadRequest {
		t.Errorf("bogus state: %d", p.status)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDevicesPagination(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	team, err := f.st.CreateTeam(ctx, "Bulk", nil)
	if err != nil {
		t.Fatal(err)
	}
	seeded, _ := storetestSeed(t, f.st, team.ID, 120)
	c := f.client(t)
	c.login()
	seen := map[string]bool{}
	next := "/devices?team=" + team.ID
	pages := 0
	for next != "" && pages < 10 {
		p := c.get(next)
		pages++
		for _, m := range regexp.MustCompile(`href="/devices/([0-9a-f]{32})"`).FindAllStringSubmatch(p.body, -1) {
			if seen[m[1]] {
				t.Errorf("device %s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := regexp.MustCompile(`id="next-page" href="([^"]+)"`).FindStringSubmatch(p.body); m != nil {
			next = html.UnescapeString(m[1])
			if !strings.Contains(next, "team="+team.ID) {
				t.Errorf("next page link %q drops the team filter", next)
			}
		}
	}
	if pages != 3 || len(seen) != len(seeded) {
		t.Errorf("%d pages, %d devices; want 3 pages of the %d seeded", pages, len(seen), len(seeded))
	}
}

func TestDevicePage(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	p := c.get("/devices/" + f.ids["laptop-fail"])
	if p.status != http.StatusOK {
		t.Fatalf("device page: %d", p.status)
	}
	// The fix is the check's own text for these facts, as the agent showed it.
	for _, want := range []string{
		"laptop-fail", "Counselling", `id="device-state">Not ready`,
		html.EscapeString(f.firewallFail.Summary), html.EscapeString(f.firewallFail.Fix),
		"global_state", // facts
		"CASE-0042", html.EscapeString("safeguarding call could not wait"), "37 removed",
		`action="/devices/` + f.ids["laptop-fail"] + `/revoke"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("device page lacks %q", want)
		}
	}
	if p := c.get("/devices/" + strings.Repeat("0", 32)); p.status != http.StatusNotFound {
		t.Errorf("unknown device: %d", p.status)
	}
	// An unknown result gets the check's unknown-state fix.
	p = c.get("/devices/" + f.ids["desk-unknown"])
	if !strings.Contains(p.body, "SessionGuard could not read the anti-virus status") {
		t.Error("unknown anti-virus result has no fix")
	}
}

// TestDevicePageSaysWhatTheTeamRequires: a check the team requires that
// the device's latest run left out (an agent older than the check) has a
// row saying so, unknown, which is why the device is not ready; and the
// Required column follows the team's policy in force, not the flag the
// agent sent before the policy changed. A tester saw "Not ready" with no
// row explaining it, and "yes" beside a check no longer required.
func TestDevicePageSaysWhatTheTeamRequires(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	dev := f.ids["desk-ready"]
	var rs []report.CheckResult
	for _, id := range all.Catalogue().IDs() {
		if id != "smart_speakers" {
			rs = append(rs, report.CheckResult{ID: id, Status: checks.Pass, Required: true, Summary: "Fine."})
		}
	}
	if _, err := f.st.SaveReport(ctx, dev, storetest.CheckRun(time.Now(), true, rs...)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetTeamPolicy(ctx, f.teams["Youth work"].ID, storetest.RequiringOnly(t, "firewall", "smart_speakers"), ""); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.login()
	p := c.get("/devices/" + dev)
	row := func(id string) string {
		i := strings.Index(p.body, `data-check="`+id+`"`)
		if i < 0 {
			return ""
		}
		end := strings.Index(p.body[i:], "</tr>")
		return p.body[i : i+end]
	}
	speakers := row("smart_speakers")
	if !strings.Contains(speakers, "unknown") || !strings.Contains(speakers, "<td>yes</td>") || !strings.Contains(speakers, "Not in this device&#39;s latest report") || !strings.Contains(speakers, "Update SessionGuard") {
		t.Errorf("the required check left out: %q", speakers)
	}
	if r := row("antivirus"); !strings.Contains(r, "<td>no</td>") {
		t.Errorf("anti-virus, no longer required, shows as required: %q", r)
	}
	if r := row("firewall"); !strings.Contains(r, "<td>yes</td>") {
		t.Errorf("the firewall, required: %q", r)
	}
	if !strings.Contains(p.body, `id="device-state">Not ready`) {
		t.Error("the device is not shown as not ready")
	}
	// The check's page and the devices list's failing filter list it
	// too, as the check's figures count it: unknown.
	page := c.get("/checks/smart_speakers")
	i := strings.Index(page.body, ">desk-ready</a>")
	if i < 0 {
		t.Fatalf("the check page does not list the device that left the required check out")
	}
	listed := page.body[i:]
	listed = listed[:strings.Index(listed, "</tr>")]
	if !strings.Contains(listed, "unknown") || !strings.Contains(listed, "Not in this device&#39;s latest report") || !strings.Contains(listed, "Update SessionGuard") {
		t.Errorf("the check page's row: %q", listed)
	}
	if l := c.get("/devices?failing=smart_speakers"); !strings.Contains(l.body, ">desk-ready</a>") {
		t.Error("the devices list filtered to smart_speakers not passing leaves the device out")
	}
}

func TestCheckPage(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	p := c.get("/checks/firewall")
	if p.status != http.StatusOK {
		t.Fatalf("check page: %d", p.status)
	}
	if got := elementText(p.body, "controls"); got != "Firewalls" {
		t.Errorf("controls %q", got)
	}
	if got := elementText(p.body, "fail-count"); got != "1" {
		t.Errorf("fail count %q", got)
	}
	for _, want := range []string{">laptop-fail</a>", html.EscapeString(f.firewallFail.Fix)} {
		if !strings.Contains(p.body, want) {
			t.Errorf("check page lacks %q", want)
		}
	}
	if strings.Contains(p.body, ">laptop-ready</a>") {
		t.Error("a passing device is listed as failing")
	}
	if p := c.get("/checks/nope"); p.status != http.StatusNotFound {
		t.Errorf("unknown check: %d", p.status)
	}
}

func TestSessionsPage(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	p := c.get("/sessions?overrides=1")
	if !strings.Contains(p.body, "CASE-0042") || !strings.Contains(p.body, "safeguarding call could not wait") || !strings.Contains(p.body, "37 removed") {
		t.Errorf("overrides-only trail: %d", p.status)
	}
	p = c.get("/sessions?label=CASE-0042")
	if strings.Count(p.body, `<tr class=`) != 1 {
		t.Errorf("label filter: %d rows, want 1 (start and end in one row)", strings.Count(p.body, `<tr class=`))
	}
	if p := c.get("/sessions?label=nobody"); !strings.Contains(p.body, "No sessions.") {
		t.Error("unknown label listed sessions")
	}
	if p := c.get("/sessions?team=" + f.teams["Youth work"].ID); !strings.Contains(p.body, "No sessions.") {
		t.Error("team filter leaks another team's sessions")
	}
	if p := c.get("/sessions?since=yesterday"); p.status != http.StatusBadRequest {
		t.Errorf("bad date: %d", p.status)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if p := c.get("/sessions?since=" + today + "&until=" + today); strings.Count(p.body, `<tr class=`) != 1 && time.Now().UTC().Hour() >= 1 {
		t.Errorf("today's sessions: %d rows", strings.Count(p.body, `<tr class=`))
	}
	// A browser open at the end, closed and cleared later: the end shows
	// the skipped profile, the clean-up its own row.
	sid := report.NewID()
	for _, rec := range []report.SessionRecord{
		{ID: report.NewID(), SessionID: sid, Event: report.SessionStart, At: time.Now().Add(-time.Hour), Label: "CASE-0099", Ready: true},
		{ID: report.NewID(), SessionID: sid, Event: report.SessionEnd, At: time.Now().Add(-5 * time.Minute), Label: "CASE-0099",
			Cookies: &report.CookieSummary{Removed: 3, ProfilesCleared: 1, ProfilesSkipped: 1}},
		{ID: report.NewID(), SessionID: sid, Event: report.SessionCookies, At: time.Now().Add(-4 * time.Minute), Label: "CASE-0099",
			Cookies: &report.CookieSummary{Removed: 9, ProfilesCleared: 1}},
	} {
		if _, err := f.st.SaveSession(t.Context(), f.ids["laptop-fail"], report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
	}
	p = c.get("/sessions?label=CASE-0099")
	if n := strings.Count(p.body, `<tr class=`); n != 1 {
		t.Errorf("CASE-0099: %d rows, want one row with the start, end and the clean-up", n)
	}
	for _, want := range []string{"1 skipped (browser open)", "<small>after the end:</small> 9 removed, 0 kept; 1 profiles cleared", "55 min"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("session trail without %q", want)
		}
	}
}

func TestPolicyEditor(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	team := f.teams["Counselling"]
	path := "/teams/" + team.ID
	token := c.csrf(path)
	save := func(policy, etag string) page {
		return c.post(path+"/policy", url.Values{"csrf_token": {token}, "policy": {policy}, "etag": {etag}})
	}
	// Refused: not JSON, unknown field, out of range. Nothing changes.
	for _, bad := range []string{`{`, `{"screen_lock_maxseconds": 300}`, `{"screen_lock_max_seconds": 0}`, `{"checks": {"nope": {"required": true}}}`} {
		p := save(bad, team.ETag)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "The policy was not saved") {
			t.Errorf("policy %s: %d", bad, p.status)
		}
	}
	if cur, _ := f.st.Team(t.Context(), team.ID); cur.ETag != team.ETag {
		t.Fatal("a refused policy was saved")
	}
	good := `{"screen_lock_max_seconds": 300, "allow_override": true}`
	if p := save(good, team.ETag); p.status != http.StatusSeeOther {
		t.Fatalf("good policy: %d %s", p.status, elementText(p.body, "policy-error"))
	}
	cur, _ := f.st.Team(t.Context(), team.ID)
	if cur.ETag == team.ETag || !strings.Contains(string(cur.Policy), `"screen_lock_max_seconds":300`) {
		t.Errorf("saved policy %s", cur.Policy)
	}
	// A form loaded before that save cannot overwrite it.
	p := save(`{"screen_lock_max_seconds": 900}`, team.ETag)
	if p.status != http.StatusConflict || !strings.Contains(p.body, "Someone changed this policy") {
		t.Errorf("stale ETag: %d", p.status)
	}
	if again, _ := f.st.Team(t.Context(), team.ID); again.ETag != cur.ETag {
		t.Error("a stale form overwrote the policy")
	}
	if a := auditActions(t, f.st); strings.Count(a, "policy.update by alice") != 1 {
		t.Errorf("audit: %s", a)
	}
	// The page that refused it keeps the admin's text and is opened on
	// the version it shows below it: merged by hand, the text saves.
	if !strings.Contains(p.body, `name="etag" value="`+cur.ETag+`"`) || strings.Contains(p.body, `name="etag" value="`+team.ETag+`"`) {
		t.Fatalf("the conflict page's forms are not on the current version %s", cur.ETag)
	}
	if !strings.Contains(p.body, "900") {
		t.Error("the conflict page lost the admin's text")
	}
	merged := `{"screen_lock_max_seconds": 900, "allow_override": true}`
	if p := save(merged, cur.ETag); p.status != http.StatusSeeOther {
		t.Fatalf("the text merged by hand: %d %s", p.status, elementText(p.body, "policy-error"))
	}
	if done, _ := f.st.Team(t.Context(), team.ID); !strings.Contains(string(done.Policy), `"screen_lock_max_seconds":900`) {
		t.Errorf("saved after the merge: %s", done.Policy)
	}
}

func TestTeamsAndSecrets(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	token := c.csrf("/teams")
	p := c.post("/teams", url.Values{"csrf_token": {token}, "name": {"Tutors"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create team: %d", p.status)
	}
	if p := c.post("/teams", url.Values{"csrf_token": {token}, "name": {"Tutors"}}); p.status != http.StatusConflict {
		t.Errorf("duplicate team: %d", p.status)
	}
	teams, _ := f.st.Teams(t.Context())
	var tutors store.Team
	for _, tm := range teams {
		if tm.Name == "Tutors" {
			tutors = tm
		}
	}
	if tutors.ID == "" {
		t.Fatal("team not created")
	}
	p = c.post("/secrets", url.Values{"csrf_token": {token}, "team": {tutors.ID}})
	secret := elementText(p.body, "secret")
	if p.status != http.StatusOK || !strings.HasPrefix(secret, "sges_") {
		t.Fatalf("create secret: %d %q", p.status, secret)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Error("the page showing a secret may be cached")
	}
	s, err := f.st.EnrollSecretByPlaintext(t.Context(), secret)
	if err != nil || s.TeamID != tutors.ID {
		t.Fatalf("shown secret is not stored for the team: %+v %v", s, err)
	}
	if s.MaxUses != 0 || s.ExpiresAt != nil {
		t.Errorf("a secret asked with no limits has some: %+v", s)
	}
	// Limits, as the command line has them (a tester found the dashboard
	// could make only unlimited secrets that never expire); the form
	// offers a week by default.
	if form := c.get("/secrets"); !strings.Contains(form.body, `name="expires_days" type="number" min="1" max="365" value="7"`) {
		t.Error("the form does not offer a week")
	}
	limited := c.post("/secrets", url.Values{"csrf_token": {token}, "team": {tutors.ID}, "uses": {"25"}, "expires_days": {"7"}})
	ls, err := f.st.EnrollSecretByPlaintext(t.Context(), elementText(limited.body, "secret"))
	if err != nil || ls.MaxUses != 25 || ls.ExpiresAt == nil || time.Until(*ls.ExpiresAt) < 6*24*time.Hour || time.Until(*ls.ExpiresAt) > 7*24*time.Hour {
		t.Errorf("a limited secret: %+v %v", ls, err)
	}
	bad := c.post("/secrets", url.Values{"csrf_token": {token}, "team": {tutors.ID}, "uses": {"0"}, "expires_days": {"9999"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(elementText(bad.body, "secret-error"), "Enrols at most") || !strings.Contains(bad.body, `value="9999"`) {
		t.Errorf("bad limits: %d %q", bad.status, elementText(bad.body, "secret-error"))
	}
	// Shown once: the list shows IDs, never the secret.
	list := c.get("/secrets")
	if strings.Contains(list.body, secret) || !strings.Contains(list.body, s.ID) {
		t.Error("the secrets list shows the secret, or not its ID")
	}
	if p := c.get("/secrets/" + s.ID + "/revoke"); p.status != http.StatusOK || !strings.Contains(p.body, "Revoke the enrol secret for team Tutors?") {
		t.Fatalf("confirmation page: %d", p.status)
	}
	if p := c.post("/secrets/"+s.ID+"/revoke", url.Values{"csrf_token": {token}}); p.status != http.StatusOK {
		t.Fatalf("unconfirmed revoke: %d", p.status)
	}
	if s, _ := f.st.EnrollSecretByPlaintext(t.Context(), secret); s.Revoked() {
		t.Error("an unconfirmed request revoked the secret")
	}
	if p := c.post("/secrets/"+s.ID+"/revoke", url.Values{"csrf_token": {token}, "confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	if s, _ := f.st.EnrollSecretByPlaintext(t.Context(), secret); !s.Revoked() {
		t.Error("secret not revoked")
	}
	a := auditActions(t, f.st)
	for _, want := range []string{"team.create by alice", "enroll_secret.create by alice on " + s.ID, "enroll_secret.revoke by alice on " + s.ID} {
		if !strings.Contains(a, want) {
			t.Errorf("audit lacks %q: %s", want, a)
		}
	}
	if a := c.get("/audit"); !strings.Contains(a.body, "enroll_secret.revoke") || strings.Contains(a.body, secret) {
		t.Error("audit page wrong or leaks the secret")
	}
}

func TestExportsMount(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	p := c.get("/exports/devices.csv")
	if p.status != http.StatusOK || !strings.Contains(p.body, "laptop-ready") || p.header.Get("Content-Security-Policy") == "" {
		t.Errorf("export download: %d %q", p.status, p.body)
	}
	token := c.csrf("/data-protection")
	if p := c.post("/privacy/erase", url.Values{"device": {"x"}}); p.status != http.StatusForbidden {
		t.Errorf("privacy POST without token: %d", p.status)
	}
	if p := c.post("/privacy/erase", url.Values{"csrf_token": {token}, "device": {"abc"}}); p.status != http.StatusOK {
		t.Errorf("privacy POST: %d", p.status)
	}
	want := []string{"GET /exports/devices.csv", "POST /privacy/erase"}
	if fmt.Sprint(f.exports.requests) != fmt.Sprint(want) || f.exports.actors[1] != adminName || f.exports.forms[1].Get("device") != "abc" {
		t.Errorf("export handler saw %v as %v with %v", f.exports.requests, f.exports.actors, f.exports.forms)
	}
	if p := c.get("/data-protection"); !strings.Contains(p.body, `href="/exports/`) || !strings.Contains(p.body, `action="/privacy/`) {
		t.Error("data-protection page lacks export links or privacy forms")
	}
	// A since the exports cannot read is answered on the page (a tester's
	// "yesterday" built links that answered a bare 400), kept for
	// correcting; a good one goes into the links.
	p = c.get("/data-protection?since=yesterday")
	if got := elementText(p.body, "dp-error"); !strings.Contains(got, "number of days back (30d)") || strings.Contains(p.body, "since=yesterday") || !strings.Contains(p.body, `value="yesterday"`) {
		t.Errorf("since=yesterday: error %q", got)
	}
	if p := c.get("/data-protection?since=30d"); strings.Contains(p.body, `id="dp-error"`) || !strings.Contains(p.body, "since=30d") {
		t.Error("since=30d is not in the links")
	}
}

func TestOverviewFiguresRefresh(t *testing.T) {
	var mu sync.Mutex
	offset := time.Duration(0)
	f := newFixture(t, func(_ *fixture, o *web.Options) {
		o.FleetCacheTTL = time.Minute
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }
	})
	c := f.client(t)
	c.login()
	if got := elementText(c.get("/").body, "count-ready"); got != "2" {
		t.Fatalf("ready %q, want 2", got)
	}
	if err := f.st.RevokeDevice(t.Context(), f.ids["laptop-ready"]); err != nil {
		t.Fatal(err)
	}
	// Within the TTL the figures are reused.
	if got := elementText(c.get("/").body, "count-ready"); got != "2" {
		t.Errorf("within the TTL: ready %q, want the cached 2", got)
	}
	// Past it, a render starts a refresh; a later render shows the new count.
	mu.Lock()
	offset = 2 * time.Minute
	mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := elementText(c.get("/").body, "count-ready")
		if got == "1" {
			break
		}
		if got != "2" || time.Now().After(deadline) {
			t.Fatalf("after the TTL: ready %q, want 1 once refreshed", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRealExports drives the real export handler through the dashboard's
// mount: a CSV download with Cyber Essentials columns, a practitioner set
// from the device page, a subject access export and an erasure.
func TestRealExports(t *testing.T) {
	f := newFixture(t, realExports)
	c := f.client(t)
	if p := c.get("/exports/devices.csv"); p.status != http.StatusSeeOther {
		t.Fatalf("export without login: %d", p.status)
	}
	c.login()
	p := c.get("/exports/results.csv")
	if p.status != http.StatusOK || !strings.Contains(p.body, "cyber_essentials_control") || !strings.Contains(p.body, "Firewalls") {
		t.Fatalf("results.csv: %d %.300q", p.status, p.body)
	}
	dev := f.ids["laptop-fail"]
	token := c.csrf("/devices/" + dev)
	p = c.post("/privacy/practitioner", url.Values{"csrf_token": {token}, "device": {dev}, "practitioner": {"Sam Counsellor"}, "return": {"/devices/" + dev}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/devices/"+dev) {
		t.Fatalf("set practitioner: %d → %q", p.status, p.header.Get("Location"))
	}
	if got := elementText(c.get(p.header.Get("Location")).body, "practitioner"); got != "Sam Counsellor" {
		t.Errorf("device page practitioner %q", got)
	}
	if p := c.post("/exports/subject.json", url.Values{"csrf_token": {c.csrf("/data-protection")}, "practitioner": {"Sam Counsellor"}}); p.status != http.StatusOK || !strings.Contains(p.body, "CASE-0042") {
		t.Errorf("subject access: %d %.200q", p.status, p.body)
	}
	if p := c.post("/exports/subject.json", url.Values{"practitioner": {"Sam Counsellor"}}); p.status != http.StatusForbidden {
		t.Errorf("subject access without the CSRF token: %d, want 403", p.status)
	}
	// Another spelling erases nothing and says one is stored, without
	// putting it in the address.
	p = c.post("/privacy/erase", url.Values{"csrf_token": {token}, "practitioner": {"sam counsellor"}, "confirm": {"sam counsellor"}, "return": {"/data-protection"}})
	if loc := p.header.Get("Location"); !strings.Contains(loc, "erase_error=not_exact") || strings.Contains(strings.ToLower(loc), "sam") {
		t.Errorf("another spelling's erase went to %q", loc)
	} else if got := elementText(c.get(loc).body, "dp-error"); !strings.Contains(got, "exactly that spelling") {
		t.Errorf("another spelling's message %q", got)
	}
	// Erasure needs the subject twice; a mismatch erases nothing.
	p = c.post("/privacy/erase", url.Values{"csrf_token": {token}, "device": {dev}, "confirm": {"typo"}, "return": {"/data-protection"}})
	if loc := p.header.Get("Location"); !strings.Contains(loc, "erase_error=confirm_mismatch") {
		t.Fatalf("mismatched erase went to %q", loc)
	}
	if got := elementText(c.get(p.header.Get("Location")).body, "dp-error"); !strings.Contains(got, "did not match") {
		t.Errorf("mismatch message %q", got)
	}
	if _, err := f.st.Device(t.Context(), dev); err != nil {
		t.Fatalf("device gone after a mismatched erase: %v", err)
	}
	p = c.post("/privacy/erase", url.Values{"csrf_token": {token}, "device": {dev}, "confirm": {dev}, "return": {"/data-protection"}})
	if loc := p.header.Get("Location"); !strings.Contains(loc, "erased=1") {
		t.Fatalf("erase went to %q", loc)
	}
	if _, err := f.st.Device(t.Context(), dev); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("erased device still there: %v", err)
	}
	if p := c.post("/privacy/erase", url.Values{"device": {f.ids["desk-ready"]}, "confirm": {f.ids["desk-ready"]}}); p.status != http.StatusForbidden {
		t.Errorf("erase without the CSRF token: %d", p.status)
	}
}
