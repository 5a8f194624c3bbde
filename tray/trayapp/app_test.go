package trayapp

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/tray"
	"github.com/sessionguard/sessionguard/tray/desktop"
	"github.com/sessionguard/sessionguard/tray/traytest"

	_ "modernc.org/sqlite" // the cookie database the test writes
)

// recorder is the person at the desktop: it answers questions from a
// script and records notifications, messages and opened addresses.
type recorder struct {
	mu      sync.Mutex
	answers []answerScript
	asked   []string
	shown   []string
	notes   []string
	opened  []string
	openErr error
}

type answerScript struct {
	text string
	ok   bool
}

func (r *recorder) Notify(_ context.Context, title, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, title+": "+body)
	return nil
}

func (r *recorder) Ask(_ context.Context, title, prompt string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, title+": "+prompt)
	if len(r.answers) == 0 {
		return "", false, nil
	}
	a := r.answers[0]
	r.answers = r.answers[1:]
	return a.text, a.ok, nil
}

func (r *recorder) Show(_ context.Context, title, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shown = append(r.shown, title+": "+text)
	return nil
}

func (r *recorder) Open(_ context.Context, address string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opened = append(r.opened, address)
	return r.openErr
}

func (r *recorder) get(f func(*recorder) []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(f(r))
}

func (r *recorder) noted(prefix string) bool {
	return slices.ContainsFunc(r.get(func(r *recorder) []string { return r.notes }), func(s string) bool { return strings.HasPrefix(s, prefix) })
}

// startApp runs an App against the real agent behind ag's socket.
func startApp(t *testing.T, ag *traytest.Agent, r *recorder, clear CookieClearer, cfg tray.Config) *App {
	t.Helper()
	client := localapi.NewClient(ag.Socket)
	t.Cleanup(func() { _ = client.Close() })
	if clear == nil {
		clear = PolicyClearer(all.DefaultPolicy())
	}
	app, err := New(Config{
		Tray: cfg, Agent: client, Clear: clear,
		Desktop:    desktop.Desktop{Notifier: r, Asker: r, Opener: r},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		TickEvery: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
	return app
}

func item(v tray.MenuView, key string) (tray.Item, bool) {
	for _, it := range v.Items {
		if it.Key == key {
			return it, true
		}
	}
	return tray.Item{}, false
}

// waitMenu waits until the app's menu satisfies cond.
func waitMenu(t *testing.T, app *App, what string, cond func(tray.MenuView) bool) tray.MenuView {
	t.Helper()
	var v tray.MenuView
	traytest.WaitFor(t, what, func() bool {
		v = app.Menu()
		return cond(v)
	})
	return v
}

func hasLabel(key, label string) func(tray.MenuView) bool {
	return func(v tray.MenuView) bool {
		it, ok := item(v, key)
		return ok && it.Label == label
	}
}

// firefoxProfile makes a Firefox profile in home with a real cookie
// database holding one cookie for each host.
func firefoxProfile(t *testing.T, home string, hosts ...string) string {
	t.Helper()
	root := filepath.Join(home, ".mozilla", "firefox")
	dir := filepath.Join(root, "abcd.default-release")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ini := "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\nDefault=1\n"
	if err := os.WriteFile(filepath.Join(root, "profiles.ini"), []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cookies.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '', name TEXT, value TEXT, host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER, creationTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i, h := range hosts {
		if _, err := db.Exec(`INSERT INTO moz_cookies (name, value, host, path, expiry) VALUES (?, ?, ?, '/', 4102444800)`, "c", "secret-value-"+strconv.Itoa(i), h); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestStartAndEndSession drives the whole session flow against a real
// agent: refused while not ready, the override when the policy allows it,
// the case reference checked before it is sent, and the end with the
// cookies cleared in this (test) user's home through package browsers (a
// real Firefox cookie database; the policy keeps the bank's).
func TestStartAndEndSession(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	cookies := firefoxProfile(t, home, ".zoom.us", "us02web.zoom.us", ".whereby.com", ".mybank.co.uk")
	ag := traytest.StartAgent(t)
	r := &recorder{answers: []answerScript{{"CR-2291", true}}}
	// The cookie scope comes from the agent's policy (as when the server
	// sets it), not from a file: the agent's policy keeps the bank's.
	scope := localapi.NewClient(ag.Socket)
	t.Cleanup(func() { _ = scope.Close() })
	keepBank := all.DefaultPolicy()
	keepBank.CookieKeep = []string{"mybank.co.uk"}
	ag.SetPolicy(keepBank)
	app := startApp(t, ag, r, AgentScopeClearer(scope.Status, all.DefaultPolicy()), tray.Config{})
	waitMenu(t, app, "the results", func(v tray.MenuView) bool { _, ok := item(v, tray.KeyCheckPrefix+"firewall"); return ok })

	// The default policy allows no override: refused, with what to fix.
	app.Send(tray.ClickStartSession{})
	traytest.WaitFor(t, "the refusal", func() bool { return r.noted("Not ready for a session: Fix these first: Disk encryption, Anti-virus") })
	if n := len(ag.Log.Records()); n != 0 {
		t.Fatalf("%d session records after a refusal", n)
	}

	// The policy now allows it: a personal-looking label is asked again,
	// then the reason, and the session starts with both recorded.
	pol := keepBank
	pol.AllowOverride = true
	ag.SetPolicy(pol)
	r.mu.Lock()
	r.answers = []answerScript{{"jane.doe@example.org", true}, {"CR-2291", true}, {"1 call cannot wait", true}}
	r.mu.Unlock()
	app.Send(tray.ClickStartSession{})
	waitMenu(t, app, "the session line", func(v tray.MenuView) bool {
		it, ok := item(v, tray.KeySession)
		return ok && strings.HasPrefix(it.Label, "Session open: CR-2291 since ")
	})
	asked := r.get(func(r *recorder) []string { return r.asked })
	if len(asked) != 4 || !strings.Contains(asked[2], "That can't be used") || !strings.HasPrefix(asked[3], "Start anyway?: This computer is not ready") {
		t.Errorf("questions asked: %q", asked)
	}
	recs := ag.Log.Records()
	if len(recs) != 1 || recs[0].Label != "CR-2291" || recs[0].Override == nil || recs[0].Override.Reason != "urgent safeguarding concern — call cannot wait" {
		t.Fatalf("records %+v", recs)
	}
	waitMenu(t, app, "End session", hasLabel(tray.KeyStartEnd, tray.LabelEnd))

	// End: cookies cleared (no browser in this home), then recorded.
	app.Send(tray.ClickEndSession{})
	v := waitMenu(t, app, "the end", hasLabel(tray.KeyStartEnd, tray.LabelStart))
	if it, _ := item(v, tray.KeyCookies); it.Label != "3 cookies cleared in 1 browser" {
		t.Errorf("cookie line %q", it.Label)
	}
	traytest.WaitFor(t, "the end notification", func() bool { return r.noted("Session ended: Case CR-2291 ended. 3 cookies cleared in 1 browser.") })
	recs = ag.Log.Records()
	if len(recs) != 2 || recs[1].Cookies == nil || recs[1].Cookies.Removed != 3 || recs[1].Cookies.Kept != 1 || recs[1].Cookies.Browsers != 1 {
		t.Fatalf("end record %+v", recs[len(recs)-1])
	}
	// What is left on disk: the bank's cookie only.
	db, err := sql.Open("sqlite", cookies+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var hosts []string
	rows, err := db.Query(`SELECT host FROM moz_cookies`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		_ = rows.Scan(&h)
		hosts = append(hosts, h)
	}
	_ = rows.Close()
	if !slices.Equal(hosts, []string{".mybank.co.uk"}) {
		t.Errorf("cookies left: %q, want the bank's only", hosts)
	}
}

// TestEndSessionBrowserOpen: a browser still open is named, the end is
// recorded with it skipped, and "Close … and clear" clears it afterwards
// and adds what it did to the ended session's record.
func TestEndSessionBrowserOpen(t *testing.T) {
	ag := traytest.StartAgent(t)
	pol := all.DefaultPolicy()
	pol.AllowOverride = true
	ag.SetPolicy(pol)
	var mu sync.Mutex
	var calls []bool
	clear := func(_ context.Context, closeBrowsers bool) (browsers.Report, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, closeBrowsers)
		ff := browsers.Result{Browser: browsers.Firefox, BrowserName: "Firefox", Status: browsers.StatusSkipped, Reason: browsers.ReasonBrowserRunning, Before: 4, Kept: 4}
		if closeBrowsers {
			ff = browsers.Result{Browser: browsers.Firefox, BrowserName: "Firefox", Status: browsers.StatusCleared, Before: 4, Removed: 4, ClosedBrowser: true}
		}
		return browsers.Report{Schema: browsers.ReportSchema, Results: []browsers.Result{ff}}, nil
	}
	r := &recorder{answers: []answerScript{{"CR-7", true}, {"1", true}}}
	app := startApp(t, ag, r, clear, tray.Config{})
	waitMenu(t, app, "the results", func(v tray.MenuView) bool { _, ok := item(v, tray.KeyCheckPrefix+"firewall"); return ok })
	app.Send(tray.ClickStartSession{})
	waitMenu(t, app, "End session", hasLabel(tray.KeyStartEnd, tray.LabelEnd))
	app.Send(tray.ClickEndSession{})
	// Offered (enabled) once the end is recorded.
	v := waitMenu(t, app, "the close offer", func(v tray.MenuView) bool {
		it, ok := item(v, tray.KeyCloseBrowsers)
		return ok && it.Enabled && it.Label == "Close Firefox and clear its cookies"
	})
	if it, _ := item(v, tray.KeyCookies); it.Label != "No cookies cleared; Firefox is still open" {
		t.Errorf("cookie line %q", it.Label)
	}
	recs := ag.Log.Records()
	if len(recs) != 2 || recs[1].Cookies == nil || recs[1].Cookies.ProfilesSkipped != 1 {
		t.Fatalf("end record %+v", recs)
	}
	app.Send(tray.ClickCloseBrowsersAndClear{})
	waitMenu(t, app, "the clean-up", hasLabel(tray.KeyCookies, "4 cookies cleared in 1 browser"))
	traytest.WaitFor(t, "the clean-up in the session log", func() bool { return len(ag.Log.Records()) == 3 })
	if amend := ag.Log.Records()[2]; amend.Event != report.SessionCookies || amend.SessionID != recs[1].SessionID ||
		amend.Cookies == nil || amend.Cookies.Removed != 4 || amend.Cookies.ProfilesCleared != 1 {
		t.Errorf("clean-up record %+v, want the 4 cookies against the ended session", amend)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(calls, []bool{false, true}) {
		t.Errorf("clear calls %v, want a plain clear then one closing browsers", calls)
	}
}

// TestReminder: the clock ticks and a session open longer than the policy
// says brings one reminder.
func TestReminder(t *testing.T) {
	ag := traytest.StartAgent(t)
	pol := all.DefaultPolicy()
	pol.AllowOverride = true
	ag.SetPolicy(pol)
	r := &recorder{answers: []answerScript{{"CR-9", true}, {"1", true}}}
	app := startApp(t, ag, r, nil, tray.Config{RemindAfter: 50 * time.Millisecond})
	waitMenu(t, app, "the results", func(v tray.MenuView) bool { _, ok := item(v, tray.KeyCheckPrefix+"firewall"); return ok })
	if r.noted("Your session is still open") {
		t.Fatal("reminded without a session")
	}
	app.Send(tray.ClickStartSession{})
	traytest.WaitFor(t, "the reminder", func() bool { return r.noted("Your session is still open: Case CR-9 started at ") })
	time.Sleep(100 * time.Millisecond) // several more ticks
	n := 0
	for _, note := range r.get(func(r *recorder) []string { return r.notes }) {
		if strings.HasPrefix(note, "Your session is still open") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}
}

// TestReconnect: the agent stops (grey, not running) and comes back; the
// watch stream reconnects by itself and the results are fetched again.
func TestReconnect(t *testing.T) {
	ag := traytest.StartAgent(t)
	r := &recorder{}
	app := startApp(t, ag, r, nil, tray.Config{DashboardURL: "https://sg.example.org/"})
	waitMenu(t, app, "the results", func(v tray.MenuView) bool { return v.Icon == localapi.Red })
	reads := ag.ResultsRead()
	ag.Stop()
	v := waitMenu(t, app, "grey", func(v tray.MenuView) bool { return v.Icon == localapi.Grey })
	for _, it := range v.Items {
		if it.Enabled && it.Key != tray.KeyQuit && it.Key != tray.KeyDashboard && it.Key != tray.KeyAbout {
			t.Errorf("%q enabled while the agent is down", it.Label)
		}
	}
	// The dashboard is on the server: it still opens.
	app.Send(tray.ClickOpenDashboard{})
	traytest.WaitFor(t, "the dashboard", func() bool { return len(r.get(func(r *recorder) []string { return r.opened })) == 1 })

	ag.Serve(t)
	waitMenu(t, app, "back", func(v tray.MenuView) bool { return v.Icon == localapi.Red })
	traytest.WaitFor(t, "results fetched again", func() bool { return ag.ResultsRead() > reads })
}

// TestCheckAgainAndFix: Check again runs the agent's checks; clicking a
// failing check shows its fix.
func TestCheckAgainAndFix(t *testing.T) {
	ag := traytest.StartAgent(t)
	r := &recorder{}
	app := startApp(t, ag, r, nil, tray.Config{})
	waitMenu(t, app, "Check again enabled", func(v tray.MenuView) bool { it, _ := item(v, tray.KeyCheckAgain); return it.Enabled })
	runs := ag.Runs.Load()
	ag.Probe.Use(t, "empty_ruleset_no_frontends")
	app.Send(tray.ClickCheckAgain{})
	traytest.WaitFor(t, "a run", func() bool { return ag.Runs.Load() > runs })
	v := waitMenu(t, app, "the firewall off", func(v tray.MenuView) bool {
		it, ok := item(v, tray.KeyCheckPrefix+"firewall")
		return ok && strings.HasPrefix(it.Label, "✖ Firewall")
	})
	traytest.WaitFor(t, "the notification", func() bool { return r.noted("Firewall needs attention") })
	it, _ := item(v, tray.KeyCheckPrefix+"firewall")
	app.Send(it.Click)
	traytest.WaitFor(t, "the fix", func() bool {
		return slices.ContainsFunc(r.get(func(r *recorder) []string { return r.shown }), func(s string) bool { return strings.HasPrefix(s, "How to fix: Firewall: ") })
	})
}

func TestBackoff(t *testing.T) {
	lo, hi := 100*time.Millisecond, 2*time.Second
	for f := range 40 {
		for range 50 {
			d := backoff(f, lo, hi)
			ceil := min(hi, lo<<min(f, 20))
			if d < lo || d > ceil {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", f, d, lo, ceil)
			}
		}
	}
}

// BenchmarkWatchToMenu is the latency from a change in the agent (a
// status event) to the tray's new menu: the event crosses the unix socket
// as one NDJSON line, goes through Update and Menu, and is rendered.
func BenchmarkWatchToMenu(b *testing.B) {
	ag := traytest.StartAgent(b)
	client := localapi.NewClient(ag.Socket)
	defer client.Close()
	r := &recorder{}
	app, err := New(Config{Agent: client, Clear: PolicyClearer(all.DefaultPolicy()), Desktop: desktop.Desktop{Notifier: r, Asker: r, Opener: r}})
	if err != nil {
		b.Fatal(err)
	}
	views := app.Watch()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = app.Run(ctx) }()
	traytest.WaitFor(b, "connected", func() bool { return app.Menu().Icon == localapi.Red && ag.ResultsRead() > 0 })
	time.Sleep(50 * time.Millisecond)
	pol := all.DefaultPolicy()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// drain, change, wait for the render
		select {
		case <-views:
		default:
		}
		pol.AllowOverride = i%2 == 0
		ag.SetPolicy(pol)
		<-views
	}
}
