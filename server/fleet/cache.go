package fleet

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// DefaultCacheTTL is how old the figures may get before a refresh starts.
const DefaultCacheTTL = time.Minute

// MaxKeptAge is how old kept figures may be for the first render after a
// start to show them (the page says when they were computed).
const MaxKeptAge = time.Hour

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
// (stale-while-revalidate).
//
// Every computation is also kept in the database (store.SaveFleetFigures),
// so the first render for a team after a restart shows the kept figures
// with their time — one row read, not a pass over the fleet — and starts
// the refresh. Only when none were kept, or they are older than
// MaxKeptAge or counted with another stale period, does a render wait
// for the computation.
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

// compute reads the figures from the store and keeps them there.
func (c *Cache) compute(ctx context.Context, teamID string) (Summary, error) {
	now := c.now()
	stale := now.Add(-c.staleAfter)
	counts, comp, err := c.st.FleetSummary(ctx, teamID, stale)
	if err != nil {
		return Summary{}, err
	}
	// Kept for the next start; a failure costs that start one pass.
	if err := c.st.SaveFleetFigures(ctx, teamID, store.FleetFigures{At: now, StaleAfter: c.staleAfter, Counts: counts, Compliance: comp}); err != nil {
		c.log.Error("keeping the fleet figures", "team", teamID, "err", err)
	}
	return Summary{At: now, Counts: counts, Compliance: comp}, nil
}

// kept returns the figures kept for a team when they can stand in until a
// refresh: counted with this cache's stale period, at most MaxKeptAge old.
func (c *Cache) kept(ctx context.Context, teamID string) (Summary, bool) {
	f, err := c.st.FleetFigures(ctx, teamID)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.log.Error("reading the kept fleet figures", "team", teamID, "err", err)
		}
		return Summary{}, false
	}
	age := c.now().Sub(f.At)
	if f.StaleAfter != c.staleAfter || age > MaxKeptAge || age < -time.Minute {
		return Summary{}, false
	}
	return Summary{At: f.At, Counts: f.Counts, Compliance: f.Compliance}, true
}

// Get returns the figures for a team ("" for all), refreshing them in the
// background when old; when this server has none yet it shows the kept
// ones, or computes them.
func (c *Cache) Get(ctx context.Context, teamID string) (Summary, error) {
	if s, ok := c.Peek(ctx, teamID); ok {
		return s, nil
	}
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

// Peek is Get without computing: the figures this server has for a team
// (refreshed in the background when old) or the kept ones, and false when
// it has neither. For a caller that only takes them as a hint and would
// rather not wait for a computation (the stale device list).
func (c *Cache) Peek(ctx context.Context, teamID string) (Summary, bool) {
	c.mu.Lock()
	e, ok := c.entries[teamID]
	if ok {
		s := e.summary
		c.refreshIfOld(ctx, teamID, e)
		c.mu.Unlock()
		return s, true
	}
	c.mu.Unlock()
	s, ok := c.kept(ctx, teamID)
	if !ok {
		return Summary{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.entries[teamID]
	if !ok {
		e = &entry{summary: s}
		c.entries[teamID] = e
	}
	c.refreshIfOld(ctx, teamID, e)
	return e.summary, true
}

// refreshIfOld starts one background refresh of e when its figures are a
// TTL old. c.mu is held.
func (c *Cache) refreshIfOld(ctx context.Context, teamID string, e *entry) {
	if c.now().Sub(e.summary.At) >= c.ttl && !e.refreshing {
		e.refreshing = true
		go c.refresh(context.WithoutCancel(ctx), teamID)
	}
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
