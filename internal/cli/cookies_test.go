package cli

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/sessionguard/sessionguard/browsers"
)

// runCookies runs the whole CLI, as main does; `cookies clear` asks no
// agent and reads a state directory of its own (not enrolled), so the
// built-in scope applies unless the test names one.
func runCookies(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if len(args) > 1 && args[1] == "clear" && !slices.Contains(args, "--state-dir") {
		args = append(args, "--socket", filepath.Join(t.TempDir(), "no-agent.sock"), "--state-dir", t.TempDir())
	}
	return run(t, args...)
}

// TestCookiesClearFollowsTheOrganisation: with no --policy, `cookies
// clear` clears by the organisation's scope, as session end does: here
// the team policy this computer last received (the agent not running)
// keeps mybank.co.uk. A tester found it cleared every site, the kept
// bank's cookies too. An enrolled computer whose team policy cannot be
// read says so and clears every site.
func TestCookiesClearFollowsTheOrganisation(t *testing.T) {
	_, chromeDB, _ := cookieHome(t)
	socket := filepath.Join(t.TempDir(), "no-agent.sock")
	team := `{"schema":"sessionguard.policy/v1","cookie_keep":["MyBank.co.uk"]}`
	out, errOut, code := runCookies(t, "cookies", "clear", "--browser", "chromium", "--socket", socket, "--state-dir", enrolledState(t, team))
	if code != 0 || !strings.Contains(out, "keeping mybank.co.uk") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if n := countRows(t, chromeDB, "cookies"); n != 1 {
		t.Errorf("%d cookies left, want the kept bank's 1", n)
	}

	_, chromeDB, _ = cookieHome(t)
	out, errOut, code = runCookies(t, "cookies", "clear", "--browser", "chromium", "--socket", socket, "--state-dir", enrolledState(t, ""))
	if code != 0 || !strings.Contains(errOut, "every site's cookies are cleared") || countRows(t, chromeDB, "cookies") != 0 {
		t.Errorf("team policy unread: exit %d, %d left\n%s%s", code, countRows(t, chromeDB, "cookies"), out, errOut)
	}
}

// cookieHome is a fake home with a Chromium and a Firefox profile.
func cookieHome(t *testing.T) (home, chromeDB, firefoxDB string) {
	t.Helper()
	home = t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	chromeDB = filepath.Join(home, ".config", "chromium", "Default", "Network", "Cookies")
	firefoxDir := filepath.Join(home, ".mozilla", "firefox", "x.default")
	firefoxDB = filepath.Join(firefoxDir, "cookies.sqlite")
	hosts := []string{".zoom.us", "us02web.zoom.us", "meet.google.com", ".mybank.co.uk", "notzoom.us"}
	makeDB(t, chromeDB, "CREATE TABLE cookies(host_key TEXT, name TEXT, value TEXT)", "INSERT INTO cookies VALUES(?, 'n', 'v')", hosts)
	makeDB(t, firefoxDB, "CREATE TABLE moz_cookies(id INTEGER PRIMARY KEY, host TEXT, name TEXT, value TEXT)", "INSERT INTO moz_cookies(host, name, value) VALUES(?, 'n', 'v')", hosts)
	ini := "[Profile0]\nName=default\nIsRelative=1\nPath=x.default\n"
	if err := os.WriteFile(filepath.Join(home, ".mozilla", "firefox", "profiles.ini"), []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, chromeDB, firefoxDB
}

func makeDB(t *testing.T, path, schema, insert string, hosts []string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if _, err := db.Exec(insert, h); err != nil {
			t.Fatal(err)
		}
	}
}

func countRows(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCookiesClearUnderSudoRefuses: run with sudo, clearing would empty
// root's browsers and report it done while the person's stay as they
// were (a tester's session end recorded "0 cookies removed" that way); it
// refuses instead, naming the account to run it as, and changes nothing.
func TestCookiesClearUnderSudoRefuses(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("sudo runs commands as root")
	}
	_, chromeDB, _ := cookieHome(t)
	t.Setenv("SUDO_USER", "pat")
	out, errOut, code := runCookies(t, "cookies", "clear", "--browser", "chromium")
	if code == 0 || !strings.Contains(errOut, "run it as pat, without sudo") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if n := countRows(t, chromeDB, "cookies"); n != 5 {
		t.Errorf("%d cookies left, want all 5", n)
	}
}

func TestCookiesClearRunningBrowserExits1(t *testing.T) {
	home, chromeDB, firefoxDB := cookieHome(t)
	// This test process holds the Chromium lock: a live pid on this host.
	host, _ := os.Hostname()
	if err := os.Symlink(host+"-"+strconv.Itoa(os.Getpid()), filepath.Join(home, ".config", "chromium", "SingletonLock")); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCookies(t, "cookies", "clear", "--keep", "mybank.co.uk")
	if code != ExitNotReady {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"SKIPPED", "Chromium is open with this profile", "Fix: Close Chromium", "✔ cleared  Firefox", "4 cookies removed, 1 kept", "NOT CLEARED"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "SingletonLock") || strings.Contains(out, "lock") {
		t.Errorf("the practitioner is told about lock files:\n%s", out)
	}
	if n := countRows(t, chromeDB, "cookies"); n != 5 {
		t.Errorf("skipped Chromium profile has %d cookies, want 5 untouched", n)
	}
	if n := countRows(t, firefoxDB, "moz_cookies"); n != 1 {
		t.Errorf("Firefox has %d cookies, want 1 (the kept bank)", n)
	}

	out, _, code = runCookies(t, "cookies", "clear", "--json", "--browser", "chromium")
	if code != ExitNotReady {
		t.Fatalf("json: exit %d", code)
	}
	var rep browsers.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Status != browsers.StatusSkipped || rep.Results[0].Reason != browsers.ReasonBrowserRunning || rep.Results[0].Removed != 0 {
		t.Errorf("json report: %+v", rep.Results)
	}
}

func TestCookiesClearAndList(t *testing.T) {
	_, chromeDB, firefoxDB := cookieHome(t)

	out, _, code := runCookies(t, "cookies", "list", "--json")
	if code != 0 {
		t.Fatalf("list exit %d", code)
	}
	var list struct {
		Profiles []browsers.ProfileInfo `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Profiles) != 2 || list.Profiles[0].Cookies != 5 || list.Profiles[0].Sites != 4 || list.Profiles[0].InUse {
		t.Errorf("list: %+v", list.Profiles)
	}
	out, _, _ = runCookies(t, "cookies", "list")
	if !strings.Contains(out, "BROWSER") || !strings.Contains(out, "Chromium") {
		t.Errorf("human list:\n%s", out)
	}

	out, _, code = runCookies(t, "cookies", "clear", "--dry-run", "--domain", "zoom.us")
	if code != 0 || !strings.Contains(out, "would remove 2 of 5 cookies") || !strings.Contains(out, "DRY RUN") {
		t.Errorf("dry run exit %d:\n%s", code, out)
	}
	if countRows(t, chromeDB, "cookies") != 5 {
		t.Error("dry run changed the database")
	}

	out, _, code = runCookies(t, "cookies", "clear", "--domain", "https://zoom.us/j/1", "--browser", "chromium")
	if code != 0 || !strings.Contains(out, "DONE") {
		t.Errorf("clear exit %d:\n%s", code, out)
	}
	if n := countRows(t, chromeDB, "cookies"); n != 3 {
		t.Errorf("chromium has %d cookies, want 3", n)
	}
	if n := countRows(t, firefoxDB, "moz_cookies"); n != 5 {
		t.Errorf("--browser chromium touched Firefox (%d left)", n)
	}
}

func TestCookiesUsageErrorsExit2(t *testing.T) {
	cookieHome(t)
	for _, args := range [][]string{
		{"cookies", "clear", "--browser", "netscape"},
		{"cookies", "clear", "--domain", "zoom us"},
		{"cookies", "clear", "--profile", "nobody"},
		{"cookies", "clear", "extra"},
		{"cookies", "list", "--bogus"},
	} {
		if _, errOut, code := runCookies(t, args...); code != ExitError || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// TestCookiesClearScopeFromPolicy: the policy's keep-list and domains set
// the default scope; --domain narrows it and --keep adds to it.
func TestCookiesClearScopeFromPolicy(t *testing.T) {
	_, chromeDB, firefoxDB := cookieHome(t)
	pol := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(pol, []byte(`{"schema":"sessionguard.policy/v1","cookie_keep":["mybank.co.uk"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCookies(t, "cookies", "clear", "--policy", pol, "--browser", "chromium")
	if code != 0 || !strings.Contains(out, "keeping mybank.co.uk") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if n := countRows(t, chromeDB, "cookies"); n != 1 {
		t.Errorf("chromium kept %d cookies, want only the bank's", n)
	}
	if err := os.WriteFile(pol, []byte(`{"schema":"sessionguard.policy/v1","cookie_domains":["zoom.us"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, code := runCookies(t, "cookies", "clear", "--policy", pol, "--browser", "firefox", "--keep", "us02web.zoom.us"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := countRows(t, firefoxDB, "moz_cookies"); n != 4 {
		t.Errorf("firefox has %d cookies, want 4 (.zoom.us cleared, us02web.zoom.us kept)", n)
	}
	if err := os.WriteFile(pol, []byte(`{"schema":"sessionguard.policy/v1","cookie_keep":["https://bank/x"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCookies(t, "cookies", "clear", "--policy", pol); code != ExitError || !strings.Contains(errOut, "cookie_keep") {
		t.Errorf("malformed policy: exit %d, %q", code, errOut)
	}
}

// TestCookiesHelpNamesTheCatalogue: the help names every browser of the
// catalogue, and --browser offers every id, so neither can fall behind it.
func TestCookiesHelpNamesTheCatalogue(t *testing.T) {
	out, _, code := runCookies(t, "cookies", "--help")
	if code != 0 {
		t.Fatalf("cookies --help exit %d", code)
	}
	long, _, _ := strings.Cut(out, "Usage:")
	for _, line := range strings.Split(long, "\n") {
		if len(line) > 80 {
			t.Errorf("help line over 80 columns: %q", line)
		}
	}
	oneLine := strings.Join(strings.Fields(out), " ")
	list, _, code := runCookies(t, "cookies", "list", "--help")
	if code != 0 {
		t.Fatalf("cookies list --help exit %d", code)
	}
	for _, b := range browsers.Known() {
		if !strings.Contains(oneLine, b.Name) {
			t.Errorf("cookies --help does not name %s:\n%s", b.Name, out)
		}
		if !strings.Contains(list, b.ID) {
			t.Errorf("cookies list --help does not offer --browser %s:\n%s", b.ID, list)
		}
	}
}
