//go:build linux

package browsers

// Real-browser tests: Chromium and Firefox run headless against a cookie
// server on loopback that is also their proxy, so every host name (zoom.us,
// meet.google.com, …) is answered locally and nothing leaves the machine.
//
// Chromium visits https:// URLs: the proxy answers CONNECT itself and
// terminates TLS with certificates from a test CA generated per run; the
// profile trusts their key through --ignore-certificate-errors-spki-list
// (honoured because --user-data-dir is set). HTTPS is needed there because
// meet.google.com is HSTS-preloaded in Chromium. Firefox visits plain
// http:// URLs with the preload list switched off by a pref: it only trusts
// a CA through certutil or a system-wide policy, neither of which a test
// should need.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// siteCookie is one cookie the server sets.
type siteCookie struct {
	host   string // where it is set (the navigation's or the frame's host)
	name   string
	domain string // Domain attribute, "" for a host-only cookie
	// framedBy is, for a cookie set inside a frame, the host of the
	// top-level page that frames host: the browser keeps it in that
	// site's partition.
	framedBy string
}

// testCookies are set by the server. Names are unique markers so the test
// can look for them in the database files. Every host is also visited in
// the check round, so domain cookies show up at their subdomains.
var testCookies = []siteCookie{
	{"zoom.us", "sgzoomhost", "", ""},
	{"zoom.us", "sgzoomdomain", "zoom.us", ""},
	{"us02web.zoom.us", "sgzoomsub", "", ""},
	{"meet.google.com", "sgmeet", "", ""},
	{"teams.microsoft.com", "sgteams", "", ""},
	{"teams.microsoft.com", "sgmsdomain", "microsoft.com", ""},
	{"whereby.com", "sgwhereby", "", ""},
	{"notzoom.us", "sgnotzoom", "", ""},
	{"www.mybank.co.uk", "sgbank", "mybank.co.uk", ""},
	{"www.mybank.co.uk", "sgbankhost", "", ""},
	{"xn--bcher-kva.example", "sgbuecher", "", ""}, // bücher.example, stored in its ASCII form
	// The bank's page framed by the last page: partitioned under bücher.example.
	{framedHost, "sgbankframed", "", "xn--bcher-kva.example"},
}

// framedHost is the host the last page of a round frames (its frame sets
// the cookies framed by that page's host, then ends the round).
const framedHost = "www.mybank.co.uk"

// sentKey is the key under which the server records the cookies a request
// for host carried: the host, or for a frame "host framed by top".
func sentKey(host, framedBy string) string {
	if framedBy == "" {
		return host
	}
	return host + " framed by " + framedBy
}

// domainsCleared are the sites the real-browser tests clear on their own
// (--domain), one typed as a person would type a name in another script;
// clearedByDomains tells their cookies.
var domainsCleared = []string{"zoom.us", "Bücher.Example"}

func clearedByDomains(c siteCookie) bool {
	listed := func(h string) bool {
		return (strings.HasSuffix(h, "zoom.us") && h != "notzoom.us") || h == "xn--bcher-kva.example"
	}
	return listed(c.host) || listed(c.framedBy)
}

// keptWithBank is whether a cookie stays when only mybank.co.uk is kept:
// the bank's own, not those it set framed by another site.
func keptWithBank(c siteCookie) bool {
	return strings.Contains(c.host, "mybank") && c.framedBy == ""
}

// testHosts are visited in this order.
var testHosts = []string{"zoom.us", "us02web.zoom.us", "meet.google.com", "teams.microsoft.com", "whereby.com", "notzoom.us", "www.mybank.co.uk", "xn--bcher-kva.example"}

// cookieServer is an HTTP proxy and origin server for every test host.
type cookieServer struct {
	t    *testing.T
	addr string
	// values are the random cookie values of this run, by name.
	values map[string]string

	mu     sync.Mutex
	seen   map[string]map[string]map[string]bool // run → host → cookie names sent
	done   map[string]chan struct{}
	scheme map[string]string // run → http or https
	closer map[string]bool   // runs whose last page closes the window
	certs  map[string]*tls.Certificate

	caCert  *x509.Certificate
	caKey   *ecdsa.PrivateKey
	leafKey *ecdsa.PrivateKey
	inner   *http.Server // serves the requests inside TLS tunnels
}

// spki is the value for Chromium's --ignore-certificate-errors-spki-list:
// the SHA-256 of the key every leaf certificate uses.
func (s *cookieServer) spki() string {
	der, err := x509.MarshalPKIXPublicKey(&s.leafKey.PublicKey)
	if err != nil {
		s.t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// certFor issues (once) a certificate for host signed by the test CA.
func (s *cookieServer) certFor(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := hello.ServerName
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.certs[host]; ok {
		return c, nil
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.caCert, &s.leafKey.PublicKey, s.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der, s.caCert.Raw}, PrivateKey: s.leafKey}
	s.certs[host] = c
	return c, nil
}

// tunnel answers a CONNECT itself: TLS with a test certificate, then the
// same handler inside.
func (s *cookieServer) tunnel(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijack", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	var raw net.Conn = conn
	if buf.Reader.Buffered() > 0 {
		raw = &bufferedConn{Conn: conn, r: buf.Reader}
	}
	tc := tls.Server(raw, &tls.Config{GetCertificate: s.certFor, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12})
	_ = s.inner.Serve(&oneConnListener{conn: tc, closed: make(chan struct{})})
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// oneConnListener hands out one connection, then blocks until that
// connection is closed.
type oneConnListener struct {
	mu     sync.Mutex
	conn   net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.conn
	l.conn = nil
	l.mu.Unlock()
	if c != nil {
		return &notifyConn{Conn: c, l: l}, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

type notifyConn struct {
	net.Conn
	l *oneConnListener
}

func (c *notifyConn) Close() error {
	err := c.Conn.Close()
	c.l.Close()
	return err
}

func newCookieServer(t *testing.T) *cookieServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &cookieServer{t: t, addr: ln.Addr().String(), values: map[string]string{},
		seen: map[string]map[string]map[string]bool{}, done: map[string]chan struct{}{},
		scheme: map[string]string{}, closer: map[string]bool{}, certs: map[string]*tls.Certificate{}}
	s.caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s.leafKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "SessionGuard test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &s.caKey.PublicKey, s.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if s.caCert, err = x509.ParseCertificate(caDER); err != nil {
		t.Fatal(err)
	}
	s.inner = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	t.Cleanup(func() { s.inner.Close() })
	for _, c := range testCookies {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		s.values[c.name] = "sgvalue" + c.name + hex.EncodeToString(b)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return s
}

// start returns the first URL of a round (mode "set" or "check") and a
// channel closed when the browser reached its end.
func (s *cookieServer) start(scheme, mode, run string) (string, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.done[run] = ch
	s.seen[run] = map[string]map[string]bool{}
	s.scheme[run] = scheme
	if strings.HasSuffix(run, "-close") {
		s.closer[run] = true
	}
	return fmt.Sprintf("%s://%s/%s/%s/0", scheme, testHosts[0], mode, run), ch
}

func (s *cookieServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if os.Getenv("SG_TRACE") != "" {
		s.t.Logf("proxy: %s %s host=%s", r.Method, r.URL, r.Host)
	}
	if r.Method == http.MethodConnect {
		s.tunnel(w)
		return
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || (parts[0] != "set" && parts[0] != "check") {
		http.NotFound(w, r)
		return
	}
	mode, run := parts[0], parts[1]
	if parts[2] == "frame" {
		s.serveFrame(w, r, host, mode, run)
		return
	}
	if parts[2] == "ack" {
		// The last page's image: the browser has taken in that page, and
		// the cookies its response set, before it asks for this. (The
		// page's own request ends the round too early: the browser may
		// not have stored the last host's cookies when it is told to quit.)
		s.mu.Lock()
		if ch, ok := s.done[run]; ok {
			close(ch)
			delete(s.done, run)
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	i, err := strconv.Atoi(parts[2])
	if err != nil || i >= len(testHosts) || testHosts[i] != host {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	scheme := s.scheme[run]
	if s.seen[run] != nil {
		got := map[string]bool{}
		for _, c := range r.Cookies() {
			got[c.Name] = true
			if c.Value != s.values[c.Name] {
				s.t.Errorf("%s sent %s with a value the server never set", host, c.Name)
			}
		}
		s.seen[run][host] = got
	}
	s.mu.Unlock()
	if mode == "set" {
		for _, c := range testCookies {
			if c.host != host || c.framedBy != "" {
				continue
			}
			hc := &http.Cookie{Name: c.name, Value: s.values[c.name], Path: "/", MaxAge: 86400, Domain: c.domain, Secure: r.TLS != nil, HttpOnly: true}
			http.SetCookie(w, hc)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	if i+1 < len(testHosts) {
		http.Redirect(w, r, fmt.Sprintf("%s://%s/%s/%s/%d", scheme, testHosts[i+1], mode, run, i+1), http.StatusFound)
		return
	}
	w.Header().Set("Content-Type", "text/html")
	// The frame's page ends the round: the page's load event waits for it.
	fmt.Fprintf(w, `<!doctype html><title>done</title><p>done</p><iframe src="%s://%s/%s/%s/frame"></iframe>`, scheme, framedHost, mode, run)
	s.mu.Lock()
	if s.closer[run] {
		// Closing the last window quits Firefox cleanly, which writes
		// its cookies (SIGTERM does not).
		fmt.Fprint(w, "<script>onload = function(){setTimeout(function(){window.close()}, 100)}</script>")
	}
	s.mu.Unlock()
}

// serveFrame answers the frame the last page of a round embeds: it records
// the cookies the frame's request carried, sets (in a set round) the
// cookies framed by the last host, partitioned (CHIPS needs Partitioned,
// Secure and SameSite=None; over http Firefox partitions a frame's
// cookies by itself), and ends the round with its image.
func (s *cookieServer) serveFrame(w http.ResponseWriter, r *http.Request, host, mode, run string) {
	top := testHosts[len(testHosts)-1]
	if host != framedHost {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.seen[run] != nil {
		got := map[string]bool{}
		for _, c := range r.Cookies() {
			got[c.Name] = true
		}
		s.seen[run][sentKey(host, top)] = got
	}
	// (r.TLS is nil inside the proxy's tunnels: the round's scheme says.)
	https := s.scheme[run] == "https"
	s.mu.Unlock()
	if mode == "set" {
		for _, c := range testCookies {
			if c.host == host && c.framedBy == top {
				hc := &http.Cookie{Name: c.name, Value: s.values[c.name], Path: "/", MaxAge: 86400, HttpOnly: true}
				if https {
					hc.Secure, hc.SameSite, hc.Partitioned = true, http.SameSiteNoneMode, true
				}
				http.SetCookie(w, hc)
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprintf(w, `<!doctype html><title>frame</title><p>frame</p><img src="/%s/%s/ack" alt="">`, mode, run)
}

// sent returns the cookie names each host received in a run.
func (s *cookieServer) sent(run string) map[string]map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[run]
}

// expectSent is which cookie names each host should receive if the named
// cookies are still stored.
// A cookie set in a frame goes only to that frame, framed by the same site.
func expectSent(stored []string) map[string][]string {
	out := map[string][]string{}
	for _, c := range testCookies {
		if c.framedBy != "" && slices.Contains(stored, c.name) {
			out[sentKey(c.host, c.framedBy)] = append(out[sentKey(c.host, c.framedBy)], c.name)
		}
	}
	for _, h := range testHosts {
		for _, c := range testCookies {
			if !slices.Contains(stored, c.name) || c.framedBy != "" {
				continue
			}
			if c.host == h || (c.domain != "" && (h == c.domain || strings.HasSuffix(h, "."+c.domain))) {
				out[h] = append(out[h], c.name)
			}
		}
	}
	return out
}

func cookieNames(filter func(siteCookie) bool) []string {
	var out []string
	for _, c := range testCookies {
		if filter(c) {
			out = append(out, c.name)
		}
	}
	return out
}

// assertSent checks that every host received exactly the stored cookies.
func (s *cookieServer) assertSent(t *testing.T, run string, stored []string) {
	t.Helper()
	got := s.sent(run)
	want := expectSent(stored)
	for _, h := range append(slices.Clone(testHosts), sentKey(framedHost, testHosts[len(testHosts)-1])) {
		var names []string
		for n := range got[h] {
			names = append(names, n)
		}
		slices.Sort(names)
		w := slices.Clone(want[h])
		slices.Sort(w)
		if !slices.Equal(names, w) {
			t.Errorf("%s received cookies %v, want %v", h, names, w)
		}
	}
}

// browserProc is a running browser.
type browserProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	// devtools is Chromium's --remote-debugging-pipe input, used to close
	// it cleanly: headless Chromium exits on SIGTERM without writing the
	// cookies it holds in memory, Browser.close writes them.
	devtools *os.File
}

func startBrowser(t *testing.T, home, bin string, args ...string) *browserProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var devtools *os.File
	if slices.Contains(args, "--remote-debugging-pipe") {
		inR, inW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		outR, outW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.ExtraFiles = []*os.File{inR, outW} // fds 3 and 4
		defer inR.Close()
		defer outW.Close()
		devtools = inW
		go func() {
			b := make([]byte, 4096)
			for {
				if _, err := outR.Read(b); err != nil {
					outR.Close()
					return
				}
			}
		}()
		t.Cleanup(func() { inW.Close() })
	}
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "MOZ_CRASHREPORTER_DISABLE=1", "DBUS_SESSION_BUS_ADDRESS=disabled:")
	logf, err := os.Create(filepath.Join(t.TempDir(), "browser.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	p := &browserProc{cmd: cmd, done: make(chan struct{}), devtools: devtools}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil && len(b) > 0 {
				t.Logf("%s output (tail):\n%s", filepath.Base(bin), tail(string(b), 3000))
			}
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stop asks the browser to quit, cleanly for Chromium (DevTools
// Browser.close writes its cookies), with SIGTERM otherwise, and waits,
// killing it after timeout.
func (p *browserProc) stop(t *testing.T, timeout time.Duration) {
	t.Helper()
	if p.devtools != nil {
		_, _ = p.devtools.Write([]byte(`{"id":1,"method":"Browser.close"}` + "\x00"))
	} else {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		t.Fatalf("%s did not quit within %s of SIGTERM", p.cmd.Path, timeout)
	}
	// Helper processes (Chromium's zygote, crash handler) go with the group.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// roundTimeout bounds one round of a real browser: its first start makes
// the profile, and under a full test run (race builds of every package
// on two cores) Chromium's first round once took more than 20 s.
const roundTimeout = 45 * time.Second

// waitRound waits for the browser to reach the end of a round.
func waitRound(t *testing.T, ch <-chan struct{}, p *browserProc, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-p.done:
		t.Fatalf("browser exited before finishing %s: %v", what, p.err)
	case <-time.After(roundTimeout):
		t.Fatalf("browser did not finish %s within %s", what, roundTimeout)
	}
}

func requireBinary(t *testing.T, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("%s is not installed (apt-get install %s); skipping the real-browser test", path, filepath.Base(path))
		}
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("real-browser test skipped in -short mode")
	}
	return path
}

// runOpts is a Clear with a context bound.
func clearNow(t *testing.T, o Options) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rep, err := Clear(ctx, o)
	if err != nil {
		t.Fatalf("Clear: %v", err)
	}
	return rep
}

// assertPartitioned checks that the browser stored each framed cookie in
// the partition of the site that framed it, as the engine records one,
// and logs what it wrote.
func assertPartitioned(t *testing.T, db string, e Engine) {
	t.Helper()
	table, hostCol := cookieTable(e)
	partCol, partitionSite := cookiePartition(e)
	conn, err := sql.Open("sqlite", db+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, c := range testCookies {
		if c.framedBy == "" {
			continue
		}
		var host, partition string
		if err := conn.QueryRow("SELECT "+hostCol+", "+partCol+" FROM "+table+" WHERE name = ?", c.name).Scan(&host, &partition); err != nil {
			t.Fatalf("framed cookie %s: %v", c.name, err)
		}
		t.Logf("framed cookie %s stored as host %q, %s %q", c.name, host, partCol, partition)
		if site := partitionSite(partition); host != c.host || site != c.framedBy {
			t.Fatalf("framed cookie %s: host %q in the partition of %q, want %q in %q's", c.name, host, site, c.host, c.framedBy)
		}
	}
}
