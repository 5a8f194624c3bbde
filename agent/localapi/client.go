package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

const (
	// DialTimeout bounds connecting to the agent.
	DialTimeout = 2 * time.Second
	// answerTimeout bounds waiting for the agent to begin answering any
	// call (a check run, which answers when the checks are done, is the
	// longest), so a stuck agent never hangs `sessionguard status` or the
	// tray for ever; a watch stream answers at once and then streams.
	answerTimeout = 3 * time.Minute
	// maxAnswer bounds an answer's body; maxEventLine one watch line.
	maxAnswer    = 16 << 20
	maxEventLine = 4 << 20
	// baseURL's host is a placeholder: the transport dials the socket.
	baseURL = "http://sessionguard" + Prefix
)

// APIError is an error answer of the agent. Error() is the agent's
// message; errors.Is matches the sentinel it stands for (ErrBadRequest,
// ErrForbidden, ErrSessionOpen, ErrNoSession, ErrNoResults), when any.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	sentinel   error
}

func (e *APIError) Error() string { return e.Message }

func (e *APIError) Unwrap() error { return e.sentinel }

// Client talks to the agent over its socket (named pipe on Windows). It
// is safe for concurrent use.
type Client struct {
	paths []string
	tr    *http.Transport
	hc    *http.Client
}

// NewClient returns a client of the agent listening on socketPath. An
// empty path tries the system agent's socket, then (not root) the user's
// own (DefaultSocketPath of that user).
func NewClient(socketPath string) *Client {
	c := &Client{paths: []string{socketPath}}
	if socketPath == "" {
		c.paths = clientSocketPaths()
	}
	c.tr = &http.Transport{
		DialContext:         c.dial,
		DisableCompression:  true,
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		// A stuck agent: see answerTimeout.
		ResponseHeaderTimeout: answerTimeout,
	}
	c.hc = &http.Client{
		Transport: c.tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// Close closes idle connections. Watch streams end with their context.
func (c *Client) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

// dial connects to the first socket that answers. Nothing listening on
// any of them is ErrAgentNotRunning; another failure (permission, a
// timeout) is returned as such.
func (c *Client) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	var notRunningErr, otherErr error
	for _, p := range c.paths {
		conn, err := dialSocket(ctx, p)
		if err == nil {
			return conn, nil
		}
		switch {
		case isNotRunning(err):
			if notRunningErr == nil {
				notRunningErr = err
			}
		case otherErr == nil:
			otherErr = fmt.Errorf("connecting to the agent at %s: %w", p, err)
		}
	}
	if otherErr != nil {
		return nil, otherErr
	}
	if notRunningErr == nil {
		notRunningErr = errors.ErrUnsupported
	}
	return nil, fmt.Errorf("%w (%w)", ErrAgentNotRunning, notRunningErr)
}

// quickTimeout bounds the calls an agent answers from memory (status,
// results): a stuck agent is reported, not waited on.
var quickTimeout = 15 * time.Second

// Status is GET status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, quickTimeout)
	defer cancel()
	var st Status
	err := c.do(ctx, http.MethodGet, PathStatus, nil, &st, nil)
	return st, err
}

// Results is GET results; ErrNoResults before the agent's first run.
func (c *Client) Results(ctx context.Context) (checks.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, quickTimeout)
	defer cancel()
	var rep checks.Report
	err := c.do(ctx, http.MethodGet, PathResults, nil, &rep, ErrNoResults)
	return rep, err
}

// Run is POST run: a fresh check run.
func (c *Client) Run(ctx context.Context) (checks.Report, error) {
	var rep checks.Report
	err := c.do(ctx, http.MethodPost, PathRun, nil, &rep, nil)
	return rep, err
}

// StartSession is POST sessions/start. A refusal because required checks
// are not passing is a *NotReadyError; an open session ErrSessionOpen.
func (c *Client) StartSession(ctx context.Context, req StartRequest) (report.SessionRecord, error) {
	var rec report.SessionRecord
	err := c.do(ctx, http.MethodPost, PathSessionsStart, req, &rec, nil)
	return rec, err
}

// EndSession is POST sessions/{id}/end; ErrNoSession when no session of
// that id is open.
func (c *Client) EndSession(ctx context.Context, id string, req EndRequest) (report.SessionRecord, error) {
	return c.sessionPost(ctx, id, "/end", req)
}

// AmendCookies adds cookies cleared after the end to the session that
// ended last (POST sessions/{id}/cookies).
func (c *Client) AmendCookies(ctx context.Context, id string, req CookiesRequest) (report.SessionRecord, error) {
	return c.sessionPost(ctx, id, "/cookies", req)
}

// sessionPost posts req to sessions/{id}{suffix} and reads the record.
func (c *Client) sessionPost(ctx context.Context, id, suffix string, req any) (report.SessionRecord, error) {
	var rec report.SessionRecord
	if !validID(id) {
		return rec, &APIError{StatusCode: http.StatusNotFound, Code: CodeNoSession, Message: ErrNoSession.Error(), sentinel: ErrNoSession}
	}
	err := c.do(ctx, http.MethodPost, "sessions/"+url.PathEscape(id)+suffix, req, &rec, ErrNoSession)
	return rec, err
}

// Watch opens the event stream: the current status first, then every
// change. The channel is closed when ctx ends, the agent stops or the
// stream breaks; the caller tells which from ctx.Err().
func (c *Client) Watch(ctx context.Context) (<-chan Event, error) {
	resp, err := c.send(ctx, http.MethodGet, PathWatch, nil) //nolint:bodyclose // the stream's goroutine closes it
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close() //nolint:errcheck // read only
		return nil, decodeError(resp, nil)
	}
	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		defer resp.Body.Close() //nolint:errcheck // read only
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue // heartbeat
			}
			var ev Event
			if err := json.Unmarshal(line, &ev); err != nil {
				slog.Debug("local api bad event line", "err", err)
				continue
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// send makes one request; transport errors come back unwrapped from
// url.Error so that ErrAgentNotRunning reads well on one line.
func (c *Client) send(ctx context.Context, method, endpoint string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, baseURL+endpoint, rd)
	if err != nil {
		return nil, fmt.Errorf("making the request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, ErrAgentNotRunning) {
			return nil, err
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, fmt.Errorf("the SessionGuard agent did not answer (%s) in time: it may be stuck; restart it ('sudo sessionguard agent stop', then 'sudo sessionguard agent start') or restart the computer: %w", endpoint, err)
		}
		return nil, fmt.Errorf("calling the agent (%s): %w", endpoint, err)
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, method, endpoint string, body, out any, notFound error) error {
	resp, err := c.send(ctx, method, endpoint, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck // read only
	if resp.StatusCode/100 != 2 {
		return decodeError(resp, notFound)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer)).Decode(out); err != nil {
		return fmt.Errorf("reading the agent's answer (%s): %w", endpoint, err)
	}
	return nil
}

// decodeError turns an error answer into a typed error: by its Code, or
// by its status when an older agent sent none.
func decodeError(resp *http.Response, notFound error) error {
	var e Error
	if err := json.NewDecoder(io.LimitReader(resp.Body, MaxRequestBody)).Decode(&e); err != nil || e.Error == "" {
		e.Error = fmt.Sprintf("the agent answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if e.Code == CodeNotReady || (e.Code == "" && resp.StatusCode == http.StatusConflict && len(e.NotPassing) > 0) {
		return &NotReadyError{NotPassing: e.NotPassing, OverrideAllowed: e.OverrideAllowed}
	}
	var sentinel error
	switch e.Code {
	case CodeBadRequest:
		sentinel = ErrBadRequest
	case CodeForbidden:
		sentinel = ErrForbidden
	case CodeSessionOpen:
		sentinel = ErrSessionOpen
	case CodeNoSession:
		sentinel = ErrNoSession
	case CodeNoResults:
		sentinel = ErrNoResults
	case "":
		switch resp.StatusCode {
		case http.StatusBadRequest:
			sentinel = ErrBadRequest
		case http.StatusForbidden:
			sentinel = ErrForbidden
		case http.StatusConflict:
			sentinel = ErrSessionOpen
		case http.StatusNotFound:
			sentinel = notFound
		}
	}
	return &APIError{StatusCode: resp.StatusCode, Code: e.Code, Message: e.Error, sentinel: sentinel}
}
