package api_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// queryCountingStore counts the token lookups that reach the database.
type queryCountingStore struct {
	store.Store
	queries atomic.Int64
}

func (s *queryCountingStore) DeviceByToken(ctx context.Context, token string) (store.Device, error) {
	s.queries.Add(1)
	return s.Store.DeviceByToken(ctx, token)
}

// TestTokenCacheLoadsEveryToken: the first lookup loads every active
// device's token hash, after which lookups of other devices ask the
// database nothing; a forgotten (revoked) device is refused at once, and a
// device revoked behind the cache's back once its entry expires.
func TestTokenCacheLoadsEveryToken(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		team, _, _ := storetest.Enrolled(t, st, "tokens-"+time.Now().Format("150405.000000"))
		ids, tokens := storetest.SeedDevices(t, st, team.ID, 50)
		counting := &queryCountingStore{Store: st}
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		cache := api.NewTokenCache(counting, time.Minute, func() time.Time { return time.Unix(0, clock.Load()) })
		ctx := t.Context()

		if p, err := cache.Lookup(ctx, tokens[0]); err != nil || p.DeviceID != ids[0] || p.TeamID != team.ID {
			t.Fatalf("first lookup: %+v %v", p, err)
		}
		for deadline := time.Now().Add(10 * time.Second); cache.Len() < len(ids); {
			if time.Now().After(deadline) {
				t.Fatalf("the cache holds %d tokens after 10 s, want at least %d", cache.Len(), len(ids))
			}
			time.Sleep(5 * time.Millisecond)
		}
		before := counting.queries.Load()
		for i, tok := range tokens {
			if p, err := cache.Lookup(ctx, tok); err != nil || p.DeviceID != ids[i] {
				t.Fatalf("lookup %d after the load: %+v %v", i, p, err)
			}
		}
		if n := counting.queries.Load() - before; n != 0 {
			t.Errorf("%d lookups reached the database after the load, want 0", n)
		}
		if _, err := cache.Lookup(ctx, "sgdt_unknown"); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("unknown token: %v, want ErrUnauthorized", err)
		}

		// Revoked through the server: forgotten, refused at once.
		if err := st.RevokeDevice(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
		cache.Forget(ids[1])
		if _, err := cache.Lookup(ctx, tokens[1]); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("forgotten revoked device: %v, want ErrUnauthorized", err)
		}

		// Revoked by another replica: trusted until the entry expires.
		if err := st.RevokeDevice(ctx, ids[2]); err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Lookup(ctx, tokens[2]); err != nil {
			t.Errorf("within the TTL: %v, want the cached device (the documented bound)", err)
		}
		clock.Add(int64(time.Minute + time.Second))
		if _, err := cache.Lookup(ctx, tokens[2]); !errors.Is(err, store.ErrUnauthorized) {
			t.Errorf("after the TTL: %v, want ErrUnauthorized", err)
		}
		if p, err := cache.Lookup(ctx, tokens[3]); err != nil || p.DeviceID != ids[3] {
			t.Errorf("an active device after the TTL: %+v %v", p, err)
		}
	})
}
