package policysync

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/report"
)

// The check settings these tests use, found by their policy names (the
// check packages export only ID and Check).
var (
	screenLockMax = checktest.SettingNamed[checks.Number](all.Catalogue(), "screen_lock_max_seconds")
)

// policyServer serves a policy document with an ETag, like the server's
// GET /api/v1/policy, and records what it was asked.
type policyServer struct {
	mu       sync.Mutex
	body     string
	etag     string
	status   int // when not 0, answered instead
	requests []*http.Request
}

func (p *policyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r.Clone(context.Background()))
	switch {
	case r.URL.Path != report.PathPolicy || r.Method != http.MethodGet:
		http.NotFound(w, r)
	case r.Header.Get("Authorization") != "Bearer good-token":
		http.Error(w, "unknown or revoked device token", http.StatusUnauthorized)
	case p.status != 0:
		w.WriteHeader(p.status)
	case r.Header.Get("If-None-Match") == p.etag:
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Header().Set("ETag", p.etag)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(p.body))
	}
}

func (p *policyServer) set(body, etag string, status int) {
	p.mu.Lock()
	p.body, p.etag, p.status = body, etag, status
	p.mu.Unlock()
}

func (p *policyServer) lastIfNoneMatch() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[len(p.requests)-1].Header.Get("If-None-Match")
}

type applied struct {
	mu   sync.Mutex
	pols []checks.Policy
}

func (a *applied) apply(p checks.Policy) {
	a.mu.Lock()
	a.pols = append(a.pols, p)
	a.mu.Unlock()
}

func (a *applied) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pols)
}

func newSyncer(t *testing.T, url, token, cache string, a *applied) *Syncer {
	t.Helper()
	s, err := New(Config{ServerURL: url, Token: func() (string, error) { return token, nil }, CachePath: cache, Apply: a.apply})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// loggingSyncer is a syncer of the policy at url whose log is kept, for the
// tests of what the agent says about a policy.
func loggingSyncer(t *testing.T, url string) (*Syncer, *applied, *bytes.Buffer) {
	t.Helper()
	a, logs := &applied{}, &bytes.Buffer{}
	s, err := New(Config{ServerURL: url, Token: func() (string, error) { return "good-token", nil },
		CachePath: filepath.Join(t.TempDir(), "server-policy.json"), Apply: a.apply, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s, a, logs
}

const teamPolicy = `{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":120,"allow_override":false}`

func TestOnceAppliesCachesAndThenAsksWithTheETag(t *testing.T) {
	ps := &policyServer{}
	ps.set(teamPolicy, `"v1"`, 0)
	srv := httptest.NewServer(ps)
	defer srv.Close()
	cache := filepath.Join(t.TempDir(), "server-policy.json")
	var a applied
	s := newSyncer(t, srv.URL, "good-token", cache, &a)

	changed, err := s.Once(t.Context())
	if err != nil || !changed {
		t.Fatalf("first Once = %v, %v; want a change", changed, err)
	}
	if a.count() != 1 || screenLockMax.Of(a.pols[0]) != 120 || a.pols[0].AllowOverride {
		t.Fatalf("applied %+v, want the team policy", a.pols)
	}
	// Laid over the defaults: checks the document does not name keep theirs.
	if !a.pols[0].Required("disk_encryption") {
		t.Error("disk_encryption not required after applying a policy that does not mention it")
	}

	changed, err = s.Once(t.Context())
	if err != nil || changed {
		t.Fatalf("second Once = %v, %v; want not modified", changed, err)
	}
	if got := ps.lastIfNoneMatch(); got != `"v1"` {
		t.Errorf("If-None-Match = %q, want the ETag verbatim", got)
	}
	if a.count() != 1 {
		t.Errorf("Apply called %d times, want once", a.count())
	}

	// A restarted agent starts from the cache and asks with its ETag.
	pol, etag, err := LoadCached(cache)
	if err != nil || etag != `"v1"` || screenLockMax.Of(pol) != 120 {
		t.Fatalf("LoadCached = %+v, %q, %v", screenLockMax.Of(pol), etag, err)
	}
	if st, err := os.Stat(cache); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache mode = %v, %v; want 0600", st.Mode(), err)
	}
	var b applied
	s2 := newSyncer(t, srv.URL, "good-token", cache, &b)
	if changed, err := s2.Once(t.Context()); err != nil || changed || b.count() != 0 {
		t.Fatalf("restarted Once = %v, %v, %d applied; want not modified", changed, err, b.count())
	}

	// The admin changes the policy.
	ps.set(`{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":60}`, `"v2"`, 0)
	if changed, err := s2.Once(t.Context()); err != nil || !changed || screenLockMax.Of(b.pols[0]) != 60 {
		t.Fatalf("after change: %v, %v, %+v", changed, err, b.pols)
	}
}

func TestFailuresKeepThePolicyInForce(t *testing.T) {
	ps := &policyServer{}
	srv := httptest.NewServer(ps)
	defer srv.Close()
	cache := filepath.Join(t.TempDir(), "server-policy.json")
	var a applied
	s := newSyncer(t, srv.URL, "good-token", cache, &a)
	ps.set(teamPolicy, `"v1"`, 0)
	if _, err := s.Once(t.Context()); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(cache)

	cases := []struct {
		name, body string
		status     int
		token      string
		want       string
	}{
		{name: "wrong type", body: `{"schema":"sessionguard.policy/v1","allow_override":"yes"}`, want: "not valid"},
		{name: "wrong schema", body: `{"schema":"sessionguard.policy/v2","screen_lock_max_seconds":60}`, want: "not valid"},
		{name: "out of range", body: `{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":-5}`, want: "not valid"},
		{name: "not JSON", body: `<html>proxy login</html>`, want: "not valid"},
		{name: "too large", body: `{"schema":"sessionguard.policy/v1","cookie_domains":["` + strings.Repeat("a", maxPolicy) + `"]}`, want: "larger than"},
		{name: "server error", status: http.StatusServiceUnavailable, want: "503"},
		{name: "revoked", token: "revoked-token", want: ErrRefused.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps.set(c.body, `"bad"`, c.status)
			tok := c.token
			if tok == "" {
				tok = "good-token"
			}
			s := newSyncer(t, srv.URL, tok, cache, &a)
			changed, err := s.Once(t.Context())
			if err == nil || changed || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Once = %v, %v; want an error containing %q", changed, err, c.want)
			}
			if c.token != "" && !errors.Is(err, ErrRefused) {
				t.Errorf("err = %v, want ErrRefused", err)
			}
			if a.count() != 1 {
				t.Errorf("a failed fetch applied a policy (%d applied)", a.count())
			}
			if after, _ := os.ReadFile(cache); string(after) != string(before) {
				t.Error("a failed fetch changed the cache")
			}
		})
	}
}

// TestANewerServersSettingsAreLeftOut: a server newer than this agent may
// send settings and checks the agent does not have; the agent follows
// the rest of the policy and says what it left out, instead of keeping
// an old policy for ever. A check it does not have that the policy
// requires is kept, to be reported unknown (never dropped, which would
// call the computer ready without it).
func TestANewerServersSettingsAreLeftOut(t *testing.T) {
	ps := &policyServer{}
	srv := httptest.NewServer(ps)
	defer srv.Close()
	s, a, logs := loggingSyncer(t, srv.URL)
	ps.set(`{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":120,"future_max_days":14,"checks":{"future_check":{"required":true},"smart_speakers":{"required":true}}}`, `"v9"`, 0)
	if changed, err := s.Once(t.Context()); err != nil || !changed {
		t.Fatalf("Once = %v, %v", changed, err)
	}
	pol := a.pols[0]
	if screenLockMax.Of(pol) != 120 || !pol.Required("smart_speakers") || pol.Settings["future_max_days"] != nil ||
		!pol.Required("future_check") || len(pol.Uncheckable) != 1 || pol.Uncheckable[0] != "future_check" {
		t.Errorf("applied %+v", pol)
	}
	if !strings.Contains(logs.String(), "ignored=future_max_days\n") || !strings.Contains(logs.String(), "checks=future_check") {
		t.Errorf("the agent did not say what it left out and what it cannot check: %s", logs.String())
	}
	// A known setting out of range is still refused.
	ps.set(`{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":-1,"future_max_days":14}`, `"v10"`, 0)
	if _, err := s.Once(t.Context()); err == nil {
		t.Error("an out-of-range known setting was accepted alongside an unknown one")
	}
}

// TestACookieSiteNoClearCanUseIsSaid: a policy an older server stored
// with a wildcard cookie site is followed (its other settings matter),
// and the agent says in its log that clears will be refused until it is
// corrected.
func TestACookieSiteNoClearCanUseIsSaid(t *testing.T) {
	ps := &policyServer{}
	srv := httptest.NewServer(ps)
	defer srv.Close()
	s, a, logs := loggingSyncer(t, srv.URL)
	ps.set(`{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":120,"cookie_keep":["*.mybank.co.uk"]}`, `"v1"`, 0)
	if changed, err := s.Once(t.Context()); err != nil || !changed {
		t.Fatalf("Once = %v, %v", changed, err)
	}
	if pol := a.pols[0]; screenLockMax.Of(pol) != 120 {
		t.Errorf("applied %+v, want the team's screen lock", pol)
	}
	if !strings.Contains(logs.String(), "cookies are not cleared after sessions") || !strings.Contains(logs.String(), `cookie_keep: \"*.mybank.co.uk\" is not a site name`) {
		t.Errorf("the agent did not say the cookie site is unusable: %s", logs.String())
	}
}

func TestRunPollsUntilCancelled(t *testing.T) {
	ps := &policyServer{}
	ps.set(teamPolicy, `"v1"`, 0)
	srv := httptest.NewServer(ps)
	defer srv.Close()
	var a applied
	s, err := New(Config{ServerURL: srv.URL, Token: func() (string, error) { return "good-token", nil },
		CachePath: filepath.Join(t.TempDir(), "p.json"), Apply: a.apply, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ps.mu.Lock()
		n := len(ps.requests)
		ps.mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d polls in 5 s at a 10 ms interval", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if a.count() != 1 {
		t.Errorf("applied %d times over several polls of an unchanged policy, want 1", a.count())
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	ok := Config{ServerURL: "https://sg.example.org", Token: func() (string, error) { return "", nil }, CachePath: "/x", Apply: func(checks.Policy) {}}
	bad := []func(*Config){
		func(c *Config) { c.Token = nil },
		func(c *Config) { c.Apply = nil },
		func(c *Config) { c.CachePath = "" },
		func(c *Config) { c.ServerURL = "ftp://sg.example.org" },
		func(c *Config) { c.ServerURL = "http://sg.example.org" }, // plain http off loopback
	}
	for i, mutate := range bad {
		c := ok
		mutate(&c)
		if _, err := New(c); err == nil {
			t.Errorf("case %d: New accepted a bad config", i)
		}
	}
	if _, err := New(ok); err != nil {
		t.Errorf("New(ok) = %v", err)
	}
}

func BenchmarkOnceNotModified(b *testing.B) {
	ps := &policyServer{}
	ps.set(teamPolicy, `"v1"`, 0)
	srv := httptest.NewServer(ps)
	defer srv.Close()
	var a applied
	s, err := New(Config{ServerURL: srv.URL, Token: func() (string, error) { return "good-token", nil },
		CachePath: filepath.Join(b.TempDir(), "p.json"), Apply: a.apply})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Once(b.Context()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Once(b.Context()); err != nil {
			b.Fatal(err)
		}
		ps.mu.Lock()
		ps.requests = ps.requests[:0]
		ps.mu.Unlock()
	}
}

// TestRunConfirmsANewPolicyAtOnce: having applied a new policy, Run asks
// again at once with the new ETag (the server records that the device runs
// it), then waits; a server that never answers 304 gets one extra request,
// not a loop.
func TestRunConfirmsANewPolicyAtOnce(t *testing.T) {
	for _, c := range []struct {
		name   string
		etag   string // the server's ETag; "" ignores If-None-Match
		wantIM string
	}{{"confirmed", `"v1"`, `"v1"`}, {"server never 304", "", ""}} {
		t.Run(c.name, func(t *testing.T) {
			ps := &policyServer{}
			ps.set(teamPolicy, c.etag, 0)
			if c.etag == "" {
				ps.etag = "never-sent"
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.etag == "" {
					r.Header.Del("If-None-Match")
				}
				ps.ServeHTTP(w, r)
			}))
			defer srv.Close()
			var a applied
			s, err := New(Config{ServerURL: srv.URL, Token: func() (string, error) { return "good-token", nil },
				CachePath: filepath.Join(t.TempDir(), "p.json"), Apply: a.apply, Interval: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			requests := func() int { ps.mu.Lock(); defer ps.mu.Unlock(); return len(ps.requests) }
			deadline := time.Now().Add(5 * time.Second)
			for requests() < 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			cancel()
			<-done
			if n := requests(); n != 2 {
				t.Fatalf("%d requests in the first 100 ms at a one-hour interval, want 2 (fetch, confirm)", n)
			}
			if got := ps.requests[1].Header.Get("If-None-Match"); c.etag != "" && got != c.wantIM {
				t.Errorf("confirmation's If-None-Match = %q, want %q", got, c.wantIM)
			}
		})
	}
}
