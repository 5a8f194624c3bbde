package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web"
	"github.com/sessionguard/sessionguard/server/web/password"
)

// countVerifications counts argon2 verifications for the test's duration.
func countVerifications(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	restore := web.SetVerifyPassword(func(pw, encoded string) (bool, error) {
		n.Add(1)
		return password.Verify(pw, encoded)
	})
	t.Cleanup(restore)
	return &n
}

// Attack (issue 16, item 7): 500 wrong-password logins sent at once. The
// limits were checked before verifying but counted only after, so every
// one of them was verified (500 argon2 runs against a limit of 5).
func TestParallelLoginsAreCountedBeforeVerifying(t *testing.T) {
	verified := countVerifications(t)
	f := newFixture(t)
	// The real cost parameters: each verification takes tens of
	// milliseconds, as in production, so the burst overlaps them.
	h, err := password.Hash(adminPassword, password.Default)
	if err != nil {
		t.Fatal(err)
	}
	const victim = "carol"
	if _, err := f.st.CreateAdmin(t.Context(), victim, h); err != nil {
		t.Fatal(err)
	}
	// Each attacker has its own form token; they all fire together.
	const attackers = 500
	type form struct {
		c     *client
		token string
	}
	forms := make([]form, attackers)
	for i := range forms {
		c := f.client(t)
		forms[i] = form{c, c.csrf("/login")}
	}
	before := verified.Load()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	start := make(chan struct{})
	for _, fm := range forms {
		wg.Go(func() {
			<-start
			p := fm.c.post("/login", url.Values{"csrf_token": {fm.token}, "name": {victim}, "password": {"wrong"}})
			mu.Lock()
			statuses[p.status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if n := verified.Load() - before; n > 5 {
		t.Errorf("%d of %d parallel logins had their password verified, want at most 5", n, attackers)
	}
	if statuses[http.StatusUnauthorized] > 5 || statuses[http.StatusTooManyRequests] < attackers-5 {
		t.Errorf("statuses %v, want at most 5 × 401 and the rest 429", statuses)
	}
	// The audit log holds the failures aggregated, not 500 entries.
	a := auditActions(t, f.st)
	if n := strings.Count(a, "login_failed"); n == 0 || n > 2 {
		t.Errorf("%d login_failed audit entries for one burst, want 1 or 2", n)
	}
}

// proxied is a fixture whose dashboard trusts 127.0.0.1 as a proxy, so a
// test client can speak from any address through X-Forwarded-For.
func proxied(_ *fixture, o *web.Options) {
	o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
}

func (c *client) loginFrom(addr, name, pw string) page {
	c.t.Helper()
	token := c.csrf("/login")
	return c.postWith("/login", url.Values{"csrf_token": {token}, "name": {name}, "password": {pw}},
		map[string]string{"Origin": c.f.srv.URL, "Sec-Fetch-Site": "same-origin", "X-Forwarded-For": addr})
}

// An attacker who exhausts an account's limit from other addresses does
// not lock its admin out: the address the admin signed in from before is
// still admitted. Another attacker address is paused by its own limit.
func TestAccountLockoutSparesKnownAddresses(t *testing.T) {
	f := newFixture(t, proxied)
	const home, attacker = "198.51.100.7", "203.0.113.9"
	if p := f.client(t).loginFrom(home, adminName, adminPassword); p.status != http.StatusSeeOther {
		t.Fatalf("first login from home: %d", p.status)
	}
	c := f.client(t)
	for i := range 5 {
		if p := c.loginFrom(attacker, adminName, "wrong"); p.status != http.StatusUnauthorized {
			t.Fatalf("attacker failure %d: %d", i+1, p.status)
		}
	}
	if p := c.loginFrom("203.0.113.10", adminName, adminPassword); p.status != http.StatusTooManyRequests {
		t.Errorf("the account limit did not pause a new address: %d", p.status)
	}
	if p := f.client(t).loginFrom(home, adminName, adminPassword); p.status != http.StatusSeeOther {
		t.Errorf("the admin at their usual address was locked out by an attacker elsewhere: %d", p.status)
	}
}

// X-Forwarded-For counts only from a configured proxy: without one, a
// client cannot escape the address limit by naming a new address.
func TestForwardedForNeedsATrustedProxy(t *testing.T) {
	f := newFixture(t) // no trusted proxies
	c := f.client(t)
	for i := range 20 {
		c.loginFrom(fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprintf("guess%d", i), "x")
	}
	if p := c.loginFrom("192.0.2.200", "nobody", "x"); p.status != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For escaped the address limit: %d", p.status)
	}
}

func TestClientAddr(t *testing.T) {
	trusted, err := web.ParseTrustedProxies("10.0.0.0/8, 192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ peer, xff, want string }{
		{"203.0.113.1:5000", "1.2.3.4", "203.0.113.1"},                // untrusted peer: header ignored
		{"10.1.2.3:5000", "1.2.3.4", "1.2.3.4"},                       // trusted proxy
		{"10.1.2.3:5000", "6.6.6.6, 1.2.3.4, 192.168.1.1", "1.2.3.4"}, // spoofed left entry never read
		{"10.1.2.3:5000", "", "10.1.2.3"},                             // no header
		{"10.1.2.3:5000", "garbage, 10.9.9.9", "10.9.9.9"},            // stops at garbage
		{"[::ffff:10.1.2.3]:5000", "2001:db8::1", "2001:db8::1"},      // mapped peer
		{"10.1.2.3:5000", "2001:db8::1, 10.0.0.1, 10.0.0.2", "2001:db8::1"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := web.ClientAddr(r, trusted); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	if _, err := web.ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Error("a bad prefix was accepted")
	}
}

// Attack (item 12): next= values that a browser turns into another site
// (it drops tabs and newlines and reads "\" as "/").
func TestLoginNextStaysOnSite(t *testing.T) {
	f := newFixture(t)
	for _, next := range []string{
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", "/\\evil.example",
		"/%09/evil.example/../x\\y", "//evil.example", "https://evil.example", "/ /evil.example",
		"/\x00/evil.example", "javascript:alert(1)", "///evil.example", "/\u00a0/evil.example\\",
	} {
		c := f.client(t)
		tok := c.csrf("/login")
		p := c.post("/login", url.Values{"csrf_token": {tok}, "name": {adminName}, "password": {adminPassword}, "next": {next}})
		if p.status == http.StatusBadRequest && strings.ContainsRune(next, 0) {
			continue // a NUL refuses the whole form (TestDashboardRefusesNULAndInvalidUTF8)
		}
		loc := p.header.Get("Location")
		u, err := url.Parse(loc)
		if p.status != http.StatusSeeOther || err != nil || u.Host != "" || u.Scheme != "" ||
			strings.HasPrefix(loc, "//") || strings.ContainsAny(loc, "\t\r\n\\ ") {
			t.Errorf("next=%q: %d to %q, want a path on this site", next, p.status, loc)
		}
	}
	c := f.client(t)
	tok := c.csrf("/login")
	p := c.post("/login", url.Values{"csrf_token": {tok}, "name": {adminName}, "password": {adminPassword}, "next": {"/devices?team=a%20b"}})
	if loc := p.header.Get("Location"); loc != "/devices?team=a%20b" {
		t.Errorf("a good next became %q", loc)
	}
}

// Item 12: NUL characters and invalid UTF-8 in any dashboard input — the
// path, the query, a form (the login's included) — are answered 400 on
// PostgreSQL, never 500.
func TestDashboardRefusesNULAndInvalidUTF8(t *testing.T) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(be.name, func(t *testing.T) {
			st := be.open(t)
			if err := st.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			h, err := password.Hash(adminPassword, fastHash)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.CreateAdmin(t.Context(), adminName, h); err != nil {
				t.Fatal(err)
			}
			dash, err := web.New(st, web.Options{})
			if err != nil {
				t.Fatal(err)
			}
			f := &fixture{st: st, srv: httptest.NewServer(dash)}
			t.Cleanup(f.srv.Close)
			anon := f.client(t)
			tok := anon.csrf("/login")
			for _, name := range []string{"a\x00b", "a\xffb"} {
				if p := anon.post("/login", url.Values{"csrf_token": {tok}, "name": {name}, "password": {"x"}}); p.status != http.StatusBadRequest {
					t.Errorf("login name %q: %d, want 400", name, p.status)
				}
			}
			c := f.client(t)
			c.login()
			for _, path := range []string{
				"/devices/%00", "/devices/%ff", "/devices?q=%00", "/devices?q=%ff%fe", "/devices?team=%00",
				"/sessions?label=%00", "/sessions?device=%ff", "/audit?actor=%00", "/teams/%00", "/checks/%00",
				"/exports/devices.csv?team=%00",
			} {
				if p := c.get(path); p.status != http.StatusBadRequest {
					t.Errorf("GET %s: %d, want 400", path, p.status)
				}
			}
			csrf := c.csrf("/teams")
			for _, bad := range []string{"T\x00", "T\xff"} {
				if p := c.post("/teams", url.Values{"csrf_token": {csrf}, "name": {bad}}); p.status != http.StatusBadRequest {
					t.Errorf("POST /teams name %q: %d, want 400", bad, p.status)
				}
			}
			if p := c.get("/devices?q=laptop"); p.status != http.StatusOK {
				t.Errorf("a good search: %d", p.status)
			}
		})
	}
}
