package fleet

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// DefaultCacheTTL is how old the figures may get before a refresh starts.
const DefaultCacheTTL = time.Minute

// Summary is what the overview and check pages show of the whole fleet
// (or one team): device counts by state and compliance per check.
type Summary struct {
	At         time.Time
	Counts     store.FleetCounts
	Compliance []store.CheckCompliance
}

// Cache keeps one Summary per team. The figures are one pass over every
// device row (store.FleetSummary: about 0.2 s on SQLite and 0.1 s on
// PostgreSQL at 100k devices), more than one page render should cost. So
// they are computed at most once per TTL: a render past the TTL gets the
// previous figures at once and starts one refresh in the background
// (stale-while-revalidate); only the first render for a team after start
// waits for the computation.
type Cache struct {
	st         Store
	ttl        time.Duration
	staleAfter time.Duration
	now        func() time.Time
	log        *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	summary    Summary
	refreshing bool
}

// NewCache returns a cache of st's figures renewed every ttl
// (DefaultCacheTTL when 0); a device that has not reported for staleAfter
// (DefaultStaleAfter when 0) counts as stale. now is the clock (nil:
// time.Now); log gets the background refreshes' errors (nil: discarded).
func NewCache(st Store, ttl, staleAfter time.Duration, now func() time.Time, log *slog.Logger) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{st: st, ttl: ttl, staleAfter: staleAfter, now: now, log: log, entries: map[string]*entry{}}
}

// compute reads the figures from the store.
func (c *Cache) compute(ctx context.Context, teamID string) (Summary, error) {
	now := c.now()
	stale := now.Add(-c.staleAfter)
	counts, comp, err := c.st.FleetSummary(ctx, teamID, stale)
	if err != nil {
		return Summary{}, err
	}
	return Summary{At: now, Counts: counts, Compliance: comp}, nil
}

// Get returns the figures for a team ("" for all), computing them when
// there are none yet and refreshing them in the background when old.
func (c *Cache) Get(ctx context.Context, teamID string) (Summary, error) {
	c.mu.Lock()
	e, ok := c.entries[teamID]
	if ok {
		s := e.summary
		if c.now().Sub(s.At) >= c.ttl && !e.refreshing {
			e.refreshing = true
			go c.refresh(context.WithoutCancel(ctx), teamID)
		}
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()
	s, err := c.compute(ctx, teamID)
	if err != nil {
		return Summary{}, err
	}
	c.mu.Lock()
	if cur, ok := c.entries[teamID]; !ok || cur.summary.At.Before(s.At) {
		c.entries[teamID] = &entry{summary: s}
	}
	c.mu.Unlock()
	return s, nil
}

func (c *Cache) refresh(ctx context.Context, teamID string) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	s, err := c.compute(ctx, teamID)
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[teamID]
	e.refreshing = false
	if err != nil {
		c.log.Error("refreshing the fleet figures", "team", teamID, "err", err)
		return
	}
	e.summary = s
}
