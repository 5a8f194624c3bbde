//go:build unix

package localapi

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sessionguard/sessionguard/report"
)

func TestHandlerRules(t *testing.T) {
	big := `{"label":"` + strings.Repeat("x", MaxRequestBody) + `"}`
	tests := []struct {
		name      string
		authorize func(Peer) bool
		method    string
		endpoint  string
		hdr       map[string]string
		body      string
		want      int
		wantCode  string
		// backend says whether the Backend may have been called.
		backend bool
	}{
		{"status", nil, "GET", Prefix + PathStatus, nil, "", 200, "", true},
		{"origin on read", allowAll, "GET", Prefix + PathStatus, map[string]string{"Origin": "https://evil.example"}, "", 403, CodeForbidden, false},
		{"origin null", allowAll, "GET", Prefix + PathWatch, map[string]string{"Origin": "null"}, "", 403, CodeForbidden, false},
		{"origin on write", allowAll, "POST", Prefix + PathRun, map[string]string{"Origin": "http://localhost"}, "", 403, CodeForbidden, false},
		{"referer on read", allowAll, "GET", Prefix + PathResults, map[string]string{"Referer": "https://evil.example/page"}, "", 403, CodeForbidden, false},
		{"referer on write", allowAll, "POST", Prefix + PathSessionsStart, map[string]string{"Referer": "https://evil.example/"}, `{"label":"case-1"}`, 403, CodeForbidden, false},
		{"origin before 404", allowAll, "GET", "/nope", map[string]string{"Origin": "x"}, "", 403, CodeForbidden, false},
		{"unknown path", allowAll, "GET", Prefix + "nope", nil, "", 404, CodeNotFound, false},
		{"outside prefix", allowAll, "GET", "/status", nil, "", 404, CodeNotFound, false},
		{"bad session id", allowAll, "POST", Prefix + "sessions/../end", nil, "", 404, CodeNotFound, false},
		{"empty session id", allowAll, "POST", Prefix + "sessions//end", nil, "", 404, CodeNotFound, false},
		{"bad session id, cookies", allowAll, "POST", Prefix + "sessions/../cookies", nil, `{"cookies":{}}`, 404, CodeNotFound, false},
		{"GET on cookies", allowAll, "GET", Prefix + "sessions/0123456789abcdef0123456789abcdef/cookies", nil, "", 405, CodeMethodNotAllowed, false},
		{"cookies refused by authorizer", func(Peer) bool { return false }, "POST", Prefix + "sessions/0123456789abcdef0123456789abcdef/cookies", nil, `{"cookies":{}}`, 403, CodeForbidden, false},
		{"empty cookies body", allowAll, "POST", Prefix + "sessions/0123456789abcdef0123456789abcdef/cookies", nil, "", 400, CodeBadRequest, false},
		{"cookies of no ended session", allowAll, "POST", Prefix + "sessions/0123456789abcdef0123456789abcdef/cookies", nil, `{"cookies":{"removed":3}}`, 404, CodeNoSession, true},
		{"GET on run", allowAll, "GET", Prefix + PathRun, nil, "", 405, CodeMethodNotAllowed, false},
		{"POST on status", allowAll, "POST", Prefix + PathStatus, nil, "", 405, CodeMethodNotAllowed, false},
		{"DELETE on start", allowAll, "DELETE", Prefix + PathSessionsStart, nil, "", 405, CodeMethodNotAllowed, false},
		{"write without authorizer", nil, "POST", Prefix + PathRun, nil, "", 403, CodeForbidden, false},
		{"write refused by authorizer", func(Peer) bool { return false }, "POST", Prefix + PathSessionsStart, nil, `{"label":"case-1"}`, 403, CodeForbidden, false},
		{"unknown field", allowAll, "POST", Prefix + PathSessionsStart, nil, `{"label":"case-1","admin":true}`, 400, CodeBadRequest, false},
		{"trailing data", allowAll, "POST", Prefix + PathSessionsStart, nil, `{"label":"case-1"}{"label":"x"}`, 400, CodeBadRequest, false},
		{"not json", allowAll, "POST", Prefix + PathSessionsStart, nil, `label=case-1`, 400, CodeBadRequest, false},
		{"empty start body", allowAll, "POST", Prefix + PathSessionsStart, nil, "", 400, CodeBadRequest, false},
		{"too large", allowAll, "POST", Prefix + PathSessionsStart, nil, big, 413, CodeTooLarge, false},
		{"run empty body", allowAll, "POST", Prefix + PathRun, nil, "", 200, "", true},
		{"run with field", allowAll, "POST", Prefix + PathRun, nil, `{"x":1}`, 400, CodeBadRequest, false},
		{"start", allowAll, "POST", Prefix + PathSessionsStart, nil, `{"label":"case-1"}`, 200, "", true},
		{"results before a run", allowAll, "GET", Prefix + PathResults, nil, "", 404, CodeNoResults, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			ts := startServer(t, fake, tt.authorize)
			code, e, hdr := rawDo(t, ts.path, tt.method, tt.endpoint, tt.hdr, tt.body)
			if code != tt.want || e.Code != tt.wantCode {
				t.Fatalf("%s %s: %d %q (%s), want %d %q", tt.method, tt.endpoint, code, e.Code, e.Error, tt.want, tt.wantCode)
			}
			if code >= 400 && e.Error == "" {
				t.Error("error answer without a message")
			}
			if code == 405 && hdr.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if called := fake.calls.Load() > 0; called && !tt.backend {
				t.Errorf("the backend was called (%d times)", fake.calls.Load())
			}
		})
	}
}

func TestBackendErrors(t *testing.T) {
	fake := newFake()
	fake.runErr = errors.New("opening /home/alice/secret: permission denied")
	ts := startServer(t, fake, allowAll)
	c := ts.client
	ctx := t.Context()

	// 500: a generic message, no detail.
	_, err := c.Run(ctx)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || ae.Code != CodeInternal {
		t.Fatalf("Run: %v, want a 500 APIError", err)
	}
	if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), "secret") {
		t.Errorf("500 leaks the detail: %q", err)
	}

	if _, err := c.Results(ctx); !errors.Is(err, ErrNoResults) {
		t.Errorf("Results before a run: %v, want ErrNoResults", err)
	}

	// 400 with the backend's message.
	_, err = c.StartSession(ctx, StartRequest{Label: "jane@example.com"})
	if !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "email") {
		t.Errorf("email label: %v, want ErrBadRequest saying email", err)
	}

	// 409 not ready, with the checks and the override flag.
	for _, allow := range []bool{false, true} {
		fake.mu.Lock()
		fake.notReady = &NotReadyError{NotPassing: []string{"disk.encryption", "os.updates"}, OverrideAllowed: allow}
		fake.mu.Unlock()
		_, err = c.StartSession(ctx, StartRequest{Label: "case-7"})
		var nr *NotReadyError
		if !errors.As(err, &nr) {
			t.Fatalf("not ready: %v (%T), want *NotReadyError", err, err)
		}
		if strings.Join(nr.NotPassing, ",") != "disk.encryption,os.updates" || nr.OverrideAllowed != allow {
			t.Errorf("not ready: %+v", nr)
		}
	}

	// An override starts it; a second start is 409 session open.
	rec, err := c.StartSession(ctx, StartRequest{Label: "case-7", OverrideReason: "urgent hearing"})
	if err != nil {
		t.Fatalf("override: %v", err)
	}
	if _, err := c.StartSession(ctx, StartRequest{Label: "case-8"}); !errors.Is(err, ErrSessionOpen) {
		t.Errorf("second start: %v, want ErrSessionOpen", err)
	}
	if _, err := c.EndSession(ctx, "0123456789abcdef0123456789abcdef", EndRequest{}); !errors.Is(err, ErrNoSession) {
		t.Errorf("end of another id: %v, want ErrNoSession", err)
	}
	if _, err := c.EndSession(ctx, "../x", EndRequest{}); !errors.Is(err, ErrNoSession) {
		t.Errorf("end of a bad id: %v, want ErrNoSession", err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.Session == nil || st.Session.SessionID != rec.SessionID {
		t.Fatalf("Status with a session: %+v, %v", st, err)
	}
	end, err := c.EndSession(ctx, rec.SessionID, EndRequest{})
	if err != nil || end.Event != "end" || end.SessionID != rec.SessionID {
		t.Fatalf("EndSession: %+v, %v", end, err)
	}
	// Cookies cleared after the end amend that session.
	later := &report.CookieSummary{Removed: 12, Browsers: 1, ProfilesCleared: 1}
	amend, err := c.AmendCookies(ctx, rec.SessionID, CookiesRequest{Cookies: later})
	if err != nil || amend.Event != report.SessionCookies || amend.SessionID != rec.SessionID || amend.Cookies == nil || *amend.Cookies != *later {
		t.Fatalf("AmendCookies: %+v, %v", amend, err)
	}
	if _, err := c.AmendCookies(ctx, "0123456789abcdef0123456789abcdef", CookiesRequest{Cookies: later}); !errors.Is(err, ErrNoSession) {
		t.Errorf("cookies for another session: %v, want ErrNoSession", err)
	}

	// ErrForbidden from the backend itself.
	fake.mu.Lock()
	fake.runErr = ErrForbidden
	fake.mu.Unlock()
	if _, err := c.Run(ctx); !errors.Is(err, ErrForbidden) {
		t.Errorf("forbidden by the backend: %v", err)
	}
}

func TestClientAgentNotRunning(t *testing.T) {
	dir := reachableDir(t)
	c := NewClient(dir + "/none.sock")
	defer c.Close()
	for name, call := range map[string]func() error{
		"status": func() error { _, err := c.Status(t.Context()); return err },
		"start":  func() error { _, err := c.StartSession(t.Context(), StartRequest{Label: "case-1"}); return err },
		"watch":  func() error { _, err := c.Watch(t.Context()); return err },
	} {
		if err := call(); !errors.Is(err, ErrAgentNotRunning) {
			t.Errorf("%s: %v, want ErrAgentNotRunning", name, err)
		}
	}
}

func TestWatch(t *testing.T) {
	defer goleak.VerifyNone(t)
	fake := newFake()
	ts := startServer(t, fake, allowAll)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	events, err := ts.client.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := recv(t, events)
	if first.Type != EventStatus || first.Status.Version != "test" || !first.Status.CanWrite {
		t.Fatalf("first event: %+v", first)
	}
	// The subscription exists before the status line is sent.
	if n := fake.subscribers(); n != 1 {
		t.Fatalf("%d subscribers, want 1", n)
	}
	const n = 100
	for i := range n {
		typ := EventRunStarted
		if i%2 == 1 {
			typ = EventRunFinished
		}
		fake.publish(Event{Type: typ, At: time.Now().UTC(), Status: Status{Pending: i, Light: Amber}})
	}
	for i := range n {
		ev := recv(t, events)
		if ev.Status.Pending != i {
			t.Fatalf("event %d has Pending %d: out of order", i, ev.Status.Pending)
		}
		if !ev.Status.CanWrite {
			t.Fatalf("event %d: CanWrite not filled in", i)
		}
	}

	cancel()
	waitClosed(t, events)
	waitFor(t, "the server to unsubscribe", func() bool { return fake.subscribers() == 0 })
	ts.close(t)
}

func TestWatchEndsOnShutdown(t *testing.T) {
	defer goleak.VerifyNone(t)
	fake := newFake()
	ts := startServer(t, fake, nil)
	events, err := ts.client.Watch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, events); ev.Type != EventStatus || ev.Status.CanWrite {
		t.Fatalf("first event: %+v (read-only peer)", ev)
	}
	start := time.Now()
	ts.close(t) // Shutdown must not wait for the stream
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v with a watcher", d)
	}
	waitClosed(t, events)
	if n := fake.subscribers(); n != 0 {
		t.Errorf("%d subscribers left", n)
	}
}

func TestWatchEndsWithSubscription(t *testing.T) {
	fake := newFake()
	ts := startServer(t, fake, allowAll)
	events, err := ts.client.Watch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	recv(t, events)
	fake.endSubscriptions()
	waitClosed(t, events)
}

func TestWatchHeartbeat(t *testing.T) {
	fake := newFake()
	ts := startServer(t, fake, allowAll)
	ts.h.heartbeat = 20 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://sessionguard"+Prefix+PathWatch, nil)
	resp, err := rawClient(ts.path).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	if err != nil || !strings.Contains(line, `"type":"status"`) {
		t.Fatalf("first line %q, %v", line, err)
	}
	for range 2 {
		if line, err := r.ReadString('\n'); err != nil || line != "\n" {
			t.Fatalf("heartbeat %q, %v", line, err)
		}
	}
	// The client skips heartbeats and still gets events.
	events, err := ts.client.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recv(t, events)
	time.Sleep(60 * time.Millisecond)
	fake.publish(Event{Type: "run_started"})
	if ev := recv(t, events); ev.Type != "run_started" {
		t.Fatalf("after heartbeats: %+v", ev)
	}
}

func recv(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("watch stream closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return Event{}
}

func waitClosed(t *testing.T, events <-chan Event) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch stream not closed within 5 s")
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func BenchmarkStatus(b *testing.B) {
	ts := startServer(b, newFake(), allowAll)
	ctx := b.Context()
	if _, err := ts.client.Status(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.client.Status(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatusParallel(b *testing.B) {
	ts := startServer(b, newFake(), allowAll)
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ts.client.Status(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStatusNewConn is the CLI's case: one fresh connection per call.
func BenchmarkStatusNewConn(b *testing.B) {
	ts := startServer(b, newFake(), allowAll)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		c := NewClient(ts.path)
		if _, err := c.Status(ctx); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
