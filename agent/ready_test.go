package agent

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// fakeClock is a wall clock the test moves; awake is the time the
// computer has been awake (it stands still while "asleep").
type fakeClock struct {
	mu    sync.Mutex
	wall  time.Time
	awake time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{wall: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

func (c *fakeClock) Awake() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.awake
}

// pass moves both clocks on: the computer is awake.
func (c *fakeClock) pass(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall, c.awake = c.wall.Add(d), c.awake+d
}

// sleep moves only the wall clock on: the computer is asleep.
func (c *fakeClock) sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = c.wall.Add(d)
}

// withClock gives the fixture's agent the fake clock.
func (f *fixture) withClock(c *fakeClock) *fixture {
	f.agent.cfg.Now, f.agent.awake = c.Now, c.Awake
	return f
}

// TestStatusOutOfDate: results older than the run interval and its grace
// by the wall clock (last night's, after the laptop wakes) are grey and
// not ready, never green. The old agent gave the light of the last report
// however old it was.
func TestStatusOutOfDate(t *testing.T) {
	clock := newFakeClock()
	f := newFixture(t, false).withClock(clock)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := f.agent.Status(t.Context()); st.Light != localapi.Green || !st.Ready || st.Stale {
		t.Fatalf("just checked: %+v", st)
	}
	clock.pass(f.agent.interval() + StaleGrace) // a late run is no reason to turn grey
	if st := f.agent.Status(t.Context()); st.Light != localapi.Green || st.Stale {
		t.Errorf("within the grace: light %s stale %v, want green", st.Light, st.Stale)
	}
	clock.sleep(9 * time.Hour)
	st := f.agent.Status(t.Context())
	if st.Light != localapi.Grey || st.Ready || !st.Stale || st.LastRunAt.IsZero() {
		t.Errorf("9 hours later: light %s ready %v stale %v last run %s, want grey, not ready, out of date", st.Light, st.Ready, st.Stale, st.LastRunAt)
	}
	clock.sleep(-10 * time.Hour)
	if st := f.agent.Status(t.Context()); st.Light != localapi.Grey || st.Ready {
		t.Errorf("clock set back before the run: light %s ready %v, want grey, not ready", st.Light, st.Ready)
	}
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := f.agent.Status(t.Context()); st.Light != localapi.Green || st.Stale {
		t.Errorf("after a fresh run: %+v", st)
	}
}

// TestTickNoticesWake: at its tick, the schedule runs at once when the
// wall clock moved further than the time the computer was awake (it
// slept: Go's timers did not count that time), and at the network tick
// when the results are out of date; not otherwise.
func TestTickNoticesWake(t *testing.T) {
	clock := newFakeClock()
	f := newFixture(t, false).withClock(clock)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var wake wakeWatch
	woke := func() bool { return wake.jumped(f.agent.clockReading()) }
	if woke() {
		t.Error("first tick: a wake")
	}
	if why := f.agent.due(); why != "" {
		t.Errorf("first network tick: %q, want nothing to do", why)
	}
	clock.pass(WakePollInterval)
	if woke() {
		t.Error("awake tick: a wake")
	}
	clock.sleep(5 * time.Minute) // shorter than the interval: the results are not out of date yet
	clock.pass(WakePollInterval)
	if !woke() {
		t.Error("after a sleep: no wake")
	}
	clock.pass(WakePollInterval)
	if woke() {
		t.Error("tick after the wake: a wake again")
	}
	if _, err := f.agent.Run(t.Context()); err != nil { // the run the wake started
		t.Fatal(err)
	}
	if why := f.agent.due(); why != "" {
		t.Errorf("network tick after the wake's run: %q, want nothing to do", why)
	}
	clock.pass(f.agent.interval() + StaleGrace + time.Minute) // Schedule's timer was late (say): the tick catches it
	if why := f.agent.due(); why != "out_of_date" {
		t.Errorf("results out of date: %q, want out_of_date", why)
	}
}

// TestStatusGreyOnceAsleep: results from before a sleep are out of date
// the moment the computer wakes, however short the sleep, before any tick
// of the schedule has noticed it: the tray never shows last night's green
// as the lid opens. The next run brings the light back; a clock set back
// counts as a sleep too. The old agent kept the light until its next tick,
// up to 10 s.
func TestStatusGreyOnceAsleep(t *testing.T) {
	clock := newFakeClock()
	f := newFixture(t, false).withClock(clock)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock.pass(ClockJump * 2) // awake: the results stand
	if st := f.agent.Status(t.Context()); st.Light != localapi.Green || st.Stale {
		t.Fatalf("awake: light %s stale %v, want green", st.Light, st.Stale)
	}
	clock.sleep(ClockJump + time.Second)
	st := f.agent.Status(t.Context())
	if st.Light != localapi.Grey || st.Ready || !st.Stale {
		t.Errorf("just woken: light %s ready %v stale %v, want grey, not ready, out of date", st.Light, st.Ready, st.Stale)
	}
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := f.agent.Status(t.Context()); st.Light != localapi.Green || st.Stale {
		t.Errorf("checked after waking: light %s stale %v, want green", st.Light, st.Stale)
	}
	clock.sleep(-ClockJump - time.Second)
	if st := f.agent.Status(t.Context()); st.Light != localapi.Grey || !st.Stale {
		t.Errorf("clock set back: light %s stale %v, want grey, out of date", st.Light, st.Stale)
	}
	clock.sleep(ClockJump - time.Second) // back to within a jump of the run's reading
	if st := f.agent.Status(t.Context()); st.Light != localapi.Green {
		t.Errorf("clock set right again: light %s, want green", st.Light)
	}
}

// TestSavedResultsOutOfDateUntilARun: results an earlier agent saved (an
// older version, under an older policy) are never shown as ready, however
// recent: grey and not ready, while this agent's first run is under way
// too, and judged by the policy in force; the first run finishing brings
// the light back. The old agent showed them green from the start.
func TestSavedResultsOutOfDateUntilARun(t *testing.T) {
	clock := newFakeClock()
	dir := t.TempDir()
	saved := checks.Report{Schema: checks.ReportSchema, Ready: true, StartedAt: clock.Now().Add(-time.Minute), Results: []checks.Result{
		{ID: "firewall", Title: "Firewall", Status: checks.Pass, Required: true},
		{ID: "antivirus", Title: "Anti-virus", Status: checks.Fail, Required: false},
	}}
	b, err := json.Marshal(saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, statedir.ResultsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	fw, av := newSwitchable("firewall", checks.Pass), newSwitchable("antivirus", checks.Pass)
	pol := all.DefaultPolicy()
	pol.Checks = map[string]checks.CheckPolicy{"firewall": {Required: true}, "antivirus": {Required: true}}
	a, err := New(Config{Probe: replayProbe(t), Checks: []checks.Check{fw.check(), av.check()}, Policy: pol,
		StateDir: dir, Version: "new", Log: &memLog{}, ValidateLabel: rejectEmails, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if st := a.Status(t.Context()); st.Light != localapi.Grey || st.Ready || !st.Stale || st.LastRunAt.IsZero() {
		t.Errorf("saved a minute ago by an earlier agent: light %s ready %v stale %v, want grey, not ready, out of date", st.Light, st.Ready, st.Stale)
	}
	rep, ok := a.Results(t.Context())
	if !ok || rep.Ready || !rep.Results[1].Required {
		t.Errorf("saved results under the policy in force (anti-virus required): ready %v %+v", rep.Ready, rep.Results)
	}

	fw.delay = 200 * time.Millisecond
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := a.Run(t.Context()); err != nil {
			t.Error(err)
		}
	}()
	for !a.Status(t.Context()).Running {
		time.Sleep(time.Millisecond)
	}
	if st := a.Status(t.Context()); st.Light != localapi.Grey || st.Ready {
		t.Errorf("first run under way: light %s ready %v, want grey, not ready", st.Light, st.Ready)
	}
	<-done
	if st := a.Status(t.Context()); st.Light != localapi.Green || !st.Ready || st.Stale {
		t.Errorf("after the first run: %+v", st)
	}
}

// waitRunning waits until a run is under way.
func waitRunning(t *testing.T, a *Agent) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !a.Status(t.Context()).Running {
		if time.Now().After(deadline) {
			t.Fatal("no run started")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRunAfterPolicyChange: a run asked for after a new policy arrived
// (Schedule's policy_change run, a session start) never gets the verdict
// of a run begun under the old one; it waits for that run and checks
// again. Meanwhile the old results are out of date. The old agent joined
// the run under way: anti-virus, failing and newly required, was passed
// over, and a session started as ready.
func TestRunAfterPolicyChange(t *testing.T) {
	f := newFixture(t, false)
	lax, strict := all.DefaultPolicy(), all.DefaultPolicy()
	lax.Checks = map[string]checks.CheckPolicy{"firewall": {Required: true}, "antivirus": {Required: false}}
	strict.Checks = map[string]checks.CheckPolicy{"firewall": {Required: true}, "antivirus": {Required: true}}
	f.agent.SetPolicy(lax)
	f.av.status.Store(checks.Fail)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := f.agent.Status(t.Context()); st.Light != localapi.Amber || !st.Ready {
		t.Fatalf("under the lax policy: %+v", st)
	}

	f.fw.delay = 200 * time.Millisecond
	go f.agent.Run(t.Context()) //nolint:errcheck // the tray's Check again, under the lax policy
	waitRunning(t, f.agent)
	f.agent.SetPolicy(strict)
	if st := f.agent.Status(t.Context()); st.Light != localapi.Grey || st.Ready {
		t.Errorf("new policy, no run under it yet: light %s ready %v, want grey, not ready", st.Light, st.Ready)
	}
	rep, err := f.agent.Run(t.Context()) // Schedule's policy_change run
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ready {
		t.Errorf("run after the policy change: ready, want not ready (anti-virus is required now)")
	}
	if st := f.agent.Status(t.Context()); st.Light != localapi.Red || st.Ready {
		t.Errorf("after the run under the new policy: light %s ready %v, want red", st.Light, st.Ready)
	}

	f.agent.SetPolicy(lax)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	go f.agent.Run(t.Context()) //nolint:errcheck // under the lax policy
	waitRunning(t, f.agent)
	f.agent.SetPolicy(strict)
	_, err = f.agent.StartSession(t.Context(), localapi.StartRequest{Label: "CR-1"})
	var nr *localapi.NotReadyError
	if !errors.As(err, &nr) {
		t.Errorf("session start after the policy change, anti-virus failing: %v, want not ready", err)
	}
}

// TestRunStartsAfterTheCall: a call while a run is under way gets a run
// begun after it (the computer may have changed since that run looked),
// and the calls made meanwhile share that one run.
func TestRunStartsAfterTheCall(t *testing.T) {
	f := newFixture(t, false)
	f.fw.delay = 200 * time.Millisecond
	go f.agent.Run(t.Context()) //nolint:errcheck // a run under way
	waitRunning(t, f.agent)
	runAtOnce(t, f.agent, 4)
	if n := f.fw.runs.Load(); n != 2 {
		t.Errorf("%d runs, want 2: the one under way, and one for the 4 calls made during it", n)
	}
}

// switchingProbe is a probe whose person at the screen the test sets.
type switchingProbe struct {
	probe.Probe
	mu   sync.Mutex
	user probe.User
	err  error
}

func (p *switchingProbe) ConsoleUser() (probe.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.user, p.err
}

func (p *switchingProbe) signIn(u probe.User, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user, p.err = u, err
}

// TestConsoleUserSwitch: results taken for one person at the screen are
// out of date once another signs in (fast user switching): the tick
// notices, the light turns grey and the checks run again for the new
// person. The old agent showed the first person's green to the second
// until the next interval. What the agent keeps of a person is an opaque
// tag, never the account.
func TestConsoleUserSwitch(t *testing.T) {
	first := probe.User{UID: "S-1-5-21-1004336348-1177238915-682003330-1001", Name: "user", Home: `C:\Users\user`}
	second := probe.User{UID: "S-1-5-21-1004336348-1177238915-682003330-1002", Name: "user2", Home: `C:\Users\user2`}
	p := &switchingProbe{Probe: replayProbe(t), user: first}
	fw := newSwitchable("firewall", checks.Pass)
	a, err := New(Config{Probe: p, Checks: []checks.Check{fw.check()}, Policy: all.DefaultPolicy(), StateDir: t.TempDir(),
		Version: "test", Log: &memLog{}, ValidateLabel: rejectEmails})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if why := a.due(); why != "" {
		t.Errorf("same person at the screen: %q, want nothing to do", why)
	}
	for _, tag := range []string{a.lastConsole, a.seenConsole} {
		if tag == "" || strings.Contains(tag, "1001") || strings.Contains(tag, "user") {
			t.Errorf("console tag %q: want an opaque tag", tag)
		}
	}

	p.signIn(second, nil)
	if why := a.due(); why != "console_user_changed" {
		t.Errorf("another person signed in: %q, want console_user_changed", why)
	}
	if st := a.Status(t.Context()); st.Light != localapi.Grey || st.Ready || !st.Stale {
		t.Errorf("another person signed in, not checked yet: light %s ready %v, want grey, not ready", st.Light, st.Ready)
	}
	if _, err := a.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := a.Status(t.Context()); st.Light != localapi.Green || st.Stale {
		t.Errorf("checked for the new person: %+v", st)
	}

	// Signed out, or a screen that cannot be read, is no person's green
	// either; with a run under way the watchers hear of it at once.
	ch, stop := a.Subscribe()
	defer stop()
	fw.delay = 200 * time.Millisecond
	go a.Run(t.Context()) //nolint:errcheck // a run under way
	next := func() localapi.Event {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(2 * time.Second):
			t.Fatal("no event")
			return localapi.Event{}
		}
	}
	for next().Type != localapi.EventRunStarted {
	}
	p.signIn(probe.User{}, errors.New("loginctl timed out"))
	if why := a.due(); why != "" {
		t.Errorf("run under way: %q, want none started", why)
	}
	if ev := next(); ev.Type != localapi.EventStatus || ev.Status.Light != localapi.Grey || ev.Status.Ready {
		t.Errorf("event after the screen changed: %s %+v, want grey", ev.Type, ev.Status)
	}
}
