package loadtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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

// TestPacedLatencyFromDueTime: a paced run times each request from when it
// was due. One client, 10 requests due 1 ms apart, a server taking 20 ms
// each: the client sends the last one about 180 ms late, and its latency
// must say so (timed from the sending, every latency would be ~20 ms and
// a server that cannot keep up would look as if it did).
func TestPacedLatencyFromDueTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	requests := make([][]byte, 10)
	for i := range requests {
		requests[i] = Post(addr, "/", "", nil)
	}
	r := Drive(addr, 1, 1000, requests, func(int, int, []byte) error { return nil })
	if r.Failed != 0 || len(r.Latencies) != len(requests) {
		t.Fatalf("answered %d, failed %d; want all %d answered", len(r.Latencies), r.Failed, len(requests))
	}
	if worst := r.Latencies[len(r.Latencies)-1]; worst < 150*time.Millisecond {
		t.Errorf("the last request's latency is %v; it was due ~9 ms after the start and sent after 9 answers of 20 ms, so at least 150 ms", worst)
	}
	if r.PerSecond() > 60 {
		t.Errorf("%.0f requests/s through one client of a 20 ms server; want under 60 (the pace is not what was reached)", r.PerSecond())
	}
}
