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
	"path"
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

type handler struct {
	b         Backend
	authorize func(Peer) bool
	heartbeat time.Duration
	limits    Limits
	streams   streamCounter
	mux       *http.ServeMux
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
	h := &handler{b: b, authorize: authorize, heartbeat: HeartbeatInterval, limits: DefaultLimits, mux: http.NewServeMux()}
	for _, e := range endpoints {
		if e.available != nil && !e.available(b) {
			continue // as an older agent: 404
		}
		// The method's pattern serves; the bare path answers every other
		// method with 405 (and the path values are checked first, so a
		// bad id is 404 whatever the method).
		h.mux.HandleFunc(e.method+" "+Prefix+e.path, func(w http.ResponseWriter, r *http.Request) { h.serve(e, w, r) })
		h.mux.HandleFunc(Prefix+e.path, func(w http.ResponseWriter, r *http.Request) { h.serve(e, w, r) })
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
	return h
}

// access says who may call an endpoint.
type access int

const (
	// anyone: any local user; the authorizer is not asked.
	anyone access = iota
	// anyoneTold: any local user, and the answer says whether they may
	// write (Status.CanWrite), so the authorizer is asked.
	anyoneTold
	// writers: root or the user at the console only (403 for others).
	writers
)

// endpoint is one row of the local API.
type endpoint struct {
	method string
	// path is relative to Prefix, as a ServeMux pattern ({id} is a
	// session id).
	path   string
	access access

	serve func(h *handler, w http.ResponseWriter, r *http.Request, canWrite bool)
	// available says whether the backend serves it (nil: always);
	// otherwise the path is 404, as from an older agent.
	available func(Backend) bool
	// refused is the 403 message for a peer who may not call it.
	refused string
}

const refusedWrite = "only root or the user at the console may do this"

// endpoints is the local API, one row an endpoint (what each takes and
// answers is at its Path constant): the table the handler is built from,
// and the list the README gives (TestEndpointsDocumented).
var endpoints = []endpoint{
	{method: http.MethodGet, path: PathStatus, access: anyoneTold, serve: (*handler).status},
	{method: http.MethodGet, path: PathResults, access: anyone, serve: (*handler).results},
	{method: http.MethodPost, path: PathRun, access: writers, serve: (*handler).run, refused: refusedWrite},
	{method: http.MethodPost, path: PathSessionsStart, access: writers, serve: (*handler).start, refused: refusedWrite},
	{method: http.MethodPost, path: PathSessionsEnd, access: writers, serve: (*handler).end, refused: refusedWrite},
	{method: http.MethodPost, path: PathSessionsCookies, access: writers, serve: (*handler).cookies, refused: refusedWrite},
	{method: http.MethodGet, path: PathWatch, access: anyoneTold, serve: (*handler).watch},
	{method: http.MethodGet, path: PathSessions, access: writers, serve: (*handler).sessionLog,
		available: func(b Backend) bool { _, ok := b.(SessionLogBackend); return ok },
		refused:   "only root or the user at the console may read the session log"},
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

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, Error{Error: "no such endpoint", Code: CodeNotFound})
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
	// A path that is not clean names no endpoint (the mux would redirect
	// it; "*" it would answer 400).
	if p := r.URL.Path; !strings.HasPrefix(p, "/") || path.Clean(p) != p {
		notFound(w)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// serve answers one request the mux matched to e's path.
func (h *handler) serve(e endpoint, w http.ResponseWriter, r *http.Request) {
	if strings.Contains(e.path, "{id}") && !validID(r.PathValue("id")) {
		notFound(w)
		return
	}
	if r.Method != e.method {
		w.Header().Set("Allow", e.method)
		writeError(w, http.StatusMethodNotAllowed, Error{Error: "method not allowed, use " + e.method, Code: CodeMethodNotAllowed})
		return
	}
	// Only writes, the session log and the answers that carry CanWrite
	// ask the authorizer (it may look up the console user).
	canWrite := false
	if e.access != anyone {
		peer, _ := PeerFromContext(r.Context())
		canWrite = h.authorize != nil && h.authorize(peer)
	}
	if e.access == writers && !canWrite {
		writeError(w, http.StatusForbidden, Error{Error: e.refused, Code: CodeForbidden})
		return
	}
	e.serve(h, w, r, canWrite)
}

func (h *handler) sessionLog(w http.ResponseWriter, r *http.Request, _ bool) {
	l, err := h.b.(SessionLogBackend).SessionLog(r.Context())
	if err != nil {
		h.backendError(w, r, "session_log", err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (h *handler) status(w http.ResponseWriter, r *http.Request, canWrite bool) {
	st := h.b.Status(r.Context())
	st.CanWrite = canWrite
	writeJSON(w, http.StatusOK, visibleTo(st))
}

func (h *handler) results(w http.ResponseWriter, r *http.Request, _ bool) {
	rep, ok := h.b.Results(r.Context())
	if !ok {
		writeError(w, http.StatusNotFound, Error{Error: ErrNoResults.Error(), Code: CodeNoResults})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (h *handler) run(w http.ResponseWriter, r *http.Request, _ bool) {
	var none struct{}
	if !decodeBody(w, r, &none, true) {
		return
	}
	rep, err := h.b.Run(r.Context())
	if err != nil {
		h.backendError(w, r, "run", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (h *handler) start(w http.ResponseWriter, r *http.Request, _ bool) {
	var req StartRequest
	if !decodeBody(w, r, &req, false) {
		return
	}
	rec, err := h.b.StartSession(r.Context(), req)
	answerRecord(h, w, r, "start_session", rec, err)
}

func (h *handler) end(w http.ResponseWriter, r *http.Request, _ bool) {
	var req EndRequest
	if !decodeBody(w, r, &req, true) {
		return
	}
	rec, err := h.b.EndSession(r.Context(), r.PathValue("id"), req)
	answerRecord(h, w, r, "end_session", rec, err)
}

func (h *handler) cookies(w http.ResponseWriter, r *http.Request, _ bool) {
	var req CookiesRequest
	if !decodeBody(w, r, &req, false) {
		return
	}
	rec, err := h.b.AmendCookies(r.Context(), r.PathValue("id"), req)
	answerRecord(h, w, r, "amend_cookies", rec, err)
}

// answerRecord answers a session record, or the backend's error.
func answerRecord(h *handler, w http.ResponseWriter, r *http.Request, op string, rec report.SessionRecord, err error) {
	if err != nil {
		h.backendError(w, r, op, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
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
