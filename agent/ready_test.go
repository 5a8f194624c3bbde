package agent

import (
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
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
// slept: Go's timers did not count that time), and when the results are
// out of date; not otherwise.
func TestTickNoticesWake(t *testing.T) {
	clock := newFakeClock()
	f := newFixture(t, false).withClock(clock)
	if _, err := f.agent.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var wake wakeWatch
	if why := f.agent.due(&wake); why != "" {
		t.Errorf("first tick: %q, want nothing to do", why)
	}
	clock.pass(NetworkPollInterval)
	if why := f.agent.due(&wake); why != "" {
		t.Errorf("awake tick: %q, want nothing to do", why)
	}
	clock.sleep(5 * time.Minute) // shorter than the interval: the results are not out of date yet
	clock.pass(NetworkPollInterval)
	if why := f.agent.due(&wake); why != "wake" {
		t.Errorf("after a sleep: %q, want wake", why)
	}
	clock.pass(NetworkPollInterval)
	if why := f.agent.due(&wake); why != "" {
		t.Errorf("tick after the wake: %q, want nothing to do", why)
	}
	clock.pass(f.agent.interval()) // Schedule's timer was late (say): the tick catches it
	if why := f.agent.due(&wake); why != "out_of_date" {
		t.Errorf("results out of date: %q, want out_of_date", why)
	}
}
