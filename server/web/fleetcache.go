package web

import (
	"context"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// DefaultFleetCacheTTL is how old the overview's figures may get before a
// refresh starts.
const DefaultFleetCacheTTL = time.Minute

// fleetSummary is what the overview and check pages show of the whole fleet
// (or one team): device counts by state and compliance per check.
type fleetSummary struct {
	At         time.Time
	Counts     store.FleetCounts
	Compliance []store.CheckCompliance
}

// fleetCache keeps one fleetSummary per team. The figures are one pass over
// every device row (store.FleetSummary: about 0.2 s on SQLite and 0.1 s on
// PostgreSQL at 100k devices), more than one page render should cost. So
// they are computed at most once per TTL: a render past the TTL gets the
// previous figures at once and starts one refresh in the background
// (stale-while-revalidate); only the first render for a team after start
// waits for the computation.
type fleetCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]*fleetEntry
}

type fleetEntry struct {
	summary    fleetSummary
	refreshing bool
}

func newFleetCache(ttl time.Duration) *fleetCache {
	return &fleetCache{ttl: ttl, entries: map[string]*fleetEntry{}}
}

// computeFleet reads the figures from the store.
func (d *dashboard) computeFleet(ctx context.Context, teamID string) (fleetSummary, error) {
	now := d.o.Now()
	stale := now.Add(-d.o.StaleAfter)
	counts, comp, err := d.st.FleetSummary(ctx, teamID, stale)
	if err != nil {
		return fleetSummary{}, err
	}
	return fleetSummary{At: now, Counts: counts, Compliance: comp}, nil
}

// fleet returns the figures for a team ("" for all), computing them when
// there are none yet and refreshing them in the background when old.
func (d *dashboard) fleet(ctx context.Context, teamID string) (fleetSummary, error) {
	c := d.fleetCache
	c.mu.Lock()
	e, ok := c.entries[teamID]
	if ok {
		s := e.summary
		if d.o.Now().Sub(s.At) >= c.ttl && !e.refreshing {
			e.refreshing = true
			go d.refreshFleet(context.WithoutCancel(ctx), teamID)
		}
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	s, err := d.computeFleet(ctx, teamID)
	if err != nil {
		return fleetSummary{}, err
	}
	c.mu.Lock()
	if cur, ok := c.entries[teamID]; !ok || cur.summary.At.Before(s.At) {
		c.entries[teamID] = &fleetEntry{summary: s}
	}
	c.mu.Unlock()
	return s, nil
}

func (d *dashboard) refreshFleet(ctx context.Context, teamID string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s, err := d.computeFleet(ctx, teamID)
	c := d.fleetCache
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[teamID]
	e.refreshing = false
	if err != nil {
		d.log.Error("refreshing the fleet figures", "team", teamID, "err", err)
		return
	}
	e.summary = s
}
