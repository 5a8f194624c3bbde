// Package api is the server's agent API under /api/v1/:
//
//   - POST /api/v1/enroll: an enrol secret (report.EnrollRequest) is
//     exchanged for a device token (report.EnrollResponse, 201).
//   - POST /api/v1/reports and POST /api/v1/sessions: a check-run or
//     session envelope with the device token as a bearer token, answered by
//     a report.Ack (200, Duplicate set when the envelope ID was stored
//     before). Reports go through a group-commit writer: the request is
//     answered only once the transaction holding it has committed, so an
//     acknowledgement always means the report is durable.
//   - GET /api/v1/policy: the device's team policy, with an ETag; a
//     matching If-None-Match gets 304 and confirms that the device runs
//     that version (see policy.go).
//
// Bodies are strict JSON (unknown fields, trailing data and wrong types are
// refused), bounded in size, and validated against the report schema; the
// envelope kind must match the endpoint. Refusals carry {"error": "…"} and
// the status the agent acts on: 400 malformed JSON, 401 unknown or revoked
// token (the agent stops and tells the user to enrol again), 405 wrong
// method, 413 body too large, 415 not application/json, 422 an envelope
// that breaks the schema. Nothing is stored in any of those cases.
//
// Device tokens are checked by one lookup of the token's hash by index,
// behind a small bounded cache of token hash → device (see [TokenCache]):
// a device revoked through [API.Store] is refused at once by this server;
// another replica sharing the database refuses it once its cache entry
// expires (Options.TokenCacheTTL, 10 s by default).
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
)

// Defaults of Options.
const (
	// DefaultMaxBody bounds a request body: a check run with every check's
	// facts is a few KiB.
	DefaultMaxBody = 256 << 10
	// DefaultTokenCacheTTL bounds how long another replica may still accept
	// a token revoked elsewhere.
	DefaultTokenCacheTTL = 10 * time.Second
	// DefaultBatchSize is the most reports one group commit holds.
	DefaultBatchSize = 512
	// DefaultQueue is how many reports may wait for the writer.
	DefaultQueue = 8192
)

// Limits of an envelope beyond the schema.
const (
	maxResults    = 64
	maxText       = 2048 // summary, reason, label, override reason
	maxFacts      = 16 << 10
	maxShort      = 128 // ids, versions, OS names, check ids
	maxDeviceName = 200
	maxListItems  = 64
)

// Options configures the API.
type Options struct {
	Logger *slog.Logger
	// MaxBody bounds a request body (DefaultMaxBody when 0).
	MaxBody int64
	// TokenCacheTTL is how long an authenticated token is trusted without
	// asking the database (DefaultTokenCacheTTL when 0; negative disables
	// the cache).
	TokenCacheTTL time.Duration
	// Writers is how many group-commit writers run (1 for SQLite, which
	// has one writer at a time anyway; 2 for PostgreSQL when 0: one
	// commits while the other fills its batch. Measured at 100k devices
	// with 64 agents on 2 cores: 1 writer 4.5k reports/s, 2 writers 6.9k,
	// 4 writers 5.5k, 8 writers 4.8k — more writers make smaller batches,
	// and each commit costs PostgreSQL a WAL flush).
	Writers int
	// BatchSize caps a group commit (DefaultBatchSize when 0).
	BatchSize int
	// Registerer receives the API's metrics (none when nil).
	Registerer prometheus.Registerer
	// PolicyCacheTTL is how long a team's policy is answered from memory
	// (DefaultPolicyCacheTTL when 0; negative disables the cache). This
	// server forgets a policy saved through API.Store at once.
	PolicyCacheTTL time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Quota bounds what one device may send (see quota.go).
	Quota QuotaOptions
}

// API serves /api/v1/. Create it with New and Close it after the HTTP
// server has shut down.
type API struct {
	st      store.Store
	log     *slog.Logger
	maxBody int64
	tokens  *TokenCache
	writer  *writer
	metrics *metrics
	mux     *http.ServeMux
	// policies answers policy polls from memory; applied records the
	// versions agents confirm (policy.go).
	policies *policyCache
	applied  *appliedRecorder
	now      func() time.Time
	quotas   *quotas
}

// New returns the API over st and starts its group-commit writers.
func New(st store.Store, o Options) (*API, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.TokenCacheTTL == 0 {
		o.TokenCacheTTL = DefaultTokenCacheTTL
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Writers <= 0 {
		o.Writers = 2
		if d, ok := st.(interface{ Dialect() string }); ok && d.Dialect() == "sqlite" {
			o.Writers = 1
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PolicyCacheTTL == 0 {
		o.PolicyCacheTTL = DefaultPolicyCacheTTL
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	a := &API{
		st:      st,
		log:     o.Logger,
		maxBody: o.MaxBody,
		tokens:  NewTokenCache(st, o.TokenCacheTTL, o.Now),
		metrics: m,
		mux:     http.NewServeMux(),

		policies: newPolicyCache(st, o.PolicyCacheTTL, o.Now),
		applied:  startAppliedRecorder(st, o.Logger),
		now:      o.Now,
		quotas:   newQuotas(o.Quota, o.Now),
	}
	a.writer = startWriter(st, o.Writers, o.BatchSize, DefaultQueue, o.Logger, m)
	a.mux.HandleFunc(report.PathEnroll, a.endpoint("enroll", http.MethodPost, a.enroll))
	a.mux.HandleFunc(report.PathReports, a.endpoint("reports", http.MethodPost, a.reports))
	a.mux.HandleFunc(report.PathSessions, a.endpoint("sessions", http.MethodPost, a.sessions))
	a.mux.HandleFunc(report.PathPolicy, a.endpoint("policy", http.MethodGet, a.policy))
	a.mux.HandleFunc("/api/", a.endpoint("unknown", "", func(http.ResponseWriter, *http.Request) outcome {
		return refuse(http.StatusNotFound, "no such API endpoint; this server speaks "+report.Schema)
	}))
	return a, nil
}

// Store returns st wrapped so that revoking a device through it also drops
// the device's token from this API's cache at once. Give it to every other
// part of the server that may revoke devices (the dashboard).
// Saving a team's policy through it also drops the policy from this API's
// cache, so the next poll gets the new one.
func (a *API) Store() store.Store {
	return &revokingStore{Store: a.st, tokens: a.tokens, policies: a.policies}
}

// Close stops the writers after committing what they hold, and writes the
// policy confirmations pending. Call it after the HTTP server has shut
// down (no handler still running).
func (a *API) Close() {
	a.writer.close()
	a.applied.close()
}

// ServeHTTP serves /api/v1/.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	SecurityHeaders(w.Header())
	a.mux.ServeHTTP(w, r)
}

// SecurityHeaders sets the headers every API answer carries: JSON only,
// never sniffed, framed, cached or referred.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// outcome is what a handler did: the status and body it wants written, and
// the label counted in the metrics.
type outcome struct {
	status int
	label  string
	body   any
	header http.Header
}

// errorBody is every refusal's body; agent/enroll shows Error.
type errorBody struct {
	Error string `json:"error"`
}

func refuse(status int, msg string) outcome {
	return outcome{status: status, label: labelFor(status), body: errorBody{Error: msg}}
}

func labelFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "malformed"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusServiceUnavailable:
		return "unavailable"
	case http.StatusTooManyRequests:
		return "over_quota"
	default:
		if status >= 500 {
			return "error"
		}
		return "ok"
	}
}

// endpoint wraps a handler with the method check, timing and the writing
// of its outcome.
func (a *API) endpoint(name, method string, h func(http.ResponseWriter, *http.Request) outcome) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var out outcome
		if method != "" && r.Method != method {
			w.Header().Set("Allow", method)
			out = refuse(http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s only", r.URL.Path, method))
		} else {
			out = h(w, r)
		}
		for k, v := range out.header {
			w.Header()[k] = v
		}
		if out.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sessionguard", error="invalid_token"`)
		}
		writeJSON(w, out.status, out.body)
		a.metrics.observe(name, out.label, time.Since(start))
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	if raw, ok := body.(json.RawMessage); ok {
		w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
		w.WriteHeader(status)
		_, _ = w.Write(raw)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody checks the content type and reads a bounded body, or says why
// not.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *outcome) {
	return a.readBodyInto(w, r, nil)
}

// readBodyInto is readBody reading into buf when it is large enough.
func (a *API) readBodyInto(w http.ResponseWriter, r *http.Request, buf []byte) ([]byte, *outcome) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		o := refuse(http.StatusUnsupportedMediaType, "the body must be JSON sent as Content-Type: application/json")
		return nil, &o
	}
	if r.ContentLength > a.maxBody {
		o := refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", a.maxBody))
		return nil, &o
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, a.maxBody), r.ContentLength, buf)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			o := refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", a.maxBody))
			return nil, &o
		}
		o := refuse(http.StatusBadRequest, "reading the body failed")
		return nil, &o
	}
	return body, nil
}

// readAll reads r to its end into a buffer of the size the request
// declared (at most the body limit, checked before), so a report's body
// is one allocation of its size rather than io.ReadAll's doubling from
// 512 bytes (6.5 KiB allocated for a 3 KB report, the second largest
// allocation of ingest in the profile); into buf instead when it has
// room for that. A body that is not the length it declared is read on
// (or refused by net/http) as before.
func readAll(r io.Reader, declared int64, buf []byte) ([]byte, error) {
	if declared <= 0 {
		return io.ReadAll(r)
	}
	// One byte more than declared, so the end is seen by the read and no
	// second buffer is made.
	b := buf[:0]
	if int64(cap(b)) < declared+1 {
		b = make([]byte, 0, declared+1)
	}
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grow: more than declared
		}
	}
}

// bodyBuffers holds report bodies' buffers for reuse (*[]byte), so a
// report's body costs no allocation in steady state; putBodyBuffer keeps
// only buffers of at most maxPooledBody bytes, so a few large bodies do
// not stay in memory.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 64 << 10

func putBodyBuffer(pooled *[]byte, body []byte) {
	if cap(body) > cap(*pooled) && cap(body) <= maxPooledBody {
		*pooled = body[:0]
	}
	bodyBuffers.Put(pooled)
}

// authenticate checks the bearer token.
func (a *API) authenticate(r *http.Request) (Principal, *outcome) {
	auth := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 512 {
		o := refuse(http.StatusUnauthorized, "a device token is required (Authorization: Bearer …); enrol this device first")
		return Principal{}, &o
	}
	p, err := a.tokens.Lookup(r.Context(), token)
	if errors.Is(err, store.ErrUnauthorized) {
		o := refuse(http.StatusUnauthorized, "this device's token is unknown or was revoked: the device was removed from the server; enrol it again")
		return Principal{}, &o
	}
	if err != nil {
		a.log.Error("authenticating_device_failed", "err", err)
		o := refuse(http.StatusServiceUnavailable, "the server cannot check the device token right now; try again later")
		o.header = http.Header{"Retry-After": {"5"}}
		return Principal{}, &o
	}
	return p, nil
}

func (a *API) enroll(w http.ResponseWriter, r *http.Request) outcome {
	body, bad := a.readBody(w, r)
	if bad != nil {
		return *bad
	}
	var req report.EnrollRequest
	if err := decodeStrict(body, &req); err != nil {
		return refuse(http.StatusBadRequest, err.Error())
	}
	if err := validateEnroll(req); err != nil {
		return refuse(http.StatusUnprocessableEntity, err.Error())
	}
	id, token, err := a.st.EnrollDevice(r.Context(), req.Secret, strings.TrimSpace(req.DeviceName), req.Agent)
	switch {
	case errors.Is(err, store.ErrInvalidSecret):
		return refuse(http.StatusUnauthorized, "the enrol secret is unknown, revoked, expired or used up; ask your administrator for a new one")
	case errors.Is(err, store.ErrInvalid):
		return refuse(http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		a.log.Error("enrolling_device_failed", "err", err)
		return refuse(http.StatusInternalServerError, "the server could not enrol this device; try again later")
	}
	a.log.Info("device_enrolled", "device_id", id)
	return outcome{status: http.StatusCreated, label: "enrolled", body: report.EnrollResponse{DeviceID: id, Token: token}}
}

// overQuota is the 429 a device over its quota gets, with the whole
// seconds until it may send again.
func overQuota(wait time.Duration, why string) outcome {
	o := refuse(http.StatusTooManyRequests, why+"; nothing was stored: send it again after Retry-After seconds")
	o.header = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(wait.Seconds())))}}
	return o
}

func (a *API) reports(w http.ResponseWriter, r *http.Request) outcome {
	return a.ingest(w, r, report.KindCheckRun)
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request) outcome {
	return a.ingest(w, r, report.KindSession)
}

// ingest takes one envelope of kind.
func (a *API) ingest(w http.ResponseWriter, r *http.Request, kind string) outcome {
	p, bad := a.authenticate(r)
	if bad != nil {
		return *bad
	}
	// The body is read into a pooled buffer, given back when this
	// returns: nothing keeps it (decoding copies what it keeps; the
	// writer is handed the decoded envelope).
	pooled := bodyBuffers.Get().(*[]byte)
	body, bad := a.readBodyInto(w, r, *pooled)
	defer putBodyBuffer(pooled, body)
	if bad != nil {
		return *bad
	}
	// The device's quota: one request and its body's bytes (see quota.go;
	// the body is bounded by MaxBody before this).
	if wait := a.quotas.take(p.DeviceID, 1, int64(len(body))); wait > 0 {
		return overQuota(wait, "this device sent more reports or data than its quota allows")
	}
	env, err := DecodeEnvelope(body, kind)
	if errors.Is(err, report.ErrInvalid) {
		return refuse(http.StatusUnprocessableEntity, err.Error())
	}
	if err != nil {
		return refuse(http.StatusBadRequest, err.Error())
	}
	if o := a.screenSession(r.Context(), p.TeamID, env.Session); o != nil {
		return *o
	}
	rep := store.DeviceReport{DeviceID: p.DeviceID, Envelope: env}
	if env.CheckRun != nil {
		// Prepared here, on this request's goroutine, not on the group
		// commit's single writer, which every report waits for; its
		// readiness is judged against the team's policy (from memory).
		required, err := a.policies.required(r.Context(), p.TeamID)
		if err != nil {
			a.log.Error("reading_team_policy_failed", "err", err)
			o := refuse(http.StatusInternalServerError, "the server could not read this device's policy; it will be retried")
			o.header = http.Header{"Retry-After": {"5"}}
			return o
		}
		if rep.Run, err = store.PrepareRunFor(env.CheckRun, required); err != nil {
			return refuse(http.StatusUnprocessableEntity, err.Error())
		}
	}
	// Check runs and session records share the group commit.
	dup, err := a.writer.save(r.Context(), rep)
	switch {
	case errors.Is(err, errClosed):
		o := refuse(http.StatusServiceUnavailable, "the server is shutting down; try again")
		o.header = http.Header{"Retry-After": {"2"}}
		return o
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away; it will resend and idempotency keeps one.
		return refuse(http.StatusServiceUnavailable, "the request was cancelled before it was stored")
	case errors.Is(err, store.ErrInvalid):
		return refuse(http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		a.log.Error("storing_envelope_failed", "kind", kind, "err", err)
		o := refuse(http.StatusInternalServerError, "the server could not store this report; it will be retried")
		o.header = http.Header{"Retry-After": {"5"}}
		return o
	}
	label := "accepted"
	if dup {
		label = "duplicate"
	}
	return outcome{status: http.StatusOK, label: label, body: report.Ack{ID: env.ID, Duplicate: dup}}
}
