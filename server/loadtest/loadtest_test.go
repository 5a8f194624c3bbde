package loadtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRoundTrip reads net/http's answers as sent: bodies of their
// Content-Length over one keep-alive connection, an empty 204, a
// connection the server closes, and a chunked answer it cannot read.
func TestRoundTrip(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"` + r.Header.Get("Authorization") + `"}`))
		case "/none":
			w.WriteHeader(http.StatusNoContent)
		case "/refused":
			w.Header().Set("Retry-After", "5")
			http.Error(w, "over quota", http.StatusTooManyRequests)
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("bye"))
		case "/chunked":
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte("streamed"))
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	c, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, want := range []struct {
		path, token string
		status      int
		body        string
	}{
		{"/ok", "tok-1", 200, `{"id":"Bearer tok-1"}`},
		{"/none", "", 204, ""},
		{"/refused", "", 429, "over quota\n"},
		{"/ok", "tok-2", 200, `{"id":"Bearer tok-2"}`},
	} {
		status, body, err := c.RoundTrip(Post(addr, want.path, want.token, []byte(`{}`)))
		if err != nil || status != want.status || string(body) != want.body {
			t.Errorf("request %d %s: %d %q %v; want %d %q on the same connection", i, want.path, status, body, err, want.status, want.body)
		}
	}
	if status, body, err := c.RoundTrip(Post(addr, "/close", "", nil)); status != 200 || string(body) != "bye" || err == nil {
		t.Errorf("/close: %d %q %v; want 200 \"bye\" and an error saying the connection closed", status, body, err)
	}
	c2, err := Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, _, err := c2.RoundTrip(Post(addr, "/chunked", "", nil)); err == nil || !strings.Contains(err.Error(), "chunked") {
		t.Errorf("a chunked answer: %v; want an error naming it", err)
	}
}
