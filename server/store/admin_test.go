package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// The AdminStore suite, run on both back ends.
var adminTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Accounts", testAdminAccounts},
	{"LoginSessions", testAdminSessions},
	{"SearchDevices", testSearchDevices},
	{"SearchDevicesBeyondASCII", testSearchDevicesBeyondASCII},
	{"ComplianceAndRuns", testComplianceAndRuns},
	{"SearchSessions", testSearchSessions},
	{"FleetSnapshots", testFleetSnapshots},
	{"UnreportedRequiredListed", testUnreportedRequiredListed},
}

func runAdminSuite(t *testing.T, open func(testing.TB) store.Store) {
	for _, tc := range adminTests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			tc.fn(t, s)
		})
	}
}

func TestAdminSQLite(t *testing.T)   { runAdminSuite(t, storetest.OpenSQLite) }
func TestAdminPostgres(t *testing.T) { runAdminSuite(t, storetest.OpenPostgres) }

func testAdminAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.CreateAdmin(ctx, "alice", "$argon2id$h1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAdmin(ctx, "alice", "$argon2id$h2"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second alice: %v, want ErrConflict", err)
	}
	if _, err := s.CreateAdmin(ctx, " ", "h"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("blank name: %v, want ErrInvalid", err)
	}
	if _, err := s.CreateAdmin(ctx, "bob", "$argon2id$hb"); err != nil {
		t.Fatal(err)
	}
	admins, err := s.Admins(ctx)
	if err != nil || len(admins) != 2 || admins[0].Name != "alice" || admins[1].Name != "bob" {
		t.Fatalf("Admins = %+v, %v", admins, err)
	}
	if err := s.SetAdminPassword(ctx, "alice", "$argon2id$new"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Admin(ctx, "alice")
	if err != nil || a.PasswordHash != "$argon2id$new" || a.Disabled() {
		t.Errorf("alice after set-password: %+v, %v", a, err)
	}
	if err := s.DisableAdmin(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Admin(ctx, "bob"); !b.Disabled() {
		t.Error("bob is not disabled")
	}
	for _, err := range []error{
		s.DisableAdmin(ctx, "nobody"),
		s.SetAdminPassword(ctx, "nobody", "h"),
		func() error { _, err := s.Admin(ctx, "nobody"); return err }(),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown admin: %v, want ErrNotFound", err)
		}
	}
}

func testAdminSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, n := range []string{"alice", "bob"} {
		if _, err := s.CreateAdmin(ctx, n, "h"); err != nil {
			t.Fatal(err)
		}
	}
	expires := time.Now().Add(time.Hour)
	sess, token, err := s.CreateAdminSession(ctx, "alice", expires)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "sgas_") || len(token) < 40 || sess.Admin != "alice" {
		t.Fatalf("session %+v token %q", sess, token)
	}
	got, err := s.AdminSessionByToken(ctx, token)
	if err != nil || got.ID != sess.ID || got.Admin != "alice" || !got.ExpiresAt.Equal(expires.UTC().Truncate(time.Microsecond)) {
		t.Errorf("AdminSessionByToken = %+v, %v; want %+v", got, err, sess)
	}
	if a, _ := s.Admin(ctx, "alice"); a.LastLoginAt == nil {
		t.Error("login time not recorded")
	}
	// Only the token's hash is stored.
	if n := rawCount(t, s, `SELECT COUNT(*) FROM admin_sessions WHERE token_hash = ? OR id = ?`, token, token); n != 0 {
		t.Errorf("the plain token is stored (%d rows)", n)
	}
	for _, bad := range []string{"", "sgas_nope", token + "x", "sgdt_" + token[5:]} {
		if _, err := s.AdminSessionByToken(ctx, bad); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("AdminSessionByToken(%q): %v, want ErrUnauthorized", bad, err)
		}
	}
	later := time.Now().Add(10 * time.Minute)
	if err := s.TouchAdminSession(ctx, token, later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AdminSessionByToken(ctx, token); !got.LastSeenAt.Equal(later.UTC().Truncate(time.Microsecond)) {
		t.Errorf("LastSeenAt = %v, want %v", got.LastSeenAt, later)
	}
	// Disabled accounts cannot log in, and their sessions end.
	_, bobToken, err := s.CreateAdminSession(ctx, "bob", expires)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DisableAdmin(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdminSessionByToken(ctx, bobToken); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("disabled admin's session: %v, want ErrUnauthorized", err)
	}
	if _, _, err := s.CreateAdminSession(ctx, "bob", expires); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("login of a disabled admin: %v, want ErrUnauthorized", err)
	}
	// A new password ends the sessions too.
	_, second, _ := s.CreateAdminSession(ctx, "alice", expires)
	if err := s.SetAdminPassword(ctx, "alice", "h2"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{token, second} {
		if _, err := s.AdminSessionByToken(ctx, tok); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("session after a password change: %v, want ErrUnauthorized", err)
		}
	}
	// Logout and expiry.
	_, t1, _ := s.CreateAdminSession(ctx, "alice", time.Now().Add(time.Hour))
	_, t2, _ := s.CreateAdminSession(ctx, "alice", time.Now().Add(-time.Second))
	_, t3, _ := s.CreateAdminSession(ctx, "alice", time.Now().Add(time.Hour))
	if err := s.DeleteAdminSession(ctx, t1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AdminSessionByToken(ctx, t1); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("after logout: %v", err)
	}
	n, err := s.DeleteExpiredAdminSessions(ctx, time.Now(), time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredAdminSessions = %d, %v; want 1", n, err)
	}
	if _, err := s.AdminSessionByToken(ctx, t2); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("expired session survived: %v", err)
	}
	if _, err := s.AdminSessionByToken(ctx, t3); err != nil {
		t.Errorf("live session removed: %v", err)
	}
}

// raw is the store's database, for the few facts a test must set or see
// below the interface.
type raw interface {
	DB() *sql.DB
	Dialect() string
}

func rawQuery(t *testing.T, s store.Store, query string) string {
	t.Helper()
	r, ok := s.(raw)
	if !ok {
		t.Fatalf("%T does not expose its database", s)
	}
	if r.Dialect() == "postgres" {
		for i := 1; strings.Contains(query, "?"); i++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	return query
}

func rawCount(t *testing.T, s store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.(raw).DB().QueryRowContext(t.Context(), rawQuery(t, s, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func rawExec(t *testing.T, s store.Store, query string, args ...any) {
	t.Helper()
	if _, err := s.(raw).DB().ExecContext(t.Context(), rawQuery(t, s, query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// fleet seeds two teams: in "red", r0 ready, r1 not ready (firewall fail),
// r2 stale, r3 never reported, r4 revoked; in "blue", b0 not ready
// (firewall unknown, antivirus fail). It returns device IDs by name.
func fleet(t *testing.T, s store.Store, staleBefore time.Time) (red, blue store.Team, ids map[string]string) {
	t.Helper()
	ctx := t.Context()
	ids = map[string]string{}
	enrol := func(team store.Team, names ...string) {
		secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if ids[n], _, err = s.EnrollDevice(ctx, secret, n, storetest.Agent); err != nil {
				t.Fatal(err)
			}
		}
	}
	var err error
	// The teams require what their devices report (a required check left
	// out would count as unknown in the compliance figures).
	policy := storetest.RequiringOnly(t, "firewall", "antivirus")
	if red, err = s.CreateTeam(ctx, "red", policy); err != nil {
		t.Fatal(err)
	}
	if blue, err = s.CreateTeam(ctx, "blue", policy); err != nil {
		t.Fatal(err)
	}
	enrol(red, "Laptop-R0", "laptop-r1", "laptop-r2", "laptop-r3", "laptop-r4")
	enrol(blue, "desk_b0")
	res := func(id string, st checks.Status) report.CheckResult {
		return report.CheckResult{ID: id, Status: st, Required: true, Summary: id + " " + string(st)}
	}
	save := func(name string, ready bool, rs ...report.CheckResult) {
		if _, err := s.SaveReport(ctx, ids[name], storetest.CheckRun(time.Now(), ready, rs...)); err != nil {
			t.Fatal(err)
		}
	}
	save("Laptop-R0", true, res("firewall", checks.Pass), res("antivirus", checks.Pass))
	save("laptop-r1", false, res("firewall", checks.Fail), res("antivirus", checks.Warn))
	save("laptop-r2", true, res("firewall", checks.Fail), res("antivirus", checks.Pass))
	save("laptop-r4", true, res("firewall", checks.Pass))
	save("desk_b0", false, res("firewall", checks.Unknown), res("antivirus", checks.Fail))
	if err := s.RevokeDevice(ctx, ids["laptop-r4"]); err != nil {
		t.Fatal(err)
	}
	// r2 last reported before the stale limit.
	rawExec(t, s, `UPDATE devices SET last_seen_at = ?, latest_run_at = ? WHERE id = ?`, staleBefore.Add(-time.Hour).UnixMicro(), staleBefore.Add(-time.Hour).UnixMicro(), ids["laptop-r2"])
	return red, blue, ids
}

// testSearchDevicesBeyondASCII searches names with letters beyond ASCII
// (a Mac is named for its owner, "Élodie’s MacBook Air") in any case,
// and names with none by a search that has some: each way of finding
// them (the matches read first, or tested in the page's order).
func testSearchDevicesBeyondASCII(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, err := s.CreateTeam(ctx, "green", storetest.RequiringOnly(t, "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Élodie’s MacBook Air", "ÖMER-PC", "zoë-laptop", "elodie-pc"} {
		if _, _, err := s.EnrollDevice(ctx, secret, n, storetest.Agent); err != nil {
			t.Fatal(err)
		}
	}
	if s.(raw).Dialect() == "postgres" {
		var lower string
		if err := s.(raw).DB().QueryRowContext(ctx, `SELECT LOWER('É')`).Scan(&lower); err != nil || lower != "é" {
			t.Skipf("this PostgreSQL database lower-cases É as %q (%v): its LC_CTYPE folds ASCII only, which its LOWER and the search follow", lower, err)
		}
	}
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"élodie", []string{"Élodie’s MacBook Air"}},
		{"ÉLODIE", []string{"Élodie’s MacBook Air"}},
		{"elodie", []string{"elodie-pc"}},
		{"ömer", []string{"ÖMER-PC"}},
		{"ZOË", []string{"zoë-laptop"}},
		{"’s mac", []string{"Élodie’s MacBook Air"}},
		{"macbook", []string{"Élodie’s MacBook Air"}},
		{"é", []string{"Élodie’s MacBook Air"}},
	} {
		for _, many := range []int{1000, 1} {
			restore := store.SetManySearched(many)
			ds, err := s.SearchDevices(ctx, store.DeviceQuery{NameContains: c.search})
			restore()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Name)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("name holding %q (many at %d): got %q, want %q", c.search, many, got, c.want)
			}
		}
	}
}

func testSearchDevices(t *testing.T, s store.Store) {
	ctx := t.Context()
	staleBefore := time.Now().Add(-24 * time.Hour)
	red, blue, ids := fleet(t, s, staleBefore)
	// desk_b0's agent last reported a Windows 10 22H2 on an ESU build.
	rawExec(t, s, `UPDATE devices SET os = 'windows', os_version = 'Windows 10 Pro 22H2 (build 19045.6575)', arch = 'arm64' WHERE id = ?`, ids["desk_b0"])
	names := func(q store.DeviceQuery) []string {
		t.Helper()
		q.StaleBefore = staleBefore
		ds, err := s.SearchDevices(ctx, q)
		if err != nil {
			t.Fatalf("SearchDevices(%+v): %v", q, err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.Name)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		name string
		q    store.DeviceQuery
		want []string
	}{
		{"all enrolled", store.DeviceQuery{}, []string{"Laptop-R0", "desk_b0", "laptop-r1", "laptop-r2", "laptop-r3"}},
		{"team", store.DeviceQuery{TeamID: blue.ID}, []string{"desk_b0"}},
		{"ready", store.DeviceQuery{State: store.StateReady}, []string{"Laptop-R0"}},
		{"not ready in red", store.DeviceQuery{State: store.StateNotReady, TeamID: red.ID}, []string{"laptop-r1"}},
		{"not ready", store.DeviceQuery{State: store.StateNotReady}, []string{"desk_b0", "laptop-r1"}},
		{"stale", store.DeviceQuery{State: store.StateStale}, []string{"laptop-r2"}},
		{"stale in red", store.DeviceQuery{State: store.StateStale, TeamID: red.ID}, []string{"laptop-r2"}},
		{"stale in blue", store.DeviceQuery{State: store.StateStale, TeamID: blue.ID}, nil},
		{"never", store.DeviceQuery{State: store.StateNeverReported}, []string{"laptop-r3"}},
		{"revoked", store.DeviceQuery{State: store.StateRevoked}, []string{"laptop-r4"}},
		{"failing firewall", store.DeviceQuery{FailingCheck: "firewall"}, []string{"desk_b0", "laptop-r1", "laptop-r2"}},
		{"failing antivirus", store.DeviceQuery{FailingCheck: "antivirus"}, []string{"desk_b0"}},
		{"name, any case", store.DeviceQuery{NameContains: "LAPTOP-R"}, []string{"Laptop-R0", "laptop-r1", "laptop-r2", "laptop-r3"}},
		{"name wildcard is literal", store.DeviceQuery{NameContains: "_"}, []string{"desk_b0"}},
		{"name percent is literal", store.DeviceQuery{NameContains: "%"}, nil},
		{"combined", store.DeviceQuery{NameContains: "r", FailingCheck: "firewall", State: store.StateNotReady}, []string{"laptop-r1"}},
		{"system build", store.DeviceQuery{SystemContains: "19045"}, []string{"desk_b0"}},
		{"system, any case", store.DeviceQuery{SystemContains: "WINDOWS 10"}, []string{"desk_b0"}},
		{"system release", store.DeviceQuery{SystemContains: "debian 12"}, []string{"Laptop-R0", "laptop-r1", "laptop-r2", "laptop-r3"}},
		{"system architecture", store.DeviceQuery{SystemContains: "arm64"}, []string{"desk_b0"}},
		{"system wildcard is literal", store.DeviceQuery{SystemContains: "10_pro"}, nil},
		{"system and state", store.DeviceQuery{SystemContains: "debian", State: store.StateStale}, []string{"laptop-r2"}},
		{"system not theirs and state", store.DeviceQuery{SystemContains: "windows", State: store.StateStale}, nil},
		{"name and state", store.DeviceQuery{NameContains: "r2", State: store.StateStale}, []string{"laptop-r2"}},
		{"name not theirs and state", store.DeviceQuery{NameContains: "desk", State: store.StateStale}, nil},
	} {
		if got := names(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		if c.q.State == store.StateStale {
			// The same each way of finding them: the fleet walked in
			// order (the caller expects many stale, or one scan finds too
			// many), or the one scan's devices tested again.
			many := c.q
			many.ManyStale = true
			if got := names(many); !slices.Equal(got, c.want) {
				t.Errorf("%s, many expected: got %q, want %q", c.name, got, c.want)
			}
			restore := store.SetStaleScanCap(1)
			got := names(c.q)
			restore()
			if !slices.Equal(got, c.want) {
				t.Errorf("%s, too many for the scan: got %q, want %q", c.name, got, c.want)
			}
		}
		if c.q.NameContains != "" || c.q.SystemContains != "" {
			// The same when many devices' names or systems hold it (each
			// one tested in the page's order instead of listing them).
			restore := store.SetManySearched(1)
			got := names(c.q)
			restore()
			if !slices.Equal(got, c.want) {
				t.Errorf("%s, many found: got %q, want %q", c.name, got, c.want)
			}
		}
		if c.q.FailingCheck == "" {
			continue
		}
		// The same when many devices fail the check (each device row
		// tested in order instead of starting from devices_not_passing).
		restore := store.SetManyNotPassing(1)
		got := names(c.q)
		restore()
		if !slices.Equal(got, c.want) {
			t.Errorf("%s, walking the fleet: got %q, want %q", c.name, got, c.want)
		}
	}
	// A page and its count share what the filters' scans found: the
	// count takes the page's stale devices, so a device gone stale in
	// between is not counted, and a scan of other devices (one team's)
	// is made afresh.
	found := &store.FoundDevices{}
	shared := store.DeviceQuery{State: store.StateStale, NameContains: "laptop", Found: found}
	if got := names(shared); !slices.Equal(got, []string{"laptop-r2"}) {
		t.Errorf("stale laptops: got %q, want laptop-r2", got)
	}
	rawExec(t, s, `UPDATE devices SET latest_run_at = ? WHERE id = ?`, staleBefore.Add(-time.Hour).UnixMicro(), ids["laptop-r1"])
	count := func(q store.DeviceQuery) int {
		t.Helper()
		q.StaleBefore = staleBefore
		n, err := s.CountDevices(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(shared); n != 1 {
		t.Errorf("stale laptops counted with the page's scans: %d, want 1 (the page's)", n)
	}
	if n := count(store.DeviceQuery{State: store.StateStale, NameContains: "laptop"}); n != 2 {
		t.Errorf("stale laptops counted afresh: %d, want 2 (r1 is stale now)", n)
	}
	if got := names(store.DeviceQuery{State: store.StateStale, TeamID: red.ID, NameContains: "r1", Found: found}); !slices.Equal(got, []string{"laptop-r1"}) {
		t.Errorf("stale r1 in red with another query's scans: got %q, want laptop-r1", got)
	}
	rawExec(t, s, `UPDATE devices SET latest_run_at = ? WHERE id = ?`, time.Now().UnixMicro(), ids["laptop-r1"])
	// A device's latest run decides: r1 fixes its firewall, r0 loses it.
	res := func(id string, st checks.Status) report.CheckResult {
		return report.CheckResult{ID: id, Status: st, Required: true}
	}
	for name, st := range map[string]checks.Status{"laptop-r1": checks.Pass, "Laptop-R0": checks.Fail} {
		if _, err := s.SaveReport(ctx, ids[name], storetest.CheckRun(time.Now(), st == checks.Pass, res("firewall", st))); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := names(store.DeviceQuery{FailingCheck: "firewall"}), []string{"Laptop-R0", "desk_b0", "laptop-r2"}; !slices.Equal(got, want) {
		t.Errorf("failing firewall after new runs: got %q, want %q", got, want)
	}
	if got := names(store.DeviceQuery{FailingCheck: "antivirus"}); !slices.Equal(got, []string{"desk_b0"}) {
		t.Errorf("failing antivirus after new runs: got %q, want desk_b0 (r1's warn is passing)", got)
	}
	if n, err := s.CountDevices(ctx, store.DeviceQuery{FailingCheck: "firewall", StaleBefore: staleBefore}); err != nil || n != 3 {
		t.Errorf("counting devices failing firewall: %d (%v), want 3", n, err)
	}
	if _, err := s.SearchDevices(ctx, store.DeviceQuery{State: "bogus"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bogus state: %v, want ErrInvalid", err)
	}
	// Keyset pages of 2 cover every device once, in ID order.
	var seen []string
	after := ""
	for range 10 {
		page, err := s.SearchDevices(ctx, store.DeviceQuery{AfterID: after, Limit: 2, StaleBefore: staleBefore})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		for _, d := range page {
			seen = append(seen, d.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != 5 || !slices.IsSorted(seen) {
		t.Errorf("paged through %d devices (%v), want 5 in order", len(seen), seen)
	}
}

func testComplianceAndRuns(t *testing.T, s store.Store) {
	ctx := t.Context()
	staleBefore := time.Now().Add(-24 * time.Hour)
	red, _, ids := fleet(t, s, staleBefore)
	got, err := s.CheckCompliance(ctx, "", staleBefore)
	if err != nil {
		t.Fatal(err)
	}
	// r2 is stale and r4 revoked: neither counts.
	want := []store.CheckCompliance{
		{CheckID: "antivirus", Counts: map[checks.Status]int{checks.Pass: 1, checks.Warn: 1, checks.Fail: 1}},
		{CheckID: "firewall", Counts: map[checks.Status]int{checks.Pass: 1, checks.Fail: 1, checks.Unknown: 1}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CheckCompliance = %v, want %v", got, want)
	}
	if got[1].Total() != 3 {
		t.Errorf("firewall total %d, want 3", got[1].Total())
	}
	redOnly, err := s.CheckCompliance(ctx, red.ID, staleBefore)
	if err != nil || len(redOnly) != 2 || redOnly[1].Counts[checks.Unknown] != 0 || redOnly[1].Counts[checks.Fail] != 1 {
		t.Errorf("red compliance = %v, %v", redOnly, err)
	}

	// History: two runs of r1, newest first, each with what did not pass.
	r1 := ids["laptop-r1"]
	second := storetest.CheckRun(time.Now().Add(time.Minute), true,
		report.CheckResult{ID: "firewall", Status: checks.Pass}, report.CheckResult{ID: "antivirus", Status: checks.Unknown})
	if _, err := s.SaveReport(ctx, r1, second); err != nil {
		t.Fatal(err)
	}
	runs, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: r1, Desc: true, Limit: 10})
	if err != nil || len(runs) != 2 {
		t.Fatalf("DeviceRuns = %+v, %v", runs, err)
	}
	if runs[0].ID != second.ID || !runs[0].Ready || !slices.Equal(runs[0].NotPassing, []string{"antivirus"}) {
		t.Errorf("newest run %+v", runs[0])
	}
	if runs[1].Ready || !slices.Equal(runs[1].NotPassing, []string{"firewall"}) {
		t.Errorf("older run %+v", runs[1])
	}
	if runs, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: ids["laptop-r3"], Desc: true, Limit: 10}); err != nil || len(runs) != 0 {
		t.Errorf("never reported device has runs %v, %v", runs, err)
	}
}

func testSearchSessions(t *testing.T, s store.Store) {
	ctx := t.Context()
	red, blue, ids := fleet(t, s, time.Now().Add(-24*time.Hour))
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	add := func(device, label string, at time.Time, override bool) string {
		rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: at, Label: label, Ready: !override}
		if override {
			rec.NotPassing = []string{"firewall"}
			rec.Override = &report.Override{Reason: "client in crisis", Checks: []string{"firewall"}}
		}
		if _, err := s.SaveSession(ctx, ids[device], report.NewSession(storetest.Agent, rec)); err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	s1 := add("Laptop-R0", "C-1", base, false)
	s2 := add("laptop-r1", "C-2", base.Add(time.Minute), true)
	s3 := add("desk_b0", "C-1", base.Add(2*time.Minute), false)
	s4 := add("Laptop-R0", "C-3", base.Add(2*time.Minute), false) // same time as s3
	idsOf := func(q store.SessionQuery) []string {
		t.Helper()
		got, err := s.SearchSessions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range got {
			out = append(out, x.ID)
		}
		return out
	}
	sameTime := []string{s3, s4}
	slices.Sort(sameTime)
	slices.Reverse(sameTime)
	all := append(sameTime, s2, s1)
	for _, c := range []struct {
		name string
		q    store.SessionQuery
		want []string
	}{
		{"all, newest first", store.SessionQuery{}, all},
		{"team", store.SessionQuery{TeamID: blue.ID}, []string{s3}},
		{"team red", store.SessionQuery{TeamID: red.ID}, []string{s4, s2, s1}},
		{"device", store.SessionQuery{DeviceID: ids["Laptop-R0"]}, []string{s4, s1}},
		{"label", store.SessionQuery{Label: "C-1"}, []string{s3, s1}},
		{"overrides", store.SessionQuery{OverridesOnly: true}, []string{s2}},
		{"since", store.SessionQuery{Since: base.Add(time.Minute)}, all[:3]},
		{"until", store.SessionQuery{Until: base.Add(time.Minute)}, []string{s1}},
	} {
		if got := idsOf(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Keyset pages of one walk the whole trail once, ties included.
	var walked []string
	q := store.SessionQuery{Limit: 1}
	for range 10 {
		page, err := s.SearchSessions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		walked = append(walked, page[0].ID)
		q.BeforeAt, q.BeforeID = page[0].At, page[0].ID
	}
	if !slices.Equal(walked, all) {
		t.Errorf("paged trail %v, want %v", walked, all)
	}
	got, _ := s.SearchSessions(ctx, store.SessionQuery{OverridesOnly: true})
	if len(got) != 1 || got[0].Override == nil || got[0].Override.Reason != "client in crisis" || !slices.Equal(got[0].NotPassing, []string{"firewall"}) {
		t.Errorf("override session %+v", got)
	}
}

func testFleetSnapshots(t *testing.T, s store.Store) {
	ctx := t.Context()
	h := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	rec := func(team string, at time.Time, ready int) {
		if err := s.RecordFleetSnapshot(ctx, team, at, store.FleetCounts{Total: 10, Ready: ready, NotReady: 10 - ready}); err != nil {
			t.Fatal(err)
		}
	}
	rec("", h.Add(5*time.Minute), 1)
	rec("", h.Add(50*time.Minute), 2) // same hour: replaces
	rec("", h.Add(time.Hour), 3)
	rec("", h.Add(-48*time.Hour), 9) // before the window
	rec("team-a", h, 7)
	got, err := s.FleetSnapshots(ctx, "", h.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Hour.Equal(h) || got[0].Ready != 2 || got[0].NotReady != 8 || got[1].Ready != 3 {
		t.Errorf("FleetSnapshots = %+v", got)
	}
	if got, _ := s.FleetSnapshots(ctx, "team-a", h.Add(-time.Hour)); len(got) != 1 || got[0].Ready != 7 {
		t.Errorf("team snapshots = %+v", got)
	}
}
