//go:build linux

package browsers

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const chromiumBin = "/usr/bin/chromium"

func chromiumArgs(userDataDir, proxy, spki, url string) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
		"--password-store=basic", "--use-mock-keychain",
		"--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,MediaRouter,OptimizationHints",
		"--user-data-dir=" + userDataDir,
		"--proxy-server=http://" + proxy, "--proxy-bypass-list=<-loopback>",
		"--ignore-certificate-errors-spki-list=" + spki,
		"--remote-debugging-pipe",
		url,
	}
}

// storedValues reads the name and the stored value bytes (value, or the
// encrypted_value blob Chromium writes with --password-store=basic) of the
// cookies whose names are listed.
func storedValues(t *testing.T, db, table, valueExpr string, names []string) map[string][]byte {
	t.Helper()
	conn, err := sql.Open("sqlite", db+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(t.Context(), "SELECT name, "+valueExpr+" FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var name string
		var v []byte
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names, name) {
			out[name] = v
		}
	}
	return out
}

// assertGone checks that none of the removed markers (cookie names, and the
// stored value bytes read before clearing) remain in the store, its WAL or
// its journal, and that a kept cookie's name does (so the search is
// meaningful).
func assertGone(t *testing.T, db string, removed map[string][]byte, keptName string) {
	t.Helper()
	all := storeBytes(t, db)
	for name, value := range removed {
		if bytes.Contains(all, []byte(name)) {
			t.Errorf("cleared cookie name %s still in %s files", name, filepath.Base(db))
		}
		if len(value) >= 8 && bytes.Contains(all, value) {
			t.Errorf("cleared cookie %s: its stored value bytes are still in %s files", name, filepath.Base(db))
		}
	}
	if keptName != "" && !bytes.Contains(all, []byte(keptName)) {
		t.Errorf("kept cookie %s not found in %s files: the search would prove nothing", keptName, filepath.Base(db))
	}
}

func TestChromiumRealProfile(t *testing.T) {
	bin := requireBinary(t, chromiumBin)
	srv := newCookieServer(t)
	home := t.TempDir()
	udd := filepath.Join(home, ".config", "chromium")
	env := &Env{Home: home, GOOS: "linux", Vars: map[string]string{}}
	run := func(mode, id string, leaveRunning bool) *browserProc {
		url, done := srv.start("https", mode, id)
		b := startBrowser(t, home, bin, chromiumArgs(udd, srv.addr, srv.spki(), url)...)
		waitRound(t, done, b, mode+" "+id)
		if !leaveRunning {
			b.stop(t, 20*time.Second)
		}
		return b
	}
	bank := cookieNames(keptWithBank)
	notBank := cookieNames(func(c siteCookie) bool { return !keptWithBank(c) })
	everything := cookieNames(func(siteCookie) bool { return true })
	db := func() string {
		if files := cookieFiles(EngineChromium, filepath.Join(udd, "Default")); len(files) > 0 {
			return files[0]
		}
		t.Fatal("Chromium wrote no cookie store")
		return ""
	}

	// 1. The browser sets every cookie and quits cleanly: all on disk.
	run("set", "c1", false)
	if got := storedValues(t, db(), "cookies", "name", everything); len(got) != len(everything) {
		t.Fatalf("Chromium stored %d of %d cookies", len(got), len(everything))
	}

	assertPartitioned(t, db(), EngineChromium)
	// 2. The browser runs again (and sends them all): skipped, nothing claimed.
	b := run("check", "c1b", true)
	srv.assertSent(t, "c1b", everything)
	rep := clearNow(t, Options{Env: env, Browsers: []string{Chromium}, Keep: []string{"mybank.co.uk"}})
	if r := resultFor(t, rep, Chromium); r.Status != StatusSkipped || r.Reason != ReasonBrowserRunning || r.Removed != 0 {
		t.Fatalf("open browser: got %+v, want skipped browser_running", r)
	}
	if rep.OK() {
		t.Fatal("report OK with a skipped profile")
	}
	if got := storedValues(t, db(), "cookies", "name", everything); len(got) != len(everything) {
		t.Fatalf("skipped profile lost cookies: %d of %d left", len(got), len(everything))
	}

	// 3. --close-browsers: Chromium is asked to quit (SIGTERM), then cleared.
	rep = clearNow(t, Options{Env: env, Browsers: []string{Chromium}, Keep: []string{"mybank.co.uk"}, CloseBrowsers: true})
	r := resultFor(t, rep, Chromium)
	if r.Status != StatusCleared || !r.ClosedBrowser || r.Removed != len(notBank) || r.Kept != len(bank) {
		t.Fatalf("close and clear: got %+v, want cleared, %d removed, %d kept", r, len(notBank), len(bank))
	}
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Chromium still running after --close-browsers")
	}
	gone := map[string][]byte{}
	for _, n := range notBank {
		gone[n] = nil
	}
	assertGone(t, db(), gone, bank[0])
	run("check", "c2", false)
	srv.assertSent(t, "c2", bank)

	// 4. --domain zoom.us and bücher.example (typed in its own script): only
	// they and their subdomains go, notzoom.us stays.
	run("set", "c3", false)
	zoom := cookieNames(clearedByDomains)
	stored := storedValues(t, db(), "cookies", "encrypted_value || value", zoom)
	if len(stored) != len(zoom) {
		t.Fatalf("Chromium stored %d of the zoom cookies %v", len(stored), zoom)
	}
	rep = clearNow(t, Options{Env: env, Browsers: []string{Chromium}, Domains: domainsCleared})
	if r := resultFor(t, rep, Chromium); r.Status != StatusCleared || r.Removed != len(zoom) || r.Kept != len(testCookies)-len(zoom) {
		t.Fatalf("--domain %v: got %+v, want %d removed", domainsCleared, r, len(zoom))
	}
	assertGone(t, db(), stored, "sgnotzoom")
	run("check", "c4", false)
	var rest []string
	for _, c := range testCookies {
		if !clearedByDomains(c) {
			rest = append(rest, c.name)
		}
	}
	srv.assertSent(t, "c4", rest)

	// 5. Keeping the bank, every way a keeping clear can go (its rows
	// copied aside while the table is emptied, or the other hosts' rows
	// deleted; the hosts in one statement or several), each after the
	// browser has set every cookie again: the kept rows come back byte for
	// byte, as the selector asked row by row keeps them, and only they
	// remain.
	for i, way := range keepWays {
		run("set", fmt.Sprintf("c5-%d", i), false)
		before := tableRows(t, db(), "cookies")
		if len(before) != len(testCookies) {
			t.Fatalf("%v: the browser stored %d of %d cookies before the clear", way, len(before), len(testCookies))
		}
		kept, _ := keptAndGone(t, db(), EngineChromium, selector{keep: []string{"mybank.co.uk"}})
		way.run(func() {
			rep = clearNow(t, Options{Env: env, Browsers: []string{Chromium}, Keep: []string{"mybank.co.uk"}})
		})
		if r := resultFor(t, rep, Chromium); r.Status != StatusCleared || r.Kept != len(kept) || r.Removed != len(before)-len(kept) || len(kept) != len(bank) {
			t.Fatalf("keeping the bank, %v: got %+v, want %d kept of %d", way, r, len(bank), len(before))
		}
		if got := tableRows(t, db(), "cookies"); !slices.Equal(got, kept) {
			t.Errorf("%v: kept rows changed:\n got %q\nwant %q", way, got, kept)
		}
		goneNames := map[string][]byte{}
		for _, n := range notBank {
			goneNames[n] = nil
		}
		assertGone(t, db(), goneNames, bank[0])
	}
}

// A running Chromium whose lock names another host (the machine was
// renamed while it ran) is still in use: its SingletonSocket answers. Also
// when the lock's pid is not one of this machine's.
func TestChromiumRealRenamedHostIsInUse(t *testing.T) {
	bin := requireBinary(t, chromiumBin)
	home := t.TempDir()
	udd := filepath.Join(home, ".config", "chromium")
	writeCookieDB(t, filepath.Join(udd, "Default", "Cookies"), EngineChromium, "wal", sampleCookies)
	b := startBrowser(t, home, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--password-store=basic", "--user-data-dir="+udd, "about:blank")
	lock := filepath.Join(udd, "SingletonLock")
	deadline := time.Now().Add(roundTimeout)
	for {
		if _, err := os.Readlink(lock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Chromium wrote no SingletonLock")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, target := range []string{"renamed-host-" + itoa(b.cmd.Process.Pid), "renamed-host-" + itoa(deadPID(t))} {
		if err := os.Remove(lock); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, lock); err != nil {
			t.Fatal(err)
		}
		if st := liveSystem().lockState(Profile{Engine: EngineChromium, LockDir: udd}); !st.inUse {
			t.Errorf("lock %s: running Chromium not seen (%+v)", target, st)
		}
		rep := clearNow(t, Options{Env: &Env{Home: home, GOOS: "linux", Vars: map[string]string{}}, Browsers: []string{Chromium}})
		if r := resultFor(t, rep, Chromium); r.Status != StatusSkipped || r.Reason != ReasonBrowserRunning {
			t.Errorf("lock %s: got %+v, want skipped browser_running", target, r)
		}
	}
	b.stop(t, 20*time.Second)
}
