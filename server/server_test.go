package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

func newStore(t *testing.T) store.Store {
	t.Helper()
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sessionguard test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// start serves srv on a loopback port until the test ends and returns the
// base URL and a function that stops it and returns Serve's result.
func start(t *testing.T, srv *server.Server) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = errors.New("no graceful shutdown within 30 s")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return srv.URL(ln.Addr()), stop
}

func TestTLSRoutesAndShutdown(t *testing.T) {
	st := newStore(t)
	certFile, keyFile, pool := selfSigned(t)
	const metricsToken = "scrape-me-0123456789"
	srv, err := server.New(server.Config{Store: st, TLSCert: certFile, TLSKey: keyFile, MetricsToken: metricsToken})
	if err != nil {
		t.Fatal(err)
	}
	base, stop := start(t, srv)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("URL %q", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}

	_, deviceID, token := storetest.Enrolled(t, st, "tls")
	body, _ := json.Marshal(storetest.CheckRun(time.Now(), true))
	req, _ := http.NewRequestWithContext(t.Context(), "POST", base+report.PathReports, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("report over TLS: %d, headers %v", resp.StatusCode, resp.Header)
	}

	resp, err = client.Get(base + "/api/v1/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("unknown API path: %d %s, want a JSON 404", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// /metrics needs the token (item 12).
	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Basic " + metricsToken} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/metrics with Authorization %q: %d, want 401", auth, resp.StatusCode)
		}
	}
	req, _ = http.NewRequestWithContext(t.Context(), "GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The run holds none of the checks the default policy requires: the
	// server does not take the agent's word that it is ready.
	for _, want := range []string{`sessionguard_devices{state="not_ready"} 1`, `sessionguard_devices{state="never_reported"} 0`, "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(string(m), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Plain http on the TLS port is refused, not served.
	if resp, err := http.Get(strings.Replace(base, "https", "http", 1) + "/metrics"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain http served on the TLS port")
		}
	}

	if err := stop(); err != nil {
		t.Errorf("Serve after shutdown: %v", err)
	}
	if d, err := st.Device(t.Context(), deviceID); err != nil || d.LatestReady == nil || *d.LatestReady {
		t.Errorf("device after shutdown: %+v %v", d, err)
	}
}

func TestConfigRefused(t *testing.T) {
	st := newStore(t)
	if _, err := server.New(server.Config{Store: st, TLSCert: "c.pem"}); err == nil {
		t.Error("a certificate without a key was accepted")
	}
	srv, err := server.New(server.Config{Store: st, TLSCert: "/nonexistent/c.pem", TLSKey: "/nonexistent/k.pem"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(t.Context(), ln); err == nil || !strings.Contains(err.Error(), "TLS certificate") {
		t.Errorf("Serve with a missing certificate: %v", err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	st := newStore(t)
	srv, err := server.New(server.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := get("/readyz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	// The database goes away: not ready, but the process still serves.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || body != "unavailable\n" {
		t.Errorf("/readyz with the database closed = %d %q, want 503", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with the database closed = %d, want 200", code)
	}
}

// Without a token, /metrics is not on the main handler (item 12): the
// fleet's counts and versions are for the monitoring listener.
func TestMetricsNotOnMainListenerWithoutToken(t *testing.T) {
	srv, err := server.New(server.Config{Store: newStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "sessionguard_devices") {
		t.Errorf("/metrics on the main handler: %d %.80s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "sessionguard_devices") {
		t.Errorf("metrics handler: %d", rec.Code)
	}
	for listen, want := range map[string]bool{"127.0.0.1:80": true, "[::1]:1": true, "localhost:8": true, ":8443": false, "0.0.0.0:1": false, "10.0.0.1:1": false, "[::]:1": false} {
		if server.Loopback(listen) != want {
			t.Errorf("Loopback(%q) = %v", listen, !want)
		}
	}
}
