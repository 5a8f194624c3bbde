package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	"github.com/sessionguard/sessionguard/report"
)

type memLog struct {
	mu   sync.Mutex
	recs []report.SessionRecord
	fail error
}

func (l *memLog) Append(r report.SessionRecord) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.recs = append(l.recs, r)
	return nil
}

type memOutbox struct {
	mu   sync.Mutex
	envs []report.Envelope
}

func (o *memOutbox) Put(e report.Envelope) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := e.Validate(); err != nil {
		return err
	}
	o.envs = append(o.envs, e)
	return nil
}

func (o *memOutbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.envs)
}

type facts struct {
	OS string `json:"os"`
}

// switchable is a check whose status the test sets, counting its runs.
type switchable struct {
	id     string
	status atomic.Value
	runs   atomic.Int32
	delay  time.Duration
}

func newSwitchable(id string, s checks.Status) *switchable {
	c := &switchable{id: id}
	c.status.Store(s)
	return c
}

func (c *switchable) check() checks.Check {
	return checks.Definition[facts]{
		CheckID: c.id, CheckTitle: "Check " + c.id,
		Collect: func(ctx context.Context, p probe.Probe) (facts, error) {
			c.runs.Add(1)
			time.Sleep(c.delay)
			return facts{OS: p.GOOS()}, nil
		},
		Evaluate: func(f facts, _ checks.Policy) checks.Result {
			return checks.Result{Status: c.status.Load().(checks.Status), Summary: "set by the test"}
		},
	}
}

func rejectEmails(label string) error {
	if label == "" || strings.Contains(label, "@") {
		return errors.New("looks like an email address")
	}
	return nil
}

func replayProbe(t testing.TB) probe.Probe {
	t.Helper()
	dir := t.TempDir()
	m := `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`
	if err := os.WriteFile(filepath.Join(dir, evidence.ManifestFile), []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type fixture struct {
	agent    *Agent
	log      *memLog
	outbox   *memOutbox
	fw, av   *switchable
	stateDir string
}

func newFixture(t *testing.T, allowOverride bool) *fixture {
	t.Helper()
	f := &fixture{log: &memLog{}, outbox: &memOutbox{}, stateDir: t.TempDir(),
		fw: newSwitchable("firewall", checks.Pass), av: newSwitchable("antivirus", checks.Pass)}
	pol := all.DefaultPolicy()
	pol.AllowOverride = allowOverride
	a, err := New(Config{
		Probe: replayProbe(t), Checks: []checks.Check{f.fw.check(), f.av.check()}, Policy: pol,
		StateDir: f.stateDir, Version: "test", Log: f.log, Outbox: f.outbox, ValidateLabel: rejectEmails,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.agent = a
	return f
}

func TestSessionStartAndEnd(t *testing.T) {
	f := newFixture(t, false)
	ctx := t.Context()
	if _, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "sam@example.org"}); !errors.Is(err, localapi.ErrBadRequest) {
		t.Fatalf("an email label: %v", err)
	}
	start, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "  CR-2291 "})
	if err != nil {
		t.Fatal(err)
	}
	if start.Event != report.SessionStart || start.Label != "CR-2291" || !start.Ready || start.Override != nil {
		t.Errorf("start record: %+v", start)
	}
	if _, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "CR-2292"}); !errors.Is(err, localapi.ErrSessionOpen) {
		t.Errorf("second start: %v", err)
	}
	if st := f.agent.Status(ctx); st.Session == nil || st.Session.SessionID != start.SessionID || st.Light != localapi.Green {
		t.Errorf("status with an open session: %+v", st)
	}
	if _, err := f.agent.EndSession(ctx, report.NewID(), localapi.EndRequest{}); !errors.Is(err, localapi.ErrNoSession) {
		t.Errorf("end of another session: %v", err)
	}
	cookies := &report.CookieSummary{Removed: 42, Browsers: 2, ProfilesCleared: 3}
	end, err := f.agent.EndSession(ctx, start.SessionID, localapi.EndRequest{Cookies: cookies})
	if err != nil {
		t.Fatal(err)
	}
	if end.Event != report.SessionEnd || end.SessionID != start.SessionID || end.Label != "CR-2291" || end.Cookies.Removed != 42 {
		t.Errorf("end record: %+v", end)
	}
	if _, err := f.agent.EndSession(ctx, start.SessionID, localapi.EndRequest{}); !errors.Is(err, localapi.ErrNoSession) {
		t.Errorf("ending twice: %v", err)
	}
	if len(f.log.recs) != 2 {
		t.Fatalf("log has %d records", len(f.log.recs))
	}
	kinds := map[string]int{}
	for _, e := range f.outbox.envs {
		kinds[e.Kind]++
	}
	if kinds[report.KindSession] != 2 || kinds[report.KindCheckRun] != 1 {
		t.Errorf("outbox: %v (start runs the checks fresh once)", kinds)
	}
}

// TestAmendCookies: cookies cleared after the end are added to the session
// that ended last, as a record of their own (logged and sent), never to
// another session, never while a new one is open, and never without
// counts; an agent started afresh can still amend the session that ended
// before it started.
func TestAmendCookies(t *testing.T) {
	f := newFixture(t, false)
	ctx := t.Context()
	later := &report.CookieSummary{Removed: 7, Browsers: 1, ProfilesCleared: 1}
	if _, err := f.agent.AmendCookies(ctx, report.NewID(), localapi.CookiesRequest{Cookies: later}); !errors.Is(err, localapi.ErrNoSession) {
		t.Errorf("before any session ended: %v, want ErrNoSession", err)
	}
	start, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "CR-7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.AmendCookies(ctx, start.SessionID, localapi.CookiesRequest{Cookies: later}); !errors.Is(err, localapi.ErrNoSession) {
		t.Errorf("while the session is still open: %v, want ErrNoSession", err)
	}
	end, err := f.agent.EndSession(ctx, start.SessionID, localapi.EndRequest{Cookies: &report.CookieSummary{ProfilesSkipped: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if st := f.agent.Status(ctx); st.Ended == nil || st.Ended.ID != end.ID || st.Session != nil {
		t.Errorf("status after the end: ended %+v, want the end record", st.Ended)
	}
	if _, err := f.agent.AmendCookies(ctx, start.SessionID, localapi.CookiesRequest{}); !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("without counts: %v, want ErrBadRequest", err)
	}
	if _, err := f.agent.AmendCookies(ctx, report.NewID(), localapi.CookiesRequest{Cookies: later}); !errors.Is(err, localapi.ErrNoSession) {
		t.Errorf("another session: %v, want ErrNoSession", err)
	}
	rec, err := f.agent.AmendCookies(ctx, start.SessionID, localapi.CookiesRequest{Cookies: later})
	if err != nil || rec.Event != report.SessionCookies || rec.SessionID != start.SessionID || rec.Label != "CR-7" || *rec.Cookies != *later || rec.ID == end.ID {
		t.Fatalf("amend: %+v, %v", rec, err)
	}
	if n := len(f.log.recs); n != 3 || f.log.recs[2].Event != report.SessionCookies {
		t.Errorf("log: %d records, want start, end and cookies", n)
	}
	if last := f.outbox.envs[len(f.outbox.envs)-1]; last.Session == nil || last.Session.Event != report.SessionCookies || last.Validate() != nil {
		t.Errorf("sent %+v, want a valid cookies record", last.Session)
	}
	// A new session closes the door on amending the old one.
	if _, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "CR-8"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agent.AmendCookies(ctx, start.SessionID, localapi.CookiesRequest{Cookies: later}); !errors.Is(err, localapi.ErrNoSession) {
		t.Errorf("after a new session started: %v, want ErrNoSession", err)
	}
	if st := f.agent.Status(ctx); st.Ended != nil {
		t.Errorf("status with a new session open: ended %+v, want none", st.Ended)
	}

	// After a restart, the session that ended last (from the log).
	restarted, err := New(Config{Probe: replayProbe(t), Policy: all.DefaultPolicy(), StateDir: t.TempDir(), Version: "test",
		Log: &memLog{}, Outbox: &memOutbox{}, ValidateLabel: rejectEmails, LastEnded: &end})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restarted.AmendCookies(ctx, start.SessionID, localapi.CookiesRequest{Cookies: later}); err != nil {
		t.Errorf("amending after a restart: %v", err)
	}
}

func TestStartWhenNotReady(t *testing.T) {
	for _, allow := range []bool{false, true} {
		f := newFixture(t, allow)
		f.av.status.Store(checks.Fail)
		ctx := t.Context()
		_, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "CR-1"})
		var nr *localapi.NotReadyError
		if !errors.As(err, &nr) || nr.OverrideAllowed != allow || len(nr.NotPassing) != 1 || nr.NotPassing[0] != "antivirus" {
			t.Fatalf("allow=%v: %v %+v", allow, err, nr)
		}
		rec, err := f.agent.StartSession(ctx, localapi.StartRequest{Label: "CR-1", OverrideReason: "urgent safeguarding concern", OverrideNote: "cannot wait"})
		if !allow {
			if !errors.As(err, &nr) {
				t.Errorf("override without the policy's leave: %v", err)
			}
			if len(f.log.recs) != 0 {
				t.Error("a refused start was recorded")
			}
			continue
		}
		if err != nil || rec.Override == nil || rec.Override.Reason != "urgent safeguarding concern — cannot wait" || rec.Ready {
			t.Errorf("override start: %+v %v", rec, err)
		}
		if st := f.agent.Status(ctx); st.Light != localapi.Red || st.Ready {
			t.Errorf("light: %+v", st)
		}
	}
	f := newFixture(t, true)
	f.av.status.Store(checks.Fail)
	if _, err := f.agent.StartSession(t.Context(), localapi.StartRequest{Label: "CR-1", OverrideReason: "two\nlines"}); !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("multi-line reason: %v", err)
	}
}

// TestOverrideReasonScreened is the attack of issue 16 item 6: a reason
// is stored in the append-only log, sent to the server and shown to its
// admins, so free text naming the client is refused, and nothing is
// recorded.
func TestOverrideReasonScreened(t *testing.T) {
	f := newFixture(t, true)
	f.av.status.Store(checks.Fail)
	for _, req := range []localapi.StartRequest{
		{OverrideReason: "Jane Smith in crisis, call 07700 900123"},
		{OverrideReason: "client in crisis"},
		{OverrideReason: "urgent safeguarding concern", OverrideNote: "spoke to Jane, born 12/03/2014"},
		{OverrideReason: "urgent safeguarding concern", OverrideNote: "mum on 07700 900123"},
		{OverrideReason: "urgent safeguarding concern", OverrideNote: "email jane@example.org"},
		{OverrideReason: "urgent safeguarding concern", OverrideNote: "lives at SW1A 1AA"},
		{OverrideReason: "urgent safeguarding concern", OverrideNote: "NHS 943 476 5919"},
		{OverrideReason: "urgent safeguarding concern", OverrideNote: "Mrs smith asked"},
		{OverrideReason: "urgent safeguarding concern — Jane Smith"},
		{OverrideNote: "no reason picked"},
	} {
		req.Label = "CR-1"
		if _, err := f.agent.StartSession(t.Context(), req); !errors.Is(err, localapi.ErrBadRequest) || strings.Contains(err.Error(), "07700") || strings.Contains(err.Error(), "Jane") {
			t.Errorf("%+v: err = %v, want a bad request that does not repeat it", req, err)
		}
	}
	if len(f.log.recs) != 0 {
		t.Fatalf("a refused reason was recorded: %+v", f.log.recs)
	}
	rec, err := f.agent.StartSession(t.Context(), localapi.StartRequest{Label: "CR-1", OverrideReason: "IT support is fixing it", OverrideNote: "anti-virus update due at noon"})
	if err != nil || rec.Override == nil || rec.Override.Reason != "IT support is fixing it — anti-virus update due at noon" {
		t.Fatalf("a picked reason with a plain note: %+v %v", rec, err)
	}
}

// TestCaseReferencePattern: single given names passed the label rules;
// the team's case reference format (the default: one word with a digit)
// refuses them before anything is recorded.
func TestCaseReferencePattern(t *testing.T) {
	f := newFixture(t, false)
	for _, label := range []string{"Jane", "Sam", "Oliver T", "sam.jones", "Case 17"} {
		if _, err := f.agent.StartSession(t.Context(), localapi.StartRequest{Label: label}); !errors.Is(err, localapi.ErrBadRequest) || strings.Contains(err.Error(), label) {
			t.Errorf("%q: err = %v, want a bad request that does not repeat it", label, err)
		}
	}
	if len(f.log.recs) != 0 {
		t.Fatalf("a refused label was recorded: %+v", f.log.recs)
	}
	pol := all.DefaultPolicy()
	pol.CaseReferencePattern = `YP-[0-9]{4}`
	f.agent.SetPolicy(pol)
	if _, err := f.agent.StartSession(t.Context(), localapi.StartRequest{Label: "CR-2291"}); !errors.Is(err, localapi.ErrBadRequest) {
		t.Errorf("CR-2291 under YP-nnnn: %v", err)
	}
	if _, err := f.agent.StartSession(t.Context(), localapi.StartRequest{Label: "YP-0042"}); err != nil {
		t.Errorf("YP-0042 under YP-nnnn: %v", err)
	}
}

func TestSessionLogFailureDoesNotOpen(t *testing.T) {
	f := newFixture(t, false)
	f.log.fail = errors.New("disk full")
	if _, err := f.agent.StartSession(t.Context(), localapi.StartRequest{Label: "CR-1"}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if f.agent.Status(t.Context()).Session != nil {
		t.Error("a session opened although it could not be recorded")
	}
}

// runAtOnce asks a for n runs at the same time and waits for them all.
func runAtOnce(t *testing.T, a *Agent, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Run(t.Context()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func TestRunsCoalesceAndPersist(t *testing.T) {
	f := newFixture(t, false)
	f.fw.delay = 100 * time.Millisecond
	runAtOnce(t, f.agent, 5)
	if n := f.fw.runs.Load(); n > 2 {
		t.Errorf("5 concurrent requests ran the checks %d times", n)
	}
	f.av.status.Store(checks.Warn)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{Probe: replayProbe(t), StateDir: f.stateDir, Log: &memLog{}, ValidateLabel: rejectEmails, Policy: all.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	rep, ok := again.Results(t.Context())
	if !ok || len(rep.Results) != 2 || rep.Results[1].Status != checks.Warn {
		t.Errorf("saved results not restored: %v %+v", ok, rep)
	}
	// Their time is the replay's recording, weeks ago: out of date.
	if st := again.Status(t.Context()); st.LastRunAt.IsZero() || !st.Stale || st.Light != localapi.Grey {
		t.Errorf("restored status: %+v, want out of date", st)
	}
}

func TestSubscribe(t *testing.T) {
	f := newFixture(t, false)
	ch, stop := f.agent.Subscribe()
	defer stop()
	if st := f.agent.Status(t.Context()); st.Light != localapi.Grey {
		t.Errorf("before the first run: %+v", st)
	}
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var types []localapi.EventType
	for len(types) < 2 {
		select {
		case ev := <-ch:
			types = append(types, ev.Type)
			if ev.Type == "run_finished" && ev.Status.Light != localapi.Green {
				t.Errorf("finished status: %+v", ev.Status)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("events so far: %v", types)
		}
	}
	if types[0] != "run_started" || types[1] != "run_finished" {
		t.Errorf("events: %v", types)
	}
	stop()
	stop() // idempotent
	if _, open := <-ch; open {
		t.Error("channel still open after stop")
	}
}

func TestLightOf(t *testing.T) {
	r := func(s checks.Status, req bool) checks.Result { return checks.Result{Status: s, Required: req} }
	cases := []struct {
		results []checks.Result
		want    localapi.Light
	}{
		{[]checks.Result{r(checks.Pass, true), r(checks.NotApplicable, true)}, localapi.Green},
		{[]checks.Result{r(checks.Pass, true), r(checks.Warn, true)}, localapi.Amber},
		{[]checks.Result{r(checks.Pass, true), r(checks.Fail, false)}, localapi.Amber},
		{[]checks.Result{r(checks.Warn, true), r(checks.Unknown, true)}, localapi.Red},
		{[]checks.Result{r(checks.Fail, true)}, localapi.Red},
	}
	for _, c := range cases {
		if got := LightOf(checks.Report{Results: c.results}); got != c.want {
			t.Errorf("%+v: %s, want %s", c.results, got, c.want)
		}
	}
}

func TestScheduleRunsAtStart(t *testing.T) {
	f := newFixture(t, false)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { f.agent.Schedule(ctx); close(done) }()
	deadline := time.Now().Add(3 * time.Second)
	for f.fw.runs.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if f.fw.runs.Load() == 0 {
		t.Error("the schedule did not run the checks at start")
	}
}

func TestNewPolicyRunsTheChecksAgain(t *testing.T) {
	f := newFixture(t, false)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { f.agent.Schedule(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitRuns := func(n int32) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for f.fw.runs.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d runs, want %d", f.fw.runs.Load(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitRuns(1)
	pol := all.DefaultPolicy()
	pol.AllowOverride = true
	f.agent.SetPolicy(pol)
	waitRuns(2) // the interval is 15 minutes: only the policy change can cause it
	if !f.agent.Policy().AllowOverride {
		t.Error("policy not replaced")
	}
}

type revokedOutbox struct{ memOutbox }

func (*revokedOutbox) State() reporter.State { return reporter.State{Revoked: true} }

func TestStatusSaysRevoked(t *testing.T) {
	a, err := New(Config{Probe: replayProbe(t), StateDir: t.TempDir(), Log: &memLog{}, ValidateLabel: rejectEmails,
		Policy: all.DefaultPolicy(), Outbox: &revokedOutbox{}, Server: "https://sg.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if st := a.Status(t.Context()); !st.Revoked || !st.Enrolled || st.Server != "https://sg.example.org" {
		t.Errorf("status: %+v", st)
	}
}

// TestSetOutboxAfterEnrolment: an agent enrolled while running starts
// reporting without a restart.
func TestSetOutboxAfterEnrolment(t *testing.T) {
	f := newFixture(t, false)
	a, err := New(Config{Probe: replayProbe(t), Checks: []checks.Check{f.fw.check()}, StateDir: t.TempDir(), Log: &memLog{}, ValidateLabel: rejectEmails, Policy: all.DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := a.Status(t.Context()); st.Enrolled {
		t.Fatalf("not enrolled yet: %+v", st)
	}
	out := &memOutbox{}
	a.SetOutbox(out, "https://sg.example.org")
	if _, err := a.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := a.Status(t.Context()); !st.Enrolled || st.Server != "https://sg.example.org" || out.Len() != 1 {
		t.Errorf("after enrolment: %+v, %d spooled", st, out.Len())
	}
}
