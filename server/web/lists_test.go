package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// rowCell returns the text of the first element with class cls after the
// row marked data-check="id".
func rowCell(body, id, cls string) string {
	i := strings.Index(body, `data-check="`+id+`"`)
	if i < 0 {
		return ""
	}
	m := regexp.MustCompile(`class="` + cls + `">([^<]*)<`).FindStringSubmatch(body[i:])
	if m == nil {
		return ""
	}
	return m[1]
}

func TestPassRateLeavesOutNotApplicable(t *testing.T) {
	f := newFixture(t)
	// desk-ready has no Wi-Fi: not applicable. Three others pass.
	var rs []report.CheckResult
	for _, id := range checks.CheckIDs {
		st := checks.Pass
		if id == "wifi_security" {
			st = checks.NotApplicable
		}
		rs = append(rs, report.CheckResult{ID: id, Status: st, Required: id != "smart_speakers", Summary: "Fine."})
	}
	if _, err := f.st.SaveReport(t.Context(), f.ids["desk-ready"], storetest.CheckRun(time.Now(), true, rs...)); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.login()
	p := c.get("/")
	if got := rowCell(p.body, "wifi_security", "num rate"); got != "100%" {
		t.Errorf("Wi-Fi pass rate %q, want 100%% (3 pass, 1 not applicable)", got)
	}
	if got := rowCell(p.body, "firewall", "num rate"); got != "75%" {
		t.Errorf("firewall pass rate %q, want 75%%", got)
	}
	// The compliance table sorts by its columns: fail count, most first.
	p = c.get("/?sort=fail&dir=desc")
	first := regexp.MustCompile(`<tr data-check="([a-z_]+)"`).FindStringSubmatch(p.body)
	if first == nil || (first[1] != "firewall" && first[1] != "antivirus") {
		t.Errorf("sorted by failures, first row %v", first)
	}
}

var deviceLink = regexp.MustCompile(`<tr><td><a href="/devices/[0-9a-f]+">([^<]+)</a>`)

func names(body string) []string {
	var out []string
	for _, m := range deviceLink.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var hrefOf = func(id string) *regexp.Regexp { return regexp.MustCompile(`id="` + id + `" href="([^"]+)"`) }

// TestDeviceListSortsAndPages walks 130 devices a page at a time in
// every sortable order, forwards by "Next" and back by "Previous", and
// checks the order, the pages and the total.
func TestDeviceListSortsAndPages(t *testing.T) {
	f := newFixture(t)
	storetest.SeedDevices(t, f.st, f.teams["Youth work"].ID, 124)
	c := f.client(t)
	c.login()
	for _, tc := range []struct {
		sort, dir string
		less      func(a, b string) bool
	}{
		{"name", "asc", func(a, b string) bool { return a <= b }},
		{"name", "desc", func(a, b string) bool { return a >= b }},
		{"last_seen", "desc", nil},
		{"team", "asc", nil},
		{"agent", "asc", nil},
	} {
		next := "/devices?sort=" + tc.sort + "&dir=" + tc.dir
		var pages [][]string
		var all []string
		for range 10 {
			p := c.get(next)
			if p.status != http.StatusOK {
				t.Fatalf("%s: %d", next, p.status)
			}
			if !strings.Contains(p.body, "130 devices in all") {
				t.Errorf("%s: no total", next)
			}
			got := names(p.body)
			pages = append(pages, got)
			all = append(all, got...)
			m := hrefOf("next-page").FindStringSubmatch(p.body)
			if m == nil {
				break
			}
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if len(all) != 130 || len(pages) != 3 {
			t.Fatalf("%s %s: %d devices on %d pages", tc.sort, tc.dir, len(all), len(pages))
		}
		if tc.less != nil {
			for i := 1; i < len(all); i++ {
				if !tc.less(all[i-1], all[i]) {
					t.Errorf("%s %s: %q before %q", tc.sort, tc.dir, all[i-1], all[i])
				}
			}
		}
		seen := map[string]int{}
		for _, n := range all {
			seen[n]++
		}
		if seen["laptop-ready"] != 1 || seen["desk-revoked"] != 0 {
			t.Errorf("%s: devices missing, doubled or revoked ones listed", tc.sort)
		}
		// Back from the last page, page by page.
		p := c.get(next)
		for i := len(pages) - 2; i >= 0; i-- {
			m := hrefOf("prev-page").FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("%s: no previous page link on page %d", tc.sort, i+1)
			}
			p = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			if got := names(p.body); !slices.Equal(got, pages[i]) {
				t.Errorf("%s %s: page %d backwards %v\n forwards %v", tc.sort, tc.dir, i, got, pages[i])
			}
		}
		if strings.Contains(p.body, `id="prev-page"`) {
			t.Errorf("%s: the first page has a previous page", tc.sort)
		}
	}
	// Not a column: the default order (by name). A forged cursor is a bad
	// request, never SQL.
	if p := c.get("/devices?sort=token_hash"); p.status != http.StatusOK || !strings.Contains(p.body, `aria-sort="ascending"><a class="sort active" href="/devices?dir=desc&amp;sort=name">Device`) {
		t.Errorf("unknown sort column: %d", p.status)
	}
	for _, path := range []string{"/devices?sort=last_seen&after_v=1%27%20OR%201=1&after_id=x", "/audit?after_v=x&after_id=1%20OR%201=1",
		"/sessions?before_v=yesterday&before_id=x"} {
		if p := c.get(path); p.status != http.StatusBadRequest {
			t.Errorf("forged cursor %s: %d", path, p.status)
		}
	}
	// The check page and the audit log page the same way.
	if p := c.get("/checks/firewall?sort=name&dir=desc"); !strings.Contains(p.body, "1 device in all") {
		t.Errorf("check page total: %s", elementText(p.body, "failing"))
	}
	for _, path := range []string{"/audit?sort=actor", "/sessions?sort=label&dir=asc", "/teams?sort=changed", "/secrets?sort=team"} {
		if p := c.get(path); p.status != http.StatusOK || !strings.Contains(p.body, `class="total"`) || !strings.Contains(p.body, "sort active") {
			t.Errorf("%s: %d, no total or no sorted column", path, p.status)
		}
	}
}

func TestTimeZoneSetting(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	dev := "/devices/" + f.ids["laptop-ready"]
	london := c.get(dev)
	if !regexp.MustCompile(`\d\d:\d\d (GMT|BST)</time> <span class="ago">\((just now|\d+ min ago)\)`).MatchString(london.body) {
		t.Errorf("times not in Europe/London with how long ago: %s", elementText(london.body, "device-state"))
	}
	token := c.csrf("/settings")
	if p := c.post("/settings", url.Values{"csrf_token": {token}, "time_zone": {"Mars/Olympus_Mons"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, "is not a time zone") {
		t.Errorf("bad zone: %d", p.status)
	}
	if p := c.post("/settings", url.Values{"csrf_token": {token}, "time_zone": {"Local"}}); p.status != http.StatusBadRequest {
		t.Errorf("server-dependent zone: %d", p.status)
	}
	if p := c.post("/settings", url.Values{"time_zone": {"Asia/Tokyo"}}); p.status != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", p.status)
	}
	if p := c.post("/settings", url.Values{"csrf_token": {token}, "time_zone": {"Asia/Tokyo"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save zone: %d", p.status)
	}
	tokyo := c.get(dev)
	if !strings.Contains(tokyo.body, " JST</time>") {
		t.Error("times not shown in Asia/Tokyo after the setting")
	}
	// Kept with the account: a new sign-in sees it too; another admin not.
	c2 := f.client(t)
	c2.login()
	if p := c2.get("/settings"); !strings.Contains(p.body, `value="Asia/Tokyo"`) {
		t.Error("the setting is not kept server-side")
	}
	if a := auditActions(t, f.st); !strings.Contains(a, "admin.time_zone by alice") {
		t.Errorf("zone change not audited: %s", a)
	}
}

func TestClockAheadFlagged(t *testing.T) {
	f := newFixture(t)
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now().Add(3 * time.Hour),
		Label: "CASE-FUTURE", Ready: true}
	if _, err := f.st.SaveSession(t.Context(), f.ids["desk-ready"], report.NewSession(storetest.Agent, rec)); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.login()
	p := c.get("/sessions")
	rows := regexp.MustCompile(`(?s)<tr class="([^"]*)" data-session="[^"]+">.*?</tr>`).FindAllStringSubmatch(p.body, -1)
	if len(rows) != 2 {
		t.Fatalf("%d session rows, want 2", len(rows))
	}
	for _, r := range rows {
		future := strings.Contains(r[0], "CASE-FUTURE")
		flagged := r[1] == "clock-ahead" && strings.Contains(r[0], "Device clock wrong") && strings.Contains(r[0], "(in 2 h)")
		if future != flagged {
			t.Errorf("row future=%v flagged=%v: %s", future, flagged, r[0])
		}
	}
}

func TestAuditNamesThings(t *testing.T) {
	f := newFixture(t, realExports)
	c := f.client(t)
	c.login()
	id := f.ids["laptop-ready"]
	token := c.csrf("/devices/" + id + "/revoke")
	if p := c.post("/devices/"+id+"/revoke", url.Values{"csrf_token": {token}, "confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	team := f.teams["Counselling"]
	if p := c.post("/teams/"+team.ID+"/policy", url.Values{"csrf_token": {token}, "etag": {team.ETag},
		"policy": {`{"screen_lock_max_seconds": 300, "checks": {"voice_assistants": {"required": false}}}`}}); p.status != http.StatusSeeOther {
		t.Fatalf("policy: %d", p.status)
	}
	// An erased device leaves no name: its entries say so.
	gone := f.ids["laptop-stale"]
	token = c.csrf("/data-protection")
	if p := c.post("/privacy/erase", url.Values{"csrf_token": {token}, "device": {gone}, "confirm": {gone}, "return": {"/data-protection"}}); p.status != http.StatusSeeOther {
		t.Fatalf("erase: %d", p.status)
	}
	p := c.get("/audit")
	for _, want := range []string{
		`<a href="/devices/` + id + `">device laptop-ready</a>`, "team Counselling", "a device since erased",
		"screen_lock_max_seconds: 600 → 300", "checks.voice_assistants.required: true → false",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("audit page lacks %q: %s", want, p.body[strings.Index(p.body, "<tbody>"):])
		}
	}
	if strings.Contains(p.body, "etag ") {
		t.Error("the audit page still shows policy hashes")
	}
}

func TestAuditLogPages(t *testing.T) {
	f := newFixture(t)
	for i := range 70 {
		if err := f.st.AppendAudit(t.Context(), store.AuditEntry{Actor: "cli", Action: "admin.create", Target: "admin-" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	c.login() // one more entry: 71
	p := c.get("/audit")
	if !strings.Contains(p.body, "71 entries in all") || !strings.Contains(p.body, `aria-sort="descending"><a class="sort active" href="/audit?dir=asc&amp;sort=when">When`) {
		t.Fatalf("audit first page: %s", elementText(p.body, "audit"))
	}
	firstPage := p.body
	m := hrefOf("next-page").FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no next page")
	}
	p = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if n := strings.Count(p.body, "<tr><td><time"); n != 21 || strings.Contains(p.body, `id="next-page"`) {
		t.Errorf("second page: %d rows", n)
	}
	m = hrefOf("prev-page").FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no previous page")
	}
	if p = c.get(strings.ReplaceAll(m[1], "&amp;", "&")); p.body[strings.Index(p.body, "<tbody>"):strings.Index(p.body, "</tbody>")] !=
		firstPage[strings.Index(firstPage, "<tbody>"):strings.Index(firstPage, "</tbody>")] {
		t.Error("back to the first page: different rows")
	}
}

// A filtered list's total stops counting at 1000; the unfiltered and
// state-filtered totals are the fleet figures.
func TestDeviceTotalCapped(t *testing.T) {
	f := newFixture(t)
	storetest.SeedDevices(t, f.st, f.teams["Youth work"].ID, 1005)
	c := f.client(t)
	c.login()
	if p := c.get("/devices?q=seed"); !strings.Contains(p.body, "more than 1000 devices in all") {
		t.Errorf("capped total missing: %s", p.body[strings.Index(p.body, `class="pager"`):][:200])
	}
	if p := c.get("/devices"); !strings.Contains(p.body, "1011 devices in all") {
		t.Error("unfiltered total wrong")
	}
	if p := c.get("/devices?state=never_reported"); !strings.Contains(p.body, "1006 devices in all") {
		t.Error("never-reported total wrong")
	}
	if p := c.get("/devices?q=laptop"); !strings.Contains(p.body, "4 devices in all") {
		t.Error("name-filtered total wrong")
	}
}

// The filter form keeps the chosen order.
func TestFilterKeepsSort(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	for _, path := range []string{"/devices?sort=last_seen&dir=desc", "/sessions?sort=label&dir=desc", "/checks/firewall?sort=last_seen&dir=desc"} {
		p := c.get(path)
		if !strings.Contains(p.body, `<input type="hidden" name="dir" value="desc">`) || !strings.Contains(p.body, `<input type="hidden" name="sort" value="`) {
			t.Errorf("%s: the filter form drops the sort", path)
		}
	}
}

// The device page's results sort by status, worst first, and back.
func TestDeviceTablesSort(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.login()
	first := func(path string) string {
		p := c.get(path)
		m := regexp.MustCompile(`<tr data-check="([a-z_]+)">`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("%s: no results", path)
		}
		return m[1]
	}
	dev := "/devices/" + f.ids["laptop-fail"]
	if got := first(dev + "?sort=status&dir=asc"); got != "firewall" {
		t.Errorf("worst first: %s", got)
	}
	if got := first(dev + "?sort=check&dir=desc"); got != "wifi_security" {
		t.Errorf("checks Z to A: %s", got)
	}
	if p := c.get(dev + "?sort=took"); p.status != http.StatusOK || !strings.Contains(p.body, `<th aria-sort="descending"><a class="sort active"`) {
		t.Errorf("runs by duration: %d", p.status)
	}
}
