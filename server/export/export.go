// Package export serves the evidence exports (CSV and JSON of devices,
// results and sessions, each check mapped to the Cyber Essentials control
// it evidences) and the subject access export and erasure endpoints.
//
// The same functions serve the dashboard (through [NewHandler]) and the
// command line (sessionguard-server export, subject-access): [Export],
// [SubjectExport], [Erase] and [SetPractitioner]. Each records the action in
// the audit log before doing it, and does nothing when it cannot.
//
// # Paths
//
// The handler does no login or CSRF checking: the dashboard mounts it for
// /exports/ and /privacy/ behind both, and names the admin through
// Options.Actor (a request without an actor is refused with 403).
//
//	GET /exports/devices.csv    GET /exports/devices.json
//	GET /exports/results.csv    GET /exports/results.json
//	GET /exports/sessions.csv   GET /exports/sessions.json
//	    query: team=ID or name (optional), since=2026-01-31 | RFC 3339 | 30d (optional)
//	    devices: seen since; results: of check runs started since; sessions: at or after.
//	GET /exports/subject.json?device=ID
//	POST /exports/subject.json
//	    form: device=ID or practitioner=NAME (exactly one). A practitioner
//	    is a person's name: it goes in a form body, never in the address
//	    (which browsers keep in their history and proxies log), so GET
//	    with practitioner= is refused (400).
//	POST /privacy/erase
//	    form: device=ID or practitioner=NAME (exactly one),
//	          confirm= the same device ID or practitioner again (required),
//	          return= local path to go back to (optional, default "/").
//	    answer: 303 See Other to return with ?erased=N (devices erased) or
//	            ?erase_error=missing_subject|confirm_mismatch|not_exact|not_found|invalid|failed
//	POST /privacy/practitioner
//	    form: device=ID, practitioner=NAME ("" clears), return= as above.
//	    answer: 303 to return with ?practitioner=saved or
//	            ?practitioner_error=not_found|invalid|failed
//
// Other form fields (the dashboard's csrf_token) are ignored. Form bodies
// are limited to 64 KiB.
//
// Exports are attachments (Content-Disposition), never cached, and streamed
// row by row from keyset-paged queries: memory stays bounded whatever the
// table size. Should the database fail part way, the connection is cut
// (the download fails visibly) rather than ending a short file cleanly.
//
// CSV cells starting with = + - @, a tab or a carriage return are prefixed
// with an apostrophe so spreadsheets never run them as formulas. Each result
// row carries the check's Cyber Essentials controls (columns
// cyber_essentials_control, the main one, and cyber_essentials_controls,
// all of them "; "-separated; JSON: "cyber_essentials": [...]). Its status
// is the agent's; where this server's rules judge the stored facts
// differently (package rejudge), the last columns server_status and
// server_summary (JSON: "server_status", "server_summary") carry the
// server's judgement, empty (JSON: absent) when the two agree.
//
// A practitioner is identified by the practitioner an admin set on their
// devices (POST /privacy/practitioner), matched exactly; one typed with
// other capitals or spaces than stored is answered with the spelling
// stored (SpellingError), never as "nothing held"; device names are
// host names given at enrolment and identify no one reliably. Audit entries
// name device IDs and counts, never the practitioner, so an erasure leaves
// no trace of the erased data in the audit log.
package export

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Options configures the export handler.
type Options struct {
	Logger *slog.Logger
	// Actor names the admin making the request, for the audit log.
	Actor func(*http.Request) string
	// StaleAfter is the dashboard's (Request.StaleAfter).
	StaleAfter time.Duration
}

// maxFormBytes bounds a POST body.
const maxFormBytes = 64 << 10

// NewHandler serves GET /exports/… and POST /privacy/…. It does no
// authentication or CSRF checking itself: the dashboard mounts it behind
// both.
func NewHandler(st store.Store, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	h := &handler{st: st, o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /exports/subject.json", h.subject)
	mux.HandleFunc("POST /exports/subject.json", h.subject)
	mux.HandleFunc("GET /exports/{file}", h.export)
	mux.HandleFunc("POST /privacy/erase", h.erase)
	mux.HandleFunc("POST /privacy/practitioner", h.practitioner)
	return mux
}

type handler struct {
	st store.Store
	o  Options
}

// actor returns the request's admin, or answers 403 and returns "".
func (h *handler) actor(w http.ResponseWriter, r *http.Request) string {
	var a string
	if h.o.Actor != nil {
		a = h.o.Actor(r)
	}
	if a == "" {
		http.Error(w, "Forbidden: log in as an admin to export or erase data.", http.StatusForbidden)
	}
	return a
}

// attachment answers with a download on the first write, so an error found
// before any data (bad filter, audit failure) can still get its own status.
type attachment struct {
	w           http.ResponseWriter
	contentType string
	filename    string
	started     bool
}

func (a *attachment) Write(p []byte) (int, error) {
	if !a.started {
		a.started = true
		hd := a.w.Header()
		hd.Set("Content-Type", a.contentType)
		hd.Set("Content-Disposition", `attachment; filename="`+a.filename+`"`)
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		a.w.WriteHeader(http.StatusOK)
	}
	return a.w.Write(p)
}

// fail answers an error: with a status when nothing was sent yet, else by
// cutting the connection so the client sees a failed download, not a short
// file.
func (h *handler) fail(w http.ResponseWriter, a *attachment, what string, err error) {
	if a.started {
		h.o.Logger.Warn("export_aborted", "export", what, "err", err)
		panic(http.ErrAbortHandler)
	}
	status, msg := http.StatusInternalServerError, "The export failed; the server log says why."
	switch {
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrUnknownTeam), errors.Is(err, ErrSubject), errors.Is(err, store.ErrInvalid):
		status, msg = http.StatusBadRequest, err.Error()
	case errors.Is(err, ErrNoSubject):
		status, msg = http.StatusNotFound, err.Error()
	default:
		h.o.Logger.Error("export_failed", "export", what, "err", err)
	}
	http.Error(w, msg, status)
}

func (h *handler) export(w http.ResponseWriter, r *http.Request) {
	name, ext, _ := strings.Cut(r.PathValue("file"), ".")
	kind, err := ParseKind(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	format, err := ParseFormat(ext)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	actor := h.actor(w, r)
	if actor == "" {
		return
	}
	q := r.URL.Query()
	a := &attachment{w: w, contentType: contentType(format), filename: fmt.Sprintf("sessionguard-%s-%s.%s", kind, time.Now().UTC().Format("20060102T150405Z"), format)}
	since, err := ParseSince(q.Get("since"), time.Now())
	if err != nil {
		h.fail(w, a, string(kind), err)
		return
	}
	team := q.Get("team")
	if len(team) > store.MaxAuditField {
		h.fail(w, a, string(kind), fmt.Errorf("%w: team is too long", ErrBadRequest))
		return
	}
	rows, err := Export(r.Context(), h.st, a, Request{Kind: kind, Format: format, Team: team, Since: since, StaleAfter: h.o.StaleAfter}, actor)
	if err != nil {
		h.fail(w, a, string(kind), err)
		return
	}
	h.o.Logger.Info("export_done", "export", string(kind), "format", string(format), "rows", rows)
}

func contentType(f Format) string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/json"
}

func (h *handler) subject(w http.ResponseWriter, r *http.Request) {
	actor := h.actor(w, r)
	if actor == "" {
		return
	}
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		if !postForm(w, r) {
			return
		}
		q = r.PostForm
	} else if q.Has("practitioner") {
		http.Error(w, "A practitioner's name is sent in a form (POST), never in the address, which browsers and proxies keep.", http.StatusBadRequest)
		return
	}
	a := &attachment{w: w, contentType: "application/json", filename: "sessionguard-subject-access-" + time.Now().UTC().Format("20060102T150405Z") + ".json"}
	n, err := SubjectExport(r.Context(), h.st, a, Subject{DeviceID: q.Get("device"), Practitioner: q.Get("practitioner")}, actor)
	if err != nil {
		h.fail(w, a, "subject", err)
		return
	}
	h.o.Logger.Info("subject_export_done", "devices", n)
}

// postForm parses a bounded form body; on failure it answers 400.
func postForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// returnPath is the local path to redirect back to: the form's return
// field when it is a path on this site, else "/".
func returnPath(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) ||
		u.Scheme != "" || u.Host != "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return &url.URL{Path: "/"}
	}
	return u
}

// back answers 303 See Other to the form's return path with key=value.
func back(w http.ResponseWriter, r *http.Request, key, value string) {
	u := returnPath(r.PostForm.Get("return"))
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther) //nolint:gosec // returnPath keeps only a local path
}

// errorCode names an erasure or practitioner failure for the redirect.
func (h *handler) errorCode(what string, err error) string {
	switch {
	case errors.Is(err, ErrSubject):
		return "missing_subject"
	case errors.Is(err, ErrConfirm):
		return "confirm_mismatch"
	case errors.As(err, new(*SpellingError)):
		// The stored spelling is a name: never in the address.
		return "not_exact"
	case errors.Is(err, ErrNoSubject), errors.Is(err, store.ErrNotFound):
		return "not_found"
	case errors.Is(err, store.ErrInvalid), errors.Is(err, ErrBadRequest):
		return "invalid"
	}
	h.o.Logger.Error(what+"_failed", "err", err)
	return "failed"
}

func (h *handler) erase(w http.ResponseWriter, r *http.Request) {
	if !postForm(w, r) {
		return
	}
	actor := h.actor(w, r)
	if actor == "" {
		return
	}
	f := r.PostForm
	res, err := Erase(r.Context(), h.st, Subject{DeviceID: f.Get("device"), Practitioner: f.Get("practitioner")}, f.Get("confirm"), actor)
	if err != nil {
		back(w, r, "erase_error", h.errorCode("erase", err))
		return
	}
	h.o.Logger.Info("subject_erased", "devices", len(res.Devices), "runs", res.Runs, "results", res.Results, "sessions", res.Sessions)
	back(w, r, "erased", strconv.Itoa(len(res.Devices)))
}

func (h *handler) practitioner(w http.ResponseWriter, r *http.Request) {
	if !postForm(w, r) {
		return
	}
	actor := h.actor(w, r)
	if actor == "" {
		return
	}
	if err := SetPractitioner(r.Context(), h.st, r.PostForm.Get("device"), r.PostForm.Get("practitioner"), actor); err != nil {
		back(w, r, "practitioner_error", h.errorCode("practitioner", err))
		return
	}
	back(w, r, "practitioner", "saved")
}
