package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/report"
)

// Error codes of Error.Code.
const (
	CodeBadRequest       = "bad_request"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeTooLarge         = "too_large"
	CodeSessionOpen      = "session_open"
	CodeNotReady         = "not_ready"
	CodeNoSession        = "no_session"
	CodeNoResults        = "no_results"
	CodeInternal         = "internal"
)

const (
	// MaxRequestBody bounds a request body.
	MaxRequestBody = 64 << 10
	// HeartbeatInterval is how often an idle watch stream gets a newline.
	HeartbeatInterval = 30 * time.Second
	// bodyReadTimeout bounds reading a request body.
	bodyReadTimeout = 10 * time.Second
	// streamWriteTimeout drops a watcher that stops reading.
	streamWriteTimeout = 10 * time.Second
)

// EventStatus is the type of the first line of a watch stream.
const EventStatus = "status"

type handler struct {
	b         Backend
	authorize func(Peer) bool
	heartbeat time.Duration
	limits    Limits
	streams   streamCounter
}

// NewHandler serves the local API of b under Prefix. authorize says
// whether a peer may write (POST); nil lets nobody write. The peer comes
// from the request context (ConnContext, as NewServer sets it); a request
// without one is an unknown peer.
//
// Rules, in order: an Origin or Referer header → 403; an unknown path →
// 404; a wrong method → 405; a POST the peer may not make → 403. Bodies
// are at most MaxRequestBody and decoded strictly (unknown fields → 400).
// A watch beyond the peer's streams (DefaultLimits: fewer for a user who
// may not write) → 429 too_many.
// Every error is a JSON Error.
func NewHandler(b Backend, authorize func(peer Peer) (canWrite bool)) http.Handler {
	return &handler{b: b, authorize: authorize, heartbeat: HeartbeatInterval, limits: DefaultLimits}
}

// route is what a path names.
type route int

const (
	routeNone route = iota
	routeStatus
	routeResults
	routeWatch
	routeRun
	routeStart
	routeEnd
	routeCookies
	routeSessions
)

func parseRoute(path string) (route, string) {
	rest, ok := strings.CutPrefix(path, Prefix)
	if !ok {
		return routeNone, ""
	}
	switch rest {
	case PathStatus:
		return routeStatus, ""
	case PathResults:
		return routeResults, ""
	case PathWatch:
		return routeWatch, ""
	case PathRun:
		return routeRun, ""
	case PathSessionsStart:
		return routeStart, ""
	case PathSessions:
		return routeSessions, ""
	}
	if id, ok := strings.CutPrefix(rest, "sessions/"); ok {
		if id, ok := strings.CutSuffix(id, "/end"); ok && validID(id) {
			return routeEnd, id
		}
		if id, ok := strings.CutSuffix(id, "/cookies"); ok && validID(id) {
			return routeCookies, id
		}
	}
	return routeNone, ""
}

// validID accepts what a session id may look like (report.NewID is 32 hex
// digits); anything else cannot name a session.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")

	// Before anything else: a browser sends Origin or Referer; no web page
	// may drive the agent, whatever it reached the socket through.
	if _, ok := r.Header["Origin"]; ok {
		writeError(w, http.StatusForbidden, Error{Error: "requests from web pages are refused", Code: CodeForbidden})
		return
	}
	if _, ok := r.Header["Referer"]; ok {
		writeError(w, http.StatusForbidden, Error{Error: "requests from web pages are refused", Code: CodeForbidden})
		return
	}

	rt, id := parseRoute(r.URL.Path)
	logBackend, hasLog := h.b.(SessionLogBackend)
	if rt == routeNone || (rt == routeSessions && !hasLog) {
		writeError(w, http.StatusNotFound, Error{Error: "no such endpoint", Code: CodeNotFound})
		return
	}
	want := http.MethodGet
	if rt == routeRun || rt == routeStart || rt == routeEnd || rt == routeCookies {
		want = http.MethodPost
	}
	if r.Method != want {
		hdr.Set("Allow", want)
		writeError(w, http.StatusMethodNotAllowed, Error{Error: "method not allowed, use " + want, Code: CodeMethodNotAllowed})
		return
	}

	// Only writes, the session log and the answers that carry CanWrite
	// ask the authorizer (it may look up the console user).
	canWrite := false
	if want == http.MethodPost || rt == routeStatus || rt == routeWatch || rt == routeSessions {
		peer, _ := PeerFromContext(r.Context())
		canWrite = h.authorize != nil && h.authorize(peer)
	}
	if want == http.MethodPost && !canWrite {
		writeError(w, http.StatusForbidden, Error{Error: "only root or the user at the console may do this", Code: CodeForbidden})
		return
	}

	if rt == routeSessions && !canWrite {
		writeError(w, http.StatusForbidden, Error{Error: "only root or the user at the console may read the session log", Code: CodeForbidden})
		return
	}

	ctx := r.Context()
	switch rt {
	case routeSessions:
		l, err := logBackend.SessionLog(ctx)
		if err != nil {
			h.backendError(w, r, "session_log", err)
			return
		}
		writeJSON(w, http.StatusOK, l)
	case routeStatus:
		st := h.b.Status(ctx)
		st.CanWrite = canWrite
		writeJSON(w, http.StatusOK, visibleTo(st))
	case routeResults:
		rep, ok := h.b.Results(ctx)
		if !ok {
			writeError(w, http.StatusNotFound, Error{Error: ErrNoResults.Error(), Code: CodeNoResults})
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case routeWatch:
		h.watch(w, r, canWrite)
	case routeRun:
		var none struct{}
		if !decodeBody(w, r, &none, true) {
			return
		}
		rep, err := h.b.Run(ctx)
		if err != nil {
			h.backendError(w, r, "run", err)
			return
		}
		writeJSON(w, http.StatusOK, rep)
	case routeStart:
		var req StartRequest
		if !decodeBody(w, r, &req, false) {
			return
		}
		rec, err := h.b.StartSession(ctx, req)
		if err != nil {
			h.backendError(w, r, "start_session", err)
			return
		}
		writeJSON(w, http.StatusOK, rec)
	case routeEnd:
		var req EndRequest
		if !decodeBody(w, r, &req, true) {
			return
		}
		rec, err := h.b.EndSession(ctx, id, req)
		if err != nil {
			h.backendError(w, r, "end_session", err)
			return
		}
		writeJSON(w, http.StatusOK, rec)
	case routeCookies:
		var req CookiesRequest
		if !decodeBody(w, r, &req, false) {
			return
		}
		rec, err := h.b.AmendCookies(ctx, id, req)
		if err != nil {
			h.backendError(w, r, "amend_cookies", err)
			return
		}
		writeJSON(w, http.StatusOK, rec)
	}
}

// decodeBody decodes one JSON value strictly into v; an empty body is
// accepted when allowEmpty. It answers the error itself and reports
// whether to go on.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) bool {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, MaxRequestBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) && allowEmpty {
		return true
	}
	if err == nil {
		// Exactly one value: anything after it is an error.
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("unexpected data after the JSON body")
			if terr != nil {
				err = terr
			}
		}
	}
	if err == nil {
		return true
	}
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, Error{Error: fmt.Sprintf("request body larger than %d bytes", MaxRequestBody), Code: CodeTooLarge})
		return false
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("empty body")
	}
	writeError(w, http.StatusBadRequest, Error{Error: "invalid request body: " + err.Error(), Code: CodeBadRequest})
	return false
}

// backendError maps an error of the Backend to an answer. Only the
// unexpected ones are logged, and only with the operation's name: the
// messages of the expected ones may echo what the user typed.
func (h *handler) backendError(w http.ResponseWriter, r *http.Request, op string, err error) {
	var nr *NotReadyError
	switch {
	case errors.As(err, &nr):
		writeError(w, http.StatusConflict, Error{Error: nr.Error(), Code: CodeNotReady, NotPassing: nr.NotPassing, OverrideAllowed: nr.OverrideAllowed})
	case errors.Is(err, ErrBadRequest):
		writeError(w, http.StatusBadRequest, Error{Error: err.Error(), Code: CodeBadRequest})
	case errors.Is(err, ErrSessionOpen):
		writeError(w, http.StatusConflict, Error{Error: err.Error(), Code: CodeSessionOpen})
	case errors.Is(err, ErrNoSession):
		writeError(w, http.StatusNotFound, Error{Error: err.Error(), Code: CodeNoSession})
	case errors.Is(err, ErrForbidden):
		writeError(w, http.StatusForbidden, Error{Error: err.Error(), Code: CodeForbidden})
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		slog.Debug("local api request abandoned", "op", op)
		writeError(w, http.StatusServiceUnavailable, Error{Error: "request cancelled", Code: CodeInternal})
	default:
		// The detail goes to the log; Backend errors carry no personal
		// data by contract (a label never goes into an error).
		slog.Error("local api backend failed", "op", op, "err", err)
		writeError(w, http.StatusInternalServerError, Error{Error: "internal error in the agent; see its log", Code: CodeInternal})
	}
}

// watch streams NDJSON: the current status, then every event, until the
// client goes, the backend ends the subscription or the server shuts
// down. It subscribes before reading the status so that nothing falls
// between the two (an event may then repeat what the status says).
func (h *handler) watch(w http.ResponseWriter, r *http.Request, canWrite bool) {
	ctx := r.Context()
	peer, _ := PeerFromContext(ctx)
	limit := h.limits.StreamsPerUser
	if canWrite {
		limit = h.limits.StreamsReserved
	}
	done, err := h.streams.take(peer.UID, limit)
	if err != nil {
		writeError(w, http.StatusTooManyRequests, Error{Error: err.Error(), Code: CodeTooMany})
		return
	}
	defer done()
	rc := http.NewResponseController(w)
	// Without a server WriteTimeout net/http never clears a write deadline:
	// clear ours so that a kept-alive connection serves the next request.
	defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
	events, unsubscribe := h.b.Subscribe()
	defer unsubscribe()

	st := h.b.Status(ctx)
	st.CanWrite = canWrite
	st = visibleTo(st)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	send := func(ev any) bool {
		buf.Reset()
		if ev != nil {
			if err := enc.Encode(ev); err != nil {
				slog.Error("local api encoding event failed", "err", err)
				return false
			}
		} else {
			buf.WriteByte('\n') // heartbeat
		}
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(buf.Bytes()); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send(Event{Type: EventStatus, At: time.Now().UTC(), Status: st}) {
		return
	}

	shutdown, _ := ctx.Value(shutdownKey{}).(<-chan struct{})
	heartbeat := time.NewTicker(h.heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-shutdown:
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			ev.Status.CanWrite = canWrite
			ev.Status = visibleTo(ev.Status)
			if !send(ev) {
				return
			}
		case <-heartbeat.C:
			if !send(nil) {
				return
			}
		}
	}
}

// visibleTo is st as its reader may see it: a reader who may not write
// (neither root nor the user at the console) learns that a session is open
// and when it started, never its label or its override reason, which are
// the practitioner's case notes. st.CanWrite says who reads.
func visibleTo(st Status) Status {
	if st.CanWrite {
		return st
	}
	hide := func(r *report.SessionRecord) *report.SessionRecord {
		if r == nil {
			return nil
		}
		c := *r
		c.Label = ""
		if c.Override != nil {
			c.Override = &report.Override{Checks: c.Override.Checks}
		}
		return &c
	}
	st.Session, st.Ended = hide(st.Session), hide(st.Ended)
	return st
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("local api encoding answer failed", "err", err)
		code = http.StatusInternalServerError
		b, _ = json.Marshal(Error{Error: "internal error in the agent; see its log", Code: CodeInternal})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, code int, e Error) { writeJSON(w, code, e) }

// NewServer returns an http.Server for h that puts each connection's peer
// credentials into its requests' context (ConnContext) and ends watch
// streams when Shutdown is called (so Shutdown does not wait for them).
// No WriteTimeout: watch streams are long; each write of one has its own
// deadline instead.
func NewServer(h http.Handler) *http.Server {
	shutdown := make(chan struct{})
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			ctx = ConnContext(ctx, c)
			return context.WithValue(ctx, shutdownKey{}, (<-chan struct{})(shutdown))
		},
	}
	var once sync.Once
	srv.RegisterOnShutdown(func() { once.Do(func() { close(shutdown) }) })
	return srv
}
