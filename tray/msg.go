package tray

import (
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

// Msg is something that happened: an agent event, an answer to an Effect,
// a click, text typed into a dialog, a clock tick. The adapter turns each
// into a Msg and passes it to Update.
type Msg interface{ isMsg() }

// AgentEvent is one line of the agent's watch stream. The first event after
// a (re)connection tells the model the agent is reachable again.
type AgentEvent struct{ localapi.Event }

// AgentDown says the agent cannot be reached (the watch stream ended or a
// connection failed). The adapter reconnects; the model only shows it.
type AgentDown struct{ Err error }

// ResultsLoaded carries the agent's latest check report (the answer to
// FetchResults or RunChecks).
type ResultsLoaded struct{ Report checks.Report }

// RunFailed says a RunChecks request failed.
type RunFailed struct{ Message string }

// ClickCheckAgain is a click on "Check again".
type ClickCheckAgain struct{}

// ClickStartSession is a click on "Start session…".
type ClickStartSession struct{}

// LabelEntered is the case reference typed into the AskLabel dialog.
type LabelEntered struct{ Label string }

// Cancelled says the open dialog (AskLabel or AskOverrideReason) was closed
// without an answer.
type Cancelled struct{}

// StartRefused is the agent's "not ready" answer to StartSession (409):
// NotPassing lists the required checks (ids) that are not passing.
type StartRefused struct {
	NotPassing      []string
	OverrideAllowed bool
	Message         string
}

// StartFailed is any other failed StartSession. LabelRejected is set when
// the agent refused the label (400), so the model asks for it again.
type StartFailed struct {
	Message       string
	LabelRejected bool
	// ReasonRejected: the agent refused the override reason or its note
	// (it looks like personal data); the reason is asked again.
	ReasonRejected bool
}

// OverrideReasonEntered is the reason typed into the AskOverrideReason
// dialog.
type OverrideReasonEntered struct{ Reason string }

// StartAccepted is the agent's start record.
type StartAccepted struct{ Record report.SessionRecord }

// ClickEndSession is a click on "End session".
type ClickEndSession struct{}

// CookiesCleared is the outcome of ClearCookies (trayapp makes it from
// what browsers.Clear did). Err is set when clearing could not run at all
// (then Profiles and Summary are empty).
type CookiesCleared struct {
	// Profiles is what clearing did in each browser profile.
	Profiles []ProfileCleared
	// Summary is the counts recorded with the session.
	Summary *report.CookieSummary
	Err     error
}

// ProfileCleared is what clearing did in one browser profile.
type ProfileCleared struct {
	// Browser is the browser's name for people ("Firefox").
	Browser string
	Removed int
	Outcome Outcome
}

// Outcome is what clearing did in one profile, as the menu words it.
type Outcome int

// Outcomes.
const (
	// OutcomeCounted: counted only, nothing changed (a dry run).
	OutcomeCounted Outcome = iota
	// OutcomeCleared: the profile's cookies in scope are gone.
	OutcomeCleared
	// OutcomeBrowserOpen: skipped, its browser was running.
	OutcomeBrowserOpen
	// OutcomeFailed: could not be cleared, or skipped for another reason.
	OutcomeFailed
)

// ClickCloseBrowsersAndClear is a click on "Close … and clear".
type ClickCloseBrowsersAndClear struct{}

// CookiesRecordFailed says RecordCookies failed: the clean-up happened but
// is not in the session's record.
type CookiesRecordFailed struct{ Message string }

// SessionEnded is the agent's end record.
type SessionEnded struct{ Record report.SessionRecord }

// EndFailed says EndSession failed; the session stays open.
type EndFailed struct{ Message string }

// ClickCheck is a click on one check's item: open its fix.
type ClickCheck struct{ ID string }

// ClickOpenDashboard is a click on "Open dashboard".
type ClickOpenDashboard struct{}

// ClickAbout is a click on "About SessionGuard".
type ClickAbout struct{}

// ShowRequested says the practitioner started the tray again while this
// one runs (from the applications menu, say): show where it is.
type ShowRequested struct{}

// ClickQuit is a click on "Quit".
type ClickQuit struct{}

// Tick is the clock, sent by the adapter about once a minute (for the
// reminder to end a long session).
type Tick struct{ Now time.Time }

func (AgentEvent) isMsg()                 {}
func (AgentDown) isMsg()                  {}
func (ResultsLoaded) isMsg()              {}
func (RunFailed) isMsg()                  {}
func (ClickCheckAgain) isMsg()            {}
func (ClickStartSession) isMsg()          {}
func (LabelEntered) isMsg()               {}
func (Cancelled) isMsg()                  {}
func (StartRefused) isMsg()               {}
func (StartFailed) isMsg()                {}
func (OverrideReasonEntered) isMsg()      {}
func (StartAccepted) isMsg()              {}
func (ClickEndSession) isMsg()            {}
func (CookiesCleared) isMsg()             {}
func (ClickCloseBrowsersAndClear) isMsg() {}
func (SessionEnded) isMsg()               {}
func (CookiesRecordFailed) isMsg()        {}
func (EndFailed) isMsg()                  {}
func (ClickCheck) isMsg()                 {}
func (ClickOpenDashboard) isMsg()         {}
func (ClickAbout) isMsg()                 {}
func (ShowRequested) isMsg()              {}
func (ClickQuit) isMsg()                  {}
func (Tick) isMsg()                       {}

// Effect is something the adapter must do; its outcome comes back as a Msg.
type Effect interface{ isEffect() }

// FetchResults asks the agent for its latest report (GET results); the
// answer is ResultsLoaded. Emitted after a run finished and on reconnect.
type FetchResults struct{}

// RunChecks asks the agent for a fresh run (POST run); the answer is
// ResultsLoaded or RunFailed.
type RunChecks struct{}

// AskLabel opens a dialog asking for the case reference; the answer is
// LabelEntered or Cancelled.
type AskLabel struct{ Prompt string }

// AskOverrideReason opens a dialog saying which checks are not passing (by
// title) and asking why the session should start anyway; the answer is
// OverrideReasonEntered or Cancelled.
type AskOverrideReason struct {
	Prompt     string
	NotPassing []string
}

// StartSession asks the agent to start a session (POST sessions/start);
// the answer is StartAccepted, StartRefused or StartFailed.
type StartSession struct{ Label, Reason string }

// ClearCookies clears the user's browser cookies (in the policy's scope)
// through package browsers; the answer is CookiesCleared.
type ClearCookies struct{ CloseBrowsers bool }

// EndSession asks the agent to end the session (POST sessions/{id}/end)
// with the cookie counts; the answer is SessionEnded or EndFailed.
type EndSession struct {
	ID      string
	Cookies *report.CookieSummary
}

// RecordCookies adds what clearing after the end did to the session that
// ended (POST sessions/{id}/cookies); a failure comes back as
// CookiesRecordFailed, success as nothing.
type RecordCookies struct {
	SessionID string
	Cookies   *report.CookieSummary
}

// ShowFix shows how to fix a check (a small dialog or local page).
type ShowFix struct{ Title, Fix string }

// Notify shows a desktop notification.
type Notify struct{ Title, Body string }

// OpenDashboard opens the admin dashboard in the browser.
type OpenDashboard struct{ URL string }

// ShowAbout shows the version and what the tray does.
type ShowAbout struct{ Title, Text string }

// Quit ends the tray app.
type Quit struct{}

func (FetchResults) isEffect()      {}
func (RunChecks) isEffect()         {}
func (AskLabel) isEffect()          {}
func (AskOverrideReason) isEffect() {}
func (StartSession) isEffect()      {}
func (ClearCookies) isEffect()      {}
func (EndSession) isEffect()        {}
func (RecordCookies) isEffect()     {}
func (ShowFix) isEffect()           {}
func (Notify) isEffect()            {}
func (OpenDashboard) isEffect()     {}
func (ShowAbout) isEffect()         {}
func (Quit) isEffect()              {}
