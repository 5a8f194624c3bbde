package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sessionguard/sessionguard/internal/artefacts"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// TestBrowserListsConfirmZone meets item 10, 11 and 13's pages as an admin
// does, in real headless Chromium: sorting the devices by clicking the
// column headings, paging forwards and back, revoking a device through
// its confirmation page (cancel first, then confirm), and choosing a time
// zone in the settings.
func TestBrowserListsConfirmZone(t *testing.T) {
	f := newFixture(t)
	storetest.SeedDevices(t, f.st, f.teams["Youth work"].ID, 124)
	ctx := headless(t)
	signIn(t, ctx, f.srv.URL+"/devices", "devices")
	first := func() string { return text(t, ctx, "#devices tbody tr:first-child td:first-child") }
	if got := text(t, ctx, ".pager .total"); got != "130 devices in all" {
		t.Errorf("total %q", got)
	}
	byName := first()
	// Clicking the active "Device" heading turns the order round.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#devices th a.sort.active`)),
		chromedp.WaitVisible(chromedp.CSS(`#devices th[aria-sort="descending"]`)),
	); err != nil {
		t.Fatalf("sorting Z to A: %v", err)
	}
	zFirst := first()
	if zFirst <= byName {
		t.Errorf("descending starts with %q, ascending with %q", zFirst, byName)
	}
	// Next, next, previous: the second page comes back the same.
	var page2 string
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next-page")), chromedp.WaitVisible(chromedp.ID("prev-page"))); err != nil {
		t.Fatalf("next page: %v", err)
	}
	page2 = first()
	if page2 >= zFirst {
		t.Errorf("page 2 starts with %q, after page 1's %q", page2, zFirst)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next-page")), chromedp.WaitVisible(chromedp.ID("prev-page"))); err != nil {
		t.Fatalf("third page: %v", err)
	}
	if n := strings.Count(text(t, ctx, "#devices tbody"), "\n") + 1; n > 30 || strings.Contains(mustHTML(t, ctx, "main"), `id="next-page"`) {
		t.Errorf("last page: %d rows, or a next link", n)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("prev-page")), chromedp.WaitVisible(chromedp.ID("next-page"))); err != nil {
		t.Fatalf("previous page: %v", err)
	}
	if got := first(); got != page2 {
		t.Errorf("back to page 2: starts with %q, was %q", got, page2)
	}
	// Sort by last seen, newest first, by its heading.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#devices th:nth-child(6) a`)),
		chromedp.WaitVisible(chromedp.CSS(`#devices th:nth-child(6)[aria-sort="descending"]`)),
	); err != nil {
		t.Fatalf("sort by last seen: %v", err)
	}
	shot(t, ctx, "dashboard-devices-sorted.png")

	// Revoking asks first; cancelling changes nothing.
	victim := f.ids["laptop-ready"]
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/devices/"+victim),
		chromedp.Click(chromedp.ID("revoke")),
		chromedp.WaitVisible(chromedp.ID("confirm-question")),
	); err != nil {
		t.Fatalf("revoke button: %v", err)
	}
	if got := text(t, ctx, "#confirm-question"); got != "Revoke the device laptop-ready?" {
		t.Errorf("confirmation asks %q", got)
	}
	shot(t, ctx, "dashboard-revoke-confirm.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("cancel")), chromedp.WaitVisible(chromedp.ID("device-state"))); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if d, _ := f.st.Device(t.Context(), victim); d.Revoked() {
		t.Fatal("cancelling revoked the device")
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("revoke")),
		chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.CSS(".message.ok")),
	); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if got := text(t, ctx, "#device-state"); got != "Revoked" {
		t.Errorf("after confirming: %q", got)
	}

	// The time zone: London by default, then New York.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/settings"),
		chromedp.WaitVisible(chromedp.ID("time-zone")),
	); err != nil {
		t.Fatalf("settings: %v", err)
	}
	if got := text(t, ctx, "#zone-now"); !strings.HasSuffix(got, "GMT") && !strings.HasSuffix(got, "BST") {
		t.Errorf("default zone shows %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("time-zone")),
		chromedp.SendKeys(chromedp.ID("time-zone"), "Narnia/Cair_Paravel"),
		chromedp.Click(chromedp.ID("save-settings")),
		chromedp.WaitVisible(chromedp.ID("settings-error")),
		chromedp.Clear(chromedp.ID("time-zone")),
		chromedp.SendKeys(chromedp.ID("time-zone"), "America/New_York"),
		chromedp.Click(chromedp.ID("save-settings")),
		chromedp.WaitVisible(chromedp.ID("settings-saved")),
	); err != nil {
		t.Fatalf("choosing a zone: %v", err)
	}
	if got := text(t, ctx, "#zone-now"); !strings.HasSuffix(got, "EST") && !strings.HasSuffix(got, "EDT") {
		t.Errorf("New York zone shows %q", got)
	}
	shot(t, ctx, "dashboard-settings.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/sessions"), chromedp.WaitVisible(chromedp.CSS("table.sessions"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "table.sessions tbody tr:first-child td:first-child"); !strings.Contains(got, "EST") && !strings.Contains(got, "EDT") || !strings.Contains(got, "ago") {
		t.Errorf("session start shown as %q", got)
	}
	shot(t, ctx, "dashboard-sessions.png")
}

func mustHTML(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// shot keeps a full-page screenshot among the test artefacts.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artefacts.Dir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserRolloutStateDeviceSorts clicks the sorts added last in
// headless Chromium: devices by state, the team page's rollout by device
// with its Next link, the sessions by device, and a device's own sessions
// and check runs, each paged with its own Next.
func TestBrowserRolloutStateDeviceSorts(t *testing.T) {
	f := newFixture(t)
	team := f.teams["Counselling"]
	ids, _ := storetest.SeedDevices(t, f.st, team.ID, 60)
	if err := f.st.SetPoliciesApplied(t.Context(), []store.PolicyApplied{{DeviceID: ids[0], ETag: team.ETag, At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	for i := range 55 {
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
			At: time.Now().Add(-time.Duration(i+1) * time.Minute), Label: fmt.Sprintf("CASE-%03d", i)}
		if _, err := f.st.SaveSession(t.Context(), f.ids["desk-ready"], report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 54 { // and the fixture's run: 55
		env := storetest.CheckRun(time.Now().Add(-time.Duration(i+1)*time.Hour), true)
		env.CheckRun.DurationMS = int64(2000 + i)
		if _, err := f.st.SaveReport(t.Context(), f.ids["desk-ready"], env); err != nil {
			t.Fatal(err)
		}
	}
	ctx := headless(t)
	signIn(t, ctx, f.srv.URL+"/devices", "devices")

	// Devices by state: worst first.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#devices th:nth-child(3) a`)),
		chromedp.WaitVisible(chromedp.CSS(`#devices th:nth-child(3)[aria-sort="ascending"]`)),
	); err != nil {
		t.Fatalf("sort by state: %v", err)
	}
	if got := text(t, ctx, "#devices tbody tr:first-child td:nth-child(3)"); got != "Not ready" {
		t.Errorf("by state, the first device is %q", got)
	}

	// The rollout: by device name, then the next page.
	rollout := func(sel string) string { return text(t, ctx, "#rollout tbody tr:"+sel+" td:first-child") }
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/teams/"+team.ID),
		chromedp.WaitVisible(chromedp.ID("rollout")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#rollout + .pager .total"); got != "64 devices in all" {
		t.Errorf("rollout total %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#rollout th:nth-child(1) a`)),
		chromedp.WaitVisible(chromedp.CSS(`#rollout th:nth-child(1)[aria-sort="ascending"]`)),
	); err != nil {
		t.Fatalf("sort the rollout by device: %v", err)
	}
	last1 := rollout("last-child")
	shot(t, ctx, "dashboard-team-rollout.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next-page")), chromedp.WaitVisible(chromedp.ID("prev-page"))); err != nil {
		t.Fatalf("rollout next page: %v", err)
	}
	if first2 := rollout("first-child"); first2 <= last1 {
		t.Errorf("rollout page 2 starts with %q, page 1 ends with %q", first2, last1)
	}
	if n := strings.Count(text(t, ctx, "#rollout tbody"), "\n") + 1; n != 14 {
		t.Errorf("rollout page 2: %d rows, want 14", n)
	}

	// Sessions by device.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/sessions"),
		chromedp.Click(chromedp.CSS(`table.sessions th:nth-child(5) a`)),
		chromedp.WaitVisible(chromedp.CSS(`table.sessions th:nth-child(5)[aria-sort="ascending"]`)),
	); err != nil {
		t.Fatalf("sort sessions by device: %v", err)
	}
	if got := text(t, ctx, "table.sessions tbody tr:first-child td:nth-child(5)"); got != "desk-ready" {
		t.Errorf("sessions by device start with %q", got)
	}

	// A device's own sessions: 55, two pages.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/devices/"+f.ids["desk-ready"]),
		chromedp.WaitVisible(chromedp.CSS("table.sessions")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "table.sessions + .pager .total"); got != "55 sessions in all" {
		t.Errorf("device sessions total %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("next-page")), chromedp.WaitVisible(chromedp.ID("prev-page"))); err != nil {
		t.Fatalf("device sessions next page: %v", err)
	}
	if got := text(t, ctx, "table.sessions tbody tr:last-child td:nth-child(4)"); got != "CASE-054" {
		t.Errorf("the device's oldest session on page 2 is %q", got)
	}

	// Its check runs: 55, two pages, with their own Next; the sessions
	// stay on their second page.
	if got := text(t, ctx, "#runs + .pager .total"); got != "55 runs in all" {
		t.Errorf("device runs total %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("runs-next-page")), chromedp.WaitVisible(chromedp.ID("runs-prev-page"))); err != nil {
		t.Fatalf("device runs next page: %v", err)
	}
	if n := strings.Count(text(t, ctx, "#runs tbody"), "\n") + 1; n != 5 {
		t.Errorf("runs page 2: %d rows, want 5", n)
	}
	if got := text(t, ctx, "#runs tbody tr:last-child td:last-child"); got != "2053 ms" {
		t.Errorf("the device's oldest run on page 2 took %q", got)
	}
	if got := text(t, ctx, "table.sessions tbody tr:last-child td:nth-child(4)"); got != "CASE-054" {
		t.Errorf("paging the runs moved the sessions: their last row is %q", got)
	}
	shot(t, ctx, "dashboard-device-runs.png")
}

// TestBrowserSystemFilter meets the device list's System field as an
// admin does, in real headless Chromium: typing a Windows build finds the
// one device whose agent last reported it, the field keeps what was typed,
// and the column headings keep the filter when the list is sorted.
func TestBrowserSystemFilter(t *testing.T) {
	f := newFixture(t)
	env := storetest.CheckRun(time.Now(), true)
	env.Agent.Host.OS, env.Agent.Host.OSVersion = "windows", "Windows 10 Pro 22H2 (build 19045.6575)"
	if _, err := f.st.SaveReport(t.Context(), f.ids["desk-ready"], env); err != nil {
		t.Fatal(err)
	}
	ctx := headless(t)
	signIn(t, ctx, f.srv.URL+"/devices", "devices")
	field := chromedp.CSS(`form.filters input[name="system"]`)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(field, "19045"),
		chromedp.Submit(field),
		chromedp.WaitVisible(chromedp.CSS(`#devices th a[href*="system=19045"]`)),
	); err != nil {
		t.Fatalf("filtering by system: %v", err)
	}
	if rows := text(t, ctx, "#devices tbody"); strings.Count(rows, "\n") != 0 || !strings.HasPrefix(rows, "desk-ready") || !strings.Contains(rows, "19045.6575") {
		t.Errorf("devices on build 19045: %q, want desk-ready alone", rows)
	}
	if typed, err := chromedp.Run(ctx, chromedp.Value(field)); err != nil || typed != "19045" {
		t.Errorf("the System field holds %q (%v), want what was typed", typed, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#devices th:nth-child(6) a`)),
		chromedp.WaitVisible(chromedp.CSS(`#devices th:nth-child(6)[aria-sort="descending"]`)),
	); err != nil {
		t.Fatalf("sorting the filtered list: %v", err)
	}
	if rows := text(t, ctx, "#devices tbody"); !strings.HasPrefix(rows, "desk-ready") || strings.Count(rows, "\n") != 0 {
		t.Errorf("sorted by last seen, the filter was lost: %q", rows)
	}
}
