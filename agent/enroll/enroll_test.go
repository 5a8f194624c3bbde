package enroll_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/enroll"
	"github.com/sessionguard/sessionguard/report"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	secret = "enrol-s3cret-value"
	token  = "sgd_tok_issued"
)

var agent = report.Agent{Version: "1.0.0"}

// server answers enrolment requests with answer (nil: success) and records
// what it received.
func server(t *testing.T, tlsOn bool, answer func(w http.ResponseWriter, req report.EnrollRequest) bool) (*httptest.Server, *[]report.EnrollRequest) {
	var got []report.EnrollRequest
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != report.PathEnroll || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		var req report.EnrollRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Error(err)
		}
		got = append(got, req)
		if answer != nil && answer(w, req) {
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(report.EnrollResponse{DeviceID: "dev-42", Token: token})
	})
	var srv *httptest.Server
	if tlsOn {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestEnrollSucceeds(t *testing.T) {
	srv, got := server(t, true, nil)
	c := enroll.Client{HTTPClient: srv.Client()}
	creds, err := c.Enroll(t.Context(), srv.URL+"/", secret, " front-desk-1 ", agent)
	if err != nil {
		t.Fatal(err)
	}
	want := credentials.Creds{ServerURL: srv.URL, DeviceID: "dev-42", Token: token}
	if creds != want {
		t.Fatalf("creds %+v, want %+v", creds, want)
	}
	if len(*got) != 1 {
		t.Fatalf("%d requests", len(*got))
	}
	req := (*got)[0]
	if req.Schema != report.Schema || req.Secret != secret || req.DeviceName != "front-desk-1" || req.Agent.Version != "1.0.0" {
		t.Fatalf("request %+v", req)
	}
}

// Plain http is fine to this computer (tests, make run).
func TestEnrollLoopbackHTTP(t *testing.T) {
	srv, _ := server(t, false, nil)
	creds, err := enroll.Enroll(t.Context(), srv.URL, secret, "dev", agent)
	if err != nil || creds.Token != token {
		t.Fatalf("Enroll = %+v, %v", creds, err)
	}
}

func TestEnrollErrors(t *testing.T) {
	status := func(code int, body string, hdr ...string) func(http.ResponseWriter, report.EnrollRequest) bool {
		return func(w http.ResponseWriter, _ report.EnrollRequest) bool {
			for i := 0; i+1 < len(hdr); i += 2 {
				w.Header().Set(hdr[i], hdr[i+1])
			}
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
			return true
		}
	}
	tlsSrv, _ := server(t, true, nil)
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	cases := []struct {
		name   string
		answer func(http.ResponseWriter, report.EnrollRequest) bool
		// url overrides the test server's.
		url     string
		secret  string
		client  *http.Client
		want    error
		message string
	}{
		{name: "401", answer: status(401, ""), want: enroll.ErrSecretRefused, message: "wrong, expired or revoked"},
		{name: "403", answer: status(403, ""), want: enroll.ErrSecretRefused},
		{name: "500 with a message echoing the secret", answer: status(500, `{"error":"secret `+secret+` is on fire"}`), want: enroll.ErrServer, message: "500 Internal Server Error: secret [redacted] is on fire"},
		{name: "200 without a token", answer: status(200, `{"device_id":"d"}`), want: enroll.ErrServer, message: "no device id and token"},
		{name: "200 not JSON", answer: status(200, `<html>`), want: enroll.ErrServer},
		{name: "redirect not followed", answer: status(307, "", "Location", "https://elsewhere.example/"), want: enroll.ErrServer, message: "307"},
		{name: "http to another host", url: "http://sessionguard.example.org", want: credentials.ErrInsecureServerURL},
		{name: "not a URL", url: "sessionguard.example.org", want: credentials.ErrBadServerURL},
		{name: "no secret", secret: " ", want: enroll.ErrNoSecret},
		{name: "connection refused", url: closedURL, want: enroll.ErrUnreachable, message: "refused"},
		{name: "unknown certificate authority", url: tlsSrv.URL, client: &http.Client{}, want: enroll.ErrUnreachable, message: "certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := server(t, true, tc.answer)
			url := srv.URL
			if tc.url != "" {
				url = tc.url
			}
			s := secret
			if tc.secret != "" {
				s = tc.secret
			}
			client := srv.Client()
			if tc.client != nil {
				client = tc.client
			}
			_, err := (&enroll.Client{HTTPClient: client}).Enroll(t.Context(), url, s, "dev", agent)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("err = %q, want it to say %q", err, tc.message)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("secret in the error: %v", err)
			}
			if tc.url != "" && len(*got) != 0 {
				t.Fatal("request sent to the test server")
			}
			client.CloseIdleConnections()
		})
	}
}
