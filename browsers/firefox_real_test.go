//go:build linux

package browsers

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/internal/firefoxtest"
)

const firefoxBin = "/usr/bin/firefox-esr"

// newFirefoxProfile makes a Firefox profile folder under home and the
// profiles.ini naming it (the default profile), and returns the folder.
func newFirefoxProfile(t *testing.T, home string) string {
	t.Helper()
	root := filepath.Join(home, ".mozilla", "firefox")
	dir := filepath.Join(root, "sgtest.default-esr")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ini := "[Profile0]\nName=default-esr\nIsRelative=1\nPath=sgtest.default-esr\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n"
	if err := os.WriteFile(filepath.Join(root, "profiles.ini"), []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// firefoxProfile writes profiles.ini and a profile whose user.js sends
// every request to the test proxy and switches off first-run pages,
// telemetry, background connections and HTTPS upgrades.
func firefoxProfile(t *testing.T, home, proxy string) string {
	t.Helper()
	dir := newFirefoxProfile(t, home)
	host, portText, _ := strings.Cut(proxy, ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		t.Fatalf("proxy %q: %v", proxy, err)
	}
	prefs := firefoxtest.QuietPrefs()
	for k, v := range map[string]any{
		"network.proxy.type":                                         1,
		"network.proxy.http":                                         host,
		"network.proxy.http_port":                                    port,
		"network.proxy.ssl":                                          host,
		"network.proxy.ssl_port":                                     port,
		"network.proxy.allow_hijacking_localhost":                    true,
		"network.proxy.no_proxies_on":                                "",
		"network.stricttransportsecurity.preloadlist":                false,
		"dom.security.https_first_schemeless":                        false,
		"browser.newtabpage.activity-stream.feeds.system.topstories": false,
		"network.cookie.cookieBehavior":                              5, // Firefox's own: frames' cookies partitioned
	} {
		prefs[k] = v
	}
	firefoxtest.WriteUserJS(t, dir, prefs)
	return dir
}

func TestFirefoxRealProfile(t *testing.T) {
	bin := requireBinary(t, firefoxBin)
	srv := newCookieServer(t)
	home := t.TempDir()
	dir := firefoxProfile(t, home, srv.addr)
	env := &Env{Home: home, GOOS: "linux", Vars: map[string]string{}}
	// A round that is not left running ends with window.close(): Firefox
	// then quits cleanly and writes its cookies (on SIGTERM it does not).
	run := func(mode, id string, leaveRunning bool) *browserProc {
		if !leaveRunning {
			id += "-close"
		}
		url, done := srv.start("http", mode, id)
		b := startBrowser(t, home, bin, "--headless", "--no-remote", "--profile", dir, url)
		waitRound(t, done, b, mode+" "+id)
		if !leaveRunning {
			select {
			case <-b.done:
			case <-time.After(roundTimeout):
				// As long as a round may take: a full test run's load
				// once kept Firefox from quitting within 20 s.
				t.Fatalf("Firefox did not quit within %s of window.close() in %s", roundTimeout, id)
			}
		}
		return b
	}
	db := filepath.Join(dir, "cookies.sqlite")
	bank := cookieNames(keptWithBank)
	notBank := cookieNames(func(c siteCookie) bool { return !keptWithBank(c) })
	everything := cookieNames(func(siteCookie) bool { return true })

	// 1. Firefox sets every cookie and quits.
	run("set", "f1", false)
	if got := storedValues(t, db, "moz_cookies", "name", everything); len(got) != len(everything) {
		t.Fatalf("Firefox stored %d of %d cookies: %v", len(got), len(everything), sortedKeys(func() map[string]bool {
			m := map[string]bool{}
			for k := range got {
				m[k] = true
			}
			return m
		}()))
	}

	assertPartitioned(t, db, EngineFirefox)
	// 2. Firefox runs again: skipped, nothing claimed.
	b := run("check", "f1b", true)
	srv.assertSent(t, "f1b", everything)
	rep := clearNow(t, Options{Env: env, Browsers: []string{"firefox-esr"}, Keep: []string{"mybank.co.uk"}})
	if r := resultFor(t, rep, Firefox); r.Status != StatusSkipped || r.Reason != ReasonBrowserRunning || r.Removed != 0 {
		t.Fatalf("open browser: got %+v, want skipped browser_running", r)
	}

	// 3. --close-browsers: Firefox is asked to quit, then cleared.
	rep = clearNow(t, Options{Env: env, Browsers: []string{Firefox}, Keep: []string{"mybank.co.uk"}, CloseBrowsers: true})
	r := resultFor(t, rep, Firefox)
	if r.Status != StatusCleared || !r.ClosedBrowser || r.Removed != len(notBank) || r.Kept != len(bank) {
		t.Fatalf("close and clear: got %+v, want cleared, %d removed, %d kept", r, len(notBank), len(bank))
	}
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Firefox still running after --close-browsers")
	}
	gone := map[string][]byte{}
	for _, n := range notBank {
		gone[n] = []byte(srv.values[n]) // Firefox stores values in plain text
	}
	assertGone(t, db, gone, bank[0])
	run("check", "f2", false)
	srv.assertSent(t, "f2-close", bank)

	// 4. --domain zoom.us and bücher.example (typed in its own script).
	run("set", "f3", false)
	zoom := cookieNames(clearedByDomains)
	stored := storedValues(t, db, "moz_cookies", "value", zoom)
	if len(stored) != len(zoom) {
		t.Fatalf("Firefox stored %d of the zoom cookies %v", len(stored), zoom)
	}
	rep = clearNow(t, Options{Env: env, Browsers: []string{Firefox}, Domains: domainsCleared})
	if r := resultFor(t, rep, Firefox); r.Status != StatusCleared || r.Removed != len(zoom) || r.Kept != len(testCookies)-len(zoom) {
		t.Fatalf("--domain %v: got %+v, want %d removed", domainsCleared, r, len(zoom))
	}
	assertGone(t, db, stored, "sgnotzoom")
	run("check", "f4", false)
	var rest []string
	for _, c := range testCookies {
		if !clearedByDomains(c) {
			rest = append(rest, c.name)
		}
	}
	srv.assertSent(t, "f4-close", rest)

	// 5. Keeping the bank, every way a keeping clear can go (its rows
	// copied aside while the table is emptied, or the other hosts' rows
	// deleted; the hosts in one statement or several), each after the
	// browser has set every cookie again: the kept rows come back byte for
	// byte, as the selector asked row by row keeps them, and only they
	// remain.
	for i, way := range keepWays {
		run("set", fmt.Sprintf("f5-%d", i), false)
		before := tableRows(t, db, "moz_cookies")
		if len(before) != len(testCookies) {
			t.Fatalf("%v: the browser stored %d of %d cookies before the clear", way, len(before), len(testCookies))
		}
		kept, _ := keptAndGone(t, db, EngineFirefox, selector{keep: []string{"mybank.co.uk"}})
		way.run(func() {
			rep = clearNow(t, Options{Env: env, Browsers: []string{Firefox}, Keep: []string{"mybank.co.uk"}})
		})
		if r := resultFor(t, rep, Firefox); r.Status != StatusCleared || r.Kept != len(kept) || r.Removed != len(before)-len(kept) || len(kept) != len(bank) {
			t.Fatalf("keeping the bank, %v: got %+v, want %d kept of %d", way, r, len(bank), len(before))
		}
		if got := tableRows(t, db, "moz_cookies"); !slices.Equal(got, kept) {
			t.Errorf("%v: kept rows changed:\n got %q\nwant %q", way, got, kept)
		}
		goneNames := map[string][]byte{}
		for _, n := range notBank {
			goneNames[n] = nil
		}
		assertGone(t, db, goneNames, bank[0])
	}
}

// sortedKeys lists a set's members in order, for messages.
func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}
