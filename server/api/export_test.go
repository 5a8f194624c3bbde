package api

import (
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// NewTokenCacheOf is NewTokenCache with a given capacity, for the tests of
// its bound.
func NewTokenCacheOf(st store.Store, ttl time.Duration, capacity int, now func() time.Time) *TokenCache {
	return newTokenCache(st, ttl, capacity, now)
}

// Lingering reports, for look-ups arriving at the given times one after
// another, whether each would linger (see lookups.arrived).
func Lingering(at []time.Time) []bool {
	var l lookups
	out := make([]bool, len(at))
	for i, t := range at {
		out[i] = l.arrived(t)
	}
	return out
}
