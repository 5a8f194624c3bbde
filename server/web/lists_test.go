package web_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
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
	for _, id := range all.Catalogue().IDs() {
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

var stateCell = regexp.MustCompile(`<span class="state ([a-z_]+)">`)

// checkStateOrder: rows "name state" sorted worst state first (not ready,
// stale, never reported, ready), by name within a state; desc the other
// way round.
func checkStateOrder(t *testing.T, desc bool, pages [][]string) {
	t.Helper()
	rank := map[string]int{"not_ready": 0, "stale": 1, "never_reported": 2, "ready": 3}
	var rows [][2]string
	for _, p := range pages {
		for _, r := range p {
			f := strings.Fields(r)
			if len(f) != 2 {
				t.Fatalf("row %q without a state", r)
			}
			rows = append(rows, [2]string{f[0], f[1]})
		}
	}
	states := map[string]bool{}
	for i, r := range rows {
		states[r[1]] = true
		if i == 0 {
			continue
		}
		a, b := rows[i-1], r
		if desc {
			a, b = b, a
		}
		if rank[a[1]] > rank[b[1]] || rank[a[1]] == rank[b[1]] && a[0] > b[0] {
			t.Errorf("by state (desc %v): %v before %v", desc, rows[i-1], r)
		}
	}
	if len(states) != 4 {
		t.Errorf("by state: saw only %v", states)
	}
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
		{"state", "asc", nil},
		{"state", "desc", nil},
	} {
		rows := names
		if tc.sort == "state" { // "name state": the order of states is checked below
			rows = func(body string) []string {
				got := names(body)
				for i, st := range stateCell.FindAllStringSubmatch(body, -1) {
					got[i] += " " + st[1]
				}
				return got
			}
		}
		pages := walkPages(t, c, "/devices?sort="+tc.sort+"&dir="+tc.dir, "130 devices", rows)
		var all []string
		for _, p := range pages {
			all = append(all, p...)
		}
		if len(all) != 130 || len(pages) != 3 {
			t.Fatalf("%s %s: %d devices on %d pages", tc.sort, tc.dir, len(all), len(pages))
		}
		if tc.sort == "state" {
			checkStateOrder(t, tc.dir == "desc", pages)
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
			seen[strings.Fields(n)[0]]++
		}
		if seen["laptop-ready"] != 1 || seen["desk-revoked"] != 0 {
			t.Errorf("%s: devices missing, doubled or revoked ones listed", tc.sort)
		}
		if p := c.get("/devices?sort=" + tc.sort + "&dir=" + tc.dir); strings.Contains(p.body, `id="prev-page"`) {
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
	// The system filter (OS, version and build) counts like the name's.
	if p := c.get("/devices?system=DEBIAN+12"); !strings.Contains(p.body, "more than 1000 devices in all") {
		t.Error("system-filtered total wrong")
	}
	if p := c.get("/devices?system=windows"); !strings.Contains(p.body, "No devices match.") ||
		!strings.Contains(p.body, `name="system" value="windows"`) {
		t.Errorf("a system no device has: %s", p.body[strings.Index(p.body, "<form"):])
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
	if p := c.get(dev + "?runs_sort=took"); p.status != http.StatusOK || !strings.Contains(p.body, `<th aria-sort="descending"><a class="sort active"`) {
		t.Errorf("runs by duration: %d", p.status)
	}
}

// walkPages follows "Next →" from path to the last page and back by
// "← Previous", checks that the way back shows the same pages and that
// each page says total, and returns the rows (by rows) of each page.
func walkPages(t *testing.T, c *client, path, total string, rows func(body string) []string) [][]string {
	t.Helper()
	return walkPagesOf(t, c, "", path, total, rows)
}

// walkPagesOf is walkPages for the table whose page links' IDs start with
// prefix (a page's second paged table: "runs-").
func walkPagesOf(t *testing.T, c *client, prefix, path, total string, rows func(body string) []string) [][]string {
	t.Helper()
	var pages [][]string
	var p page
	for next := path; next != ""; {
		if p = c.get(next); p.status != http.StatusOK {
			t.Fatalf("%s: %d", next, p.status)
		}
		if !strings.Contains(p.body, total+" in all") {
			t.Errorf("%s: no total %q", next, total)
		}
		pages = append(pages, rows(p.body))
		next = ""
		if m := hrefOf(prefix + "next-page").FindStringSubmatch(p.body); m != nil && len(pages) < 20 {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	for i := len(pages) - 2; i >= 0; i-- {
		m := hrefOf(prefix + "prev-page").FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("%s: no previous page link on page %d", path, i+1)
		}
		p = c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if got := rows(p.body); !slices.Equal(got, pages[i]) {
			t.Errorf("%s: page %d backwards %v\n forwards %v", path, i, got, pages[i])
		}
	}
	return pages
}

var sessionDevice = regexp.MustCompile(`<td><a href="/sessions\?label=([^"]+)">[^<]*</a></td>\s*<td><a href="/devices/[0-9a-f]+">([^<]+)</a></td>`)

// sessionRowsOf are the "device label" of each session row.
func sessionRowsOf(body string) []string {
	var out []string
	for _, m := range sessionDevice.FindAllStringSubmatch(body, -1) {
		out = append(out, m[2]+" "+m[1])
	}
	return out
}

// TestSessionsByDeviceAndDevicePage: the sessions page sorts by device
// name (each device's sessions by time); a device's page lists all its
// sessions, sorted and paged like the sessions page, with the total.
func TestSessionsByDeviceAndDevicePage(t *testing.T) {
	f := newFixture(t)
	base := time.Now().Add(-48 * time.Hour)
	for i := range 60 {
		dev := []string{"laptop-ready", "laptop-ready", "desk-ready", "laptop-new"}[i%4]
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
			At: base.Add(time.Duration(i) * time.Minute), Label: fmt.Sprintf("CASE-%03d", 100+i), Ready: true}
		if _, err := f.st.SaveSession(t.Context(), f.ids[dev], report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	c.login()
	for _, dir := range []string{"asc", "desc"} {
		pages := walkPages(t, c, "/sessions?sort=device&dir="+dir, "61 sessions", sessionRowsOf)
		var all []string
		for _, p := range pages {
			all = append(all, p...)
		}
		if len(pages) != 2 || len(all) != 61 {
			t.Fatalf("by device %s: %d sessions on %d pages", dir, len(all), len(pages))
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if dir == "desc" {
				a, b = b, a
			}
			// Labels count up with time, so "device label" sorts as
			// device name, then time.
			if a > b {
				t.Errorf("by device %s: %q before %q", dir, all[i-1], all[i])
			}
		}
	}
	if p := c.get("/sessions?sort=device&after_v=laptop&after_id=x"); p.status != http.StatusBadRequest {
		t.Errorf("a cursor that is not a list: %d", p.status)
	}

	// laptop-ready's 30 sessions: newest first, then by label over pages of 50.
	dev := "/devices/" + f.ids["laptop-ready"]
	pages := walkPages(t, c, dev, "30 sessions", sessionRowsOf)
	if len(pages) != 1 || len(pages[0]) != 30 || pages[0][0] != "laptop-ready CASE-157" {
		t.Errorf("device page sessions %v", pages)
	}
	if p := c.get(dev + "?sort=label&dir=asc"); !strings.Contains(p.body, `aria-sort="ascending"><a class="sort active" href="`+dev+`?dir=desc&amp;sort=label#sessions-heading">Case label`) {
		t.Error("the device page's sessions are not sortable by label")
	} else if got := sessionRowsOf(p.body); len(got) != 30 || got[0] != "laptop-ready CASE-100" {
		t.Errorf("by label: %v", got)
	}
	more := "/devices/" + f.ids["laptop-new"]
	for i := range 45 { // 15 + 45 = 60: two pages
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
			At: base.Add(-time.Duration(i+1) * time.Minute), Label: fmt.Sprintf("CASE-%03d", 99-i)}
		if _, err := f.st.SaveSession(t.Context(), f.ids["laptop-new"], report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
	}
	pages = walkPages(t, c, more+"?sort=start&dir=asc", "60 sessions", sessionRowsOf)
	if len(pages) != 2 || len(pages[0]) != 50 || len(pages[1]) != 10 || pages[0][0] != "laptop-new CASE-055" || pages[1][9] != "laptop-new CASE-159" {
		t.Errorf("laptop-new's sessions oldest first: %d pages, %v", len(pages), pages)
	}
}

// TestRolloutSortsAndPages: the team page's rollout table sorts by device
// and by when each applied the version, with its total and pages.
func TestRolloutSortsAndPages(t *testing.T) {
	f := newFixture(t)
	team := f.teams["Counselling"]
	ids, _ := storetest.SeedDevices(t, f.st, team.ID, 70)
	now := time.Now()
	var applied []store.PolicyApplied
	for i, id := range ids[:40] {
		etag := team.ETag
		if i%4 == 0 {
			etag = "an-earlier-version"
		}
		applied = append(applied, store.PolicyApplied{DeviceID: id, ETag: etag, At: now.Add(-time.Duration(i) * time.Minute)})
	}
	if err := f.st.SetPoliciesApplied(t.Context(), applied); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.login()
	path := "/teams/" + team.ID
	row := regexp.MustCompile(`<tr data-device="[0-9a-f]+"><td><a href="/devices/[0-9a-f]+">([^<]+)</a></td><td class="(pass|warn)"`)
	rows := func(body string) []string {
		var out []string
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			out = append(out, m[2]+" "+m[1])
		}
		return out
	}
	p := c.get(path)
	if got := elementText(p.body, "rollout-count"); !strings.HasPrefix(got, "30 of 74 devices run this version") {
		t.Errorf("rollout count %q", got)
	}
	// Its links land on the table, low on a long page.
	if !strings.Contains(p.body, `href="`+path+`?dir=asc&amp;sort=name#rollout-heading">Device`) || !regexp.MustCompile(`id="next-page" href="[^"]+#rollout-heading"`).MatchString(p.body) {
		t.Error("the rollout's sort and page links do not land on the table")
	}
	// By default: not yet first (warn), then applied.
	for _, tc := range []struct {
		query string
		check func(all []string) bool
	}{
		{"", func(all []string) bool {
			return strings.HasPrefix(all[43], "warn") && strings.HasPrefix(all[44], "pass")
		}},
		{"?sort=policy&dir=desc", func(all []string) bool {
			return strings.HasPrefix(all[29], "pass") && strings.HasPrefix(all[30], "warn")
		}},
		{"?sort=name&dir=asc", func(all []string) bool {
			return slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(strings.Fields(a)[1], strings.Fields(b)[1]) })
		}},
		{"?sort=name&dir=desc", func(all []string) bool {
			return slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(strings.Fields(b)[1], strings.Fields(a)[1]) })
		}},
	} {
		pages := walkPages(t, c, path+tc.query, "74 devices", rows)
		var all []string
		for _, p := range pages {
			all = append(all, p...)
		}
		if len(pages) != 2 || len(all) != 74 || !tc.check(all) {
			t.Errorf("rollout %q: %d rows on %d pages: %v", tc.query, len(all), len(pages), all)
		}
	}
	// Applied: the earliest first after those not yet running it; desc
	// the latest first.
	p = c.get(path + "?sort=policy&dir=desc")
	if got := rows(p.body); len(got) < 2 || got[0] != "pass seed-1" || got[1] != "pass seed-2" || !strings.Contains(p.body, ">applied 1 min ago<") {
		t.Errorf("latest applied not first: %v", got)
	}
	if p := c.get(path + "?sort=policy&after_v=x&after_id=y"); p.status != http.StatusBadRequest {
		t.Errorf("forged rollout cursor: %d", p.status)
	}
}

// TestLongNameCursor: a page link after a device with the longest name
// the API accepts, every character one JSON escapes, still works.
func TestLongNameCursor(t *testing.T) {
	f := newFixture(t)
	id := f.ids["laptop-new"]
	name := strings.Repeat("<&", 100) // 200 bytes, 1,200 as JSON
	db := f.st.(interface{ DB() *sql.DB }).DB()
	if _, err := db.ExecContext(t.Context(), `UPDATE devices SET name = ? WHERE id = ?`, name, id); err != nil {
		t.Fatal(err)
	}
	dev, err := f.st.Device(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	c.login()
	state := store.DeviceQuery{Sort: store.DeviceSortState, StaleBefore: time.Now().Add(-24 * time.Hour)}.Cursor(dev)
	session := store.SessionCursor(store.SessionSortDevice, store.Session{ID: "x", DeviceID: id, DeviceName: name, At: time.Now()})
	for _, path := range []string{
		"/devices?sort=state&" + url.Values{"after_v": {state.Value}, "after_id": {state.ID}}.Encode(),
		"/sessions?sort=device&" + url.Values{"after_v": {session.Value}, "after_id": {session.ID}}.Encode(),
	} {
		if p := c.get(path); p.status != http.StatusOK {
			t.Errorf("%.60s…: %d", path, p.status)
		}
	}
}

var runTime = regexp.MustCompile(`<tr><td><time datetime="([^"]+)">.*?</td><td>(ready|not ready)</td><td>[^<]*</td><td>(\d+) ms</td></tr>`)

// runRowsOf are the "start ready duration" of each row of the runs table.
func runRowsOf(body string) []string {
	if i := strings.Index(body, `<table id="runs">`); i >= 0 {
		body = body[i:]
		body = body[:strings.Index(body, "</table>")]
	}
	var out []string
	for _, m := range runTime.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+" "+m[2]+" "+m[3])
	}
	return out
}

// TestDeviceRunsPage: a device's check runs are sorted and paged with
// their own query parameters (runs_…), so paging them keeps the sessions
// table's order and page, and the other way round; the total is shown.
func TestDeviceRunsPage(t *testing.T) {
	f := newFixture(t)
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	for i := range 60 { // and the fixture's own run: 61
		env := storetest.CheckRun(base.Add(time.Duration(i)*time.Minute), i%3 == 0)
		env.CheckRun.DurationMS = int64(1000 + i)
		if _, err := f.st.SaveReport(t.Context(), f.ids["laptop-ready"], env); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	c.login()
	dev := "/devices/" + f.ids["laptop-ready"]
	pages := walkPagesOf(t, c, "runs-", dev, "61 runs", runRowsOf)
	if len(pages) != 2 || len(pages[0]) != 50 || len(pages[1]) != 11 {
		t.Fatalf("newest first: %d pages %v", len(pages), pages)
	}
	all := append(pages[0], pages[1]...)
	if !strings.HasPrefix(all[1], base.Add(59*time.Minute).UTC().Format(time.RFC3339)) || !strings.HasSuffix(all[60], " 1000") {
		t.Errorf("newest first: %v … %v", all[:2], all[60])
	}
	// Not ready first, then the ready ones, each oldest first.
	pages = walkPagesOf(t, c, "runs-", dev+"?runs_sort=ready&runs_dir=asc", "61 runs", runRowsOf)
	all = append(pages[0], pages[1]...)
	if n := slices.IndexFunc(all, func(r string) bool { return strings.Contains(r, "Z ready ") }); n != 40 || strings.Contains(all[60], "not ready") {
		t.Errorf("not ready first: the first ready run is row %d: %v", n, all)
	}
	// The two tables keep each other's parameters.
	p := c.get(dev + "?sort=label&dir=asc&runs_sort=took&runs_dir=desc")
	m := hrefOf("runs-next-page").FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(m[1], "sort=label") || !strings.Contains(m[1], "runs_after_v=%5B%221010%22") || !strings.HasSuffix(m[1], "#runs-heading") {
		t.Errorf("runs Next link %v", m)
	}
	if got := runRowsOf(p.body); len(got) != 50 || !strings.HasSuffix(got[0], " 1059") {
		t.Errorf("longest first: %v", got)
	}
	if !strings.Contains(p.body, `href="`+dev+`?dir=desc&amp;runs_dir=desc&amp;runs_sort=took&amp;sort=label#sessions-heading"`) {
		t.Error("the sessions' sort link drops the runs' order")
	}
	if p := c.get(dev + "?runs_after_v=soon&runs_after_id=x"); p.status != http.StatusBadRequest {
		t.Errorf("a forged runs cursor: %d", p.status)
	}
}
