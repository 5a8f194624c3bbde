// Package reporter sends the spooled envelopes to the server, oldest first,
// and removes each one once the server has acknowledged it.
//
// Check runs go to POST report.PathReports, session records to POST
// report.PathSessions, as JSON with the device token as a bearer token. The
// answer decides what happens to the envelope:
//
//   - 2xx (an Ack, duplicate or not): acknowledged, removed from the spool.
//     Envelope ids are idempotency keys, so a resend after a crash or a lost
//     answer is recorded once by the server.
//   - 401, 403: the device token is refused — the device was removed from
//     the server. Sending stops and State says Revoked until the token
//     changes (a new enrolment), which is checked on Notify and every
//     minute.
//   - 408, 429, 5xx, a network error, and 404/405 (a server that does not
//     speak this API, not a fault of the envelope): retried after an
//     exponential backoff with full jitter (1 s base, 5 min cap), at least as
//     long as the server's Retry-After.
//   - any other 4xx: the server finds the envelope malformed. It is moved to
//     the spool's dead letters so it cannot block the queue, and logged.
//
// The token is never logged, and it is scrubbed from error texts.
package reporter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/report"
)

// Defaults of Config.
const (
	DefaultBaseBackoff    = time.Second
	DefaultMaxBackoff     = 5 * time.Minute
	DefaultRequestTimeout = 30 * time.Second
	// DefaultRevokedRecheck is how often a revoked reporter looks for a new
	// token without being notified.
	DefaultRevokedRecheck = time.Minute
	// maxRetryAfter bounds how long a server's Retry-After can park us.
	maxRetryAfter = time.Hour
	// batch is how many envelopes are read from the spool at a time.
	batch = 64
	// maxAnswer bounds how much of an answer is read.
	maxAnswer = 64 << 10
)

// Errors.
var (
	// ErrRevoked is the state after the server refused the device token.
	ErrRevoked = errors.New("this device was removed from the server; enrol again")
	// ErrRunning: Run was called while already running.
	ErrRunning = errors.New("reporter already running")
)

// Config is what a Reporter needs.
type Config struct {
	Spool *spool.Spool
	// ServerURL is the enrolled server (https://, or http:// to loopback).
	ServerURL string
	// Token returns the device token; it is called before each batch, so
	// a re-enrolment is picked up without a restart.
	Token func() (string, error)
	// HTTPClient sends the requests (a client with a 30 s timeout that
	// does not follow redirects when nil).
	HTTPClient *http.Client
	Logger     *slog.Logger

	// BaseBackoff, MaxBackoff, RequestTimeout and RevokedRecheck default
	// to the Default constants when zero (tests shorten them).
	BaseBackoff    time.Duration
	MaxBackoff     time.Duration
	RequestTimeout time.Duration
	RevokedRecheck time.Duration

	// Delivered, when set, is called once an envelope has left the spool
	// for good: the server acknowledged it, or refused it as malformed and
	// it was dead-lettered. The agent moves its session log's delivery
	// marker with it (spool.Delivered).
	Delivered func(env report.Envelope)
}

// State is what the reporter shows the agent (never the token).
type State struct {
	Pending     int       `json:"pending"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError describes the last failure ("" after a success).
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// NextAttempt is when a backed-off send is retried.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// Revoked: the server refused the device token (see ErrRevoked).
	Revoked bool `json:"revoked"`
	// Counters since start.
	Sent         uint64 `json:"sent"`
	Duplicates   uint64 `json:"duplicates"`
	DeadLettered uint64 `json:"dead_lettered"`
}

// Reporter sends the spool to the server. Create it with New.
type Reporter struct {
	cfg     Config
	base    string
	client  *http.Client
	log     *slog.Logger
	notify  chan struct{}
	running atomic.Bool

	mu    sync.Mutex
	state State
	// revokedToken is the hash of the token the server refused.
	revokedToken [sha256.Size]byte
}

// New checks cfg and returns a Reporter; call Run to start sending.
func New(cfg Config) (*Reporter, error) {
	if cfg.Spool == nil || cfg.Token == nil {
		return nil, errors.New("creating reporter: a spool and a token source are required")
	}
	base, err := credentials.ParseServerURL(cfg.ServerURL)
	if err != nil {
		return nil, fmt.Errorf("creating reporter: %w", err)
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.RevokedRecheck <= 0 {
		cfg.RevokedRecheck = DefaultRevokedRecheck
	}
	r := &Reporter{cfg: cfg, base: base, client: cfg.HTTPClient, log: cfg.Logger, notify: make(chan struct{}, 1)}
	if r.client == nil {
		r.client = &http.Client{
			Timeout: cfg.RequestTimeout,
			// A redirect would resend the token elsewhere, or turn the
			// POST into a GET: treat it as the answer.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r, nil
}

// Put spools env and wakes the reporter: with Len, this makes a Reporter
// the agent's outbox.
func (r *Reporter) Put(env report.Envelope) error {
	if err := r.cfg.Spool.Put(env); err != nil {
		return err
	}
	r.Notify()
	return nil
}

// Len is the number of envelopes waiting.
func (r *Reporter) Len() int { return r.cfg.Spool.Len() }

// Notify wakes an idle reporter: something new was spooled (or, when
// revoked, the device may have been enrolled again). It never blocks, and
// does not cut a backoff short.
func (r *Reporter) Notify() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// State returns a snapshot of the reporter's state.
func (r *Reporter) State() State {
	r.mu.Lock()
	st := r.state
	r.mu.Unlock()
	st.Pending = r.cfg.Spool.Len()
	return st
}

// outcome is what to do after a send.
type outcome int

const (
	sent outcome = iota
	retry
	revoked
	rejected
)

// result of one send.
type result struct {
	outcome    outcome
	duplicate  bool
	retryAfter time.Duration
	err        error
}

// Run sends until ctx is done, then returns nil.
func (r *Reporter) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer r.running.Store(false)
	attempt := 0
	for ctx.Err() == nil {
		if r.isRevoked() {
			r.waitForNewToken(ctx)
			continue
		}
		envs, err := r.cfg.Spool.Oldest(batch)
		if err != nil {
			r.failed(fmt.Errorf("reading the spool: %w", err), "")
			attempt = r.backoff(ctx, attempt, 0)
			continue
		}
		if len(envs) == 0 {
			select {
			case <-ctx.Done():
			case <-r.notify:
			}
			continue
		}
		tok, err := r.cfg.Token()
		if err != nil || tok == "" {
			if err == nil {
				err = errors.New("empty device token")
			}
			r.failed(fmt.Errorf("getting the device token: %w", err), tok)
			attempt = r.backoff(ctx, attempt, 0)
			continue
		}
	sending:
		for _, env := range envs {
			res := r.send(ctx, tok, env)
			if ctx.Err() != nil {
				// Killed mid-send: the envelope stays spooled; the server
				// dedupes if it got it.
				return nil
			}
			switch res.outcome {
			case sent:
				if err := r.cfg.Spool.Ack(env.ID); err != nil {
					r.failed(err, tok)
					attempt = r.backoff(ctx, attempt, 0)
					break sending
				}
				attempt = 0
				r.delivered(env)
				r.succeeded(env, res.duplicate)
			case rejected:
				if err := r.cfg.Spool.DeadLetter(env.ID, res.err.Error()); err != nil && !errors.Is(err, spool.ErrNotFound) {
					r.failed(err, tok)
					attempt = r.backoff(ctx, attempt, 0)
					break sending
				}
				r.delivered(env)
				r.mu.Lock()
				r.state.DeadLettered++
				r.mu.Unlock()
			case revoked:
				r.setRevoked(tok)
				break sending
			case retry:
				r.failed(res.err, tok)
				attempt = r.backoff(ctx, attempt, res.retryAfter)
				break sending
			}
		}
	}
	return nil
}

// send posts one envelope.
func (r *Reporter) send(ctx context.Context, tok string, env report.Envelope) result {
	body, err := json.Marshal(env)
	if err != nil {
		return result{outcome: rejected, err: fmt.Errorf("encoding: %w", err)}
	}
	path := report.PathReports
	if env.Kind == report.KindSession {
		path = report.PathSessions
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, bytes.NewReader(body))
	if err != nil {
		return result{outcome: retry, err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Idempotency-Key", env.ID)
	if env.Agent.Version != "" {
		req.Header.Set("User-Agent", "sessionguard-agent/"+env.Agent.Version)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return result{outcome: retry, err: fmt.Errorf("sending %s: %w", env.Kind, err)}
	}
	defer func() {
		// Drain what is left so the connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
	}()
	code := resp.StatusCode
	statusErr := fmt.Errorf("server answered %s to %s", resp.Status, path)
	switch {
	case code >= 200 && code < 300:
		var ack report.Ack
		if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswer)).Decode(&ack); err != nil {
			// The status says it was taken; the body is only a courtesy.
			r.log.Warn("server acknowledged without a readable ack", "id", env.ID, "status", code)
		} else if ack.ID != env.ID {
			r.log.Warn("server acknowledged another id", "id", env.ID, "ack_id", ack.ID)
		}
		return result{outcome: sent, duplicate: ack.Duplicate}
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return result{outcome: revoked, err: statusErr}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return result{outcome: retry, err: statusErr, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		// Not the envelope's fault: a wrong URL or a server without this
		// API. Dead-lettering would empty the queue into the bin.
		return result{outcome: retry, err: statusErr}
	case code >= 400:
		return result{outcome: rejected, err: statusErr}
	default:
		// 1xx, 3xx: not an answer we can use.
		return result{outcome: retry, err: statusErr}
	}
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), maxRetryAfter)
}

// Backoff returns the delay before retry number attempt (0-based): a full
// jitter over base·2^attempt capped at maxDelay, and never less than
// floor (the server's Retry-After).
func Backoff(attempt int, base, maxDelay, floor time.Duration) time.Duration {
	ceiling := base
	for i := 0; i < attempt && ceiling < maxDelay; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, maxDelay)
	d := time.Duration(rand.Int64N(int64(ceiling) + 1))
	return max(d, floor)
}

// backoff sleeps before the next attempt and returns the next attempt
// number.
func (r *Reporter) backoff(ctx context.Context, attempt int, floor time.Duration) int {
	d := Backoff(attempt, r.cfg.BaseBackoff, r.cfg.MaxBackoff, floor)
	r.mu.Lock()
	r.state.NextAttempt = time.Now().Add(d)
	r.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	r.mu.Lock()
	r.state.NextAttempt = time.Time{}
	r.mu.Unlock()
	return attempt + 1
}

func (r *Reporter) succeeded(env report.Envelope, duplicate bool) {
	r.mu.Lock()
	recovered := r.state.LastError != ""
	r.state.LastSuccess = time.Now()
	r.state.LastError = ""
	r.state.Sent++
	if duplicate {
		r.state.Duplicates++
	}
	r.mu.Unlock()
	if recovered {
		r.log.Info("reporting to the server again")
	}
	r.log.Debug("report sent", "id", env.ID, "kind", env.Kind, "duplicate", duplicate)
}

func (r *Reporter) delivered(env report.Envelope) {
	if r.cfg.Delivered != nil {
		r.cfg.Delivered(env)
	}
}

// failed records err (scrubbed of tok). The first failure after a success,
// or a different failure, is a warning; repeats are debug.
func (r *Reporter) failed(err error, tok string) {
	msg := err.Error()
	if tok != "" {
		msg = strings.ReplaceAll(msg, tok, "[redacted]")
	}
	r.mu.Lock()
	repeat := r.state.LastError == msg
	r.state.LastError = msg
	r.state.LastErrorAt = time.Now()
	r.mu.Unlock()
	if repeat {
		r.log.Debug("reporting failed, will retry", "err", msg)
	} else {
		r.log.Warn("reporting failed, will retry", "err", msg)
	}
}

func (r *Reporter) isRevoked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.Revoked
}

func (r *Reporter) setRevoked(tok string) {
	r.mu.Lock()
	r.state.Revoked = true
	r.state.LastError = ErrRevoked.Error()
	r.state.LastErrorAt = time.Now()
	r.revokedToken = sha256.Sum256([]byte(tok))
	r.mu.Unlock()
	r.log.Error("server refused the device token: this device was removed from the server, enrol again")
}

// waitForNewToken waits for a Notify or the recheck period, then resumes if
// the token source now gives another token than the refused one.
func (r *Reporter) waitForNewToken(ctx context.Context) {
	t := time.NewTimer(r.cfg.RevokedRecheck)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-r.notify:
	case <-t.C:
	}
	tok, err := r.cfg.Token()
	if err != nil || tok == "" {
		return
	}
	h := sha256.Sum256([]byte(tok))
	r.mu.Lock()
	defer r.mu.Unlock()
	if h != r.revokedToken {
		r.state.Revoked = false
		r.state.LastError = ""
		r.log.Info("new device token, reporting again")
	}
}
