package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Principal is the device a token belongs to.
type Principal struct {
	DeviceID string
	TeamID   string
}

// DefaultTokenCacheEntries bounds the token cache: about 150 bytes an
// entry, so 2.5 MB at most, whatever the size of the fleet.
const DefaultTokenCacheEntries = 1 << 14

// TokenCache authenticates device tokens: a token's SHA-256 is looked up by
// the unique index on devices.token_hash (store.TokenOwner), in front of
// which sits a small positive cache of hash → device, so a device that
// reports again within the TTL costs a map read. Nothing ever reads the
// whole fleet: CPU per report does not grow with the number of devices.
//
// The cache holds at most its capacity (DefaultTokenCacheEntries) of
// devices that are not revoked, keyed by the hash (never the token), each
// for at most the TTL after the database was read; when full, an entry
// already expired or else one picked at random makes room. Unknown or
// revoked tokens are never cached: each costs one indexed lookup, and a
// flood of made-up tokens cannot grow memory.
//
// Look-ups that miss the cache while another is being asked are asked
// together, in one query (store.TokenOwners): see lookups.
//
// Revocation: Forget drops a device at once, and a lookup that raced with
// it does not cache the device again (a generation counter), so on this
// server a revoked device is refused from the next request on. Another
// server sharing the database learns of it when its entry expires, so the
// TTL is the bound.
type TokenCache struct {
	st       store.Store
	ttl      time.Duration
	capacity int
	now      func() time.Time

	lookups lookups

	mu       sync.RWMutex
	gen      uint64
	byHash   map[[32]byte]cachedToken
	byDevice map[string][32]byte
}

type cachedToken struct {
	p       Principal
	expires time.Time
}

// NewTokenCache returns a cache over st of DefaultTokenCacheEntries; ttl ≤ 0
// disables caching.
func NewTokenCache(st store.Store, ttl time.Duration, now func() time.Time) *TokenCache {
	return newTokenCache(st, ttl, DefaultTokenCacheEntries, now)
}

func newTokenCache(st store.Store, ttl time.Duration, capacity int, now func() time.Time) *TokenCache {
	if now == nil {
		now = time.Now
	}
	return &TokenCache{st: st, ttl: ttl, capacity: max(capacity, 1), now: now, lookups: lookups{st: st},
		byHash: map[[32]byte]cachedToken{}, byDevice: map[string][32]byte{}}
}

// Lookup returns the token's device, or store.ErrUnauthorized.
func (c *TokenCache) Lookup(ctx context.Context, token string) (Principal, error) {
	h := sha256.Sum256([]byte(token))
	now := c.now()
	c.mu.RLock()
	e, ok := c.byHash[h]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.p, nil
	}
	holder, err := c.lookups.owner(ctx, h)
	if err != nil {
		if ok {
			c.drop(h, gen)
		}
		return Principal{}, err
	}
	p := Principal{DeviceID: holder.DeviceID, TeamID: holder.TeamID}
	if c.ttl <= 0 {
		return p, nil
	}
	c.mu.Lock()
	if c.gen == gen {
		if _, cached := c.byHash[h]; !cached && len(c.byHash) >= c.capacity {
			c.evictLocked(now)
		}
		if old, ok := c.byDevice[p.DeviceID]; ok && old != h {
			delete(c.byHash, old)
		}
		c.byHash[h] = cachedToken{p: p, expires: now.Add(c.ttl)}
		c.byDevice[p.DeviceID] = h
	}
	c.mu.Unlock()
	return p, nil
}

// evictLocked makes room for one entry: the first expired entry among a
// few, else the first one met (Go's map iteration starts at random, so
// this is random eviction, O(1)).
func (c *TokenCache) evictLocked(now time.Time) {
	var victim [32]byte
	seen := 0
	for h, e := range c.byHash {
		if seen == 0 || !now.Before(e.expires) {
			victim = h
		}
		if seen++; seen == 8 || !now.Before(e.expires) {
			break
		}
	}
	c.removeLocked(victim)
}

func (c *TokenCache) removeLocked(h [32]byte) {
	if e, ok := c.byHash[h]; ok {
		delete(c.byHash, h)
		if c.byDevice[e.p.DeviceID] == h {
			delete(c.byDevice, e.p.DeviceID)
		}
	}
}

// drop removes an expired entry the database no longer vouches for.
func (c *TokenCache) drop(h [32]byte, gen uint64) {
	c.mu.Lock()
	if c.gen == gen {
		c.removeLocked(h)
	}
	c.mu.Unlock()
}

// Forget drops a device's cached token (call it when the device is
// revoked or erased).
func (c *TokenCache) Forget(deviceID string) {
	c.mu.Lock()
	c.gen++
	if h, ok := c.byDevice[deviceID]; ok {
		delete(c.byHash, h)
		delete(c.byDevice, deviceID)
	}
	c.mu.Unlock()
}

// Len is the number of cached tokens.
func (c *TokenCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byHash)
}

// lookups coalesces token look-ups that miss the cache, as the writer
// coalesces reports: the first look-up asks the database at once, alone
// (store.TokenOwner: an idle server adds no delay); those that miss while
// a query runs wait and are asked together in the next one
// (store.TokenOwners), led by one of them, and so on. Under sgload
// (64 agents, each report from another device) a look-up was 13-18 % of
// the server's CPU on SQLite and 18 % on PostgreSQL, plus a round trip
// and a backend's work each there; most of it is the query's fixed cost
// (a read transaction, which on SQLite reads its pages afresh after each
// commit; database/sql's work), which a batch pays once.
//
// A query is not tied to any one request's context (a batch serves
// several); it is bounded by lookupTimeout instead. Revocation stays
// immediate: a look-up joins only a batch whose query has not started,
// so a look-up that begins after a revocation committed is answered by a
// query that began after it too.
type lookups struct {
	st store.Store

	mu sync.Mutex
	// asking counts the queries being asked (or batches being gathered,
	// see lingering): a full batch's query runs beside the one before it,
	// so there may be two. next gathers the look-ups that arrive
	// meanwhile; each query that ends hands it over (handOver).
	asking int
	next   *lookupBatch
	// last is when the last look-up arrived, gap the moving average of
	// the time between look-ups (see lingering).
	last time.Time
	gap  time.Duration
}

// lookupBatch is one query's look-ups and, once done is closed, its
// answers.
type lookupBatch struct {
	hashes  [][32]byte
	holders []store.TokenHolder
	err     error
	// lead is sent to once, when the query before ends: the waiter that
	// receives it asks this batch's query.
	lead chan struct{}
	done chan struct{}
	// full, for a batch its first look-up gathers (lingering), is closed
	// when the batch reaches lingerBatch look-ups; that look-up asks the
	// query, and lead is nil.
	full chan struct{}
}

// Bounds of a look-up query.
const (
	maxLookupBatch = 256
	lookupTimeout  = 10 * time.Second
)

// Lingering: when look-ups arrive less than lingerBelow apart on average
// (over 2,500 a second), the one that finds no query running does not
// ask at once but gathers the look-ups of the next linger (at most
// lingerBatch) and asks them together. A query's fixed cost dominates on
// SQLite under ingest: each commit empties a reader's page cache, so a
// look-up alone cost 37.6 µs, four together 19.9 µs each, eight 14.5 µs
// (100k devices, a report committed before each query). Reports wait
// milliseconds for their group commit and its flush anyway; a server
// that is not that busy never lingers, and lingerBelow < linger, so
// look-ups one after another (each waiting out the linger) soon stop
// lingering.
const (
	linger      = 500 * time.Microsecond
	lingerBelow = 400 * time.Microsecond
	lingerBatch = 32
)

// owner returns the device holding the token with hash h, or
// store.ErrUnauthorized.
func (l *lookups) owner(ctx context.Context, h [32]byte) (store.TokenHolder, error) {
	l.mu.Lock()
	busy := l.arrived(time.Now())
	if l.asking == 0 {
		l.asking++
		if busy {
			return l.gather(ctx, h)
		}
		l.mu.Unlock()
		b := &lookupBatch{hashes: [][32]byte{h}}
		l.ask(ctx, b)
		l.handOver()
		return b.answer(0)
	}
	b := l.next
	if b == nil {
		b = &lookupBatch{lead: make(chan struct{}, 1), done: make(chan struct{})}
		l.next = b
	}
	i := len(b.hashes)
	b.hashes = append(b.hashes, h)
	switch {
	case b.full != nil && len(b.hashes) == lingerBatch:
		l.next = nil // gathered enough: later look-ups start the next batch
		close(b.full)
	case b.full == nil && len(b.hashes) == maxLookupBatch:
		// Full: it is asked now, beside the query in flight, and later
		// look-ups start the batch after it.
		l.next = nil
		l.asking++
		b.lead <- struct{}{}
	}
	l.mu.Unlock()
	select {
	case <-b.lead: // nil (never ready) for a gathered batch
		l.ask(ctx, b)
		close(b.done)
		l.handOver()
	case <-b.done:
	}
	return b.answer(i)
}

// arrived notes a look-up's arrival at now (l.mu held) and reports
// whether look-ups are arriving fast enough to linger.
func (l *lookups) arrived(now time.Time) bool {
	gap := min(max(now.Sub(l.last), 0), time.Second)
	l.last = now
	// A moving average over about eight look-ups.
	l.gap += (gap - l.gap) / 8
	return l.gap < lingerBelow
}

// gather is owner for the look-up that lingers (called with l.mu held,
// its query counted in l.asking): it opens a batch for the look-ups of
// the next linger, then asks them all.
func (l *lookups) gather(ctx context.Context, h [32]byte) (store.TokenHolder, error) {
	b := &lookupBatch{hashes: [][32]byte{h}, done: make(chan struct{}), full: make(chan struct{})}
	l.next = b
	l.mu.Unlock()
	t := time.NewTimer(linger)
	select {
	case <-b.full:
	case <-t.C:
	}
	t.Stop()
	l.mu.Lock()
	if l.next == b {
		l.next = nil
	}
	l.mu.Unlock()
	l.ask(ctx, b)
	close(b.done)
	l.handOver()
	return b.answer(0)
}

// handOver ends a query: the batch gathered meanwhile is asked next, by
// one of its own look-ups. A lingering batch is not handed over: the
// look-up that opened it asks it when its linger ends (it has no lead to
// send; sending on its nil lead once hung the query's own request for
// good, when two queries were in flight and the first to end had let a
// lingering batch begin).
func (l *lookups) handOver() {
	l.mu.Lock()
	l.asking--
	next := l.next
	if next == nil || next.lead == nil {
		l.mu.Unlock()
		return
	}
	l.next = nil
	l.asking++
	l.mu.Unlock()
	next.lead <- struct{}{}
}

// ask runs b's query.
func (l *lookups) ask(ctx context.Context, b *lookupBatch) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
	defer cancel()
	if len(b.hashes) == 1 {
		var h store.TokenHolder
		h.DeviceID, h.TeamID, b.err = l.st.TokenOwner(ctx, b.hashes[0])
		if errors.Is(b.err, store.ErrUnauthorized) {
			b.err = nil
		}
		b.holders = []store.TokenHolder{h}
		return
	}
	b.holders, b.err = l.st.TokenOwners(ctx, b.hashes)
}

// answer is look-up i's device, or store.ErrUnauthorized.
func (b *lookupBatch) answer(i int) (store.TokenHolder, error) {
	if b.err != nil {
		return store.TokenHolder{}, b.err
	}
	if b.holders[i].DeviceID == "" {
		return store.TokenHolder{}, store.ErrUnauthorized
	}
	return b.holders[i], nil
}

// revokingStore is the store as the rest of the server sees it: revoking a
// device also forgets its token here, saving a policy forgets the team's
// cached policy.
type revokingStore struct {
	store.Store
	tokens   *TokenCache
	policies *policyCache
}

func (s *revokingStore) SetTeamPolicy(ctx context.Context, teamID string, policy json.RawMessage, ifMatch string) (store.Team, error) {
	// Before and after, as for RevokeDevice: a poll that read the old
	// policy meanwhile does not cache it (the generation moved).
	s.policies.forget(teamID)
	t, err := s.Store.SetTeamPolicy(ctx, teamID, policy, ifMatch)
	s.policies.forget(teamID)
	return t, err
}

func (s *revokingStore) RevokeDevice(ctx context.Context, id string) error {
	// Forget before and after: a lookup between the two cannot re-cache the
	// device (the generation moved), and none after the commit finds it.
	s.tokens.Forget(id)
	err := s.Store.RevokeDevice(ctx, id)
	s.tokens.Forget(id)
	return err
}

func (s *revokingStore) EraseDevice(ctx context.Context, deviceID string, batch int) (store.Erased, error) {
	s.tokens.Forget(deviceID)
	e, err := s.Store.EraseDevice(ctx, deviceID, batch)
	s.tokens.Forget(deviceID)
	return e, err
}
