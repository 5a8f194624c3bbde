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

// maxCachedTokens bounds the cache (about 150 bytes an entry); past it the
// cache starts afresh rather than grow.
const maxCachedTokens = 1 << 20

// TokenCache authenticates device tokens with a cache of token hash →
// device in front of store.DeviceByToken, so a report costs one SHA-256
// and a map lookup instead of a query. Only devices that are not revoked
// are cached, keyed by the hash (never the token), for at most the TTL.
//
// The cache is filled two ways: a lookup that misses asks the database for
// that one token, and the first lookup starts a background load of every
// active device's token hash (store.DeviceTokenHashes), reloaded whenever
// half the TTL has passed. At 100k devices each reporting now and then,
// almost every report would otherwise miss (a query of its own, 50 µs of
// CPU on SQLite, a round trip on PostgreSQL); the load reads 100k short rows
// every few seconds instead.
//
// Revocation: Forget drops a device at once, and neither a lookup nor a
// load that raced with it caches the device again (a generation counter,
// and the devices forgotten while a load was running), so on this server a
// revoked device is refused from the next request on. Another server
// sharing the database learns of it when its entry expires: every entry,
// loaded or looked up, expires TTL after the database was read, so the TTL
// is the bound.
type TokenCache struct {
	st  store.Store
	ttl time.Duration
	now func() time.Time

	mu       sync.RWMutex
	gen      uint64
	byHash   map[[32]byte]cachedToken
	byDevice map[string][32]byte
	// loadedAt is when the last load of every token started (zero: none
	// yet); loading is set while one runs, with forgotten collecting the
	// devices Forget dropped meanwhile.
	loadedAt  time.Time
	loading   bool
	forgotten map[string]bool
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
	now := c.now()
	c.mu.RLock()
	e, ok := c.byHash[h]
	gen := c.gen
	reload := c.ttl > 0 && !c.loading && now.Sub(c.loadedAt) >= c.ttl/2
	c.mu.RUnlock()
	if reload {
		c.startLoad(ctx)
	}
	if ok && now.Before(e.expires) {
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
		c.byHash[h] = cachedToken{p: p, expires: now.Add(c.ttl)}
		c.byDevice[p.DeviceID] = h
	}
	c.mu.Unlock()
	return p, nil
}

// startLoad starts a background load of every active token unless one is
// running.
func (c *TokenCache) startLoad(ctx context.Context) {
	c.mu.Lock()
	if c.loading {
		c.mu.Unlock()
		return
	}
	started := c.now()
	c.loading, c.loadedAt, c.forgotten = true, started, map[string]bool{}
	c.mu.Unlock()
	go c.load(context.WithoutCancel(ctx), started)
}

// load reads every active device's token hash and installs them, each
// trusted until TTL after started (before the read began). Entries looked
// up meanwhile and not yet expired are kept; devices forgotten meanwhile
// are left out.
func (c *TokenCache) load(ctx context.Context, started time.Time) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	expires := started.Add(c.ttl)
	byHash := map[[32]byte]cachedToken{}
	byDevice := map[string][32]byte{}
	err := c.st.DeviceTokenHashes(ctx, func(h [32]byte, deviceID, teamID string) error {
		if len(byHash) >= maxCachedTokens {
			return errTooManyTokens
		}
		byHash[h] = cachedToken{p: Principal{DeviceID: deviceID, TeamID: teamID}, expires: expires}
		byDevice[deviceID] = h
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loading = false
	if err != nil {
		// Lookups go on asking the database one token at a time; the next
		// load is tried once half the TTL has passed.
		c.forgotten = nil
		return
	}
	for id := range c.forgotten {
		if h, ok := byDevice[id]; ok {
			delete(byHash, h)
			delete(byDevice, id)
		}
	}
	c.forgotten = nil
	now := c.now()
	for h, e := range c.byHash {
		if _, loaded := byHash[h]; !loaded && now.Before(e.expires) && len(byHash) < maxCachedTokens {
			byHash[h] = e
			byDevice[e.p.DeviceID] = h
		}
	}
	c.byHash, c.byDevice = byHash, byDevice
}

// errTooManyTokens stops a load past maxCachedTokens devices (lookups then
// ask the database token by token).
var errTooManyTokens = errors.New("more active devices than the token cache holds")

// Forget drops a device's cached token (call it when the device is
// revoked or erased).
func (c *TokenCache) Forget(deviceID string) {
	c.mu.Lock()
	c.gen++
	if c.forgotten != nil {
		c.forgotten[deviceID] = true
	}
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
