package fleet_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/server/fleet"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// newStore is a migrated SQLite store with two teams of 2 and 3 devices.
func newStore(t *testing.T) (store.Store, []store.Team) {
	t.Helper()
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	var teams []store.Team
	for i, name := range []string{"Counselling", "Youth work"} {
		tm, err := st.CreateTeam(t.Context(), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		storetest.SeedDevices(t, st, tm.ID, 2+i)
		teams = append(teams, tm)
	}
	return st, teams
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// failing makes FleetSummary fail while fail is set and counts the calls.
type failing struct {
	store.Store
	mu    sync.Mutex
	fail  bool
	calls int
}

func (f *failing) FleetSummary(ctx context.Context, teamID string, staleBefore time.Time) (store.FleetCounts, []store.CheckCompliance, error) {
	f.mu.Lock()
	fail := f.fail
	f.calls++
	f.mu.Unlock()
	if fail {
		return store.FleetCounts{}, nil, errors.New("database gone")
	}
	return f.Store.FleetSummary(ctx, teamID, staleBefore)
}

func (f *failing) set(fail bool) (calls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
	return f.calls
}

// lockedBuffer is a log sink the test reads while the cache writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestCacheStaleWhileRevalidate(t *testing.T) {
	ctx := t.Context()
	st, teams := newStore(t)
	clk := &clock{t: time.Now()}
	c := fleet.NewCache(st, time.Minute, 0, clk.now, nil)

	all, err := c.Get(ctx, "")
	if err != nil || all.Counts.Total != 5 || !all.At.Equal(clk.now()) {
		t.Fatalf("first Get = %+v, %v; want 5 devices at %v", all, err, clk.now())
	}
	team, err := c.Get(ctx, teams[0].ID)
	if err != nil || team.Counts.Total != 2 {
		t.Fatalf("team Get = %+v, %v; want 2 devices", team, err)
	}

	// Two more devices: within the TTL the figures stay as they were.
	storetest.SeedDevices(t, st, teams[0].ID, 2)
	clk.add(59 * time.Second)
	if s, _ := c.Get(ctx, ""); s.Counts.Total != 5 {
		t.Fatalf("within the TTL: %d devices, want the cached 5", s.Counts.Total)
	}
	// Past it: the old figures at once, the new ones once the background
	// refresh is done; each team's entry is renewed on its own.
	clk.add(time.Second)
	if s, _ := c.Get(ctx, ""); s.Counts.Total != 5 {
		t.Fatalf("first Get past the TTL: %d devices, want the old 5 at once", s.Counts.Total)
	}
	waitFor(t, "the refreshed figures", func() bool {
		s, err := c.Get(ctx, "")
		return err == nil && s.Counts.Total == 7 && s.At.Equal(clk.now())
	})
	if s, _ := c.Get(ctx, teams[0].ID); s.Counts.Total != 2 {
		t.Errorf("team 0 past the TTL: %d devices, want its cached 2 at once", s.Counts.Total)
	}
	waitFor(t, "the team's refreshed figures", func() bool {
		s, err := c.Get(ctx, teams[0].ID)
		return err == nil && s.Counts.Total == 4
	})
}

func TestCacheKeepsFiguresWhenRefreshFails(t *testing.T) {
	ctx := t.Context()
	real, _ := newStore(t)
	st := &failing{Store: real}
	clk := &clock{t: time.Now()}
	logs := &lockedBuffer{}
	c := fleet.NewCache(st, time.Minute, time.Hour, clk.now, slog.New(slog.NewTextHandler(logs, nil)))

	if s, err := c.Get(ctx, ""); err != nil || s.Counts.Total != 5 {
		t.Fatalf("Get = %+v, %v", s, err)
	}
	st.set(true)
	clk.add(2 * time.Minute)
	first, err := c.Get(ctx, "")
	if err != nil || first.Counts.Total != 5 {
		t.Fatalf("Get past the TTL with the store failing = %+v, %v; want the old figures", first, err)
	}
	waitFor(t, "the failed refresh to be logged", func() bool { return strings.Contains(logs.String(), "database gone") })
	// The failure is not cached: the next Get tries again.
	calls := st.set(false)
	waitFor(t, "a new refresh", func() bool {
		s, _ := c.Get(ctx, "")
		return st.set(false) > calls && s.At.Equal(clk.now())
	})

	// With nothing cached, an error is the caller's.
	st.set(true)
	if _, err := fleet.NewCache(st, 0, 0, nil, nil).Get(ctx, ""); err == nil {
		t.Error("first Get with the store failing: no error")
	}
}

// TestCacheFirstGetAfterRestart: a new cache (a restarted server) shows
// the figures the last one kept, with their time, without a pass over the
// fleet (the store's FleetSummary fails meanwhile), and refreshes them in
// the background; kept figures too old, or counted with another stale
// period, are not shown.
func TestCacheFirstGetAfterRestart(t *testing.T) {
	ctx := t.Context()
	real, teams := newStore(t)
	st := &failing{Store: real}
	clk := &clock{t: time.Now()}
	first := fleet.NewCache(st, time.Minute, time.Hour, clk.now, nil)
	computed, err := first.Get(ctx, "")
	if err != nil || computed.Counts.Total != 5 {
		t.Fatalf("first Get = %+v, %v", computed, err)
	}
	if _, err := first.Get(ctx, teams[1].ID); err != nil {
		t.Fatal(err)
	}
	storetest.SeedDevices(t, real, teams[1].ID, 2)

	clk.add(10 * time.Minute)
	st.set(true)
	restarted := fleet.NewCache(st, time.Minute, time.Hour, clk.now, nil)
	for _, c := range []struct {
		team string
		want int
	}{{"", 5}, {teams[1].ID, 3}} {
		s, err := restarted.Get(ctx, c.team)
		if err != nil || s.Counts.Total != c.want || !s.At.Equal(computed.At.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("first Get of team %q after the restart = %+v, %v; want the kept %d devices as of %v", c.team, s, err, c.want, computed.At)
		}
		if len(s.Compliance) != len(computed.Compliance) {
			t.Errorf("kept compliance %+v, computed %+v", s.Compliance, computed.Compliance)
		}
	}
	st.set(false)
	waitFor(t, "the refreshed figures", func() bool {
		s, err := restarted.Get(ctx, "")
		return err == nil && s.Counts.Total == 7 && s.At.Equal(clk.now())
	})

	// Too old, or another stale period: the first Get computes (and
	// here fails with the store).
	st.set(true)
	clk.add(fleet.MaxKeptAge + time.Minute)
	if s, err := fleet.NewCache(st, time.Minute, time.Hour, clk.now, nil).Get(ctx, ""); err == nil {
		t.Errorf("kept figures older than MaxKeptAge were shown: %+v", s)
	}
	clk.add(-fleet.MaxKeptAge)
	if s, err := fleet.NewCache(st, time.Minute, 2*time.Hour, clk.now, nil).Get(ctx, ""); err == nil {
		t.Errorf("kept figures of another stale period were shown: %+v", s)
	}
}

// recording counts RecordFleetSnapshot calls per team.
type recording struct {
	store.Store
	mu    sync.Mutex
	calls map[string]int
}

func (r *recording) RecordFleetSnapshot(ctx context.Context, teamID string, at time.Time, c store.FleetCounts) error {
	r.mu.Lock()
	r.calls[teamID]++
	r.mu.Unlock()
	return r.Store.RecordFleetSnapshot(ctx, teamID, at, c)
}

func TestThrottle(t *testing.T) {
	ctx := t.Context()
	real, teams := newStore(t)
	st := &recording{Store: real, calls: map[string]int{}}
	th := fleet.NewThrottle(st, nil)
	t0 := time.Now().Truncate(time.Hour)
	counts := store.FleetCounts{Total: 5, NeverReported: 5}

	th.MaybeRecord(ctx, "", t0, counts)
	th.MaybeRecord(ctx, "", t0.Add(fleet.SnapshotEvery-time.Second), counts)
	th.MaybeRecord(ctx, teams[0].ID, t0.Add(time.Minute), store.FleetCounts{Total: 2})
	if st.calls[""] != 1 || st.calls[teams[0].ID] != 1 {
		t.Fatalf("within %v: %v recorded, want one per team", fleet.SnapshotEvery, st.calls)
	}
	th.MaybeRecord(ctx, "", t0.Add(fleet.SnapshotEvery), counts)
	if st.calls[""] != 2 {
		t.Fatalf("after %v: %d recorded, want 2", fleet.SnapshotEvery, st.calls[""])
	}
	snaps, err := real.FleetSnapshots(ctx, "", t0)
	if err != nil || len(snaps) != 1 || snaps[0].Total != 5 {
		t.Errorf("stored snapshots = %+v, %v; want one of 5 devices for the hour", snaps, err)
	}
}

func TestSnapshotFleet(t *testing.T) {
	ctx := t.Context()
	st, teams := newStore(t)
	at := time.Now()
	if err := fleet.SnapshotFleet(ctx, st, time.Hour, at); err != nil {
		t.Fatal(err)
	}
	for team, want := range map[string]int{"": 5, teams[0].ID: 2, teams[1].ID: 3} {
		snaps, err := st.FleetSnapshots(ctx, team, at.Add(-time.Hour))
		if err != nil || len(snaps) != 1 || snaps[0].Total != want || snaps[0].NeverReported != want {
			t.Errorf("team %q: snapshots %+v, %v; want one of %d devices never reported", team, snaps, err, want)
		}
	}
}

func TestRunSnapshotsUntilCancelled(t *testing.T) {
	st, _ := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- fleet.RunSnapshots(ctx, st, 0, nil) }()
	waitFor(t, "the first snapshot", func() bool {
		snaps, err := st.FleetSnapshots(t.Context(), "", time.Now().Add(-time.Hour))
		return err == nil && len(snaps) == 1 && snaps[0].Total == 5
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunSnapshots = %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunSnapshots did not stop when its context ended")
	}
}

// TestCachePeekNeverComputes: with no figures of its own and none kept,
// Peek says so without computing them; once Get has them, Peek gives the
// same, and a new cache peeks the kept ones.
func TestCachePeekNeverComputes(t *testing.T) {
	ctx := t.Context()
	real, _ := newStore(t)
	st := &failing{Store: real}
	clk := &clock{t: time.Now()}
	c := fleet.NewCache(st, time.Minute, time.Hour, clk.now, nil)
	if s, ok := c.Peek(ctx, ""); ok || st.set(false) != 0 {
		t.Fatalf("Peek with no figures = %+v, %v after %d computations; want none, not computed", s, ok, st.set(false))
	}
	got, err := c.Get(ctx, "")
	if err != nil || st.set(false) != 1 {
		t.Fatalf("Get = %+v, %v after %d computations; want one", got, err, st.set(false))
	}
	if s, ok := c.Peek(ctx, ""); !ok || s.Counts != got.Counts || st.set(false) != 1 {
		t.Errorf("Peek after Get = %+v, %v; want %+v without computing again", s, ok, got)
	}
	if s, ok := fleet.NewCache(st, time.Minute, time.Hour, clk.now, nil).Peek(ctx, ""); !ok || s.Counts != got.Counts || st.set(false) != 1 {
		t.Errorf("a new cache's Peek = %+v, %v; want the kept %+v", s, ok, got.Counts)
	}
}
