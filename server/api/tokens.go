package api

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Principal is the device a token belongs to.
type Principal struct {
	DeviceID string
	TeamID   string
}

// maxCachedTokens bounds the cache (about 150 bytes an entry); past it the
// cache starts afresh rather than grow.
const maxCachedTokens = 1 << 20

// TokenCache authenticates device tokens with a cache of token hash →
// device in front of store.DeviceByToken, so a report costs one SHA-256
// and a map lookup instead of a query. Only successful lookups are cached,
// keyed by the hash (never the token), for at most the TTL.
//
// Revocation: Forget drops a device at once, and a lookup that raced with
// it is not cached (a generation counter), so on this server a revoked
// device is refused from the next request on. Another server sharing the
// database learns of it when its entry expires: the TTL is the bound.
type TokenCache struct {
	st  store.Store
	ttl time.Duration
	now func() time.Time

	mu       sync.RWMutex
	gen      uint64
	byHash   map[[32]byte]cachedToken
	byDevice map[string][32]byte
}

type cachedToken struct {
	p       Principal
	expires time.Time
}

// NewTokenCache returns a cache over st; ttl ≤ 0 disables caching.
func NewTokenCache(st store.Store, ttl time.Duration, now func() time.Time) *TokenCache {
	if now == nil {
		now = time.Now
	}
	return &TokenCache{st: st, ttl: ttl, now: now, byHash: map[[32]byte]cachedToken{}, byDevice: map[string][32]byte{}}
}

// Lookup returns the token's device, or store.ErrUnauthorized.
func (c *TokenCache) Lookup(ctx context.Context, token string) (Principal, error) {
	h := sha256.Sum256([]byte(token))
	c.mu.RLock()
	e, ok := c.byHash[h]
	gen := c.gen
	c.mu.RUnlock()
	if ok && c.now().Before(e.expires) {
		return e.p, nil
	}
	d, err := c.st.DeviceByToken(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	p := Principal{DeviceID: d.ID, TeamID: d.TeamID}
	if c.ttl <= 0 {
		return p, nil
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(c.byHash) >= maxCachedTokens {
			c.byHash, c.byDevice = map[[32]byte]cachedToken{}, map[string][32]byte{}
		}
		c.byHash[h] = cachedToken{p: p, expires: c.now().Add(c.ttl)}
		c.byDevice[p.DeviceID] = h
	}
	c.mu.Unlock()
	return p, nil
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
// device also forgets its token here.
type revokingStore struct {
	store.Store
	tokens *TokenCache
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
