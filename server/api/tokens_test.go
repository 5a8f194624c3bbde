package api_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
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

func (s *queryCountingStore) TokenOwner(ctx context.Context, h [32]byte) (string, string, error) {
	s.queries.Add(1)
	return s.Store.TokenOwner(ctx, h)
}

func (s *queryCountingStore) TokenOwners(ctx context.Context, hashes [][32]byte) ([]store.TokenHolder, error) {
	s.queries.Add(1)
	return s.Store.TokenOwners(ctx, hashes)
}

// TestTokenCacheNeverScansTheFleet: a lookup asks the database for that one
// token and caches that one device (before issue 21 the first lookup
// loaded every device's token); a second lookup within the TTL asks
// nothing; a forgotten (revoked) device is refused at once, and a device
// revoked behind the cache's back once its entry expires.
func TestTokenCacheNeverScansTheFleet(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		team, _, _ := storetest.Enrolled(t, st, "tokens-"+time.Now().Format("150405.000000"))
		ids, tokens := storetest.SeedDevices(t, st, team.ID, 50)
		counting := &queryCountingStore{Store: st}
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		cache := api.NewTokenCache(counting, time.Minute, func() time.Time { return time.Unix(0, clock.Load()) })
		ctx := t.Context()

		for i := range 4 {
			if p, err := cache.Lookup(ctx, tokens[i]); err != nil || p.DeviceID != ids[i] || p.TeamID != team.ID {
				t.Fatalf("lookup %d: %+v %v", i, p, err)
			}
		}
		time.Sleep(50 * time.Millisecond) // a background load, were there one, would show
		if n, q := cache.Len(), counting.queries.Load(); n != 4 || q != 4 {
			t.Errorf("after 4 lookups: %d cached, %d queries; want 4 and 4 (one device each)", n, q)
		}
		for i := range 4 {
			if p, err := cache.Lookup(ctx, tokens[i]); err != nil || p.DeviceID != ids[i] {
				t.Fatalf("cached lookup %d: %+v %v", i, p, err)
			}
		}
		if q := counting.queries.Load(); q != 4 {
			t.Errorf("cached lookups reached the database: %d queries, want 4", q)
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

// TestTokenCacheBounded: the cache never holds more than its capacity
// however many devices report, and unknown tokens are never cached: each
// costs exactly one lookup, so a flood of made-up tokens grows nothing.
func TestTokenCacheBounded(t *testing.T) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	team, _, _ := storetest.Enrolled(t, st, "bounded")
	ids, tokens := storetest.SeedDevices(t, st, team.ID, 200)
	counting := &queryCountingStore{Store: st}
	const capacity = 16
	cache := api.NewTokenCacheOf(counting, time.Hour, capacity, nil)
	ctx := t.Context()
	for round := range 3 {
		for i, tok := range tokens {
			if p, err := cache.Lookup(ctx, tok); err != nil || p.DeviceID != ids[i] {
				t.Fatalf("round %d lookup %d: %+v %v", round, i, p, err)
			}
			if n := cache.Len(); n > capacity {
				t.Fatalf("the cache holds %d, capacity %d", n, capacity)
			}
		}
	}
	before := counting.queries.Load()
	const unknown = 1000
	for i := range unknown {
		if _, err := cache.Lookup(ctx, fmt.Sprintf("sgdt_made_up_%d", i%10)); !errors.Is(err, store.ErrUnauthorized) {
			t.Fatalf("unknown token: %v, want ErrUnauthorized", err)
		}
	}
	if q := counting.queries.Load() - before; q != unknown {
		t.Errorf("%d unknown-token lookups cost %d queries, want exactly one each", unknown, q)
	}
	if n := cache.Len(); n > capacity {
		t.Errorf("after the unknown tokens the cache holds %d, capacity %d", n, capacity)
	}
	// A forgotten device is refused even if it was evicted and re-cached.
	if err := st.RevokeDevice(ctx, ids[5]); err != nil {
		t.Fatal(err)
	}
	cache.Forget(ids[5])
	if _, err := cache.Lookup(ctx, tokens[5]); !errors.Is(err, store.ErrUnauthorized) {
		t.Errorf("revoked device: %v, want ErrUnauthorized", err)
	}
}

// gatedStore holds its first token look-up until gate is closed, and
// counts the look-up queries and the tokens each asked.
type gatedStore struct {
	store.Store
	gate    chan struct{}
	first   sync.Once
	queries atomic.Int64
	batches chan int
}

func (s *gatedStore) TokenOwner(ctx context.Context, h [32]byte) (string, string, error) {
	s.first.Do(func() { <-s.gate })
	s.queries.Add(1)
	s.batches <- 1
	return s.Store.TokenOwner(ctx, h)
}

func (s *gatedStore) TokenOwners(ctx context.Context, hashes [][32]byte) ([]store.TokenHolder, error) {
	s.queries.Add(1)
	s.batches <- len(hashes)
	return s.Store.TokenOwners(ctx, hashes)
}

// TestTokenLookupsCoalesce: look-ups that miss the cache while a query
// runs are asked together in the next query, each answered as alone:
// known devices found, unknown tokens and a revoked device refused.
func TestTokenLookupsCoalesce(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		team, _, _ := storetest.Enrolled(t, st, "coalesce-"+time.Now().Format("150405.000000"))
		ids, tokens := storetest.SeedDevices(t, st, team.ID, 60)
		if err := st.RevokeDevice(t.Context(), ids[5]); err != nil {
			t.Fatal(err)
		}
		gated := &gatedStore{Store: st, gate: make(chan struct{}), batches: make(chan int, 100)}
		cache := api.NewTokenCache(gated, time.Minute, nil)
		const n = 40
		errs := make([]error, n)
		got := make([]api.Principal, n)
		var wg sync.WaitGroup
		lookup := func(i int) {
			tok := tokens[i]
			if i%10 == 9 {
				tok = fmt.Sprintf("unknown-%d", i)
			}
			got[i], errs[i] = cache.Lookup(t.Context(), tok)
		}
		wg.Go(func() { lookup(0) }) // held at the gate
		time.Sleep(50 * time.Millisecond)
		for i := 1; i < n; i++ {
			wg.Go(func() { lookup(i) })
		}
		time.Sleep(200 * time.Millisecond) // all of them waiting behind the first
		close(gated.gate)
		wg.Wait()
		close(gated.batches)
		var sizes []int
		for b := range gated.batches {
			sizes = append(sizes, b)
		}
		for i := range n {
			switch {
			case i%10 == 9 || i == 5:
				if !errors.Is(errs[i], store.ErrUnauthorized) {
					t.Errorf("look-up %d (unknown or revoked): %+v %v, want ErrUnauthorized", i, got[i], errs[i])
				}
			case errs[i] != nil || got[i].DeviceID != ids[i] || got[i].TeamID != team.ID:
				t.Errorf("look-up %d: %+v %v, want %s", i, got[i], errs[i], ids[i])
			}
		}
		if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != n-1 {
			t.Errorf("queries asked for %v tokens; want [1 %d]: the first alone, the rest together", sizes, n-1)
		}
	})
}

// TestLingeringOnlyWhenBusy: look-ups linger only while they arrive
// faster than one every 400 µs on average: not the first after a quiet
// spell, not at hundreds a second, and not for long when each arrives
// only after the last one's linger.
func TestLingeringOnlyWhenBusy(t *testing.T) {
	start := time.Now()
	every := func(n int, gap time.Duration, from time.Time) []time.Time {
		at := make([]time.Time, n)
		for i := range at {
			at[i] = from.Add(time.Duration(i) * gap)
		}
		return at
	}
	count := func(b []bool) (n int) {
		for _, x := range b {
			if x {
				n++
			}
		}
		return n
	}
	if got := api.Lingering(every(100, 2*time.Millisecond, start)); count(got) != 0 {
		t.Errorf("500 look-ups a second: %d of 100 lingered, want none", count(got))
	}
	busy := api.Lingering(every(100, 100*time.Microsecond, start))
	if busy[0] {
		t.Error("the first look-up lingered")
	}
	if count(busy[50:]) != 50 {
		t.Errorf("10,000 look-ups a second: %d of the last 50 lingered, want all", count(busy[50:]))
	}
	// Busy, then one after a second's quiet.
	at := append(every(100, 100*time.Microsecond, start), start.Add(10*time.Millisecond+time.Second))
	if got := api.Lingering(at); got[100] {
		t.Error("a look-up after a second's quiet lingered")
	}
	// One after another, each after the last one's linger (and query).
	if got := api.Lingering(every(100, 550*time.Microsecond, start)); count(got) != 0 {
		t.Errorf("look-ups 550 µs apart: %d of 100 lingered, want none", count(got))
	}
}

// instantStore answers token look-ups from memory at once, and counts
// the queries and the tokens each asked.
type instantStore struct {
	store.Store
	owners  map[[32]byte]store.TokenHolder
	mu      sync.Mutex
	batches []int
}

func (s *instantStore) TokenOwner(_ context.Context, h [32]byte) (string, string, error) {
	s.mu.Lock()
	s.batches = append(s.batches, 1)
	s.mu.Unlock()
	o, ok := s.owners[h]
	if !ok {
		return "", "", store.ErrUnauthorized
	}
	return o.DeviceID, o.TeamID, nil
}

func (s *instantStore) TokenOwners(_ context.Context, hashes [][32]byte) ([]store.TokenHolder, error) {
	s.mu.Lock()
	s.batches = append(s.batches, len(hashes))
	s.mu.Unlock()
	out := make([]store.TokenHolder, len(hashes))
	for i, h := range hashes {
		out[i] = s.owners[h]
	}
	return out, nil
}

// tokenOwners is the token hashes of devices "token-0"… held by
// "device-0"… of one team.
func tokenOwners(devices int) map[[32]byte]store.TokenHolder {
	owners := make(map[[32]byte]store.TokenHolder, devices)
	for i := range devices {
		owners[sha256.Sum256([]byte(fmt.Sprint("token-", i)))] = store.TokenHolder{DeviceID: fmt.Sprint("device-", i), TeamID: "team"}
	}
	return owners
}

// TestTokenLookupsGatherWhenBusy: look-ups arriving thousands a second
// are asked in batches even when each query ends before the next look-up
// arrives (a store that answers at once), each answered as alone.
func TestTokenLookupsGatherWhenBusy(t *testing.T) {
	const devices, clients, each = 100, 16, 50
	st := &instantStore{owners: tokenOwners(devices)}
	cache := api.NewTokenCache(st, -1, nil) // no cache: every look-up asks
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for c := range clients {
		wg.Go(func() {
			for j := range each {
				i := (c*each + j) % (devices + 7) // some unknown
				p, err := cache.Lookup(t.Context(), fmt.Sprint("token-", i))
				switch {
				case i >= devices && !errors.Is(err, store.ErrUnauthorized),
					i < devices && (err != nil || p.DeviceID != fmt.Sprint("device-", i) || p.TeamID != "team"):
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := wrong.Load(); n > 0 {
		t.Errorf("%d look-ups answered wrongly", n)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	asked := 0
	for _, b := range st.batches {
		asked += b
	}
	// Without lingering, 70-100 % of these look-ups were asked alone.
	if asked != clients*each || len(st.batches) > clients*each/3 {
		t.Errorf("%d look-ups took %d queries asking %d tokens; want them asked once each, in batches of 3 or more on average", clients*each, len(st.batches), asked)
	}
}

// slowStore answers token look-ups after a pause that varies from query
// to query, as a loaded database does.
type slowStore struct {
	instantStore
	n atomic.Int64
}

func (s *slowStore) pause() {
	time.Sleep(time.Duration(s.n.Add(1)%7) * 300 * time.Microsecond)
}

func (s *slowStore) TokenOwner(ctx context.Context, h [32]byte) (string, string, error) {
	s.pause()
	return s.instantStore.TokenOwner(ctx, h)
}

func (s *slowStore) TokenOwners(ctx context.Context, hashes [][32]byte) ([]store.TokenHolder, error) {
	s.pause()
	return s.instantStore.TokenOwners(ctx, hashes)
}

// TestTokenLookupsNeverHang: under bursts larger than a full batch (so a
// full batch's query runs beside the one before it) with queries of
// varying length, every look-up is answered. A look-up whose query ended
// while another was still running once handed over to a lingering batch,
// which has no one to hand over to, and hung for good (sgload: 4 of
// 60,000 reports never answered).
func TestTokenLookupsNeverHang(t *testing.T) {
	const devices, clients, each = 50, 700, 40
	st := &slowStore{instantStore: instantStore{owners: tokenOwners(devices)}}
	cache := api.NewTokenCache(st, -1, nil) // no cache: every look-up asks
	var done atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for j := range each {
				if _, err := cache.Lookup(context.Background(), fmt.Sprint("token-", (c+j)%devices)); err != nil {
					t.Errorf("look-up: %v", err)
				}
				done.Add(1)
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatalf("%d of %d look-ups answered after 30 s; the rest hang", done.Load(), clients*each)
	}
}
