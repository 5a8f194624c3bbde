package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/sessionguard/sessionguard/internal/artefacts"
	"github.com/sessionguard/sessionguard/server/store"
)

// chromiumPath is Debian's chromium (apt package chromium).
const chromiumPath = "/usr/bin/chromium"

// headless starts a real headless chromium for the test. Without chromium
// the test fails under CI=true and is skipped elsewhere.
func headless(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required under CI=true (apt-get install chromium): %v", err)
		}
		t.Skipf("chromium not installed (apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser on the un-timed context (a timeout there would stop
	// the browser), then bound every later step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// TestBrowser drives the dashboard in real headless Chromium: login, the
// overview's numbers against the seeded fleet, a device page, an export
// download, a forged same-origin form post and a cross-site post (both
// refused), and a screenshot of the overview.
func TestBrowser(t *testing.T) {
	f := newFixture(t, realExports)
	seedTrend(t, f.st)
	ctx := headless(t)

	// Login: the overview redirects to the form, which returns there.
	signIn(t, ctx, f.srv.URL+"/", "count-ready")
	for sel, want := range map[string]string{"#count-ready": "2", "#count-not-ready": "2", "#count-stale": "1", "#count-never": "1", "#count-total": "6"} {
		if got := text(t, ctx, sel); got != want {
			t.Errorf("overview %s = %q, want %q", sel, got, want)
		}
	}
	if got := text(t, ctx, `#compliance tr[data-check="firewall"] td.fail`); got != "1" {
		t.Errorf("firewall failures on the overview = %q, want 1", got)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(artefacts.Dir(t), "dashboard-overview.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 10_000 || string(png[1:4]) != "PNG" {
		t.Errorf("screenshot is %d bytes, not a real PNG", len(png))
	}
	t.Logf("overview screenshot: %s", shot)

	// A device page, reached by clicking through the devices list.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/devices?failing=firewall"),
		chromedp.Click(chromedp.CSS(`#devices a[href="/devices/`+f.ids["laptop-fail"]+`"]`)),
		chromedp.WaitVisible(chromedp.ID("device-state")),
	); err != nil {
		t.Fatalf("device page: %v", err)
	}
	if got := text(t, ctx, "#device-state"); got != "Not ready" {
		t.Errorf("device state %q", got)
	}
	if got := text(t, ctx, `#results tr[data-check="firewall"] td.fix`); got != f.firewallFail.Fix {
		t.Errorf("firewall fix on the device page = %q, want %q", got, f.firewallFail.Fix)
	}

	// An export download through the dashboard's mount.
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/data-protection"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			events := true
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events})
			return err
		}),
		chromedp.Click(chromedp.CSS(`a[href="/exports/devices.csv"]`)),
	); err != nil {
		t.Fatalf("export download: %v", err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, ev.GUID))
		if err != nil || !strings.Contains(string(got), "laptop-ready") {
			t.Errorf("downloaded export %q, %v", got, err)
		}
		break
	}
	if a := auditActions(t, f.st); !strings.Contains(a, "by "+adminName) || !strings.Contains(a, "export") {
		t.Errorf("the download is not in the audit log: %s", a)
	}

	// A forged form on the dashboard's own origin (as injected markup would
	// make): right action, wrong token. Refused, nothing revoked.
	victim := f.ids["laptop-ready"]
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/devices/"+victim+"/revoke"),
		chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.SetAttributeValue(chromedp.CSS(`form.confirm input[name="csrf_token"]`), "value", "forged-token"),
		chromedp.Click(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.ID("error-message")),
	); err != nil {
		t.Fatalf("forged post: %v", err)
	}
	if got := text(t, ctx, "#error-message"); !strings.Contains(got, "not sent by your dashboard session") {
		t.Errorf("forged post answer %q", got)
	}
	if d, _ := f.st.Device(t.Context(), victim); d.Revoked() {
		t.Fatal("a forged form revoked a device")
	}

	// A cross-site page posting to the dashboard (localhost is another site
	// than 127.0.0.1): refused by its fetch metadata even with a valid token.
	token := pageCSRF(t, ctx)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/devices/%s/revoke">
<input type="hidden" name="csrf_token" value="%s"><button id="go">win a prize</button></form>`, f.srv.URL, victim, token)
	}))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(evilURL),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.ID("error-message")),
	); err != nil {
		t.Fatalf("cross-site post: %v", err)
	}
	if got := text(t, ctx, "#error-message"); !strings.Contains(got, "Cross-site request refused") {
		t.Errorf("cross-site post answer %q", got)
	}
	if d, _ := f.st.Device(t.Context(), victim); d.Revoked() {
		t.Fatal("a cross-site form revoked a device")
	}

	// Logout ends the session.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`form.logout button`)),
		chromedp.WaitVisible(chromedp.ID("sign-in")),
		chromedp.Navigate(f.srv.URL+"/devices"),
		chromedp.WaitVisible(chromedp.ID("sign-in")),
	); err != nil {
		t.Fatalf("logout: %v", err)
	}
}

// signIn opens url, which sends the browser to the login form, signs in
// there and waits for the element with ID want on the page it returns to.
func signIn(t *testing.T, ctx context.Context, url, want string) {
	t.Helper()
	signInAs(t, ctx, url, want, adminName)
}

// signInAs is signIn as the admin name (with the fixture's password, as
// hashOther gives it).
func signInAs(t *testing.T, ctx context.Context, url, want, name string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("sign-in")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID(want)),
	); err != nil {
		t.Fatalf("login: %v", err)
	}
}

// pageCSRF reads the CSRF token of the current page's forms.
func pageCSRF(t *testing.T, ctx context.Context) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`input[name="csrf_token"]`), "value"))
	if err != nil || v.Value == "" {
		t.Fatalf("reading the page's CSRF token: %+v, %v", v, err)
	}
	return v.Value
}

// seedTrend records two weeks of hourly snapshots, readiness climbing as
// fixes roll out, so the trend chart has something to draw.
func seedTrend(t *testing.T, st store.Store) {
	t.Helper()
	now := time.Now()
	for h := 14 * 24; h >= 1; h-- {
		ready := 1 + (14*24-h)/80 // 1 → 5 of 6
		if h%24 < 8 {
			ready = max(ready-1, 0) // nights: laptops asleep
		}
		c := store.FleetCounts{Total: 6, Ready: min(ready, 5), NotReady: 6 - min(ready, 5)}
		if err := st.RecordFleetSnapshot(t.Context(), "", now.Add(-time.Duration(h)*time.Hour), c); err != nil {
			t.Fatal(err)
		}
	}
}
