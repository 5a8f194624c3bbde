package cli

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/report"
)

const (
	testEnrolSecret = "enrol-secret-abc"
	testDeviceToken = "sgd_tok_cli_xyz"
)

// enrolServer is a TLS server that accepts testEnrolSecret only; the hooks
// point enroll at it and keep the token out of the OS keyring.
func enrolServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req report.EnrollRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if r.URL.Path != report.PathEnroll || req.Secret != testEnrolSecret {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(report.EnrollResponse{DeviceID: "dev-" + req.DeviceName, Token: testDeviceToken})
	}))
	t.Cleanup(srv.Close)
	oldClient, oldStore := enrollHTTPClient, enrollStore
	enrollHTTPClient = srv.Client()
	enrollStore = func(path string, log *slog.Logger) (*credentials.Store, error) {
		return credentials.New(credentials.Options{Path: path, Keyring: credentials.NoKeyring, Logger: log})
	}
	t.Cleanup(func() { enrollHTTPClient, enrollStore = oldClient, oldStore })
	return srv.URL
}

func runEnroll(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb}
	cmd := e.enrollCommand()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err = cmd.ExecuteContext(t.Context())
	return out.String(), errb.String(), err
}

func TestEnrollCommand(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(testEnrolSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		args  []string
		env   string
		stdin string
		// wantErr is part of the error; "" for success.
		wantErr string
	}{
		{name: "secret file", args: []string{"--secret-file", secretFile, "--name", "front-desk-1"}},
		{name: "secret from stdin", args: []string{"--secret-file", "-", "--name", "front-desk-1"}, stdin: testEnrolSecret + "\n"},
		{name: "secret from the environment", args: []string{"--name", "front-desk-1"}, env: testEnrolSecret},
		{name: "secret flag", args: []string{"--secret", testEnrolSecret, "--name", "front-desk-1"}},
		{name: "wrong secret", args: []string{"--secret", "nope"}, wantErr: "refused the enrol secret"},
		{name: "no secret", args: []string{}, wantErr: EnrollSecretEnv},
		{name: "both flags", args: []string{"--secret", "a", "--secret-file", secretFile}, wantErr: "not both"},
		{name: "missing secret file", args: []string{"--secret-file", filepath.Join(t.TempDir(), "absent")}, wantErr: "reading the enrol secret"},
		{name: "plain http elsewhere", args: []string{"--server", "http://sessionguard.example.org", "--secret", testEnrolSecret}, wantErr: "https://"},
		{name: "no server", args: []string{"--server", "", "--secret", testEnrolSecret}, wantErr: "needs --server"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := enrolServer(t)
			stateDir := filepath.Join(t.TempDir(), "state")
			credPath := filepath.Join(stateDir, statedir.CredentialsFile)
			t.Setenv(EnrollSecretEnv, tc.env)
			args := append([]string{"--server", url, "--state-dir", stateDir}, tc.args...)
			stdout, stderr, err := runEnroll(t, tc.stdin, args...)
			if strings.Contains(stdout+stderr, testDeviceToken) || (err != nil && strings.Contains(err.Error(), testDeviceToken)) {
				t.Fatal("the device token was printed")
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if _, statErr := os.Stat(credPath); statErr == nil {
					t.Fatal("credentials saved despite the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("enroll: %v (stderr %s)", err, stderr)
			}
			if want := "Enrolled as front-desk-1 with " + url + "\n"; stdout != want {
				t.Fatalf("stdout %q, want %q", stdout, want)
			}
			store, _ := credentials.New(credentials.Options{Path: credPath, Keyring: credentials.NoKeyring})
			c, err := store.Load()
			if err != nil || c.Token != testDeviceToken || c.DeviceID != "dev-front-desk-1" || c.ServerURL != url {
				t.Fatalf("stored %+v, %v", c, err)
			}
			if fi, _ := os.Stat(credPath); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
				t.Fatalf("credentials mode %v", fi.Mode().Perm())
			}
			// The keyring fallback is said once, without the token.
			if !strings.Contains(stderr, "keyring unavailable") {
				t.Fatalf("stderr %q, want the fallback warning", stderr)
			}
			// In a plain sentence, not a structured log line.
			if !strings.HasPrefix(stderr, "Note: OS keyring unavailable") || strings.Contains(stderr, "level=") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one plain sentence", stderr)
			}
		})
	}
}
