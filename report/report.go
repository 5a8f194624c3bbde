// Package report holds the wire types shared by the agent and the server
// (schema sessionguard.report/v1): enrolment, check-run reports and session
// records, each wrapped in an Envelope whose ID is the idempotency key, so a
// resend after a crash or a lost acknowledgement never duplicates.
//
// What leaves the machine is minimal by design: check statuses with their
// minimal facts, session records with a pseudonymous label. No SSIDs, no
// process lists, no other accounts' names, no browsing data.
package report

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Schema names the report format.
const Schema = "sessionguard.report/v1"

// Paths of the server's agent API.
const (
	PathEnroll   = "/api/v1/enroll"
	PathReports  = "/api/v1/reports"
	PathSessions = "/api/v1/sessions"
	PathPolicy   = "/api/v1/policy"
)

// Kinds of envelope.
const (
	KindCheckRun = "check_run"
	KindSession  = "session"
)

// Envelope is one report sent to the server. Exactly one of CheckRun and
// Session is set, as Kind says.
type Envelope struct {
	Schema    string         `json:"schema"`
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	CreatedAt time.Time      `json:"created_at"`
	Agent     Agent          `json:"agent"`
	CheckRun  *CheckRun      `json:"check_run,omitempty"`
	Session   *SessionRecord `json:"session,omitempty"`
}

// Agent describes the reporting agent (never the person).
type Agent struct {
	Version string     `json:"version"`
	Host    probe.Host `json:"host"`
}

// CheckRun is one run of the checks.
type CheckRun struct {
	StartedAt  time.Time     `json:"started_at"`
	DurationMS int64         `json:"duration_ms"`
	Ready      bool          `json:"ready"`
	Results    []CheckResult `json:"results"`
}

// CheckResult is a check's verdict as reported: no fix text (the server has
// its own), the summary and the minimal facts.
type CheckResult struct {
	ID       string          `json:"id"`
	Status   checks.Status   `json:"status"`
	Required bool            `json:"required"`
	Summary  string          `json:"summary"`
	Reason   string          `json:"reason,omitempty"`
	Facts    json.RawMessage `json:"facts,omitempty"`
}

// Session events.
const (
	SessionStart = "start"
	SessionEnd   = "end"
	// SessionCookies records cookies cleared after the end of a session,
	// when a browser that was open at the end was closed and cleared
	// later. It amends the ended session: the end record is never
	// rewritten (the trail is append-only).
	SessionCookies = "cookies"
)

// SessionRecord is one entry of the audit trail: the start or the end of a
// 1:1 session, or cookies cleared after its end.
type SessionRecord struct {
	// ID identifies this record; SessionID ties a start to its end.
	ID        string    `json:"id"`
	SessionID string    `json:"session_id"`
	Event     string    `json:"event"`
	At        time.Time `json:"at"`
	// Label is the pseudonymous case reference (never a client's name).
	Label string `json:"label"`
	// Ready and NotPassing describe the checks run fresh at start.
	Ready      bool     `json:"ready"`
	NotPassing []string `json:"not_passing,omitempty"`
	// Override is set when a session started although it was not ready.
	Override *Override `json:"override,omitempty"`
	// Cookies is what clearing found at the end (and, in a cookies
	// record, what clearing after the end did).
	Cookies *CookieSummary `json:"cookies,omitempty"`
}

// Override records a start despite failing checks, with the typed reason.
type Override struct {
	Reason string   `json:"reason"`
	Checks []string `json:"checks"`
}

// CookieSummary counts what clearing did at the end of a session.
type CookieSummary struct {
	Removed         int `json:"removed"`
	Kept            int `json:"kept"`
	Browsers        int `json:"browsers"`
	ProfilesCleared int `json:"profiles_cleared"`
	ProfilesSkipped int `json:"profiles_skipped"`
	ProfilesFailed  int `json:"profiles_failed"`
}

// EnrollRequest exchanges an enrol secret for a device token.
type EnrollRequest struct {
	Schema string `json:"schema"`
	Secret string `json:"secret"`
	// DeviceName is how admins will see this device (the host name unless
	// the installer gave another).
	DeviceName string `json:"device_name"`
	Agent      Agent  `json:"agent"`
}

// EnrollResponse carries the device token, shown once.
type EnrollResponse struct {
	DeviceID string `json:"device_id"`
	Token    string `json:"token"`
}

// Ack is the server's answer to a report or session envelope.
type Ack struct {
	ID string `json:"id"`
	// Duplicate is true when the server already had this envelope.
	Duplicate bool `json:"duplicate"`
}

// ErrInvalid marks an envelope that does not follow the schema.
var ErrInvalid = errors.New("invalid report")

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// NewID returns a new 128-bit identifier in hex, time-ordered like a
// UUIDv7: the first 48 bits are the Unix time in milliseconds, the other 80
// random. Records made later sort later, so a database indexes a new
// report at the end of its B-trees (the pages already being written)
// instead of at a random place: measured on the server's SQLite ingest,
// one random page (a WAL frame, later a checkpoint write) fewer per report.
// The time it gives away is the envelope's created_at anyway.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err))
	}
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return hex.EncodeToString(b[:])
}

// NewCheckRun wraps a check report.
func NewCheckRun(agent Agent, rep checks.Report) Envelope {
	run := &CheckRun{StartedAt: rep.StartedAt, DurationMS: rep.DurationMS, Ready: rep.Ready, Results: make([]CheckResult, 0, len(rep.Results))}
	for _, r := range rep.Results {
		run.Results = append(run.Results, CheckResult{ID: r.ID, Status: r.Status, Required: r.Required, Summary: r.Summary, Reason: r.Reason, Facts: r.Facts})
	}
	return Envelope{Schema: Schema, ID: NewID(), Kind: KindCheckRun, CreatedAt: time.Now().UTC(), Agent: agent, CheckRun: run}
}

// NewSession wraps a session record; the record's ID is the envelope's.
func NewSession(agent Agent, rec SessionRecord) Envelope {
	return Envelope{Schema: Schema, ID: rec.ID, Kind: KindSession, CreatedAt: time.Now().UTC(), Agent: agent, Session: &rec}
}

// Validate checks an envelope against the schema.
func (e Envelope) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if e.Schema != Schema {
		return bad("schema is %q, want %q", e.Schema, Schema)
	}
	if !idPattern.MatchString(e.ID) {
		return bad("id must be 32 lower-case hex digits")
	}
	if e.CreatedAt.IsZero() {
		return bad("created_at is missing")
	}
	switch e.Kind {
	case KindCheckRun:
		if e.CheckRun == nil || e.Session != nil {
			return bad("a check_run envelope holds check_run only")
		}
		for _, r := range e.CheckRun.Results {
			if r.ID == "" || !r.Status.Valid() {
				return bad("result %q has status %q", r.ID, r.Status)
			}
		}
	case KindSession:
		if e.Session == nil || e.CheckRun != nil {
			return bad("a session envelope holds session only")
		}
		s := e.Session
		if s.ID != e.ID || !idPattern.MatchString(s.SessionID) {
			return bad("session id and session_id must be ids, and id must equal the envelope's")
		}
		if s.Event != SessionStart && s.Event != SessionEnd && s.Event != SessionCookies {
			return bad("session event %q is not start, end or cookies", s.Event)
		}
		if s.Event == SessionCookies && s.Cookies == nil {
			return bad("a cookies record holds what clearing did")
		}
		if s.At.IsZero() || s.Label == "" {
			return bad("session at and label are required")
		}
	default:
		return bad("kind %q is not %s or %s", e.Kind, KindCheckRun, KindSession)
	}
	return nil
}
