package fleet

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// SnapshotEvery is how often Throttle records a snapshot per team at most.
const SnapshotEvery = 5 * time.Minute

// Throttle records a fleet snapshot from the overview at most every
// SnapshotEvery per team, so the trend fills in while the dashboard is used
// (RunSnapshots fills it in when it is not).
type Throttle struct {
	st  Store
	log *slog.Logger

	mu   sync.Mutex
	last map[string]time.Time
}

// NewThrottle returns a Throttle recording into st; log gets the errors
// (nil: discarded).
func NewThrottle(st Store, log *slog.Logger) *Throttle {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Throttle{st: st, log: log, last: map[string]time.Time{}}
}

// MaybeRecord records c as the team's snapshot at now unless one was
// recorded less than SnapshotEvery before. An error is logged: a missing
// point of the trend is no reason to fail the page.
func (s *Throttle) MaybeRecord(ctx context.Context, teamID string, now time.Time, c store.FleetCounts) {
	s.mu.Lock()
	due := now.Sub(s.last[teamID]) >= SnapshotEvery
	if due {
		s.last[teamID] = now
	}
	s.mu.Unlock()
	if due {
		if err := s.st.RecordFleetSnapshot(ctx, teamID, now, c); err != nil {
			s.log.Error("recording a fleet snapshot", "err", err)
		}
	}
}

// RunSnapshots records the fleet counts of the whole fleet and of each team
// every hour until ctx ends, so the overview's trend has no gaps when
// nobody looks at the dashboard. The server runs it next to the dashboard.
func RunSnapshots(ctx context.Context, st Store, staleAfter time.Duration, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if err := SnapshotFleet(ctx, st, staleAfter, now()); err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// SnapshotFleet records one snapshot of the whole fleet and of each team.
func SnapshotFleet(ctx context.Context, st Store, staleAfter time.Duration, at time.Time) error {
	teams, err := st.Teams(ctx)
	if err != nil {
		return err
	}
	ids := []string{""}
	for _, t := range teams {
		ids = append(ids, t.ID)
	}
	for _, id := range ids {
		c, err := st.FleetCounts(ctx, id, at.Add(-staleAfter))
		if err != nil {
			return err
		}
		if err := st.RecordFleetSnapshot(ctx, id, at, c); err != nil {
			return err
		}
	}
	return nil
}
