package servercli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/internal/syncbuf"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// run runs the CLI with --db dsn and returns the exit code and outputs.
func run(t *testing.T, dsn string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(append([]string{"--db", dsn}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestEnrollSecretCommands(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "var", "sg.db")
	if code, out, errOut := run(t, dsn, "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	code, secret, errOut := run(t, dsn, "enroll-secret", "create", "--team", "counselling")
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "sges_") || !strings.Contains(errOut, `Created team "counselling"`) {
		t.Fatalf("create: %d %q %q", code, secret, errOut)
	}
	if code, _, errOut := run(t, dsn, "enroll-secret", "create", "--team", "counselling"); code != 0 || strings.Contains(errOut, "Created team") {
		t.Errorf("second create: %d %q (the team exists now)", code, errOut)
	}
	code, list, _ := run(t, dsn, "enroll-secret", "list")
	if code != 0 || strings.Count(list, "counselling") != 2 || strings.Contains(list, secret) {
		t.Fatalf("list: %d %q", code, list)
	}
	id := regexp.MustCompile(`(?m)^([0-9a-f]{32})\s`).FindStringSubmatch(list)
	if id == nil {
		t.Fatalf("no id in %q", list)
	}
	if code, out, _ := run(t, dsn, "enroll-secret", "revoke", id[1]); code != 0 || !strings.Contains(out, "Revoked") {
		t.Errorf("revoke: %d %q", code, out)
	}
	if _, list, _ := run(t, dsn, "enroll-secret", "list"); !strings.Contains(list, "revoked") {
		t.Errorf("list after revoke: %q", list)
	}
	if code, _, errOut := run(t, dsn, "enroll-secret", "revoke", "nope"); code != ExitError || !strings.Contains(errOut, "enroll-secret list") {
		t.Errorf("revoke unknown: %d %q", code, errOut)
	}
	// Every change is in the audit log by "cli", naming the team, never
	// the secret.
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.AuditLog(t.Context(), store.AuditFilter{Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Actor+" "+e.Action+": "+e.Detail)
		if strings.Contains(e.Detail+e.Target, secret) {
			t.Error("the secret reached the audit log")
		}
	}
	want := []string{"cli team.create: team counselling (with the default policy)", "cli enroll_secret.create: for team counselling",
		"cli enroll_secret.create: for team counselling", "cli enroll_secret.revoke: for team counselling, created "}
	if len(got) != len(want) {
		t.Fatalf("audit log %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("audit entry %d: %q, want %q…", i, got[i], want[i])
		}
	}
}

func TestServeFlags(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sg.db")
	for _, args := range [][]string{
		{"serve", "--retention-days", "0"},
		{"serve", "--tls-cert", "x.pem"},
		{"serve", "--public-url", "ftp://x"},
		{"serve", "--listen", "256.0.0.1:99999"},
		{"serve", "--trusted-proxies", "10.0.0.0/40"},
		{"serve", "--metrics-token-file", "/nonexistent"},
	} {
		if code, _, errOut := run(t, dsn, args...); code != ExitError || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want a clear error", args, code, errOut)
		}
	}
	// What a tester met: a file that is not PEM said "serving" before it
	// failed, and a listen address that is not host:port was called "not
	// a loopback address". Both are refused first, saying what to give.
	notPEM := filepath.Join(t.TempDir(), "cert.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--tls-cert", notPEM, "--tls-key", notPEM}, "give a PEM certificate"},
		{[]string{"serve", "--tls-key", notPEM}, "go together"},
		{[]string{"serve", "--listen", "nonsense"}, `--listen "nonsense" is not host:port`},
		{[]string{"serve", "--metrics-listen", "9090"}, `--metrics-listen "9090" is not host:port`},
	} {
		code, _, errOut := run(t, dsn, c.args...)
		if code != ExitError || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "serving") {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, code, errOut, c.want)
		}
	}
	// Plain http on the network needs --insecure-http (item 12).
	for _, listen := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0"} {
		if code, _, errOut := run(t, dsn, "serve", "--listen", listen); code != ExitError || !strings.Contains(errOut, "--insecure-http") {
			t.Errorf("serve --listen %s without TLS: exit %d, stderr %q; want a refusal naming --insecure-http", listen, code, errOut)
		}
	}
	// Profiles are served on loopback only.
	for _, listen := range []string{":6060", "0.0.0.0:6060", "[::]:6060", "192.0.2.1:6060"} {
		if code, _, errOut := run(t, dsn, "serve", "--pprof-listen", listen); code != ExitError || !strings.Contains(errOut, "not a loopback") {
			t.Errorf("serve --pprof-listen %s: exit %d, stderr %q; want a refusal", listen, code, errOut)
		}
	}
	// The same flags from the environment.
	t.Setenv("SESSIONGUARD_SERVER_RETENTION_DAYS", "0")
	if code, _, errOut := run(t, dsn, "serve"); code != ExitError || !strings.Contains(errOut, "--retention-days") {
		t.Errorf("SESSIONGUARD_SERVER_RETENTION_DAYS=0: exit %d, stderr %q", code, errOut)
	}
}

// TestServe starts serve on a loopback port, enrols a device, stores a
// report, reads /metrics, then stops it as SIGTERM would.
func TestServe(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sg.db")
	code, secret, _ := run(t, dsn, "enroll-secret", "create")
	if code != 0 {
		t.Fatal("enroll-secret create failed")
	}
	var stderr syncbuf.Buffer
	e := &env{stdout: io.Discard, stderr: &stderr, db: dsn}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- e.serve(ctx, serveOptions{listen: "127.0.0.1:0", retentionDays: 90, staleAfter: time.Hour, metricsListen: "127.0.0.1:0",
			pprofListen: "127.0.0.1:0"})
	}()
	addr := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	var base string
	deadline := time.Now().Add(20 * time.Second)
	for base == "" {
		if m := addr.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", stderr.String())
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	post := func(path, token string, v any) (int, []byte) {
		b, _ := json.Marshal(v)
		req, _ := http.NewRequestWithContext(t.Context(), "POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	code, body := post(report.PathEnroll, "", report.EnrollRequest{Schema: report.Schema, Secret: strings.TrimSpace(secret), DeviceName: "pc-1", Agent: storetest.Agent})
	var er report.EnrollResponse
	if code != http.StatusCreated || json.Unmarshal(body, &er) != nil || er.Token == "" {
		t.Fatalf("enrol: %d %s", code, body)
	}
	if code, body := post(report.PathReports, er.Token, storetest.CheckRun(time.Now(), true)); code != 200 {
		t.Fatalf("report: %d %s", code, body)
	}
	// The database and SQLite's -wal and -shm files are the owner's alone
	// (item 12), whatever the umask.
	if runtime.GOOS != "windows" {
		path := strings.TrimPrefix(dsn, "sqlite:")
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(p), err)
			} else if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode())
			}
		}
	}
	// /metrics is not on the main address (item 12), only on its own.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main address: %d, want 404", resp.StatusCode)
	}
	m := regexp.MustCompile(`metrics_at=(http://127\.0\.0\.1:\d+/metrics)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log: %s", stderr.String())
	}
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		// The run holds none of the checks the default policy requires:
		// the server does not take the agent's word that it is ready.
		`sessionguard_devices{state="not_ready"} 1`,
		`sessionguard_api_requests_total{endpoint="reports",outcome="accepted"} 1`,
		`sessionguard_api_requests_total{endpoint="enroll",outcome="enrolled"} 1`,
		`sessionguard_api_request_duration_seconds_bucket{endpoint="reports"`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Profiles: on their own loopback address, not on the main one.
	if code := getStatus(t, base+"/debug/pprof/goroutine?debug=1"); code == http.StatusOK {
		t.Errorf("/debug/pprof/ on the main address: %d", code)
	}
	p := regexp.MustCompile(`pprof_at=(http://127\.0\.0\.1:\d+/debug/pprof/)`).FindStringSubmatch(stderr.String())
	if p == nil {
		t.Fatalf("no profiles address in the log: %s", stderr.String())
	}
	resp, err = http.Get(p[1] + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	goroutines, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(goroutines), "goroutine profile:") {
		t.Errorf("goroutine profile: %d %.200s", resp.StatusCode, goroutines)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after its context ended, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log: %s", stderr.String())
	}
}

// Item 9: enroll-secret create --uses N --expires D makes a secret that
// enrols N devices within D and no more.
func TestEnrollSecretLimits(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sg.db")
	code, secret, errOut := run(t, dsn, "enroll-secret", "create", "--uses", "2", "--expires", "7d")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	st := openForTest(t, dsn)
	for i, want := range []bool{true, true, false} {
		_, _, err := st.EnrollDevice(t.Context(), strings.TrimSpace(secret), fmt.Sprintf("pc-%d", i), storetest.Agent)
		if (err == nil) != want {
			t.Errorf("enrolment %d: %v, want success %v", i+1, err, want)
		}
	}
	st.Close()
	if _, list, _ := run(t, dsn, "enroll-secret", "list"); !strings.Contains(list, "2 of 2") || !strings.Contains(list, "used up") {
		t.Errorf("list: %q", list)
	}
	for _, args := range [][]string{{"--uses", "-1"}, {"--expires", "soon"}, {"--expires", "0d"}, {"--expires", "-3h"}} {
		if code, _, errOut := run(t, dsn, append([]string{"enroll-secret", "create"}, args...)...); code != ExitError || errOut == "" {
			t.Errorf("create %v: %d %q, want a clear error", args, code, errOut)
		}
	}
}

// getStatus GETs url without following redirects and returns the status.
func getStatus(t *testing.T, url string) int {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func openForTest(t *testing.T, dsn string) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
