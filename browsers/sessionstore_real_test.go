//go:build linux

package browsers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/internal/firefoxtest"
)

// sessionCookieServer sets a session cookie (no expiry) on /set/<run> and
// records the Cookie header of /check/<run>.
type sessionCookieServer struct {
	addr  string
	value string

	mu   sync.Mutex
	sent map[string]string // run → Cookie header
	hit  map[string]chan struct{}
}

func newSessionCookieServer(t *testing.T) *sessionCookieServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s := &sessionCookieServer{addr: ln.Addr().String(), value: "sgsessionvalue" + hex.EncodeToString(b),
		sent: map[string]string{}, hit: map[string]chan struct{}{}}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return s
}

// url returns the page of a round and a channel closed when it is asked for.
func (s *sessionCookieServer) url(mode, run string) (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.hit[mode+"/"+run] = ch
	return fmt.Sprintf("http://%s/%s/%s", s.addr, mode, run), ch
}

func (s *sessionCookieServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if mode != "set" && mode != "check" {
		// favicon and the like
		http.NotFound(w, r)
		return
	}
	key := r.URL.Path[1:]
	if mode == "set" {
		http.SetCookie(w, &http.Cookie{Name: "sgsession", Value: s.value, Path: "/"})
	}
	s.mu.Lock()
	if mode == "check" {
		s.sent[key] = r.Header.Get("Cookie")
	}
	if ch, ok := s.hit[key]; ok {
		close(ch)
		delete(s.hit, key)
	}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, "<!doctype html><title>session</title><p>session</p>")
}

func (s *sessionCookieServer) cookieSent(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[key]
}

// Firefox keeps a session cookie in its saved session and, after being
// ended with SIGTERM (what --close-browsers sends), restores it at the next
// start. Clearing must remove it there too.
func TestFirefoxRealSessionCookieNotRestored(t *testing.T) {
	bin := requireBinary(t, firefoxBin)
	srv := newSessionCookieServer(t)
	home := t.TempDir()
	dir := newFirefoxProfile(t, home)
	prefs := firefoxtest.QuietPrefs()
	for k, v := range map[string]any{
		"browser.sessionstore.resume_from_crash":   true,
		"browser.sessionstore.max_resumed_crashes": 10,
		"browser.startup.page":                     3,
		"browser.sessionstore.interval":            500,
		"network.proxy.type":                       0,
		"network.cookie.cookieBehavior":            0,
	} {
		prefs[k] = v
	}
	firefoxtest.WriteUserJS(t, dir, prefs)
	env := &Env{Home: home, GOOS: "linux", Vars: map[string]string{}}
	recovery := filepath.Join(dir, "sessionstore-backups", "recovery.jsonlz4")

	// setAndKill has Firefox take the session cookie, waits until its saved
	// session holds it, and ends Firefox with SIGTERM.
	setAndKill := func(run string) {
		url, hit := srv.url("set", run)
		b := startBrowser(t, home, bin, "--headless", "--no-remote", "--profile", dir, url)
		waitRound(t, hit, b, "set "+run)
		deadline := time.Now().Add(roundTimeout)
		for {
			raw, err := os.ReadFile(recovery)
			if err == nil {
				if content, err := decodeMozLz4(raw); err == nil && bytes.Contains(content, []byte(srv.value)) {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: Firefox's saved session never held the session cookie", run)
			}
			time.Sleep(200 * time.Millisecond)
		}
		b.stop(t, 20*time.Second)
	}
	// check starts Firefox again and returns the Cookie header it sent.
	check := func(run string) string {
		url, hit := srv.url("check", run)
		b := startBrowser(t, home, bin, "--headless", "--no-remote", "--profile", dir, url)
		waitRound(t, hit, b, "check "+run)
		b.stop(t, 20*time.Second)
		return srv.cookieSent("check/" + run)
	}
	want := "sgsession=" + srv.value

	// Without clearing, the restarted Firefox sends the cookie it restored
	// from the saved session: the test sees what a practitioner would.
	setAndKill("s1")
	if got := check("c1"); got != want {
		t.Fatalf("control: the restarted Firefox sent %q, want %q (it did not restore the session cookie)", got, want)
	}

	setAndKill("s2")
	rep := clearNow(t, Options{Env: env, Browsers: []string{Firefox}})
	if r := resultFor(t, rep, Firefox); r.Status != StatusCleared || r.Removed < 1 {
		t.Fatalf("clear: got %+v, want cleared with the session cookie removed", r)
	}
	files, err := sessionRestoreFiles(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("saved-session files: %v, %v", files, err)
	}
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		content, err := decodeMozLz4(raw)
		if err != nil {
			t.Fatalf("%s after the clear: %v", f, err)
		}
		if bytes.Contains(content, []byte(srv.value)) {
			t.Errorf("%s still holds the session cookie", f)
		}
	}
	if got := check("c2"); got != "" {
		t.Fatalf("after the clear the restarted Firefox sent %q, want no cookie", got)
	}
}
