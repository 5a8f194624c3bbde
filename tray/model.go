// Package tray is the tray app's menu logic as a pure state machine, tested
// without a display. The rest lives beside it and only translates
// (tray/trayapp runs the loop and the Effects, tray/systrayui is the one
// importer of the systray library, tray/desktop the dialogs and
// notifications):
// agent events, answers and clicks become Msgs; the Effects Update returns
// become requests to the agent, dialogs, notifications and cookie clearing;
// Menu describes what the menu shows after every Update.
//
//	m := tray.New(cfg)
//	for msg := range msgs {
//		var effects []tray.Effect
//		m, effects = tray.Update(m, msg)
//		render(tray.Menu(m))
//		run(effects) // each sends its outcome back as a Msg
//	}
//
// Update and Menu never do I/O, never read the clock (Tick carries the
// time) and never modify the Model they are given, so the same Model value
// can be kept, compared and replayed in tests.
//
// Flows:
//
//   - Start: ClickStartSession → AskLabel → LabelEntered (checked with
//     Config.Sessions.ValidateLabel first, asked again when it looks like
//     personal data) → StartSession → StartAccepted; or StartRefused → when the policy
//     allows, AskOverrideReason → OverrideReasonEntered → StartSession with
//     the reason; when it does not, a notification saying what to fix.
//   - End: ClickEndSession → ClearCookies → CookiesCleared → EndSession with
//     the counts → SessionEnded. Cookies are cleared first and the session is
//     ended right after with what clearing found, so the audit record is
//     always written, honestly: a profile whose browser was open is counted
//     as skipped. When a browser was open the menu then says so ("12 cookies
//     cleared in 2 browsers; Firefox is still open") and offers "Close
//     Firefox and clear" → ClearCookies{CloseBrowsers: true} → CookiesCleared
//     → RecordCookies: what that clean-up did is added to the ended
//     session's audit trail as a record of its own (the end record is never
//     rewritten), and shown; CookiesRecordFailed when the agent could not
//     add it.
//   - Notifications: when a check becomes blocking (required and not
//     passing: the cause of a red light) after having not been, once per
//     transition — the first results after start-up are the baseline and do
//     not notify; and once per session, a reminder to end it when it has been
//     open longer than the policy's session_reminder_minutes (or
//     Config.RemindAfter when set).
//   - Out of date: when the agent says its results are out of date
//     (Status.Stale: the computer slept, say), the icon is grey and the
//     menu says it is checking again; a line always says when the checks
//     last ran.
//   - Agent down: grey icon, "SessionGuard isn't running", everything but
//     Quit disabled; the next AgentEvent brings it back and fetches results.
//   - Read-only: when the agent says CanWrite is false, the checks are shown
//     but Check again and Start/End session are disabled, with a line saying
//     why.
package tray

import (
	"slices"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks"
	words "github.com/sessionguard/sessionguard/internal/text"
	"github.com/sessionguard/sessionguard/report"
)

// DefaultRemindAfter is how long a session may be open before the tray
// reminds the practitioner to end it, unless Config says otherwise.
const DefaultRemindAfter = 90 * time.Minute

// Config is what the tray is set up with.
type Config struct {
	// RemindAfter is how long a session may be open before a reminder;
	// negative disables the reminder, zero follows the agent's policy
	// (session_reminder_minutes), or DefaultRemindAfter when the agent does
	// not say.
	RemindAfter time.Duration
	// DashboardURL, when set, adds "Open dashboard" (for admins).
	DashboardURL string
	// Version is the tray's version, shown by "About SessionGuard".
	Version string
	// Location is the time zone for times shown in the menu; nil is
	// time.Local.
	Location *time.Location
	// Sessions are the agent's label and override reason rules.
	Sessions SessionRules
	// NoIcon says the tray shows no icon (sessionguard-tray --no-tray, or a
	// build without one): notifications then point to the command line.
	NoIcon bool
}

// Flow is the user flow under way, if any.
type Flow int

// Flows.
const (
	FlowNone            Flow = iota
	FlowAskingLabel          // the case reference dialog is open
	FlowAskingOverride       // not ready: the override reason dialog is open
	FlowStarting             // StartSession sent
	FlowClearing             // ending: ClearCookies sent
	FlowEnding               // ending: EndSession sent
	FlowClosingBrowsers      // after the end: ClearCookies{CloseBrowsers} sent
)

// Model is the whole state of the tray. The zero value is not useful: use
// New.
type Model struct {
	cfg Config

	// connected is true after an AgentEvent and until AgentDown; seen is
	// true once the agent has been reached at all.
	connected, seen bool
	downReason      string
	status          localapi.Status

	results     []checks.Result
	haveResults bool
	// runRequested is set by Check again until the answer comes.
	runRequested bool

	flow       Flow
	label      string   // the label of a start under way
	notPassing []string // titles of the checks that refused the start

	// cookies is the outcome of the last clearing, shown after the end.
	cookies *cookieOutcome

	// reminded is the session id the reminder was shown for.
	reminded string

	// now is the latest time the tray was told (a Tick, an agent event),
	// to say when the checks last ran.
	now time.Time

	quitting bool
}

// cookieOutcome is what the menu says about the last clearing.
type cookieOutcome struct {
	line string
	// stillOpen names the browsers (for people) that were open.
	stillOpen []string
	// title heads the notification: what happened, in a few words.
	title string
	// sessionID is the session the clearing ended; a later clean-up is
	// recorded against it.
	sessionID string
}

// New returns the model before anything is known: grey, connecting.
func New(cfg Config) Model {
	return Model{cfg: cfg}
}

// remindAfter is the reminder delay in force; negative: no reminder.
func (m Model) remindAfter() time.Duration {
	switch p := m.status.SessionReminderMinutes; {
	case m.cfg.RemindAfter != 0:
		return m.cfg.RemindAfter
	case p == nil:
		return DefaultRemindAfter
	case *p <= 0:
		return -1
	default:
		return time.Duration(*p) * time.Minute
	}
}

// Connected reports whether the agent is reachable.
func (m Model) Connected() bool { return m.connected }

// Flow is the user flow under way.
func (m Model) Flow() Flow { return m.flow }

// Session is the open session's start record, or nil.
func (m Model) Session() *report.SessionRecord { return m.status.Session }

// Quitting reports whether Quit was asked for.
func (m Model) Quitting() bool { return m.quitting }

// canWrite reports whether the tray may run checks and start or end sessions.
func (m Model) canWrite() bool { return m.connected && m.status.CanWrite }

// Update applies msg to m and returns the new model and what to do. It is
// pure: m itself is not modified.
func Update(m Model, msg Msg) (Model, []Effect) {
	if m.quitting {
		return m, nil
	}
	switch msg := msg.(type) {
	case AgentEvent:
		return m.agentEvent(msg.Event)
	case AgentDown:
		m.connected = false
		m.runRequested = false
		m.downReason = ""
		if msg.Err != nil {
			m.downReason = msg.Err.Error()
		}
		// The dialogs may stay open; what they lead to is refused while
		// the agent is down (see needAgent). Requests under way answer
		// with their own failure.
		return m, nil
	case ResultsLoaded:
		return m.resultsLoaded(msg.Report)
	case RunFailed:
		m.runRequested = false
		return m, []Effect{Notify{Title: "SessionGuard couldn't check this computer", Body: plain(msg.Message)}}
	case ClickCheckAgain:
		if !m.canWrite() || m.runRequested || m.status.Running {
			return m, nil
		}
		m.runRequested = true
		return m, []Effect{RunChecks{}}
	case ClickStartSession:
		if !m.canWrite() || m.flow != FlowNone || m.status.Session != nil {
			return m, nil
		}
		m.flow, m.label, m.notPassing = FlowAskingLabel, "", nil
		return m, []Effect{AskLabel{Prompt: labelPrompt}}
	case LabelEntered:
		if m.flow != FlowAskingLabel {
			return m, nil
		}
		if eff, ok := m.needAgent(); !ok {
			m.flow = FlowNone
			return m, eff
		}
		label := strings.TrimSpace(msg.Label)
		if v := m.cfg.Sessions.ValidateLabel; v != nil {
			if err := v(label); err != nil {
				return m, []Effect{AskLabel{Prompt: labelError(err)}}
			}
		}
		m.flow, m.label = FlowStarting, label
		return m, []Effect{StartSession{Label: label}}
	case Cancelled:
		if m.flow == FlowAskingLabel || m.flow == FlowAskingOverride {
			m.flow, m.label, m.notPassing = FlowNone, "", nil
		}
		return m, nil
	case StartRefused:
		if m.flow != FlowStarting {
			return m, nil
		}
		titles := m.titles(msg.NotPassing)
		if !msg.OverrideAllowed {
			m.flow, m.label = FlowNone, ""
			return m, []Effect{Notify{
				Title: "Not ready for a session",
				Body:  "Fix these first: " + words.JoinAnd(titles) + ". Your organisation does not allow starting a session anyway.",
			}}
		}
		m.flow, m.notPassing = FlowAskingOverride, titles
		return m, []Effect{AskOverrideReason{
			Prompt:     "This computer is not ready: " + words.JoinAnd(titles) + " " + isOrAre(len(titles)) + " not OK. To start the session anyway, pick why (this is recorded): " + reasonChoices(m.cfg.Sessions.OverrideReasons),
			NotPassing: titles,
		}}
	case OverrideReasonEntered:
		if m.flow != FlowAskingOverride {
			return m, nil
		}
		if eff, ok := m.needAgent(); !ok {
			m.flow = FlowNone
			return m, eff
		}
		reason, ok := m.cfg.Sessions.pickedReason(msg.Reason)
		if !ok {
			return m, []Effect{AskOverrideReason{Prompt: "Please type the number of a reason to start the session anyway: " + reasonChoices(m.cfg.Sessions.OverrideReasons), NotPassing: m.notPassing}}
		}
		m.flow = FlowStarting
		return m, []Effect{StartSession{Label: m.label, Reason: reason}}
	case StartFailed:
		if m.flow != FlowStarting {
			return m, nil
		}
		if msg.LabelRejected {
			m.flow = FlowAskingLabel
			return m, []Effect{AskLabel{Prompt: capitalise(plain(msg.Message))}}
		}
		if msg.ReasonRejected {
			m.flow = FlowAskingOverride
			return m, []Effect{AskOverrideReason{Prompt: capitalise(plain(msg.Message)) + " " + reasonChoices(m.cfg.Sessions.OverrideReasons), NotPassing: m.notPassing}}
		}
		m.flow, m.label, m.notPassing = FlowNone, "", nil
		return m, []Effect{Notify{Title: "The session could not be started", Body: plain(msg.Message)}}
	case StartAccepted:
		rec := msg.Record
		m.status.Session = &rec
		m.cookies = nil
		if m.flow == FlowStarting {
			m.flow, m.label, m.notPassing = FlowNone, "", nil
		}
		body := "Case " + rec.Label + ". Click End session when the call is over."
		if rec.Override != nil {
			body = "Case " + rec.Label + ", started although " + words.JoinAnd(m.titles(rec.Override.Checks)) + " " + isOrAre(len(rec.Override.Checks)) + " not OK. Click End session when the call is over."
		}
		return m, []Effect{Notify{Title: "Session started", Body: body}}
	case ClickEndSession:
		if !m.canWrite() || m.flow != FlowNone || m.status.Session == nil {
			return m, nil
		}
		m.flow = FlowClearing
		m.cookies = nil
		return m, []Effect{ClearCookies{}}
	case CookiesCleared:
		return m.cookiesCleared(msg)
	case ClickCloseBrowsersAndClear:
		if m.flow != FlowNone || m.cookies == nil || len(m.cookies.stillOpen) == 0 {
			return m, nil
		}
		m.flow = FlowClosingBrowsers
		return m, []Effect{ClearCookies{CloseBrowsers: true}}
	case SessionEnded:
		if s := m.status.Session; s != nil && s.SessionID == msg.Record.SessionID {
			m.status.Session = nil
		}
		if m.flow == FlowEnding {
			m.flow = FlowNone
		}
		body := "Case " + msg.Record.Label + " ended."
		if m.cookies != nil {
			body += " " + m.cookies.line + "."
			if len(m.cookies.stillOpen) > 0 {
				body += " Close " + words.JoinAnd(m.cookies.stillOpen) + " to clear " + its(len(m.cookies.stillOpen)) + " cookies, or use SessionGuard's menu to do it."
			}
		}
		return m, []Effect{Notify{Title: "Session ended", Body: body}}
	case CookiesRecordFailed:
		if m.cookies == nil || m.cookies.title != "Cookies cleared" {
			return m, []Effect{Notify{Title: "Cookie clean-up not recorded", Body: "SessionGuard could not add the cookie clean-up to the session's record: " + plain(msg.Message)}}
		}
		return m, []Effect{Notify{Title: "Cookies cleared, not recorded", Body: "The cookies were cleared, but SessionGuard could not add that to the session's record: " + plain(msg.Message)}}
	case EndFailed:
		if m.flow != FlowEnding && m.flow != FlowClearing {
			return m, nil
		}
		m.flow = FlowNone
		return m, []Effect{Notify{Title: "The session could not be ended", Body: plain(msg.Message) + " Try End session again."}}
	case ClickCheck:
		for _, r := range m.results {
			if r.ID == msg.ID && clickable(r) {
				return m, []Effect{ShowFix{Title: r.Title, Fix: r.Fix}}
			}
		}
		return m, nil
	case ClickOpenDashboard:
		if m.cfg.DashboardURL == "" {
			return m, nil
		}
		return m, []Effect{OpenDashboard{URL: m.cfg.DashboardURL}}
	case ShowRequested:
		body := m.overall() + ". Click the SessionGuard icon in the notification area to see the checks and to start or end a session."
		if m.cfg.NoIcon {
			body = m.overall() + ". Run 'sessionguard check' in a terminal to see the checks, and 'sessionguard session start' or 'session end' to start or end a session."
		}
		return m, []Effect{Notify{Title: "SessionGuard is already running", Body: body}}
	case ClickAbout:
		return m, []Effect{ShowAbout{Title: LabelAbout, Text: m.aboutText()}}
	case ClickQuit:
		m.quitting = true
		return m, []Effect{Quit{}}
	case Tick:
		return m.tick(msg.Now)
	}
	return m, nil
}

// aboutText is what "About SessionGuard" shows.
func (m Model) aboutText() string {
	return "SessionGuard " + versionText(m.cfg.Version) + ".\n\n" +
		"SessionGuard checks that this computer is ready for a confidential session " +
		"and keeps a record of your sessions. The light in the tray shows it: " +
		"a tick when ready, an exclamation mark for warnings, a cross when something " +
		"must be fixed first, and a question mark when SessionGuard isn't running " +
		"or is checking again because its last results are out of date.\n\n" +
		"After Quit, start it again from your applications menu (SessionGuard)."
}

// aboutLabel is the About item: "About SessionGuard 1.2.3".
func aboutLabel(v string) string {
	if v == "" || v == "dev" {
		return LabelAbout + " (development build)"
	}
	return LabelAbout + " " + strings.TrimPrefix(v, "v")
}

// versionText is "version 1.2.3", or says the build has no version.
func versionText(v string) string {
	if v == "" || v == "dev" {
		return "(a development build without a version number)"
	}
	return "version " + strings.TrimPrefix(v, "v")
}

// needAgent refuses a step that needs the agent while it is down.
func (m Model) needAgent() ([]Effect, bool) {
	if m.connected {
		return nil, true
	}
	return []Effect{Notify{Title: "SessionGuard isn't running", Body: "The session was not started. Try again in a minute, or restart the computer."}}, false
}

func (m Model) agentEvent(ev localapi.Event) (Model, []Effect) {
	var effects []Effect
	reconnected := !m.connected
	prevRun := m.status.LastRunAt
	m.connected, m.seen, m.downReason = true, true, ""
	if ev.At.After(m.now) {
		m.now = ev.At
	}
	// The stream is the truth, the open session included.
	m.status = ev.Status
	if ev.Type == localapi.EventRunFinished || reconnected || !ev.Status.LastRunAt.Equal(prevRun) {
		if !ev.Status.LastRunAt.IsZero() {
			effects = append(effects, FetchResults{})
		}
	}
	return m, effects
}

func (m Model) resultsLoaded(rep checks.Report) (Model, []Effect) {
	var effects []Effect
	if m.haveResults {
		was := map[string]bool{}
		for _, r := range m.results {
			if blocking(r) {
				was[r.ID] = true
			}
		}
		for _, r := range rep.Results {
			if blocking(r) && !was[r.ID] {
				effects = append(effects, m.turnedRed(r))
			}
		}
	}
	m.results = slices.Clone(rep.Results)
	m.haveResults = true
	m.runRequested = false
	return m, effects
}

func (m Model) turnedRed(r checks.Result) Notify {
	if r.Status == checks.Unknown {
		return Notify{Title: "SessionGuard couldn't check: " + r.Title, Body: sentence(r.Summary) + " " + m.seeHow("to see what to do")}
	}
	return Notify{Title: r.Title + " needs attention", Body: sentence(r.Summary) + " " + m.seeHow("to see how to fix it")}
}

func (m Model) cookiesCleared(msg CookiesCleared) (Model, []Effect) {
	out := describeCookies(msg)
	switch m.flow {
	case FlowClearing:
		m.cookies = &out
		s := m.status.Session
		if s == nil {
			m.flow = FlowNone
			return m, nil
		}
		out.sessionID = s.SessionID
		m.flow = FlowEnding
		var sum *report.CookieSummary
		if msg.Err == nil {
			sum = msg.Summary
		}
		return m, []Effect{EndSession{ID: s.SessionID, Cookies: sum}}
	case FlowClosingBrowsers:
		m.flow = FlowNone
		if m.cookies != nil {
			out.sessionID = m.cookies.sessionID
		}
		m.cookies = &out
		body := out.line + "."
		if len(out.stillOpen) > 0 {
			body += " Close " + words.JoinAnd(out.stillOpen) + " yourself and try again."
		}
		effects := []Effect{Notify{Title: out.title, Body: body}}
		if msg.Err == nil && out.sessionID != "" {
			effects = append(effects, RecordCookies{SessionID: out.sessionID, Cookies: msg.Summary})
		}
		return m, effects
	}
	return m, nil
}

func (m Model) tick(now time.Time) (Model, []Effect) {
	m.now = now
	s := m.status.Session
	after := m.remindAfter()
	if s == nil || after < 0 || m.reminded == s.SessionID || s.At.IsZero() {
		return m, nil
	}
	if now.Sub(s.At) < after {
		return m, nil
	}
	m.reminded = s.SessionID
	return m, []Effect{Notify{
		Title: "Your session is still open",
		Body:  "Case " + s.Label + " started at " + m.clock(s.At) + ". When the call is over, click End session in SessionGuard to clear cookies.",
	}}
}

// titles maps check ids to their titles from the last results (the id in
// words, "os_updates" → "Os updates", when the check is not among them).
func (m Model) titles(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		t := capitalise(strings.ReplaceAll(id, "_", " "))
		for _, r := range m.results {
			if r.ID == id && r.Title != "" {
				t = r.Title
				break
			}
		}
		out = append(out, t)
	}
	return out
}

func (m Model) clock(t time.Time) string {
	loc := m.cfg.Location
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("15:04")
}

// blocking reports whether r keeps the computer from being ready: the
// cause of a red light.
func blocking(r checks.Result) bool { return r.Required && !r.Status.Acceptable() }

// clickable reports whether r's item opens its fix.
func clickable(r checks.Result) bool {
	return r.Fix != "" && r.Status != checks.Pass && r.Status != checks.NotApplicable
}

// describeCookies words a clearing for people.
func describeCookies(msg CookiesCleared) cookieOutcome {
	if msg.Err != nil {
		return cookieOutcome{line: "Cookies couldn't be cleared; clear them in the browser's settings, or ask IT support", title: "Cookies not cleared"}
	}
	var (
		cleared, open, failed []string
		removed               int
	)
	for _, p := range msg.Profiles {
		removed += p.Removed
		switch p.Outcome {
		case OutcomeCleared:
			cleared = appendNew(cleared, p.Browser)
		case OutcomeBrowserOpen:
			open = appendNew(open, p.Browser)
		case OutcomeFailed:
			failed = appendNew(failed, p.Browser)
		}
	}
	var b strings.Builder
	switch {
	case len(msg.Profiles) == 0:
		b.WriteString("No browser cookies found to clear")
	case len(cleared) == 0:
		b.WriteString("No cookies cleared")
	default:
		b.WriteString(count(removed, "cookie", "cookies") + " cleared in " + count(len(cleared), "browser", "browsers"))
	}
	if len(open) > 0 {
		b.WriteString("; " + words.JoinAnd(open) + " " + isOrAre(len(open)) + " still open")
	}
	if len(failed) > 0 {
		b.WriteString("; " + words.JoinAnd(failed) + " couldn't be cleared")
	}
	// The title says whether the clean-up is done: never "cleared" while
	// a browser kept its cookies.
	title := "Cookies cleared"
	switch {
	case len(open) > 0:
		title = "Cookies not cleared: " + words.JoinAnd(open) + " " + isOrAre(len(open)) + " still open"
	case len(failed) > 0:
		title = "Cookies not cleared: " + words.JoinAnd(failed) + " couldn't be cleared"
	case len(msg.Profiles) == 0:
		title = "No browser cookies found"
	}
	return cookieOutcome{line: b.String(), stillOpen: open, title: title}
}

// seeHow is where a notification sends the person to see more: the
// icon, or with no icon the command line.
func (m Model) seeHow(toSee string) string {
	if m.cfg.NoIcon {
		return "Run 'sessionguard check' in a terminal " + toSee + "."
	}
	return "Click the SessionGuard icon " + toSee + "."
}
