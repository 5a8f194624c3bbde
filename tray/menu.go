package tray

import (
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks"
	words "github.com/sessionguard/sessionguard/internal/text"
)

// MenuView describes the tray: the icon, its tooltip and the menu.
type MenuView struct {
	Icon    localapi.Light
	Tooltip string
	Items   []Item
}

// Item is one menu line. A line with a nil Click is text only (the adapter
// shows it disabled); Separator lines have no label.
type Item struct {
	// Key identifies the item across renderings ("overall", "check:firewall",
	// …), so an adapter can update items in place.
	Key       string
	Label     string
	Tooltip   string
	Enabled   bool
	Separator bool
	// Click is the Msg to send to Update when the item is clicked.
	Click Msg
}

// Keys of the fixed items; a check's item is KeyCheckPrefix + its id. Every
// key appears at most once in a MenuView.
const (
	KeyOverall       = "overall"
	KeyLastChecked   = "last_checked"
	KeySession       = "session_line"
	KeyCookies       = "cookies_line"
	KeyCloseBrowsers = "close_browsers"
	KeyNotice        = "notice" // the agent is down: when the checks come back
	KeyRevoked       = "notice_revoked"
	KeyReadOnly      = "notice_read_only"
	KeyCheckPrefix   = "check:"
	KeyCheckAgain    = "check_again"
	KeyStartEnd      = "start_end"
	KeyDashboard     = "dashboard"
	KeyAbout         = "about"
	KeyQuit          = "quit"
)

// Labels of the actions, for the adapter and the tests.
const (
	LabelCheckAgain     = "Check again"
	LabelChecking       = "Checking…"
	LabelStart          = "Start session…"
	LabelStarting       = "Starting session…"
	LabelEnd            = "End session"
	LabelClearing       = "Clearing cookies…"
	LabelEnding         = "Ending session…"
	LabelDashboard      = "Open dashboard"
	LabelQuit           = "Quit"
	LabelAbout          = "About SessionGuard"
	LabelNotRunning     = "SessionGuard isn't running"
	LabelReadOnly       = "Only the person signed in at this computer can start or end sessions"
	LabelRevoked        = "This computer is no longer connected to your organisation; ask IT support"
	LabelNotRunningHint = "Your checks will show again when it starts; try again in a minute or restart the computer"
)

// Menu renders m. It is pure.
func Menu(m Model) MenuView {
	v := MenuView{Icon: localapi.Grey}
	overall := m.overall()
	v.Tooltip = "SessionGuard: " + overall
	if m.connected && m.status.Light != "" {
		v.Icon = m.status.Light
	}
	text := func(key, label string) Item { return Item{Key: key, Label: label} }
	sep := Item{Separator: true}

	items := make([]Item, 0, 12+len(m.results))
	items = append(items, text(KeyOverall, overall))
	if line := m.lastChecked(); line != "" {
		items = append(items, text(KeyLastChecked, line))
	}
	if !m.connected {
		if m.seen || m.downReason != "" {
			items = append(items, text(KeyNotice, LabelNotRunningHint))
		}
	} else {
		if s := m.status.Session; s != nil {
			line := "Session open: " + s.Label + " since " + m.clock(s.At)
			if s.Label == "" {
				// The agent shows the label only to the person at the
				// screen and administrators.
				line = "A session is open since " + m.clock(s.At)
			}
			items = append(items, text(KeySession, line))
		}
		if m.status.Revoked {
			items = append(items, text(KeyRevoked, LabelRevoked))
		}
		if !m.status.CanWrite {
			items = append(items, text(KeyReadOnly, LabelReadOnly))
		}
	}
	if c := m.cookies; c != nil {
		items = append(items, text(KeyCookies, c.line))
		if len(c.stillOpen) > 0 {
			label := "Close " + words.JoinAnd(c.stillOpen) + " and clear " + its(len(c.stillOpen)) + " cookies"
			if m.flow == FlowClosingBrowsers {
				label = "Closing " + words.JoinAnd(c.stillOpen) + "…"
			}
			items = append(items, Item{Key: KeyCloseBrowsers, Label: label, Enabled: m.flow == FlowNone, Click: ClickCloseBrowsersAndClear{}})
		}
	}

	if m.connected && len(m.results) > 0 {
		items = append(items, sep)
		for _, r := range m.results {
			it := Item{Key: KeyCheckPrefix + r.ID, Label: checkLabel(r), Tooltip: r.Summary}
			if clickable(r) {
				it.Enabled, it.Click, it.Tooltip = true, ClickCheck{ID: r.ID}, "Click to see what to do"
			}
			items = append(items, it)
		}
	}

	items = append(items, sep)
	again := Item{Key: KeyCheckAgain, Label: LabelCheckAgain, Click: ClickCheckAgain{}}
	if m.connected && (m.status.Running || m.runRequested) {
		again.Label = LabelChecking
	} else {
		again.Enabled = m.canWrite()
	}
	items = append(items, again)
	items = append(items, m.startEnd())
	if m.cfg.DashboardURL != "" {
		// The dashboard is on the server: it works with the agent down.
		items = append(items, Item{Key: KeyDashboard, Label: LabelDashboard, Enabled: true, Click: ClickOpenDashboard{}})
	}
	// About works with the agent down: it names this program's version.
	about := Item{Key: KeyAbout, Label: aboutLabel(m.cfg.Version), Tooltip: "What SessionGuard does, and its version", Enabled: true, Click: ClickAbout{}}
	items = append(items, sep, about, Item{Key: KeyQuit, Label: LabelQuit, Enabled: true, Click: ClickQuit{}})
	v.Items = items
	return v
}

// startEnd is exactly one of "Start session…" and "End session".
func (m Model) startEnd() Item {
	it := Item{Key: KeyStartEnd}
	switch m.flow {
	case FlowAskingLabel, FlowAskingOverride, FlowStarting:
		it.Label = LabelStarting
		return it
	case FlowClearing:
		it.Label = LabelClearing
		return it
	case FlowEnding:
		it.Label = LabelEnding
		return it
	}
	if m.connected && m.status.Session != nil {
		it.Label, it.Click = LabelEnd, ClickEndSession{}
	} else {
		it.Label, it.Click = LabelStart, ClickStartSession{}
	}
	it.Enabled = m.canWrite() && m.flow == FlowNone
	return it
}

// overall is the first line: how ready this computer is.
func (m Model) overall() string {
	switch {
	case !m.connected && !m.seen && m.downReason == "":
		return "Connecting to SessionGuard…"
	case !m.connected:
		return LabelNotRunning
	}
	switch m.status.Light {
	case localapi.Green:
		return "Ready for a session"
	case localapi.Amber:
		return "Ready for a session, with warnings"
	case localapi.Red:
		return "Not ready for a session"
	}
	if m.status.Running || m.runRequested {
		return "Checking this computer…"
	}
	if m.status.Stale {
		return "Not ready: these results are out of date"
	}
	return "Not checked yet"
}

// lastChecked says when the checks last ran ("Last checked at 14:05"), with
// the day when that was not today; "" before the first run or with the
// agent down.
func (m Model) lastChecked() string {
	at := m.status.LastRunAt
	if !m.connected || at.IsZero() {
		return ""
	}
	loc := m.cfg.Location
	if loc == nil {
		loc = time.Local
	}
	at = at.In(loc)
	if y, mo, d := m.now.In(loc).Date(); m.now.IsZero() || at.Year() != y || at.Month() != mo || at.Day() != d {
		return "Last checked on " + at.Format("Mon 2 Jan") + " at " + at.Format("15:04")
	}
	return "Last checked at " + at.Format("15:04")
}

// Marks before a check's title.
const (
	markPass    = "✔"
	markWarn    = "⚠"
	markFail    = "✖"
	markUnknown = "?"
	markNA      = "–"
)

// MaxLabelRunes bounds a check's line in the menu: tray hosts draw a menu
// as wide as its longest line, and a counsellor reads a short one. The whole
// summary stays in the item's tooltip and in the fix.
const MaxLabelRunes = 80

// checkLabel is a check's line: "✔ Firewall — The firewall is on.",
// shortened at a word to MaxLabelRunes.
func checkLabel(r checks.Result) string {
	return shorten(fullCheckLabel(r), MaxLabelRunes)
}

// shorten cuts s at the last space before max runes and adds "…".
func shorten(s string, max int) string {
	runes := []rune(s)
	if len(runes) <= max {
		return s
	}
	cut := max - 1
	for i := cut; i > max/2; i-- {
		if runes[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(runes[:cut]), " ,;:.—") + "…"
}

func fullCheckLabel(r checks.Result) string {
	title := r.Title
	if title == "" {
		title = r.ID
	}
	switch r.Status {
	case checks.Pass:
		return markPass + " " + title + " — " + sentence(r.Summary)
	case checks.Warn:
		return markWarn + " " + title + " — " + sentence(r.Summary)
	case checks.Fail:
		return markFail + " " + title + " — " + sentence(r.Summary)
	case checks.NotApplicable:
		return markNA + " " + title + " — Not needed here"
	}
	if r.Summary == "" {
		return markUnknown + " " + title + " — Couldn't check"
	}
	if low := strings.ToLower(r.Summary); strings.HasPrefix(low, "could not") || strings.HasPrefix(low, "couldn't") {
		// The summary already says it ("Could not check disk encryption.").
		return markUnknown + " " + title + " — " + sentence(r.Summary)
	}
	return markUnknown + " " + title + " — Couldn't check. " + sentence(r.Summary)
}
