package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// poll asks for the policy with an If-None-Match and returns the status
// and the ETag.
func (f *fixture) poll(t *testing.T, ifNoneMatch string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+report.PathPolicy, nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("ETag")
}

// TestPolicyConfirmation: a poll naming the current ETag records that the
// device runs it, with the time of the first such poll; "*" and an old
// ETag record nothing.
func TestPolicyConfirmation(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		var mu sync.Mutex
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		f := newFixture(t, st, api.Options{Now: clock})
		etag := `"` + f.team.ETag + `"`
		if code, _ := f.poll(t, "*"); code != http.StatusNotModified {
			t.Fatalf("If-None-Match *: %d, want 304", code)
		}
		if code, _ := f.poll(t, `"old"`); code != http.StatusOK {
			t.Fatalf("an old ETag: %d, want 200", code)
		}
		applied := func() store.Device {
			t.Helper()
			d, err := st.Device(t.Context(), f.deviceID)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		time.Sleep(1500 * time.Millisecond) // past a flush
		if d := applied(); d.PolicyETag != "" {
			t.Fatalf("after * and an old ETag the device runs %q; want nothing recorded", d.PolicyETag)
		}
		first := now
		for range 3 {
			if code, _ := f.poll(t, etag); code != http.StatusNotModified {
				t.Fatalf("current ETag: %d, want 304", code)
			}
			mu.Lock()
			now = now.Add(time.Minute)
			mu.Unlock()
		}
		waitFor(t, "the confirmation to be written", func() bool { return applied().PolicyETag == f.team.ETag })
		if d := applied(); !d.PolicyAppliedAt.Equal(first) {
			t.Errorf("applied at %v, want the first confirmation's time %v", d.PolicyAppliedAt, first)
		}
	})
}

// TestPolicyCacheOtherReplica: a policy saved behind the API's back (by
// another replica) is answered once the cached one expires.
func TestPolicyCacheOtherReplica(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		f := newFixture(t, st, api.Options{Now: clock})
		_, etag := f.poll(t, "")
		if _, err := st.SetTeamPolicy(t.Context(), f.team.ID, json.RawMessage(`{"allow_override":false}`), ""); err != nil {
			t.Fatal(err)
		}
		if code, _ := f.poll(t, etag); code != http.StatusNotModified {
			t.Errorf("within the cache TTL: %d, want 304 (the cached policy)", code)
		}
		mu.Lock()
		now = now.Add(api.DefaultPolicyCacheTTL)
		mu.Unlock()
		if code, got := f.poll(t, etag); code != http.StatusOK || got == etag {
			t.Errorf("after the cache TTL: %d %s, want 200 with a new ETag", code, got)
		}
	})
}

// BenchmarkPolicyPoll is an agent's per-minute poll answered 304 (the
// steady state: ~2k a second at 100k devices), on the handler alone, with
// the policy cache and without it (every poll reads the team).
func BenchmarkPolicyPoll(b *testing.B) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(c.name, func(b *testing.B) {
			st := storetest.OpenSQLite(b)
			if err := st.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			a, err := api.New(st, api.Options{PolicyCacheTTL: c.ttl})
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			team, _, token := storetest.Enrolled(b, st, "bench")
			req := httptest.NewRequest(http.MethodGet, report.PathPolicy, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("If-None-Match", `"`+team.ETag+`"`)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					a.ServeHTTP(w, req)
					if w.Code != http.StatusNotModified {
						b.Errorf("poll answered %d", w.Code)
						return
					}
				}
			})
		})
	}
}
