// Package enroll exchanges an enrol secret for a device token:
// POST report.PathEnroll with a report.EnrollRequest, answered by a
// report.EnrollResponse. The secret and the token never appear in an error
// message or a log line.
package enroll

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/report"
)

// DefaultTimeout bounds an enrolment request.
const DefaultTimeout = 30 * time.Second

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 64 << 10

// Errors. A bad or insecure URL is credentials.ErrBadServerURL or
// credentials.ErrInsecureServerURL.
var (
	// ErrSecretRefused: 401/403, the secret is wrong, expired or revoked.
	ErrSecretRefused = errors.New("the server refused the enrol secret (wrong, expired or revoked; ask your administrator for a new one)")
	// ErrUnreachable: the server could not be reached (DNS, connection,
	// TLS, timeout).
	ErrUnreachable = errors.New("cannot reach the server")
	// ErrServer: any other failure answer, or an answer we cannot use.
	ErrServer = errors.New("the server could not enrol this device")
	// ErrNoSecret: no secret given.
	ErrNoSecret = errors.New("no enrol secret given")
)

// Client enrols devices; the zero value uses a client with DefaultTimeout
// that does not follow redirects.
type Client struct {
	HTTPClient *http.Client
}

// Enroll enrols this device with the default client.
func Enroll(ctx context.Context, serverURL, secret, deviceName string, agent report.Agent) (credentials.Creds, error) {
	return (&Client{}).Enroll(ctx, serverURL, secret, deviceName, agent)
}

// Enroll sends the secret to serverURL and returns the device's
// credentials (not yet saved).
func (c *Client) Enroll(ctx context.Context, serverURL, secret, deviceName string, agent report.Agent) (credentials.Creds, error) {
	base, err := credentials.ParseServerURL(serverURL)
	if err != nil {
		return credentials.Creds{}, fmt.Errorf("enrolling: %w", err)
	}
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return credentials.Creds{}, fmt.Errorf("enrolling: %w", ErrNoSecret)
	}
	deviceName = strings.TrimSpace(deviceName)
	if deviceName == "" {
		return credentials.Creds{}, errors.New("enrolling: no device name given")
	}
	body, err := json.Marshal(report.EnrollRequest{Schema: report.Schema, Secret: secret, DeviceName: deviceName, Agent: agent})
	if err != nil {
		return credentials.Creds{}, fmt.Errorf("enrolling: %w", err)
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	// Never follow a redirect: the secret would go to another address.
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+report.PathEnroll, bytes.NewReader(body))
	if err != nil {
		return credentials.Creds{}, fmt.Errorf("enrolling: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirect.Do(req)
	if err != nil {
		return credentials.Creds{}, fmt.Errorf("enrolling with %s: %w: %s", base, ErrUnreachable, scrub(rootCause(err), secret))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return credentials.Creds{}, fmt.Errorf("enrolling with %s: %w", base, ErrSecretRefused)
	case code < 200 || code > 299:
		why := ""
		if m := serverMessage(answer); m != "" {
			why = ": " + scrub(m, secret)
		}
		return credentials.Creds{}, fmt.Errorf("enrolling with %s: %w: it answered %s%s", base, ErrServer, resp.Status, why)
	}
	var er report.EnrollResponse
	if err := json.Unmarshal(answer, &er); err != nil || er.DeviceID == "" || er.Token == "" {
		return credentials.Creds{}, fmt.Errorf("enrolling with %s: %w: its answer has no device id and token", base, ErrServer)
	}
	return credentials.Creds{ServerURL: base, DeviceID: er.DeviceID, Token: er.Token}, nil
}

// serverMessage extracts a short {"error": "..."} message, if any.
func serverMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return ""
	}
	msg := strings.Join(strings.Fields(e.Error), " ")
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return msg
}

// rootCause drops the "Post \"url\": " prefix of a client error.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}

func scrub(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "[redacted]")
}
