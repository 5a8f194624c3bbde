// Package agent is the SessionGuard service: it runs the checks at start,
// on the policy's interval, when the network or the policy changes, when
// the computer wakes, when another person signs in at the screen and on
// demand; shows results out of date as such (grey, never ready); keeps
// the latest results in memory and on disk; opens and closes sessions,
// writing each start and end to the tamper-evident session log; and puts
// every check run and session record in the outbox (the durable spool the
// reporter sends from). It implements localapi.Backend; the same Agent runs
// in-process when the CLI works without a running service.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/agent/lanwatch"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/atomicfile"
	"github.com/sessionguard/sessionguard/report"
)

// SessionLog is the append-only audit trail of sessions.
type SessionLog interface {
	Append(rec report.SessionRecord) error
}

// Outbox takes envelopes for the server; nil when the device is not
// enrolled.
type Outbox interface {
	Put(env report.Envelope) error
	Len() int
}

// Config is what an Agent is made of.
type Config struct {
	Probe probe.Probe
	// LANServices, when set, are the DNS-SD service types Schedule keeps
	// browsing in the background (agent/lanwatch), so a check run answers
	// its mDNS questions from that browse instead of waiting for one.
	LANServices []string
	Checks      []checks.Check
	Policy      checks.Policy
	// StateDir keeps results.json (created 0700 when missing).
	StateDir string
	Version  string
	Log      SessionLog
	Outbox   Outbox
	// OpenSession is the session left open by the previous run, if any.
	OpenSession *report.SessionRecord
	// LastEnded is the end record of the session that ended last, if any:
	// cookies cleared after it may still be added to it (AmendCookies).
	LastEnded *report.SessionRecord
	// ValidateLabel refuses labels that look like personal data.
	ValidateLabel func(string) error
	// Server is the enrolled server's URL ("" when not enrolled).
	Server string
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Agent is the running service. Create it with New.
type Agent struct {
	cfg Config

	mu   sync.Mutex
	last *checks.Report
	// lastAt is when the last run started by the agent's clock (for saved
	// results, the time the report gives): how old its results are; and
	// lastAwake the time awake then (see sleptSinceLocked).
	lastAt    time.Time
	lastAwake time.Duration
	// lastSaved: last is the report an earlier agent saved, shown out of
	// date until this agent's first run finishes.
	lastSaved bool
	// lastPolicy is the generation of the policy last was judged by.
	lastPolicy uint64
	// lastConsole tags the person at the screen last was taken for, and
	// seenConsole the one seen there last (by a run or Schedule's tick).
	lastConsole, seenConsole string
	consoleTags              consoleTagger
	// current is the run under way (nil: none); runs counts the runs
	// started, numbering them.
	current *run
	runs    uint64
	session *report.SessionRecord
	ended   *report.SessionRecord // the end record of the last session
	policy  checks.Policy
	// policyGen counts the policies set since New.
	policyGen uint64
	subs      map[int]chan localapi.Event
	nextSub   int
	outbox    Outbox
	server    string
	// policyChanged wakes Schedule to judge the computer by a new policy.
	policyChanged chan struct{}
	// lan browses the network in the background (nil: checks browse).
	lan *lanwatch.Watcher
	// awake reads the time the computer has been awake since New (Go's
	// monotonic clock, which stops while the computer sleeps), for
	// Schedule to notice a sleep.
	awake func() time.Duration
}

// New makes an agent and loads the results the previous run left.
func New(cfg Config) (*Agent, error) {
	if cfg.Probe == nil || cfg.Log == nil || cfg.ValidateLabel == nil {
		return nil, errors.New("agent: probe, session log and label validator are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := statedir.MkdirPrivate(cfg.StateDir); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	var lan *lanwatch.Watcher
	if len(cfg.LANServices) > 0 {
		lan = lanwatch.New(cfg.Probe, cfg.LANServices, 0, 0)
		cfg.Probe = lan.Probe(cfg.Probe)
	}
	a := &Agent{cfg: cfg, lan: lan, policy: cfg.Policy, session: cfg.OpenSession, ended: cfg.LastEnded, subs: map[int]chan localapi.Event{},
		outbox: cfg.Outbox, server: cfg.Server, policyChanged: make(chan struct{}, 1), consoleTags: newConsoleTagger()}
	started := time.Now()
	a.awake = func() time.Duration { return time.Since(started) }
	if b, err := os.ReadFile(filepath.Join(cfg.StateDir, statedir.ResultsFile)); err == nil {
		var rep checks.Report
		if json.Unmarshal(b, &rep) == nil && rep.Schema == checks.ReportSchema {
			// Perhaps an older version's, under another policy: judged by
			// this one, and out of date until a run of this agent's.
			rep = judged(rep, cfg.Policy)
			a.last, a.lastAt, a.lastSaved = &rep, rep.StartedAt, true
		} else {
			cfg.Logger.Warn("ignoring unreadable saved results", "file", statedir.ResultsFile)
		}
	}
	return a, nil
}

// judged is rep with each result's Required, and the verdict, as pol says.
func judged(rep checks.Report, pol checks.Policy) checks.Report {
	rep.Results = slices.Clone(rep.Results)
	for i := range rep.Results {
		rep.Results[i].Required = pol.Required(rep.Results[i].ID)
	}
	rep.Ready = checks.ReadyOf(rep.Results)
	return rep
}

// Policy is the policy in force.
func (a *Agent) Policy() checks.Policy {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.policy
}

// SetPolicy replaces the policy (pushed by the server), tells watchers,
// and has Schedule run the checks again under it.
func (a *Agent) SetPolicy(pol checks.Policy) {
	a.mu.Lock()
	a.policy = pol
	// The results are out of date until a run under this policy ends;
	// meanwhile they are listed as it judges them.
	a.policyGen++
	if a.last != nil {
		rep := judged(*a.last, pol)
		a.last = &rep
	}
	a.mu.Unlock()
	a.broadcast(localapi.EventStatus)
	select {
	case a.policyChanged <- struct{}{}:
	default:
	}
}

// SetOutbox starts reporting to server through o (after an enrolment made
// while the agent runs) and tells watchers.
func (a *Agent) SetOutbox(o Outbox, server string) {
	a.mu.Lock()
	a.outbox, a.server = o, server
	a.mu.Unlock()
	a.broadcast(localapi.EventStatus)
}

// Status is the traffic light and what the tray needs to show.
func (a *Agent) Status(context.Context) localapi.Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.statusLocked()
}

func (a *Agent) statusLocked() localapi.Status {
	st := localapi.Status{
		Version:       a.cfg.Version,
		Light:         localapi.Grey,
		Running:       a.current != nil,
		AllowOverride: a.policy.AllowOverride,
		Enrolled:      a.outbox != nil,
		Server:        a.server,
		CookieDomains: slices.Clone(a.policy.CookieDomains),
		CookieKeep:    slices.Clone(a.policy.CookieKeep),
		// A copy: the status must not share the policy's memory.
		SessionReminderMinutes: new(a.policy.SessionReminderMinutes),
	}
	if a.outbox != nil {
		st.Pending = a.outbox.Len()
		if r, ok := a.outbox.(interface{ State() reporter.State }); ok {
			st.Revoked = r.State().Revoked
		}
	}
	if a.session != nil {
		s := *a.session
		st.Session = &s
	} else if a.ended != nil {
		e := *a.ended
		st.Ended = &e
	}
	if a.last != nil {
		st.LastRunAt = a.last.StartedAt
		if a.staleLocked() {
			st.Stale = true
		} else {
			st.Light, st.Ready = LightOf(*a.last), a.last.Ready
		}
	}
	return st
}

// StaleGrace, with twice the policy's check timeout, is how much older
// than the run interval results may get before they are out of date: time
// for the run before them and the next one to finish.
const StaleGrace = time.Minute

// staleLocked reports whether the last results are out of date: saved by
// an earlier agent (this one has not finished a run yet), judged by a
// policy that has since been replaced, taken for another person at the
// screen than the one there now, from before the computer last slept,
// older than the
// run interval and the grace by the wall clock (which, unlike Schedule's
// timers, counts the time the computer slept), or from the future (the
// clock was set back).
func (a *Agent) staleLocked() bool {
	if a.lastSaved || a.lastPolicy != a.policyGen || a.lastConsole != a.seenConsole || a.sleptSinceLocked() {
		return true
	}
	grace := StaleGrace + 2*a.policy.CheckTimeout()
	age := a.cfg.Now().Sub(a.lastAt)
	return age > a.intervalLocked()+grace || age < -grace
}

// sleptSinceLocked reports whether the computer slept (or its clock was
// set) since the last run started: the wall clock moved more than
// ClockJump further than the time awake. Asked at once, not at Schedule's
// next tick, so that the light of the evening before is never shown as
// the laptop opens: what was checked then (the network, who is signed in,
// what runs) says nothing of the room it wakes in.
func (a *Agent) sleptSinceLocked() bool {
	return clocksApart(clockReading{wall: a.lastAt.Round(0), awake: a.lastAwake}, a.clockReading())
}

// LightOf is the traffic light of a report: red when a required check is
// not passing, amber when any check warns or an optional one is not
// passing, green otherwise.
func LightOf(rep checks.Report) localapi.Light {
	light := localapi.Green
	for _, r := range rep.Results {
		switch {
		case r.Required && !r.Status.Acceptable():
			return localapi.Red
		case r.Status == checks.Warn || !r.Status.Acceptable():
			light = localapi.Amber
		}
	}
	return light
}

// Results is the latest report.
func (a *Agent) Results(context.Context) (checks.Report, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last == nil {
		return checks.Report{}, false
	}
	return *a.last, true
}

// run is one check run, which the requests made before it started share.
type run struct {
	seq       uint64 // runs are numbered from 1 in the order they start
	policy    checks.Policy
	policyGen uint64
	startedAt time.Time     // by the agent's clock
	awakeAt   time.Duration // the time awake when it started
	console   string        // the tag of the person at the screen
	done      chan struct{} // closed when the run ends
	rep       checks.Report // the run's report and error, once done
	err       error
}

// Run runs every check and returns a report begun after the call, judged
// by the policy in force: a call while a run is under way joins that run
// only when it started after the call, under the policy in force, and
// otherwise waits for it and starts the next (which the calls made
// meanwhile share).
func (a *Agent) Run(ctx context.Context) (checks.Report, error) {
	a.mu.Lock()
	after := a.runs // runs numbered above this started after the call
	for {
		cur := a.current
		if cur == nil {
			r := &run{seq: a.runs + 1, policy: a.policy, policyGen: a.policyGen, startedAt: a.cfg.Now(), awakeAt: a.awake(), done: make(chan struct{})}
			a.runs, a.current = r.seq, r
			a.mu.Unlock()
			return a.execute(ctx, r)
		}
		joinable := cur.seq > after && cur.policyGen == a.policyGen
		a.mu.Unlock()
		select {
		case <-cur.done:
		case <-ctx.Done():
			return checks.Report{}, ctx.Err()
		}
		// A joined run cancelled by its caller is no answer: run afresh.
		if joinable && cur.err == nil {
			return cur.rep, nil
		}
		a.mu.Lock()
	}
}

// execute runs r, the current run, keeps and reports its results, and
// ends it.
func (a *Agent) execute(ctx context.Context, r *run) (checks.Report, error) {
	who := a.consoleTags.tag(a.cfg.Probe)
	a.mu.Lock()
	r.console, a.seenConsole = who, who
	a.mu.Unlock()
	a.broadcast(localapi.EventRunStarted)

	rep := checks.Run(ctx, a.cfg.Probe, r.policy, a.cfg.Checks)
	err := ctx.Err()
	if err != nil {
		err = fmt.Errorf("running checks: %w", err)
	}

	a.mu.Lock()
	if err == nil {
		shown := rep
		if r.policyGen != a.policyGen {
			// Out of date already: listed as the new policy judges it.
			shown = judged(rep, a.policy)
		}
		a.last, a.lastAt, a.lastAwake, a.lastSaved, a.lastPolicy, a.lastConsole = &shown, r.startedAt, r.awakeAt, false, r.policyGen, r.console
	}
	r.rep, r.err = rep, err
	a.current = nil
	close(r.done)
	a.mu.Unlock()
	if err != nil {
		a.broadcast(localapi.EventRunFinished)
		return rep, err
	}
	a.save(rep)
	a.send(report.NewCheckRun(a.agentInfo(rep.Host), rep))
	a.cfg.Logger.Info("checks ran", "ready", rep.Ready, "light", string(LightOf(rep)), "duration_ms", rep.DurationMS)
	a.broadcast(localapi.EventRunFinished)
	return rep, nil
}

func (a *Agent) agentInfo(h probe.Host) report.Agent {
	return report.Agent{Version: a.cfg.Version, Host: h}
}

// save keeps the report for the next start; a failure is logged, not fatal.
func (a *Agent) save(rep checks.Report) {
	b, err := json.Marshal(rep)
	if err == nil {
		err = atomicfile.WriteFile(filepath.Join(a.cfg.StateDir, statedir.ResultsFile), b, 0o600)
	}
	if err != nil {
		a.cfg.Logger.Warn("saving results failed", "err", err)
	}
}

// send puts an envelope in the outbox; without one (not enrolled) nothing
// leaves the machine.
func (a *Agent) send(env report.Envelope) {
	a.mu.Lock()
	out := a.outbox
	a.mu.Unlock()
	if out == nil {
		return
	}
	if err := out.Put(env); err != nil {
		a.cfg.Logger.Error("spooling report failed", "kind", env.Kind, "err", err)
	}
}

// StartSession runs the checks fresh and opens a session when the computer
// is ready, or when the policy allows an override and a reason is given.
func (a *Agent) StartSession(ctx context.Context, req localapi.StartRequest) (report.SessionRecord, error) {
	label := strings.TrimSpace(req.Label)
	if err := a.cfg.ValidateLabel(label); err != nil {
		return report.SessionRecord{}, badRequest{err}
	}
	if err := sessionlog.ValidateCaseReference(label, a.caseReference()); err != nil {
		return report.SessionRecord{}, badRequest{err}
	}
	reason := strings.TrimSpace(req.OverrideReason)
	if reason != "" || strings.TrimSpace(req.OverrideNote) != "" {
		reason = sessionlog.OverrideReason(reason, req.OverrideNote)
		if err := sessionlog.ValidateOverrideReason(reason); err != nil {
			return report.SessionRecord{}, badRequest{err}
		}
	}
	if a.openSession() != nil {
		return report.SessionRecord{}, localapi.ErrSessionOpen
	}
	rep, err := a.Run(ctx)
	if err != nil {
		return report.SessionRecord{}, err
	}
	notPassing := NotPassing(rep)
	rec := report.SessionRecord{
		ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart,
		At: a.cfg.Now().UTC(), Label: label, Ready: rep.Ready, NotPassing: notPassing,
	}
	if !rep.Ready {
		allowed := a.Policy().AllowOverride
		if reason == "" || !allowed {
			return report.SessionRecord{}, &localapi.NotReadyError{NotPassing: notPassing, OverrideAllowed: allowed}
		}
		rec.Override = &report.Override{Reason: reason, Checks: notPassing}
	}
	a.mu.Lock()
	if a.session != nil {
		a.mu.Unlock()
		return report.SessionRecord{}, localapi.ErrSessionOpen
	}
	if err := a.cfg.Log.Append(rec); err != nil {
		a.mu.Unlock()
		return report.SessionRecord{}, fmt.Errorf("recording the session start: %w", err)
	}
	a.session = &rec
	a.ended = nil
	a.mu.Unlock()
	a.send(report.NewSession(a.agentInfo(rep.Host), rec))
	a.cfg.Logger.Info("session started", "ready", rec.Ready, "override", rec.Override != nil)
	a.broadcast(localapi.EventSessionStarted)
	return rec, nil
}

// EndSession closes the open session with what cookie clearing found.
func (a *Agent) EndSession(_ context.Context, id string, req localapi.EndRequest) (report.SessionRecord, error) {
	a.mu.Lock()
	open := a.session
	if open == nil || (id != open.SessionID && id != open.ID) {
		a.mu.Unlock()
		return report.SessionRecord{}, localapi.ErrNoSession
	}
	rec := report.SessionRecord{
		ID: report.NewID(), SessionID: open.SessionID, Event: report.SessionEnd,
		At: a.cfg.Now().UTC(), Label: open.Label, Ready: open.Ready, Cookies: req.Cookies,
	}
	if err := a.cfg.Log.Append(rec); err != nil {
		a.mu.Unlock()
		return report.SessionRecord{}, fmt.Errorf("recording the session end: %w", err)
	}
	a.session = nil
	a.ended = &rec
	a.mu.Unlock()
	a.send(report.NewSession(a.agentInfo(probe.HostOf(a.cfg.Probe)), rec))
	a.cfg.Logger.Info("session ended", "cookies_reported", rec.Cookies != nil)
	a.broadcast(localapi.EventSessionEnded)
	return rec, nil
}

// AmendCookies records cookies cleared after the end of the last session
// (a browser was open at the end, and was closed and cleared later): a
// cookies record for that session, in the log and to the server. Only the
// session that ended last can be amended, and only while no other is open:
// clearing during a later session would say nothing about this one.
func (a *Agent) AmendCookies(_ context.Context, id string, req localapi.CookiesRequest) (report.SessionRecord, error) {
	if req.Cookies == nil {
		return report.SessionRecord{}, badRequest{errors.New("say what clearing did (cookies)")}
	}
	a.mu.Lock()
	ended := a.ended
	if ended == nil || a.session != nil || (id != ended.SessionID && id != ended.ID) {
		a.mu.Unlock()
		return report.SessionRecord{}, localapi.ErrNoSession
	}
	rec := report.SessionRecord{
		ID: report.NewID(), SessionID: ended.SessionID, Event: report.SessionCookies,
		At: a.cfg.Now().UTC(), Label: ended.Label, Ready: ended.Ready, Cookies: req.Cookies,
	}
	if err := a.cfg.Log.Append(rec); err != nil {
		a.mu.Unlock()
		return report.SessionRecord{}, fmt.Errorf("recording the cookies cleared: %w", err)
	}
	a.mu.Unlock()
	a.send(report.NewSession(a.agentInfo(probe.HostOf(a.cfg.Probe)), rec))
	a.cfg.Logger.Info("cookies cleared after the session end recorded")
	return rec, nil
}

func (a *Agent) openSession() *report.SessionRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.session
}

// NotPassing lists the required checks of a report that are not passing.
func NotPassing(rep checks.Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Required && !r.Status.Acceptable() {
			out = append(out, r.ID)
		}
	}
	return out
}

// badRequest is a refusal whose message is for the person (no "bad
// request" prefix) and which the local API answers with 400.
type badRequest struct{ err error }

func (b badRequest) Error() string   { return b.err.Error() }
func (b badRequest) Unwrap() []error { return []error{b.err, localapi.ErrBadRequest} }

// caseReference is the case reference format of the policy in force; the
// default when the policy's cannot be compiled (a policy is validated
// before it is applied, so this is a safety net).
func (a *Agent) caseReference() *regexp.Regexp {
	re, err := a.Policy().CaseReference()
	if err != nil {
		a.cfg.Logger.Warn("the policy's case reference pattern is unusable; using the default", "err", err)
		re, _ = checks.Policy{}.CaseReference()
	}
	return re
}

// Subscribe streams events from now on (the local API writes the current
// status first itself).
func (a *Agent) Subscribe() (<-chan localapi.Event, func()) {
	ch := make(chan localapi.Event, 16)
	a.mu.Lock()
	id := a.nextSub
	a.nextSub++
	a.subs[id] = ch
	a.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			a.mu.Lock()
			delete(a.subs, id)
			close(ch)
			a.mu.Unlock()
		})
	}
}

// broadcast sends the new status to every subscriber. A subscriber that
// does not keep up loses its oldest event, never the newest: each event
// carries the whole status.
func (a *Agent) broadcast(kind localapi.EventType) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ev := localapi.Event{Type: kind, At: a.cfg.Now().UTC(), Status: a.statusLocked()}
	for _, ch := range a.subs {
		select {
		case ch <- ev:
		default:
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- ev:
			default:
			}
		}
	}
}

var _ localapi.Backend = (*Agent)(nil)
