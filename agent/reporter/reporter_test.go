package reporter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

const token = "sgd_tok_d0n0tl0g"

var testAgent = report.Agent{Version: "1.2.3"}

func checkRun() report.Envelope {
	return report.NewCheckRun(testAgent, checks.Report{StartedAt: time.Now(), Ready: true, Results: []checks.Result{{ID: "firewall", Status: checks.Pass, Summary: "on"}}})
}

func session() report.Envelope {
	return report.NewSession(testAgent, report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "case-1234", Ready: true})
}

// request is what the test server saw.
type request struct {
	path, auth, ctype, idem string
	env                     report.Envelope
	at                      time.Time
}

// server is a test server that records requests, dedupes by id and answers
// with what answer says for the n-th request (0-based); nil answer → Ack.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []request
	seen   map[string]int
	answer func(n int, req request, w http.ResponseWriter) bool
	got    chan struct{}
}

func newServer(t *testing.T, answer func(n int, req request, w http.ResponseWriter) bool) *server {
	s := &server{seen: map[string]int{}, answer: answer, got: make(chan struct{}, 1000)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env report.Envelope
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &env); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		n := len(s.reqs)
		req := request{path: r.URL.Path, auth: r.Header.Get("Authorization"), ctype: r.Header.Get("Content-Type"), idem: r.Header.Get("Idempotency-Key"), env: env, at: time.Now()}
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		s.got <- struct{}{}
		if s.answer != nil && s.answer(n, req, w) {
			return
		}
		s.mu.Lock()
		dup := s.seen[env.ID] > 0
		s.seen[env.ID]++
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(report.Ack{ID: env.ID, Duplicate: dup})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *server) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for len(s.requests()) < n {
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("server got %d requests, want %d", len(s.requests()), n)
		}
	}
}

type harness struct {
	sp   *spool.Spool
	rep  *reporter.Reporter
	logs *syncBuffer
	stop func()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func start(t *testing.T, url string, tok func() (string, error), mod func(*reporter.Config), envs ...report.Envelope) *harness {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sp, err := spool.Open(t.TempDir(), 0, spool.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range envs {
		if err := sp.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	if tok == nil {
		tok = func() (string, error) { return token, nil }
	}
	cfg := reporter.Config{Spool: sp, ServerURL: url, Token: tok, Logger: log, BaseBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, RevokedRecheck: time.Hour}
	if mod != nil {
		mod(&cfg)
	}
	rep, err := reporter.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- rep.Run(ctx) }()
	h := &harness{sp: sp, rep: rep, logs: logs}
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v", err)
			}
		})
	}
	t.Cleanup(func() {
		h.stop()
		if strings.Contains(logs.String(), token) {
			t.Errorf("the token reached the log:\n%s", logs)
		}
	})
	return h
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSendsInOrderToTheRightPaths(t *testing.T) {
	srv := newServer(t, nil)
	envs := []report.Envelope{checkRun(), session(), checkRun(), session()}
	h := start(t, srv.URL, nil, nil, envs...)
	srv.wait(t, len(envs))
	eventually(t, "empty spool", func() bool { return h.sp.Len() == 0 })
	eventually(t, "counted", func() bool { return h.rep.State().Sent == uint64(len(envs)) })
	reqs := srv.requests()
	for i, r := range reqs {
		wantPath := report.PathReports
		if envs[i].Kind == report.KindSession {
			wantPath = report.PathSessions
		}
		if r.env.ID != envs[i].ID || r.path != wantPath {
			t.Errorf("request %d: %s to %s, want %s to %s", i, r.env.ID, r.path, envs[i].ID, wantPath)
		}
		if r.auth != "Bearer "+token || r.ctype != "application/json" || r.idem != envs[i].ID {
			t.Errorf("request %d headers: auth %q ctype %q idem %q", i, r.auth, r.ctype, r.idem)
		}
		if err := r.env.Validate(); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	st := h.rep.State()
	if st.Sent != 4 || st.Pending != 0 || st.LastSuccess.IsZero() || st.LastError != "" || st.Revoked {
		t.Fatalf("state %+v", st)
	}
}

func TestNotifyWakesAnIdleReporter(t *testing.T) {
	srv := newServer(t, nil)
	h := start(t, srv.URL, nil, nil)
	time.Sleep(50 * time.Millisecond)
	env := session()
	begin := time.Now()
	if err := h.rep.Put(env); err != nil {
		t.Fatal(err)
	}
	srv.wait(t, 1)
	if d := time.Since(begin); d > 2*time.Second {
		t.Fatalf("took %v to send after Put", d)
	}
	eventually(t, "ack", func() bool { return h.rep.Len() == 0 })
}

func TestDuplicateAckRemoves(t *testing.T) {
	env := checkRun()
	srv := newServer(t, nil)
	srv.seen[env.ID] = 1 // the server already has it (a resend after a crash)
	h := start(t, srv.URL, nil, nil, env)
	eventually(t, "ack", func() bool { return h.sp.Len() == 0 })
	// The spool is acked before the send is counted: wait for the count.
	eventually(t, "counted", func() bool { return h.rep.State().Sent == 1 })
	if st := h.rep.State(); st.Duplicates != 1 || st.Sent != 1 {
		t.Fatalf("state %+v", st)
	}
}

func TestAnswers(t *testing.T) {
	status := func(code int, hdr ...string) func(int, request, http.ResponseWriter) bool {
		return func(n int, _ request, w http.ResponseWriter) bool {
			if n > 0 {
				return false // then accept
			}
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
			return true
		}
	}
	cases := []struct {
		name   string
		answer func(int, request, http.ResponseWriter) bool
		// wantOrder: ids of the requests by index into [a, b].
		wantOrder    []int
		deadLettered bool
	}{
		{"500 retried in order", status(500), []int{0, 0, 1}, false},
		{"503 retried", status(503), []int{0, 0, 1}, false},
		{"429 retried", status(429), []int{0, 0, 1}, false},
		{"408 retried", status(408), []int{0, 0, 1}, false},
		{"404 retried, not dead-lettered", status(404), []int{0, 0, 1}, false},
		{"307 not followed, retried", status(307, "Location", "https://elsewhere.example/"), []int{0, 0, 1}, false},
		{"200 without a body accepted", func(n int, _ request, w http.ResponseWriter) bool {
			if n == 0 {
				w.WriteHeader(200)
				return true
			}
			return false
		}, []int{0, 1}, false},
		{"400 dead-lettered, queue goes on", status(400), []int{0, 1}, true},
		{"413 dead-lettered", status(413), []int{0, 1}, true},
		{"422 dead-lettered", status(422), []int{0, 1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.answer)
			envs := []report.Envelope{checkRun(), session()}
			h := start(t, srv.URL, nil, nil, envs...)
			srv.wait(t, len(tc.wantOrder))
			eventually(t, "empty spool", func() bool { return h.sp.Len() == 0 })
			h.stop()
			var got []int
			for _, r := range srv.requests() {
				got = append(got, slices.IndexFunc(envs, func(e report.Envelope) bool { return e.ID == r.env.ID }))
			}
			if !slices.Equal(got, tc.wantOrder) {
				t.Fatalf("request order %v, want %v", got, tc.wantOrder)
			}
			if st := h.rep.State(); (st.DeadLettered == 1) != tc.deadLettered {
				t.Fatalf("state %+v, dead-lettered want %v", st, tc.deadLettered)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv := newServer(t, func(n int, _ request, w http.ResponseWriter) bool {
		if n == 0 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	h := start(t, srv.URL, nil, nil, checkRun())
	srv.wait(t, 1)
	eventually(t, "backoff shown", func() bool { return !h.rep.State().NextAttempt.IsZero() })
	if st := h.rep.State(); !strings.Contains(st.LastError, "503") {
		t.Fatalf("state %+v", st)
	}
	srv.wait(t, 2)
	reqs := srv.requests()
	if d := reqs[1].at.Sub(reqs[0].at); d < time.Second {
		t.Fatalf("retried after %v, Retry-After said 1s (backoff cap is 50ms)", d)
	}
	eventually(t, "ack", func() bool { return h.sp.Len() == 0 })
}

func TestRevokedStopsUntilANewToken(t *testing.T) {
	var mu sync.Mutex
	current := token
	tok := func() (string, error) { mu.Lock(); defer mu.Unlock(); return current, nil }
	srv := newServer(t, func(_ int, req request, w http.ResponseWriter) bool {
		// The old token is refused, whatever the request.
		if req.auth == "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		return false
	})
	envs := []report.Envelope{session(), checkRun(), checkRun()}
	h := start(t, srv.URL, tok, nil, envs...)
	srv.wait(t, 1)
	eventually(t, "revoked", func() bool { return h.rep.State().Revoked })
	// Nothing more is sent, even when woken, with the same token.
	h.rep.Notify()
	time.Sleep(200 * time.Millisecond)
	if n := len(srv.requests()); n != 1 {
		t.Fatalf("%d requests after revocation, want 1", n)
	}
	st := h.rep.State()
	if st.Pending != 3 || st.LastError != reporter.ErrRevoked.Error() {
		t.Fatalf("state %+v", st)
	}
	// Enrolled again: the next Notify resumes with the new token.
	mu.Lock()
	current = "sgd_tok_new"
	mu.Unlock()
	h.rep.Notify()
	eventually(t, "drained", func() bool { return h.sp.Len() == 0 })
	eventually(t, "counted", func() bool { return h.rep.State().Sent == 3 })
	if st := h.rep.State(); st.Revoked || st.Sent != 3 {
		t.Fatalf("state after re-enrolment %+v", st)
	}
	if !strings.Contains(h.logs.String(), "enrol again") {
		t.Fatalf("revocation not logged:\n%s", h.logs)
	}
}

func TestServerDownRetriesWithoutLeakingTheToken(t *testing.T) {
	srv := newServer(t, nil)
	url := srv.URL
	srv.Close() // connection refused from now on
	h := start(t, url, nil, nil, checkRun())
	eventually(t, "an error", func() bool { return h.rep.State().LastError != "" })
	st := h.rep.State()
	if !strings.Contains(st.LastError, "refused") || strings.Contains(st.LastError, token) || st.Pending != 1 {
		t.Fatalf("state %+v", st)
	}
	// Repeated failures are one warning, then debug lines.
	time.Sleep(200 * time.Millisecond)
	if n := strings.Count(h.logs.String(), `"level":"WARN","msg":"reporting failed`); n != 1 {
		t.Fatalf("%d warnings for one outage, want 1:\n%s", n, h.logs)
	}
}

func TestRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(n int, _ request, w http.ResponseWriter) bool {
		if n == 0 {
			<-release
			return true
		}
		return false
	})
	defer close(release)
	h := start(t, srv.URL, nil, func(c *reporter.Config) { c.RequestTimeout = 100 * time.Millisecond }, checkRun())
	srv.wait(t, 2)
	eventually(t, "drained", func() bool { return h.sp.Len() == 0 })
}

func TestTokenErrorBacksOff(t *testing.T) {
	srv := newServer(t, nil)
	h := start(t, srv.URL, func() (string, error) { return "", errors.New("not enrolled") }, nil, checkRun())
	eventually(t, "an error", func() bool { return strings.Contains(h.rep.State().LastError, "not enrolled") })
	if n := len(srv.requests()); n != 0 {
		t.Fatalf("%d requests without a token", n)
	}
}

func TestRunTwiceRefused(t *testing.T) {
	srv := newServer(t, nil)
	h := start(t, srv.URL, nil, nil, checkRun())
	srv.wait(t, 1) // the first Run is under way
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := h.rep.Run(ctx); !errors.Is(err, reporter.ErrRunning) {
		t.Fatalf("second Run = %v, want ErrRunning", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	sp, _ := spool.Open(t.TempDir(), 0)
	tok := func() (string, error) { return token, nil }
	for _, cfg := range []reporter.Config{
		{ServerURL: "https://x.example", Token: tok},
		{Spool: sp, ServerURL: "https://x.example"},
		{Spool: sp, ServerURL: "http://x.example", Token: tok},
		{Spool: sp, ServerURL: "x.example", Token: tok},
	} {
		if _, err := reporter.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestBackoff(t *testing.T) {
	base, limit := time.Second, 5*time.Minute
	for attempt := range 40 {
		ceiling := min(base<<min(attempt, 20), limit)
		var top time.Duration
		for range 200 {
			d := reporter.Backoff(attempt, base, limit, 0)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d: %v outside [0, %v]", attempt, d, ceiling)
			}
			top = max(top, d)
		}
		// Full jitter spreads over the whole range.
		if top < ceiling/2 {
			t.Fatalf("attempt %d: max of 200 draws %v, ceiling %v", attempt, top, ceiling)
		}
		if d := reporter.Backoff(attempt, base, limit, 7*time.Minute); d != 7*time.Minute {
			t.Fatalf("Retry-After floor ignored: %v", d)
		}
	}
}

// BenchmarkThroughput sends b.N spooled envelopes to a local server.
func BenchmarkThroughput(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env report.Envelope
		_ = json.NewDecoder(r.Body).Decode(&env)
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(report.Ack{ID: env.ID})
	}))
	defer srv.Close()
	sp, err := spool.Open(b.TempDir(), 1<<40)
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		if err := sp.Put(checkRun()); err != nil {
			b.Fatal(err)
		}
	}
	rep, err := reporter.New(reporter.Config{Spool: sp, ServerURL: srv.URL, Token: func() (string, error) { return token, nil }, HTTPClient: srv.Client(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- rep.Run(ctx) }()
	for sp.Len() > 0 {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "envelopes/s")
}
