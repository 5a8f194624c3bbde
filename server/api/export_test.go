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
