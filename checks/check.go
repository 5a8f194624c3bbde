// Package checks is the check engine: the result contract every check
// returns, the policy it is judged against, and Run, which runs a set of
// checks concurrently against a probe, each with its own timeout.
//
// Each check lives in its own package under checks/ and has three layers:
// Facts (raw observations), Evaluate(Facts, Policy) Result (pure), and
// Collect(ctx, probe.Probe) (Facts, error) (untagged code that asks a probe).
// New joins the layers into a Check.
package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// Status is the verdict of one check.
type Status string

// The statuses. Unknown is never pass and never fail: it means the state
// could not be read.
const (
	Pass          Status = "pass"
	Warn          Status = "warn"
	Fail          Status = "fail"
	Unknown       Status = "unknown"
	NotApplicable Status = "not_applicable"
)

// Valid reports whether s is one of the five statuses.
func (s Status) Valid() bool {
	switch s {
	case Pass, Warn, Fail, Unknown, NotApplicable:
		return true
	}
	return false
}

// Acceptable reports whether s lets a session start without an override:
// pass, warn (amber) and not_applicable are; fail and unknown are not.
func (s Status) Acceptable() bool {
	return s == Pass || s == Warn || s == NotApplicable
}

// Result is what one check found. Evaluate fills Status, Summary, Fix and
// Reason; the engine fills ID, Title, Required and Facts.
type Result struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Status   Status `json:"status"`
	Required bool   `json:"required"`
	// Summary is one plain-English line of what was found.
	Summary string `json:"summary"`
	// Fix tells the practitioner what to click, for every status but pass
	// and not_applicable.
	Fix string `json:"fix,omitempty"`
	// Reason says why the state could not be read (unknown only).
	Reason string `json:"reason,omitempty"`
	// Facts are the raw observations, minimal and free of personal data.
	Facts json.RawMessage `json:"facts"`
}

// Check is one registered check.
type Check interface {
	ID() string
	Title() string
	// Metadata is what the check declares about itself: required by
	// default, its Cyber Essentials controls, its policy settings.
	Metadata() Meta
	Run(ctx context.Context, p probe.Probe, pol Policy) Result
}

// Definition joins a check's collector and evaluator. F is its Facts type.
type Definition[F any] struct {
	CheckID    string
	CheckTitle string
	// Meta is what the check declares about itself (see Meta).
	Meta     Meta
	Collect  func(ctx context.Context, p probe.Probe) (F, error)
	Evaluate func(f F, pol Policy) Result
	// UnknownFix is shown when Collect fails; a generic line when empty.
	UnknownFix string
	// Scrub, when set, takes personal data out of the command outputs this
	// check reads before an evidence bundle keeps them (see probe.Scrubber).
	Scrub probe.Scrubber
	// ProcessArgs, when set, says which running processes' arguments this
	// check reads, so an evidence bundle keeps those only (see
	// probe.ArgsKeeper).
	ProcessArgs probe.ArgsKeeper
}

// NewRecorder is the recorder `sessionguard evidence record` uses for
// list: every check's scrubber, and process arguments kept only where a
// check reads them.
func NewRecorder(inner probe.Probe, list []Check) *evidence.Recorder {
	rec := evidence.NewRecorder(inner, Scrubbers(list)...)
	for _, c := range list {
		if k, ok := c.(interface{ ArgsKeeper() probe.ArgsKeeper }); ok && k.ArgsKeeper() != nil {
			rec.KeepProcessArgs(k.ArgsKeeper())
		}
	}
	return rec
}

// ArgsKeeper returns the check's process-argument keeper (nil when it
// reads no arguments).
func (d Definition[F]) ArgsKeeper() probe.ArgsKeeper { return d.ProcessArgs }

// Scrubbers are the scrubbers of the checks that have one, for
// evidence.NewRecorder.
func Scrubbers(list []Check) []probe.Scrubber {
	var out []probe.Scrubber
	for _, c := range list {
		if s, ok := c.(interface{ Scrubber() probe.Scrubber }); ok && s.Scrubber() != nil {
			out = append(out, s.Scrubber())
		}
	}
	return out
}

// Scrubber returns the check's output scrubber (nil when it has none).
func (d Definition[F]) Scrubber() probe.Scrubber { return d.Scrub }

// ID is the stable snake_case identifier.
func (d Definition[F]) ID() string { return d.CheckID }

// Metadata implements Check.
func (d Definition[F]) Metadata() Meta { return d.Meta }

// Title is the plain-English name shown to the practitioner.
func (d Definition[F]) Title() string { return d.CheckTitle }

// GenericUnknownFix is shown for a check whose state could not be read.
const GenericUnknownFix = "SessionGuard could not check this. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// Run collects and evaluates. A collector error gives an unknown result that
// carries the facts gathered so far and the error as its reason.
func (d Definition[F]) Run(ctx context.Context, p probe.Probe, pol Policy) Result {
	facts, err := d.Collect(ctx, p)
	var r Result
	if err != nil {
		r = Result{Status: Unknown, Summary: "Could not check " + lowerFirst(d.CheckTitle) + ".", Fix: d.FixWhenUnknown(), Reason: err.Error()}
	} else {
		r = d.Evaluate(facts, pol)
	}
	r.ID, r.Title = d.CheckID, d.CheckTitle
	r.Required = pol.Required(d.CheckID)
	raw, mErr := json.Marshal(facts)
	if mErr != nil {
		raw = json.RawMessage(`{}`)
	}
	r.Facts = raw
	if !r.Status.Valid() {
		r.Status, r.Reason = Unknown, fmt.Sprintf("check returned invalid status %q", r.Status)
	}
	return r
}

// Reevaluator is a check that can judge stored facts again: the server
// shows the fix a practitioner was given (agents do not send fix texts) by
// running the check's own pure Evaluate on the facts it received.
type Reevaluator interface {
	// Reevaluate decodes facts (as Run stored them) and evaluates them
	// under pol. An error when the facts do not decode.
	Reevaluate(facts json.RawMessage, pol Policy) (Result, error)
	// FixWhenUnknown is the fix shown when the state could not be read.
	FixWhenUnknown() string
}

// Reevaluate implements Reevaluator.
func (d Definition[F]) Reevaluate(facts json.RawMessage, pol Policy) (Result, error) {
	var f F
	if err := json.Unmarshal(facts, &f); err != nil {
		return Result{}, fmt.Errorf("%s facts: %w", d.CheckID, err)
	}
	r := d.Evaluate(f, pol)
	r.ID, r.Title, r.Required, r.Facts = d.CheckID, d.CheckTitle, pol.Required(d.CheckID), facts
	return r, nil
}

// FixWhenUnknown implements Reevaluator.
func (d Definition[F]) FixWhenUnknown() string {
	if d.UnknownFix == "" {
		return GenericUnknownFix
	}
	return d.UnknownFix
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// ErrUnknownCheck is returned for a check id that is not registered.
var ErrUnknownCheck = errors.New("unknown check id")

// Report is the sessionguard.check/v1 document.
type Report struct {
	Schema     string     `json:"schema"`
	Host       probe.Host `json:"host"`
	Ready      bool       `json:"ready"`
	StartedAt  time.Time  `json:"started_at"`
	DurationMS int64      `json:"duration_ms"`
	Results    []Result   `json:"results"`
}

// ReportSchema names the check report format.
const ReportSchema = "sessionguard.check/v1"

// ReadyOf reports whether every required result is acceptable.
func ReadyOf(results []Result) bool {
	for _, r := range results {
		if r.Required && !r.Status.Acceptable() {
			return false
		}
	}
	return true
}
