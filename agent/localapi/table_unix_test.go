//go:build unix

package localapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEndpointsServed: every row is routed, and answers another method
// with 405 naming its own.
func TestEndpointsServed(t *testing.T) {
	h := NewHandler(logBackend{fakeBackend: newFake()}, allowAll)
	for _, e := range endpoints {
		p := Prefix + strings.ReplaceAll(e.path, "{id}", "0123456789abcdef0123456789abcdef")
		for _, m := range []string{"GET", "POST", "HEAD", "DELETE"} {
			rec := serveRecorded(h, m, p)
			switch {
			case m == e.method && (rec.Code == 405 || strings.Contains(rec.Body.String(), `"code":"`+CodeNotFound+`"`)):
				t.Errorf("%s %s: %d %s, not routed", m, p, rec.Code, rec.Body)
			case m != e.method && (rec.Code != 405 || rec.Header().Get("Allow") != e.method):
				t.Errorf("%s %s: %d Allow %q, want 405 Allow %s", m, p, rec.Code, rec.Header().Get("Allow"), e.method)
			}
		}
	}
}

// serveRecorded serves one request with an ended context (a watch
// stream answers its first line and returns).
func serveRecorded(h http.Handler, method, path string) *httptest.ResponseRecorder {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, method, path, nil))
	return rec
}

// TestEndpointsWithoutSessionLog: an agent without a session log answers
// GET sessions as an older agent does, 404 whatever the method.
func TestEndpointsWithoutSessionLog(t *testing.T) {
	h := NewHandler(newFake(), allowAll)
	for _, m := range []string{"GET", "POST"} {
		if rec := serveRecorded(h, m, Prefix+PathSessions); rec.Code != 404 || !strings.Contains(rec.Body.String(), CodeNotFound) {
			t.Errorf("%s sessions: %d %s", m, rec.Code, rec.Body)
		}
	}
}

// TestUncleanPaths: a path the mux would redirect (or answer 400) names
// no endpoint: 404 not_found as before the table, never a redirect.
func TestUncleanPaths(t *testing.T) {
	h := NewHandler(newFake(), allowAll)
	for _, p := range []string{Prefix + "/status", Prefix + "./status", Prefix + "status/../status", Prefix + "status/", "*", Prefix[:len(Prefix)-1]} {
		rec := serveRecorded(h, "GET", p)
		if rec.Code != 404 || rec.Header().Get("Location") != "" || !strings.Contains(rec.Body.String(), `"code":"`+CodeNotFound+`"`) {
			t.Errorf("GET %s: %d Location %q %s", p, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
}
