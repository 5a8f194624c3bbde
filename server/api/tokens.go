package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
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
	return &TokenCache{st: st, ttl: ttl, capacity: max(capacity, 1), now: now,
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
	deviceID, teamID, err := c.st.TokenOwner(ctx, h)
	if err != nil {
		if ok {
			c.drop(h, gen)
		}
		return Principal{}, err
	}
	p := Principal{DeviceID: deviceID, TeamID: teamID}
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
