// Package localapi is the agent's local API: HTTP over a unix socket (a
// named pipe on Windows) under /localapi/v0/, read by the tray and the CLI.
// Any local user may read the status and results; only root or the
// console user may write, and read the session log (the kernel's peer
// credentials decide, never a header); a request with an
// Origin or Referer header is refused, so no web page can drive it.
package localapi

import (
	"context"
	"errors"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

// Prefix is the path prefix of every endpoint.
const Prefix = "/localapi/v0/"

// Endpoints (relative to Prefix).
const (
	PathStatus        = "status"            // GET  → Status
	PathResults       = "results"           // GET  → checks.Report (404 before the first run)
	PathRun           = "run"               // POST → checks.Report (a fresh run)
	PathSessionsStart = "sessions/start"    // POST StartRequest → report.SessionRecord; 409 NotReady
	PathSessionsEnd   = "sessions/{id}/end" // POST EndRequest → report.SessionRecord
	// PathSessionsCookies amends the session that ended last with cookies
	// cleared after its end (report.SessionCookies).
	PathSessionsCookies = "sessions/{id}/cookies" // POST CookiesRequest → report.SessionRecord
	PathWatch           = "watch"                 // GET  → NDJSON stream of Event
)

// Light is the traffic light the tray shows.
type Light string

// The lights: green ready, amber warnings, red a required check is not
// passing, grey no result (yet), results out of date (Status.Stale) or the
// agent is unreachable.
const (
	Green Light = "green"
	Amber Light = "amber"
	Red   Light = "red"
	Grey  Light = "grey"
)

// Status is GET status.
type Status struct {
	Version string `json:"version"`
	Light   Light  `json:"light"`
	Ready   bool   `json:"ready"`
	// Running is true while a check run is under way.
	Running   bool      `json:"running"`
	LastRunAt time.Time `json:"last_run_at,omitzero"`
	// Stale: the latest results are out of date, so they say nothing about
	// the computer now (older than the run interval allows, say). Light is
	// then grey and Ready false until a fresh run finishes; the agent
	// starts one.
	Stale bool `json:"stale,omitempty"`
	// Session is the open session, if any.
	Session *report.SessionRecord `json:"session,omitempty"`
	// Ended is the end record of the session that ended last, while no
	// other is open: cookies cleared after its end may still be added to
	// it (sessions/{id}/cookies).
	Ended *report.SessionRecord `json:"ended,omitempty"`
	// AllowOverride tells the tray whether to offer "start anyway".
	AllowOverride bool `json:"allow_override"`
	// Enrolled and Server describe reporting (no token, ever).
	Enrolled bool   `json:"enrolled"`
	Server   string `json:"server,omitempty"`
	// Pending is the number of reports waiting in the spool.
	Pending int `json:"pending"`
	// Revoked: the server refused this device's token; enrol again.
	Revoked bool `json:"revoked,omitempty"`
	// CanWrite tells the caller whether it may start/end sessions and run.
	CanWrite bool `json:"can_write"`
	// CookieDomains and CookieKeep are the policy's cookie scope (clear
	// only these sites / every site but these), so the tray and `session
	// end` clear what the policy in force — possibly the server's — says.
	CookieDomains []string `json:"cookie_domains,omitempty"`
	CookieKeep    []string `json:"cookie_keep,omitempty"`
	// SessionReminderMinutes is the policy's reminder to end a session
	// open this long (0: no reminder; absent from an older agent).
	SessionReminderMinutes *int `json:"session_reminder_minutes,omitempty"`
}

// StartRequest is POST sessions/start.
type StartRequest struct {
	Label string `json:"label"`
	// OverrideReason starts the session although a required check is not
	// passing, when the policy allows it: one of
	// sessionlog.OverrideReasons (a free-text reason is refused).
	OverrideReason string `json:"override_reason,omitempty"`
	// OverrideNote is an optional short note recorded after the reason,
	// screened like a label (sessionlog.ValidateOverrideNote).
	OverrideNote string `json:"override_note,omitempty"`
}

// EndRequest is POST sessions/{id}/end. The client clears cookies in the
// user's context (they belong to the user) and reports the counts.
type EndRequest struct {
	Cookies *report.CookieSummary `json:"cookies,omitempty"`
}

// CookiesRequest is POST sessions/{id}/cookies: what clearing did after
// the session ended (required).
type CookiesRequest struct {
	Cookies *report.CookieSummary `json:"cookies"`
}

// EventType names a watch event. The agent sends them and the tray reads
// them; on the wire they are these strings.
type EventType string

// The watch events.
const (
	// EventStatus is the first line of a stream, and any change of status
	// that is none of the others (a policy, enrolment, the spool).
	EventStatus         EventType = "status"
	EventRunStarted     EventType = "run_started"
	EventRunFinished    EventType = "run_finished"
	EventSessionStarted EventType = "session_started"
	EventSessionEnded   EventType = "session_ended"
)

// Event is one line of the watch stream.
type Event struct {
	Type EventType `json:"type"`
	At   time.Time `json:"at"`
	// Status is the state after the event.
	Status Status `json:"status"`
}

// Error is the JSON body of every error answer.
type Error struct {
	Error string `json:"error"`
	// Code names the error for programs (the Code* constants), so a
	// client need not guess from the status code.
	Code string `json:"code,omitempty"`
	// NotPassing lists required checks that are not passing (409 on start).
	NotPassing []string `json:"not_passing,omitempty"`
	// OverrideAllowed says whether a reason would let the session start.
	OverrideAllowed bool `json:"override_allowed,omitempty"`
}

// Errors a Backend returns; the server maps them to status codes.
var (
	// ErrBadRequest: 400 (a label that looks like personal data, …).
	ErrBadRequest = errors.New("bad request")
	// ErrSessionOpen: 409, a session is already open.
	ErrSessionOpen = errors.New("a session is already open")
	// ErrNoSession: 404, no open session with that id.
	ErrNoSession = errors.New("no open session with that id")
	// ErrForbidden: 403.
	ErrForbidden = errors.New("forbidden")
)

// NotReadyError refuses a start: required checks are not passing (409).
type NotReadyError struct {
	NotPassing      []string
	OverrideAllowed bool
}

func (e *NotReadyError) Error() string {
	if e.OverrideAllowed {
		return "this computer is not ready for a session; give a reason to start anyway"
	}
	return "this computer is not ready for a session, and the policy does not allow starting anyway"
}

// Backend is what the agent gives the API. Every method is safe for
// concurrent use.
type Backend interface {
	Status(ctx context.Context) Status
	// Results is the latest report; false before the first run.
	Results(ctx context.Context) (checks.Report, bool)
	Run(ctx context.Context) (checks.Report, error)
	StartSession(ctx context.Context, req StartRequest) (report.SessionRecord, error)
	EndSession(ctx context.Context, id string, req EndRequest) (report.SessionRecord, error)
	// AmendCookies adds cookies cleared after the end to the session that
	// ended last; ErrNoSession when id is not that session (or another is
	// open).
	AmendCookies(ctx context.Context, id string, req CookiesRequest) (report.SessionRecord, error)
	// Subscribe returns a channel of events and a function that ends the
	// subscription. The channel is closed when the subscription ends.
	Subscribe() (<-chan Event, func())
}
