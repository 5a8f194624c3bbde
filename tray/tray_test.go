package tray

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

var t0 = time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)

var cfg = Config{Location: time.UTC}

func res(id, title string, st checks.Status, required bool, summary, fix string) checks.Result {
	return checks.Result{ID: id, Title: title, Status: st, Required: required, Summary: summary, Fix: fix}
}

var (
	fwOn      = res("firewall", "Firewall", checks.Pass, true, "The firewall is on.", "")
	fwOff     = res("firewall", "Firewall", checks.Fail, true, "The firewall is off.", "Open Settings, then Firewall, and turn it on.")
	fwUnknown = res("firewall", "Firewall", checks.Unknown, true, "Could not read the firewall state.", "Ask IT support to look at the firewall.")
	diskOn    = res("disk_encryption", "Disk encryption", checks.Pass, true, "The disk is encrypted.", "")
	diskOff   = res("disk_encryption", "Disk encryption", checks.Fail, true, "The disk is not encrypted.", "Turn on BitLocker.")
	wifiWarn  = res("wifi_security", "Wi-Fi", checks.Warn, false, "The Wi-Fi uses older security.", "Ask IT support about the Wi-Fi.")
	spkOff    = res("smart_speakers", "Smart speakers", checks.Fail, false, "A smart speaker is nearby.", "Switch the speaker off.")
	spkNA     = res("smart_speakers", "Smart speakers", checks.NotApplicable, false, "No speakers can be looked for here.", "")
)

func rep(rs ...checks.Result) checks.Report {
	return checks.Report{Schema: checks.ReportSchema, Ready: checks.ReadyOf(rs), StartedAt: t0, Results: rs}
}

func status(light localapi.Light, canWrite bool) localapi.Status {
	return localapi.Status{Light: light, Ready: light != localapi.Red, CanWrite: canWrite, LastRunAt: t0, AllowOverride: true}
}

func event(typ localapi.EventType, st localapi.Status) AgentEvent {
	return AgentEvent{localapi.Event{Type: typ, At: t0, Status: st}}
}

var startRec = report.SessionRecord{ID: strings.Repeat("a", 32), SessionID: strings.Repeat("b", 32), Event: report.SessionStart, At: t0, Label: "CR-2291", Ready: true}

func withSession(st localapi.Status, rec report.SessionRecord) localapi.Status {
	st.Session = &rec
	return st
}

// run applies msgs in order and returns the model and the last effects.
func run(t testing.TB, m Model, msgs ...Msg) (Model, []Effect) {
	t.Helper()
	var eff []Effect
	for _, msg := range msgs {
		m, eff = Update(m, msg)
	}
	return m, eff
}

// ready is a connected, writable, green model with results.
func ready(t testing.TB) Model {
	m, _ := run(t, newModel(cfg), event("status", status(localapi.Green, true)), ResultsLoaded{rep(fwOn, diskOn, wifiWarn)})
	return m
}

// open is ready with an open session.
func open(t testing.TB) Model {
	m, _ := run(t, ready(t), event("session_started", withSession(status(localapi.Green, true), startRec)))
	return m
}

// cookieRep is a clearing of these profiles; its summary (what trayapp
// takes from browsers.Report.Summary) is the removed count, enough to see
// that the model sends on the one it was given.
func cookieRep(ps ...ProfileCleared) CookiesCleared {
	sum := &report.CookieSummary{}
	for _, p := range ps {
		sum.Removed += p.Removed
	}
	return CookiesCleared{Profiles: ps, Summary: sum}
}

var (
	chromeCleared  = ProfileCleared{Browser: "Google Chrome", Removed: 7, Outcome: OutcomeCleared}
	chrome2Cleared = ProfileCleared{Browser: "Google Chrome", Removed: 2, Outcome: OutcomeCleared}
	edgeCleared    = ProfileCleared{Browser: "Microsoft Edge", Removed: 3, Outcome: OutcomeCleared}
	ffRunning      = ProfileCleared{Browser: "Firefox", Outcome: OutcomeBrowserOpen}
	ffCleared      = ProfileCleared{Browser: "Firefox", Removed: 4, Outcome: OutcomeCleared}
	safariDenied   = ProfileCleared{Browser: "Safari", Outcome: OutcomeFailed}
)

// testRules are the session log's rules, as trayapp.SessionRules gives
// them to the model.
var testRules = SessionRules{ValidateLabel: sessionlog.ValidateLabel, OverrideReasons: sessionlog.OverrideReasons, OverrideReason: sessionlog.OverrideReason}

// newModel is New with the session log's rules.
func newModel(cfg Config) Model {
	cfg.Sessions = testRules
	return New(cfg)
}

// find returns the menu item with key, or false.
func find(v MenuView, key string) (Item, bool) {
	for _, it := range v.Items {
		if it.Key == key {
			return it, true
		}
	}
	return Item{}, false
}

func labels(v MenuView) []string {
	var out []string
	for _, it := range v.Items {
		if !it.Separator {
			out = append(out, it.Label)
		}
	}
	return out
}

func mustItem(t *testing.T, v MenuView, key string) Item {
	t.Helper()
	it, ok := find(v, key)
	if !ok {
		t.Fatalf("menu has no %q item; labels: %q", key, labels(v))
	}
	return it
}

func wantItem(label string, enabled bool) func(*testing.T, Item) {
	return func(t *testing.T, it Item) {
		t.Helper()
		if it.Label != label || it.Enabled != enabled {
			t.Errorf("item %q = %q enabled=%v, want %q enabled=%v", it.Key, it.Label, it.Enabled, label, enabled)
		}
	}
}

type step struct {
	name  string
	start func(testing.TB) Model
	msgs  []Msg // applied in order; the last one's effects are checked
	want  []Effect
	check func(*testing.T, Model, MenuView)
}

func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			m, eff := run(t, tc.start(t), tc.msgs...)
			if !reflect.DeepEqual(eff, tc.want) {
				t.Errorf("effects:\n got %#v\nwant %#v", eff, tc.want)
			}
			if tc.check != nil {
				tc.check(t, m, Menu(m))
			}
			checkInvariants(t, Menu(m))
		})
	}
}

// checkInvariants holds for every menu: exactly one Start/End item, Quit
// last and enabled, no jargon.
func checkInvariants(t *testing.T, v MenuView) {
	t.Helper()
	n := 0
	keys := map[string]bool{}
	for _, it := range v.Items {
		if it.Key == KeyStartEnd {
			n++
		}
		// Check lines go to slots by position; the fixed lines by key.
		if !it.Separator && !strings.HasPrefix(it.Key, KeyCheckPrefix) {
			if keys[it.Key] {
				t.Errorf("key %q appears twice: %q", it.Key, labels(v))
			}
			keys[it.Key] = true
		}
		if it.Click == nil && it.Enabled {
			t.Errorf("item %q is enabled but does nothing", it.Label)
		}
		low := strings.ToLower(it.Label + " " + it.Tooltip)
		for _, jargon := range []string{"unknown", "not_applicable", "browser_running", "_", "localapi", "agent", "error", "http", "409", "null", "nil"} {
			if strings.Contains(low, jargon) {
				t.Errorf("item %q uses jargon %q", it.Label, jargon)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d Start/End items, want exactly 1: %q", n, labels(v))
	}
	last := v.Items[len(v.Items)-1]
	if last.Key != KeyQuit || !last.Enabled || last.Label != LabelQuit {
		t.Errorf("last item = %+v, want an enabled Quit", last)
	}
	for i := 1; i < len(v.Items); i++ {
		if v.Items[i].Separator && v.Items[i-1].Separator {
			t.Errorf("two separators in a row: %q", labels(v))
		}
	}
}

func TestAgentConnection(t *testing.T) {
	runSteps(t, []step{
		{
			name:  "before the first event: connecting, grey",
			start: func(testing.TB) Model { return newModel(cfg) },
			check: func(t *testing.T, m Model, v MenuView) {
				if v.Icon != localapi.Grey {
					t.Errorf("icon %q, want grey", v.Icon)
				}
				wantItem("Connecting to SessionGuard…", false)(t, mustItem(t, v, KeyOverall))
				wantItem(LabelStart, false)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "agent down: grey, isn't running, everything but Quit disabled, no stale checks",
			start: ready,
			msgs:  []Msg{AgentDown{Err: errors.New("dial unix /run/sessionguard/agent.sock: connection refused")}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Connected() || v.Icon != localapi.Grey {
					t.Errorf("connected=%v icon=%q, want down and grey", m.Connected(), v.Icon)
				}
				wantItem(LabelNotRunning, false)(t, mustItem(t, v, KeyOverall))
				for _, it := range v.Items {
					if it.Enabled && it.Key != KeyQuit && it.Key != KeyAbout {
						t.Errorf("item %q enabled while the agent is down", it.Label)
					}
					if strings.HasPrefix(it.Key, KeyCheckPrefix) {
						t.Errorf("stale check item %q shown while the agent is down", it.Label)
					}
				}
				if !strings.Contains(v.Tooltip, LabelNotRunning) {
					t.Errorf("tooltip %q", v.Tooltip)
				}
			},
		},
		{
			name:  "agent down with an open session: End session disabled",
			start: open,
			msgs:  []Msg{AgentDown{}},
			check: func(t *testing.T, m Model, v MenuView) {
				if it := mustItem(t, v, KeyStartEnd); it.Enabled {
					t.Errorf("%q enabled while down", it.Label)
				}
			},
		},
		{
			name:  "agent down: clicks do nothing",
			start: ready,
			msgs:  []Msg{AgentDown{}, ClickCheckAgain{}, ClickStartSession{}, ClickEndSession{}},
		},
		{
			name: "agent down: the dashboard stays available",
			start: func(t testing.TB) Model {
				m, _ := run(t, newModel(Config{DashboardURL: "https://sg.example.org/"}), AgentDown{})
				return m
			},
			msgs: []Msg{ClickOpenDashboard{}},
			want: []Effect{OpenDashboard{URL: "https://sg.example.org/"}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelDashboard, true)(t, mustItem(t, v, KeyDashboard))
			},
		},
		{
			name:  "reconnect: fetches results, light back",
			start: ready,
			msgs:  []Msg{AgentDown{}, event("status", status(localapi.Amber, true))},
			want:  []Effect{FetchResults{}},
			check: func(t *testing.T, m Model, v MenuView) {
				if v.Icon != localapi.Amber {
					t.Errorf("icon %q, want amber", v.Icon)
				}
				wantItem("Ready for a session, with warnings", false)(t, mustItem(t, v, KeyOverall))
			},
		},
		{
			name:  "first status without any run: nothing to fetch, not checked yet",
			start: func(testing.TB) Model { return newModel(cfg) },
			msgs:  []Msg{event("status", localapi.Status{Light: localapi.Grey, CanWrite: true})},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem("Not checked yet", false)(t, mustItem(t, v, KeyOverall))
			},
		},
		{
			name:  "run finished: fetches results",
			start: ready,
			msgs:  []Msg{event("run_finished", status(localapi.Green, true))},
			want:  []Effect{FetchResults{}},
		},
		{
			name:  "a status event with the same run: nothing to fetch",
			start: ready,
			msgs:  []Msg{event("status", status(localapi.Green, true))},
		},
		{
			name:  "a status event with a newer run: fetches",
			start: ready,
			msgs: []Msg{event("status", func() localapi.Status {
				st := status(localapi.Green, true)
				st.LastRunAt = t0.Add(time.Minute)
				return st
			}())},
			want: []Effect{FetchResults{}},
		},
	})
}

// TestWithoutAnIconNotificationsPointToTheCommandLine: run with
// --no-tray, the tray has no icon to click, so its notifications say
// what to run instead (a tester was told to click an icon that was not
// there).
func TestWithoutAnIconNotificationsPointToTheCommandLine(t *testing.T) {
	noIcon := cfg
	noIcon.NoIcon = true
	m, _ := run(t, newModel(noIcon), event("status", status(localapi.Green, true)), ResultsLoaded{rep(fwOn, diskOn)})
	_, eff := run(t, m, ResultsLoaded{rep(fwOff, diskOn)})
	var bodies []string
	for _, e := range eff {
		if n, ok := e.(Notify); ok {
			bodies = append(bodies, n.Body)
		}
	}
	if len(bodies) != 1 || !strings.Contains(bodies[0], "Run 'sessionguard check' in a terminal to see how to fix it.") || strings.Contains(bodies[0], "icon") {
		t.Errorf("turned red: %q", bodies)
	}
	_, eff = Update(m, ShowRequested{})
	if n, ok := eff[0].(Notify); !ok || !strings.Contains(n.Body, "'sessionguard session start'") || strings.Contains(n.Body, "icon") {
		t.Errorf("shown again: %+v", eff)
	}
}

func TestCheckTurnsRed(t *testing.T) {
	notifyFw := Notify{Title: "Firewall needs attention", Body: "The firewall is off. Click the SessionGuard icon to see how to fix it."}
	runSteps(t, []step{
		{
			name:  "pass to fail on a required check: one notification",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOff, diskOn, wifiWarn)}},
			want:  []Effect{notifyFw},
		},
		{
			name:  "still failing on the next run: no second notification",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOff, diskOn)}, ResultsLoaded{rep(fwOff, diskOn)}},
		},
		{
			name:  "failing, passing, failing again: notifies again",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOff, diskOn)}, ResultsLoaded{rep(fwOn, diskOn)}, ResultsLoaded{rep(fwOff, diskOn)}},
			want:  []Effect{notifyFw},
		},
		{
			name:  "two checks turn red at once: one notification each",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOff, diskOff)}},
			want:  []Effect{notifyFw, Notify{Title: "Disk encryption needs attention", Body: "The disk is not encrypted. Click the SessionGuard icon to see how to fix it."}},
		},
		{
			name:  "required check becomes unreadable: says it couldn't check",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwUnknown, diskOn)}},
			want:  []Effect{Notify{Title: "SessionGuard couldn't check: Firewall", Body: "Could not read the firewall state. Click the SessionGuard icon to see what to do."}},
		},
		{
			name:  "fail to unknown is still red: no notification",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOff)}, ResultsLoaded{rep(fwUnknown)}},
		},
		{
			name:  "an optional check failing is amber, not red: no notification",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOn, diskOn, spkOff)}},
		},
		{
			name: "the first results after start-up are the baseline: no notification",
			start: func(t testing.TB) Model {
				m, _ := run(t, newModel(cfg), event("status", status(localapi.Red, true)))
				return m
			},
			msgs: []Msg{ResultsLoaded{rep(fwOff, diskOn)}},
			check: func(t *testing.T, m Model, v MenuView) {
				if v.Icon != localapi.Red {
					t.Errorf("icon %q, want red", v.Icon)
				}
				wantItem("Not ready for a session", false)(t, mustItem(t, v, KeyOverall))
				wantItem("✖ Firewall — The firewall is off.", true)(t, mustItem(t, v, "check:firewall"))
			},
		},
		{
			name:  "a reconnect keeps the baseline: red before and after, no notification",
			start: func(t testing.TB) Model { m, _ := run(t, ready(t), ResultsLoaded{rep(fwOff)}); return m },
			msgs:  []Msg{AgentDown{}, event("status", status(localapi.Red, true)), ResultsLoaded{rep(fwOff)}},
		},
	})
}

func TestStartSession(t *testing.T) {
	asking := func(t testing.TB) Model { m, _ := run(t, ready(t), ClickStartSession{}); return m }
	starting := func(t testing.TB) Model { m, _ := run(t, asking(t), LabelEntered{Label: " CR-2291 "}); return m }
	refusedAllowed := StartRefused{NotPassing: []string{"firewall", "disk_encryption"}, OverrideAllowed: true, Message: "not ready"}
	askReason := AskOverrideReason{
		Prompt:     "This computer is not ready: Firewall and Disk encryption are not OK. To start the session anyway, pick why (this is recorded): 1 urgent safeguarding concern; 2 scheduled session could not be moved; 3 IT support is fixing it; 4 the check is wrong about this computer; type its number, then if you like a short note about the computer or the situation (never a name, contact details or date of birth), such as \"3 update running\".",
		NotPassing: []string{"Firewall", "Disk encryption"},
	}
	runSteps(t, []step{
		{
			name:  "click Start session: asks for a case reference",
			start: ready,
			msgs:  []Msg{ClickStartSession{}},
			want:  []Effect{AskLabel{Prompt: labelPrompt}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Flow() != FlowAskingLabel {
					t.Errorf("flow %v", m.Flow())
				}
				wantItem(LabelStarting, false)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "second click while asking: ignored",
			start: asking,
			msgs:  []Msg{ClickStartSession{}},
		},
		{
			name:  "label entered: starts the session with it, trimmed",
			start: asking,
			msgs:  []Msg{LabelEntered{Label: " CR-2291 "}},
			want:  []Effect{StartSession{Label: "CR-2291"}},
		},
		{
			name:  "label that looks like an email: asked again, saying why",
			start: asking,
			msgs:  []Msg{LabelEntered{Label: "jane@example.org"}},
			want:  []Effect{AskLabel{Prompt: `That can't be used: it looks like an email address or a social media handle. Use your organisation's case reference, such as "CR-2291" or "YP0042", never a client's name, contact details or date of birth`}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Flow() != FlowAskingLabel {
					t.Errorf("flow %v, want still asking", m.Flow())
				}
			},
		},
		{
			name:  "empty label: asked again",
			start: asking,
			msgs:  []Msg{LabelEntered{Label: "  "}},
			want:  []Effect{AskLabel{Prompt: `That can't be used: a label is required. Use your organisation's case reference, such as "CR-2291" or "YP0042", never a client's name, contact details or date of birth`}},
		},
		{
			name:  "label dialog cancelled: back to the menu",
			start: asking,
			msgs:  []Msg{Cancelled{}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelStart, true)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "label entered while the agent went down: not started, says so",
			start: asking,
			msgs:  []Msg{AgentDown{}, LabelEntered{Label: "CR-2291"}},
			want:  []Effect{Notify{Title: "SessionGuard isn't running", Body: "The session was not started. Try again in a minute, or restart the computer."}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Flow() != FlowNone {
					t.Errorf("flow %v", m.Flow())
				}
			},
		},
		{
			name:  "accepted: session open, End session offered, notified",
			start: starting,
			msgs:  []Msg{StartAccepted{startRec}},
			want:  []Effect{Notify{Title: "Session started", Body: "Case CR-2291. Click End session when the call is over."}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Session() == nil || m.Session().Label != "CR-2291" {
					t.Fatalf("session %+v", m.Session())
				}
				wantItem(LabelEnd, true)(t, mustItem(t, v, KeyStartEnd))
				wantItem("Session open: CR-2291 since 14:05", false)(t, mustItem(t, v, KeySession))
			},
		},
		{
			name:  "session opened elsewhere (the CLI): the stream shows it",
			start: ready,
			msgs:  []Msg{event("session_started", withSession(status(localapi.Green, true), startRec))},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelEnd, true)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "session opened by the person at the screen, seen by another user: no label, no blank",
			start: ready,
			msgs: []Msg{event("session_started", withSession(status(localapi.Green, true), func() report.SessionRecord {
				r := startRec
				r.Label = "" // the agent shows it only to the console user and administrators
				return r
			}()))},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem("A session is open since 14:05", false)(t, mustItem(t, v, KeySession))
			},
		},
		{
			name:  "session open: Start session cannot be clicked",
			start: open,
			msgs:  []Msg{ClickStartSession{}},
		},
		{
			name:  "override refused: the policy does not allow it, says what to fix",
			start: starting,
			msgs:  []Msg{StartRefused{NotPassing: []string{"firewall"}, OverrideAllowed: false, Message: "not ready"}},
			want:  []Effect{Notify{Title: "Not ready for a session", Body: "Fix these first: Firewall. Your organisation does not allow starting a session anyway."}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Flow() != FlowNone || m.Session() != nil {
					t.Errorf("flow %v session %v", m.Flow(), m.Session())
				}
				wantItem(LabelStart, true)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "refused by a check the tray has no result for: named in words, not as an id",
			start: starting,
			msgs:  []Msg{StartRefused{NotPassing: []string{"os_updates"}}},
			want:  []Effect{Notify{Title: "Not ready for a session", Body: "Fix these first: Os updates. Your organisation does not allow starting a session anyway."}},
		},
		{
			name:  "override allowed: asks for a reason, naming the checks",
			start: starting,
			msgs:  []Msg{refusedAllowed},
			want:  []Effect{askReason},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Flow() != FlowAskingOverride {
					t.Errorf("flow %v", m.Flow())
				}
			},
		},
		{
			name:  "override allowed, empty reason: asked again",
			start: starting,
			msgs:  []Msg{refusedAllowed, OverrideReasonEntered{Reason: " "}},
			want:  []Effect{AskOverrideReason{Prompt: "Please type the number of a reason to start the session anyway: 1 urgent safeguarding concern; 2 scheduled session could not be moved; 3 IT support is fixing it; 4 the check is wrong about this computer; type its number, then if you like a short note about the computer or the situation (never a name, contact details or date of birth), such as \"3 update running\".", NotPassing: []string{"Firewall", "Disk encryption"}}},
		},
		{
			name:  "override allowed, reason given: starts with the same label and the reason",
			start: starting,
			msgs:  []Msg{refusedAllowed, OverrideReasonEntered{Reason: " 1 call cannot wait "}},
			want:  []Effect{StartSession{Label: "CR-2291", Reason: "urgent safeguarding concern — call cannot wait"}},
		},
		{
			name:  "override allowed, a reason typed out with a note",
			start: starting,
			msgs:  []Msg{refusedAllowed, OverrideReasonEntered{Reason: "IT support is fixing it: update running"}},
			want:  []Effect{StartSession{Label: "CR-2291", Reason: "IT support is fixing it — update running"}},
		},
		{
			name:  "override allowed, free text: asked again to pick",
			start: starting,
			msgs:  []Msg{refusedAllowed, OverrideReasonEntered{Reason: "Jane in crisis"}},
			want:  []Effect{AskOverrideReason{Prompt: "Please type the number of a reason to start the session anyway: 1 urgent safeguarding concern; 2 scheduled session could not be moved; 3 IT support is fixing it; 4 the check is wrong about this computer; type its number, then if you like a short note about the computer or the situation (never a name, contact details or date of birth), such as \"3 update running\".", NotPassing: []string{"Firewall", "Disk encryption"}}},
		},
		{
			name:  "override allowed, then accepted: the notification says it started anyway",
			start: starting,
			msgs: []Msg{refusedAllowed, OverrideReasonEntered{Reason: "urgent"}, StartAccepted{func() report.SessionRecord {
				r := startRec
				r.Ready, r.NotPassing, r.Override = false, []string{"firewall"}, &report.Override{Reason: "urgent", Checks: []string{"firewall"}}
				return r
			}()}},
			want: []Effect{Notify{Title: "Session started", Body: "Case CR-2291, started although Firewall is not OK. Click End session when the call is over."}},
		},
		{
			name:  "override dialog cancelled: no session",
			start: starting,
			msgs:  []Msg{refusedAllowed, Cancelled{}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Flow() != FlowNone {
					t.Errorf("flow %v", m.Flow())
				}
			},
		},
		{
			name:  "the agent rejects the label: asked again with its message",
			start: starting,
			msgs:  []Msg{StartFailed{Message: "this label cannot be used: it looks like a phone number", LabelRejected: true}},
			want:  []Effect{AskLabel{Prompt: "This label cannot be used: it looks like a phone number."}},
		},
		{
			name:  "the agent rejects the override note: the reason is asked again with its message",
			start: starting,
			msgs:  []Msg{refusedAllowed, OverrideReasonEntered{Reason: "1 spoke to Jane"}, StartFailed{Message: "this reason cannot be used: the note looks like it names someone", ReasonRejected: true}},
			want:  []Effect{AskOverrideReason{Prompt: "This reason cannot be used: the note looks like it names someone. " + reasonChoices(testRules.OverrideReasons), NotPassing: []string{"Firewall", "Disk encryption"}}},
		},
		{
			name:  "start fails otherwise: notified, back to the menu",
			start: starting,
			msgs:  []Msg{StartFailed{Message: "a session is already open"}},
			want:  []Effect{Notify{Title: "The session could not be started", Body: "A session is already open."}},
		},
		{
			name:  "a late refusal with no start under way: ignored",
			start: ready,
			msgs:  []Msg{refusedAllowed},
		},
	})
}

func TestEndSession(t *testing.T) {
	clearing := func(t testing.TB) Model { m, _ := run(t, open(t), ClickEndSession{}); return m }
	endedWithFirefoxOpen := func(t testing.TB) Model {
		m, _ := run(t, clearing(t), cookieRep(chromeCleared, ffRunning), SessionEnded{Record: endRec})
		return m
	}
	runSteps(t, []step{
		{
			name:  "click End session: clears cookies first",
			start: open,
			msgs:  []Msg{ClickEndSession{}},
			want:  []Effect{ClearCookies{}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelClearing, false)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "all cleared: ends the session with the counts",
			start: clearing,
			msgs:  []Msg{cookieRep(chromeCleared, chrome2Cleared, edgeCleared)},
			want:  []Effect{EndSession{ID: startRec.SessionID, Cookies: cookieRep(chromeCleared, chrome2Cleared, edgeCleared).Summary}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelEnding, false)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "all cleared, ended: notified with the counts, Start session again",
			start: clearing,
			msgs:  []Msg{cookieRep(chromeCleared, chrome2Cleared, edgeCleared), SessionEnded{Record: endRec}},
			want:  []Effect{Notify{Title: "Session ended", Body: "Case CR-2291 ended. 12 cookies cleared in 2 browsers."}},
			check: func(t *testing.T, m Model, v MenuView) {
				if m.Session() != nil {
					t.Errorf("session still open")
				}
				wantItem(LabelStart, true)(t, mustItem(t, v, KeyStartEnd))
				wantItem("12 cookies cleared in 2 browsers", false)(t, mustItem(t, v, KeyCookies))
				if _, ok := find(v, KeyCloseBrowsers); ok {
					t.Errorf("close-browsers offered though none was open")
				}
				if _, ok := find(v, KeySession); ok {
					t.Errorf("session line after the end")
				}
			},
		},
		{
			name:  "a browser running: the end is still recorded, with the skipped profile counted",
			start: clearing,
			msgs:  []Msg{cookieRep(chromeCleared, ffRunning)},
			want:  []Effect{EndSession{ID: startRec.SessionID, Cookies: cookieRep(chromeCleared, ffRunning).Summary}},
		},
		{
			name:  "a browser running, ended: says it is still open and offers to close it",
			start: clearing,
			msgs:  []Msg{cookieRep(chromeCleared, ffRunning), SessionEnded{Record: endRec}},
			want:  []Effect{Notify{Title: "Session ended", Body: "Case CR-2291 ended. 7 cookies cleared in 1 browser; Firefox is still open. Close Firefox to clear its cookies, or use SessionGuard's menu to do it."}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem("7 cookies cleared in 1 browser; Firefox is still open", false)(t, mustItem(t, v, KeyCookies))
				it := mustItem(t, v, KeyCloseBrowsers)
				wantItem("Close Firefox and clear its cookies", true)(t, it)
				if it.Click != (ClickCloseBrowsersAndClear{}) {
					t.Errorf("click %#v", it.Click)
				}
			},
		},
		{
			name:  "close the browser and clear: clears again, closing browsers",
			start: endedWithFirefoxOpen,
			msgs:  []Msg{ClickCloseBrowsersAndClear{}},
			want:  []Effect{ClearCookies{CloseBrowsers: true}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem("Closing Firefox…", false)(t, mustItem(t, v, KeyCloseBrowsers))
			},
		},
		{
			name:  "close and clear done: notified, recorded against the ended session (no second end record), offer gone",
			start: endedWithFirefoxOpen,
			msgs:  []Msg{ClickCloseBrowsersAndClear{}, cookieRep(chromeCleared, ffCleared)},
			want: []Effect{Notify{Title: "Cookies cleared", Body: "11 cookies cleared in 2 browsers."},
				RecordCookies{SessionID: endRec.SessionID, Cookies: cookieRep(chromeCleared, ffCleared).Summary}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem("11 cookies cleared in 2 browsers", false)(t, mustItem(t, v, KeyCookies))
				if _, ok := find(v, KeyCloseBrowsers); ok {
					t.Errorf("close-browsers still offered")
				}
			},
		},
		{
			name:  "close and clear, browser would not quit: says to close it",
			start: endedWithFirefoxOpen,
			msgs:  []Msg{ClickCloseBrowsersAndClear{}, cookieRep(chromeCleared, ffRunning)},
			want: []Effect{Notify{Title: "Cookies not cleared: Firefox is still open", Body: "7 cookies cleared in 1 browser; Firefox is still open. Close Firefox yourself and try again."},
				RecordCookies{SessionID: endRec.SessionID, Cookies: cookieRep(chromeCleared, ffRunning).Summary}},
		},
		{
			name:  "close and clear could not run: told, nothing to record",
			start: endedWithFirefoxOpen,
			msgs:  []Msg{ClickCloseBrowsersAndClear{}, CookiesCleared{Err: errors.New("no home directory")}},
			want:  []Effect{Notify{Title: "Cookies not cleared", Body: "Cookies couldn't be cleared; clear them in the browser's settings, or ask IT support."}},
		},
		{
			name:  "the clean-up could not be recorded: told so",
			start: endedWithFirefoxOpen,
			msgs:  []Msg{ClickCloseBrowsersAndClear{}, cookieRep(chromeCleared, ffCleared), CookiesRecordFailed{Message: "the agent is not running"}},
			want:  []Effect{Notify{Title: "Cookies cleared, not recorded", Body: "The cookies were cleared, but SessionGuard could not add that to the session's record: The agent is not running."}},
		},
		{
			name:  "a partial clean-up could not be recorded: does not claim the cookies were cleared",
			start: endedWithFirefoxOpen,
			msgs:  []Msg{CookiesRecordFailed{Message: "the agent is not running"}},
			want:  []Effect{Notify{Title: "Cookie clean-up not recorded", Body: "SessionGuard could not add the cookie clean-up to the session's record: The agent is not running."}},
		},
		{
			name:  "two browsers open and one that cannot be read",
			start: clearing,
			msgs:  []Msg{cookieRep(ffRunning, ProfileCleared{Browser: "Google Chrome", Outcome: OutcomeBrowserOpen}, safariDenied), SessionEnded{Record: endRec}},
			want:  []Effect{Notify{Title: "Session ended", Body: "Case CR-2291 ended. No cookies cleared; Firefox and Google Chrome are still open; Safari couldn't be cleared. Close Firefox and Google Chrome to clear their cookies, or use SessionGuard's menu to do it."}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem("Close Firefox and Google Chrome and clear their cookies", true)(t, mustItem(t, v, KeyCloseBrowsers))
			},
		},
		{
			name:  "clearing could not run: the end is recorded without counts",
			start: clearing,
			msgs:  []Msg{CookiesCleared{Err: errors.New("reading home: permission denied")}},
			want:  []Effect{EndSession{ID: startRec.SessionID}},
		},
		{
			name:  "no browsers at all",
			start: clearing,
			msgs:  []Msg{cookieRep(), SessionEnded{Record: endRec}},
			want:  []Effect{Notify{Title: "Session ended", Body: "Case CR-2291 ended. No browser cookies found to clear."}},
		},
		{
			name:  "end fails: notified, the session stays open, End session again",
			start: clearing,
			msgs:  []Msg{cookieRep(chromeCleared), EndFailed{Message: "no open session with that id"}},
			want:  []Effect{Notify{Title: "The session could not be ended", Body: "No open session with that id. Try End session again."}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelEnd, true)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "no session: End session click ignored",
			start: ready,
			msgs:  []Msg{ClickEndSession{}},
		},
		{
			name:  "session ended elsewhere: the stream closes it",
			start: open,
			msgs:  []Msg{event("session_ended", status(localapi.Green, true))},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelStart, true)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "a stray CookiesCleared with no flow: ignored",
			start: open,
			msgs:  []Msg{cookieRep(chromeCleared)},
		},
	})
}

var endRec = report.SessionRecord{ID: strings.Repeat("c", 32), SessionID: startRec.SessionID, Event: report.SessionEnd, At: t0.Add(time.Hour), Label: "CR-2291"}

func TestReminder(t *testing.T) {
	remind := Notify{Title: "Your session is still open", Body: "Case CR-2291 started at 14:05. When the call is over, click End session in SessionGuard to clear cookies."}
	second := startRec
	second.SessionID = strings.Repeat("d", 32)
	second.At = t0.Add(3 * time.Hour)
	runSteps(t, []step{
		{name: "before the limit: nothing", start: open, msgs: []Msg{Tick{Now: t0.Add(89 * time.Minute)}}},
		{name: "at the limit: reminded", start: open, msgs: []Msg{Tick{Now: t0.Add(90 * time.Minute)}}, want: []Effect{remind}},
		{name: "only once per session", start: open, msgs: []Msg{Tick{Now: t0.Add(91 * time.Minute)}, Tick{Now: t0.Add(200 * time.Minute)}}},
		{
			name:  "a new session is reminded again",
			start: open,
			msgs: []Msg{
				Tick{Now: t0.Add(91 * time.Minute)},
				event("session_ended", status(localapi.Green, true)),
				event("session_started", withSession(status(localapi.Green, true), second)),
				Tick{Now: second.At.Add(2 * time.Hour)},
			},
			want: []Effect{Notify{Title: remind.Title, Body: "Case CR-2291 started at 17:05. When the call is over, click End session in SessionGuard to clear cookies."}},
		},
		{name: "no session: nothing", start: ready, msgs: []Msg{Tick{Now: t0.Add(24 * time.Hour)}}},
		{
			name: "configured limit",
			start: func(t testing.TB) Model {
				m, _ := run(t, newModel(Config{RemindAfter: 50 * time.Minute, Location: time.UTC}), event("session_started", withSession(status(localapi.Green, true), startRec)))
				return m
			},
			msgs: []Msg{Tick{Now: t0.Add(50 * time.Minute)}},
			want: []Effect{remind},
		},
		{
			name: "disabled",
			start: func(t testing.TB) Model {
				m, _ := run(t, newModel(Config{RemindAfter: -1}), event("session_started", withSession(status(localapi.Green, true), startRec)))
				return m
			},
			msgs: []Msg{Tick{Now: t0.Add(24 * time.Hour)}},
		},
		{
			name: "the agent's policy says 30 minutes",
			start: func(t testing.TB) Model {
				st := withSession(status(localapi.Green, true), startRec)
				st.SessionReminderMinutes = new(30)
				m, _ := run(t, newModel(Config{Location: time.UTC}), event("session_started", st))
				return m
			},
			msgs: []Msg{Tick{Now: t0.Add(29 * time.Minute)}, Tick{Now: t0.Add(30 * time.Minute)}},
			want: []Effect{remind},
		},
		{
			name: "the agent's policy turns it off",
			start: func(t testing.TB) Model {
				st := withSession(status(localapi.Green, true), startRec)
				st.SessionReminderMinutes = new(0)
				m, _ := run(t, newModel(Config{}), event("session_started", st))
				return m
			},
			msgs: []Msg{Tick{Now: t0.Add(24 * time.Hour)}},
		},
		{
			name: "a configured limit wins over the policy",
			start: func(t testing.TB) Model {
				st := withSession(status(localapi.Green, true), startRec)
				st.SessionReminderMinutes = new(30)
				m, _ := run(t, newModel(Config{RemindAfter: 50 * time.Minute, Location: time.UTC}), event("session_started", st))
				return m
			},
			msgs: []Msg{Tick{Now: t0.Add(40 * time.Minute)}, Tick{Now: t0.Add(50 * time.Minute)}},
			want: []Effect{remind},
		},
	})
}

func TestChecksAndFixes(t *testing.T) {
	runSteps(t, []step{
		{
			name:  "click a failing check: shows its fix",
			start: ready,
			msgs:  []Msg{ResultsLoaded{rep(fwOff, diskOn)}, ClickCheck{ID: "firewall"}},
			want:  []Effect{ShowFix{Title: "Firewall", Fix: "Open Settings, then Firewall, and turn it on."}},
		},
		{
			name:  "click a passing check: nothing",
			start: ready,
			msgs:  []Msg{ClickCheck{ID: "firewall"}},
		},
		{
			name:  "click a check that is gone: nothing",
			start: ready,
			msgs:  []Msg{ClickCheck{ID: "vpn"}},
		},
		{
			name:  "check again: runs, shows Checking… until the results come",
			start: ready,
			msgs:  []Msg{ClickCheckAgain{}},
			want:  []Effect{RunChecks{}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelChecking, false)(t, mustItem(t, v, KeyCheckAgain))
			},
		},
		{
			name:  "check again twice: one run",
			start: ready,
			msgs:  []Msg{ClickCheckAgain{}, ClickCheckAgain{}},
		},
		{
			name:  "results come: Check again is back",
			start: ready,
			msgs:  []Msg{ClickCheckAgain{}, ResultsLoaded{rep(fwOn)}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelCheckAgain, true)(t, mustItem(t, v, KeyCheckAgain))
			},
		},
		{
			name:  "the run fails: notified, Check again is back",
			start: ready,
			msgs:  []Msg{ClickCheckAgain{}, RunFailed{Message: "the checks took too long"}},
			want:  []Effect{Notify{Title: "SessionGuard couldn't check this computer", Body: "The checks took too long."}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelCheckAgain, true)(t, mustItem(t, v, KeyCheckAgain))
			},
		},
		{
			name:  "the agent runs on its schedule: Checking…",
			start: ready,
			msgs:  []Msg{event("run_started", func() localapi.Status { s := status(localapi.Green, true); s.Running = true; return s }())},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelChecking, false)(t, mustItem(t, v, KeyCheckAgain))
			},
		},
		{
			name:  "quit: quits, and nothing after",
			start: ready,
			msgs:  []Msg{ClickQuit{}},
			want:  []Effect{Quit{}},
		},
		{
			name:  "after quit: ignored",
			start: ready,
			msgs:  []Msg{ClickQuit{}, ClickCheckAgain{}},
			check: func(t *testing.T, m Model, v MenuView) {
				if !m.Quitting() {
					t.Errorf("not quitting")
				}
			},
		},
		{
			name:  "dashboard not configured: click ignored",
			start: ready,
			msgs:  []Msg{ClickOpenDashboard{}},
		},
	})
}

func TestReadOnlyMenu(t *testing.T) {
	ro := func(t testing.TB) Model {
		m, _ := run(t, newModel(cfg), event("status", status(localapi.Red, false)), ResultsLoaded{rep(fwOff, diskOn)})
		return m
	}
	roOpen := func(t testing.TB) Model {
		m, _ := run(t, ro(t), event("session_started", withSession(status(localapi.Red, false), startRec)))
		return m
	}
	runSteps(t, []step{
		{
			name:  "checks shown, actions disabled, a line says why",
			start: ro,
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelReadOnly, false)(t, mustItem(t, v, KeyReadOnly))
				wantItem(LabelCheckAgain, false)(t, mustItem(t, v, KeyCheckAgain))
				wantItem(LabelStart, false)(t, mustItem(t, v, KeyStartEnd))
				// Reading a fix needs no rights.
				wantItem("✖ Firewall — The firewall is off.", true)(t, mustItem(t, v, "check:firewall"))
			},
		},
		{name: "start ignored", start: ro, msgs: []Msg{ClickStartSession{}}},
		{name: "check again ignored", start: ro, msgs: []Msg{ClickCheckAgain{}}},
		{name: "fix still shown", start: ro, msgs: []Msg{ClickCheck{ID: "firewall"}}, want: []Effect{ShowFix{Title: "Firewall", Fix: fwOff.Fix}}},
		{
			name:  "open session: End session shown but disabled",
			start: roOpen,
			msgs:  []Msg{ClickEndSession{}},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelEnd, false)(t, mustItem(t, v, KeyStartEnd))
			},
		},
		{
			name:  "writes allowed again: enabled",
			start: ro,
			msgs:  []Msg{event("status", status(localapi.Red, true))},
			check: func(t *testing.T, m Model, v MenuView) {
				wantItem(LabelStart, true)(t, mustItem(t, v, KeyStartEnd))
				if _, ok := find(v, KeyReadOnly); ok {
					t.Errorf("read-only line still shown")
				}
			},
		},
	})
}

// TestOutOfDateResults: results the agent says are out of date (the
// computer slept since they were taken) show grey and "checking", never
// ready, and the menu says when the checks last ran, with the day when
// that was not today.
func TestOutOfDateResults(t *testing.T) {
	yesterday := t0.Add(-20 * time.Hour)
	stale := localapi.Status{Light: localapi.Grey, Stale: true, Running: true, CanWrite: true, LastRunAt: yesterday}
	m, _ := run(t, newModel(cfg), AgentEvent{localapi.Event{Type: localapi.EventRunStarted, At: t0, Status: stale}},
		ResultsLoaded{rep(fwOn, diskOn)})
	v := Menu(m)
	checkInvariants(t, v)
	if v.Icon != localapi.Grey || v.Items[0].Label != "Checking this computer…" {
		t.Errorf("out of date, checking: icon %q, %q", v.Icon, v.Items[0].Label)
	}
	wantItem("Last checked on Sun 22 Nov at 18:05", false)(t, mustItem(t, v, KeyLastChecked))

	stale.Running = false
	m, _ = run(t, m, event(localapi.EventRunFinished, stale))
	if v := Menu(m); v.Icon != localapi.Grey || v.Items[0].Label != "Not ready: these results are out of date" {
		t.Errorf("out of date, not checking: icon %q, %q", v.Icon, v.Items[0].Label)
	}

	m, _ = run(t, m, event(localapi.EventRunFinished, status(localapi.Green, true)))
	v = Menu(m)
	if v.Icon != localapi.Green || v.Items[0].Label != "Ready for a session" {
		t.Errorf("fresh: icon %q, %q", v.Icon, v.Items[0].Label)
	}
	wantItem("Last checked at 14:05", false)(t, mustItem(t, v, KeyLastChecked))
	m, _ = run(t, m, AgentDown{})
	if _, ok := find(Menu(m), KeyLastChecked); ok {
		t.Error("the agent is down, yet the menu says when it last checked")
	}
}

func TestMenuLabels(t *testing.T) {
	m, _ := run(t, newModel(Config{DashboardURL: "https://sg.example.org/", Location: time.UTC}),
		event("status", status(localapi.Amber, true)),
		ResultsLoaded{rep(fwOn, fwUnknown, wifiWarn, spkNA, spkOff, res("vpn", "VPN", checks.Unknown, false, "", ""))})
	v := Menu(m)
	want := []string{
		"Ready for a session, with warnings",
		"Last checked at 14:05",
		"✔ Firewall — The firewall is on.",
		"? Firewall — Could not read the firewall state.",
		"⚠ Wi-Fi — The Wi-Fi uses older security.",
		"– Smart speakers — Not needed here",
		"✖ Smart speakers — A smart speaker is nearby.",
		"? VPN — Couldn't check",
		LabelCheckAgain,
		LabelStart,
		LabelDashboard,
		LabelAbout + " (development build)",
		LabelQuit,
	}
	if got := labels(v); !reflect.DeepEqual(got, want) {
		t.Errorf("labels:\n got %q\nwant %q", got, want)
	}
	if v.Icon != localapi.Amber || v.Tooltip != "SessionGuard: Ready for a session, with warnings" {
		t.Errorf("icon %q tooltip %q", v.Icon, v.Tooltip)
	}
	clickable := map[string]bool{}
	for _, it := range v.Items {
		if strings.HasPrefix(it.Key, KeyCheckPrefix) && it.Enabled {
			clickable[it.Label] = true
			if it.Click != (ClickCheck{ID: strings.TrimPrefix(it.Key, KeyCheckPrefix)}) {
				t.Errorf("%q click %#v", it.Label, it.Click)
			}
		}
	}
	wantClickable := map[string]bool{
		"? Firewall — Could not read the firewall state.": true,
		"⚠ Wi-Fi — The Wi-Fi uses older security.":        true,
		"✖ Smart speakers — A smart speaker is nearby.":   true,
	}
	if !reflect.DeepEqual(clickable, wantClickable) {
		t.Errorf("clickable %v, want %v", clickable, wantClickable)
	}
	checkInvariants(t, v)

	for _, tc := range []struct {
		light localapi.Light
		line  string
	}{
		{localapi.Green, "Ready for a session"},
		{localapi.Amber, "Ready for a session, with warnings"},
		{localapi.Red, "Not ready for a session"},
		{localapi.Grey, "Not checked yet"},
	} {
		m, _ := run(t, newModel(cfg), event("status", status(tc.light, true)))
		v := Menu(m)
		if v.Icon != tc.light || v.Items[0].Label != tc.line {
			t.Errorf("light %q: icon %q line %q, want %q", tc.light, v.Icon, v.Items[0].Label, tc.line)
		}
		if _, ok := find(v, KeyDashboard); ok {
			t.Errorf("dashboard shown though not configured")
		}
	}

	revoked := status(localapi.Green, true)
	revoked.Revoked = true
	m, _ = run(t, newModel(cfg), event("status", revoked))
	wantItem(LabelRevoked, false)(t, mustItem(t, Menu(m), KeyRevoked))
}

// TestUpdateIsPure feeds every message to models in several states and
// checks that the model given to Update is never changed.
func TestUpdateIsPure(t *testing.T) {
	starts := map[string]Model{
		"new":   newModel(cfg),
		"ready": ready(t),
		"open":  open(t),
	}
	starts["clearing"], _ = run(t, starts["open"], ClickEndSession{})
	starts["ended"], _ = run(t, starts["clearing"], cookieRep(chromeCleared, ffRunning), SessionEnded{Record: endRec})
	for name, m := range starts {
		for _, msg := range allMsgs() {
			before := fmt.Sprintf("%#v", m)
			beforeMenu := Menu(m)
			Update(m, msg)
			if after := fmt.Sprintf("%#v", m); after != before {
				t.Errorf("%s: Update(%T) changed its input", name, msg)
			}
			if !reflect.DeepEqual(Menu(m), beforeMenu) {
				t.Errorf("%s: Update(%T) changed the input's menu", name, msg)
			}
		}
	}
}

func allMsgs() []Msg {
	return []Msg{
		event("status", status(localapi.Red, true)),
		event("session_started", withSession(status(localapi.Green, true), startRec)),
		AgentDown{Err: errors.New("x")},
		ResultsLoaded{rep(fwOff, diskOff, wifiWarn)},
		RunFailed{Message: "x"},
		ClickCheckAgain{},
		ClickStartSession{},
		LabelEntered{Label: "CR-1"},
		Cancelled{},
		StartRefused{NotPassing: []string{"firewall"}, OverrideAllowed: true},
		StartFailed{Message: "x"},
		OverrideReasonEntered{Reason: "x"},
		StartAccepted{startRec},
		ClickEndSession{},
		cookieRep(chromeCleared, ffRunning),
		ClickCloseBrowsersAndClear{},
		SessionEnded{Record: endRec},
		EndFailed{Message: "x"},
		CookiesRecordFailed{Message: "x"},
		ClickCheck{ID: "firewall"},
		ClickOpenDashboard{},
		ClickAbout{},
		ShowRequested{},
		ClickQuit{},
		Tick{Now: t0.Add(5 * time.Hour)},
	}
}

// TestRandomSequences drives the model with pseudo-random messages: it never
// panics and every menu keeps the invariants.
func TestRandomSequences(t *testing.T) {
	msgs := allMsgs()
	seed := uint64(1)
	next := func(n int) int {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % uint64(n))
	}
	for range 300 {
		m := newModel(Config{DashboardURL: "https://sg.example.org/"})
		for range 40 {
			msg := msgs[next(len(msgs))]
			if _, quit := msg.(ClickQuit); quit {
				continue
			}
			m, _ = Update(m, msg)
			checkInvariants(t, Menu(m))
			if t.Failed() {
				t.Fatalf("after %T", msg)
			}
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	m := ready(b)
	msgs := []Msg{
		event("run_finished", status(localapi.Red, true)),
		ResultsLoaded{rep(fwOff, diskOn, wifiWarn, spkNA)},
		ResultsLoaded{rep(fwOn, diskOn, wifiWarn, spkNA)},
		ClickStartSession{},
		LabelEntered{Label: "CR-2291"},
		StartAccepted{startRec},
		Tick{Now: t0.Add(time.Minute)},
		ClickEndSession{},
		cookieRep(chromeCleared, ffRunning),
		SessionEnded{Record: endRec},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m, _ = Update(m, msgs[i%len(msgs)])
	}
}

func BenchmarkMenu(b *testing.B) {
	m, _ := run(b, open(b), ResultsLoaded{rep(fwOff, diskOn, wifiWarn, spkNA, fwUnknown, spkOff, diskOff)})
	b.ReportAllocs()
	for b.Loop() {
		Menu(m)
	}
}

func TestLongSummariesAreShortenedAtAWord(t *testing.T) {
	long := "Guest account and automatic login are off; nobody is signed in at the screen, so the administrator check is skipped"
	cases := []struct {
		summary string
		want    string
	}{
		{"The firewall is on", "✔ Firewall — The firewall is on."},
		{long, "✔ Firewall — Guest account and automatic login are off; nobody is signed in at…"},
	}
	for _, c := range cases {
		got := checkLabel(checks.Result{ID: "firewall", Title: "Firewall", Status: checks.Pass, Summary: c.summary})
		if got != c.want {
			t.Errorf("checkLabel(%q) =\n %q, want\n %q", c.summary, got, c.want)
		}
		if n := len([]rune(got)); n > MaxLabelRunes {
			t.Errorf("%d runes, more than %d", n, MaxLabelRunes)
		}
	}
	// The full summary is still in the tooltip.
	m := newModel(Config{})
	m, _ = Update(m, ResultsLoaded{Report: checks.Report{Results: []checks.Result{{ID: "user_accounts", Title: "User accounts", Status: checks.Pass, Summary: long}}}})
	for _, it := range Menu(m).Items {
		if it.Key == KeyCheckPrefix+"user_accounts" && it.Tooltip != long {
			t.Errorf("tooltip = %q, want the whole summary", it.Tooltip)
		}
	}
}

// TestAbout: the About item names the version and works with the agent
// down; clicking it shows what SessionGuard does and its version.
func TestAbout(t *testing.T) {
	for _, tc := range []struct{ version, label, text string }{
		{"1.4.0", "About SessionGuard 1.4.0", "SessionGuard version 1.4.0."},
		{"v1.4.0-rc1", "About SessionGuard 1.4.0-rc1", "SessionGuard version 1.4.0-rc1."},
		{"dev", "About SessionGuard (development build)", "SessionGuard (a development build without a version number)."},
	} {
		m := newModel(Config{Version: tc.version})
		m, _ = Update(m, AgentDown{Err: errors.New("down")})
		v := Menu(m)
		it := mustItem(t, v, KeyAbout)
		if it.Label != tc.label || !it.Enabled || v.Items[len(v.Items)-2].Key != KeyAbout {
			t.Errorf("%s: About item %+v (second to last: %q)", tc.version, it, v.Items[len(v.Items)-2].Label)
		}
		_, effs := Update(m, ClickAbout{})
		if len(effs) != 1 {
			t.Fatalf("%s: effects %+v", tc.version, effs)
		}
		a, ok := effs[0].(ShowAbout)
		if !ok || a.Title != LabelAbout || !strings.HasPrefix(a.Text, tc.text) || !strings.Contains(a.Text, "applications menu") {
			t.Errorf("%s: ShowAbout %+v", tc.version, effs[0])
		}
	}
}

// TestWithoutSessionRules: a model given no rules sends the label as typed
// (the agent screens it) and can offer no reason to start anyway.
func TestWithoutSessionRules(t *testing.T) {
	m, _ := run(t, New(cfg), event("status", status(localapi.Green, true)), ResultsLoaded{rep(fwOn, diskOn)})
	m, eff := run(t, m, ClickStartSession{}, LabelEntered{Label: "jane@example.org"})
	if want := []Effect{StartSession{Label: "jane@example.org"}}; !reflect.DeepEqual(eff, want) {
		t.Fatalf("effects %#v, want %#v", eff, want)
	}
	_, eff = run(t, m, StartRefused{NotPassing: []string{"firewall"}, OverrideAllowed: true}, OverrideReasonEntered{Reason: "1"})
	if len(eff) != 1 {
		t.Fatalf("effects %#v", eff)
	}
	if ask, ok := eff[0].(AskOverrideReason); !ok || strings.Contains(ask.Prompt, "1 ") {
		t.Errorf("a reason was picked or offered without rules: %#v", eff)
	}
}
