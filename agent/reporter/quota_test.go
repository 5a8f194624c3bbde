package reporter_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// Issue 16, item 9, end to end: the real API with a small per-device quota
// answers 429 with Retry-After; the reporter keeps the envelopes spooled,
// waits at least that long instead of hammering the server (its own
// backoff here is 50 ms at most), and delivers every one in the end.
func TestQuotaRetryAfterHonoured(t *testing.T) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _, tok := storetest.Enrolled(t, st, "quota")
	a, err := api.New(st, api.Options{Quota: api.QuotaOptions{Requests: 2, RequestEvery: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var statuses []int
	var at []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, r)
		mu.Lock()
		statuses = append(statuses, rec.Code)
		at = append(at, time.Now())
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(func() { srv.Close(); a.Close() })

	envs := []report.Envelope{checkRun(), session(), checkRun(), checkRun()}
	h := start(t, srv.URL, func() (string, error) { return tok, nil }, func(c *reporter.Config) { c.MaxBackoff = 50 * time.Millisecond }, envs...)
	deadline := time.Now().Add(20 * time.Second)
	for h.sp.Len() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("spool not drained: %d left", h.sp.Len())
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	ok, limited := 0, 0
	for i, code := range statuses {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			// The next attempt waits out Retry-After (1 s here).
			if i+1 < len(at) {
				if d := at[i+1].Sub(at[i]); d < 900*time.Millisecond {
					t.Errorf("retried %v after a 429 with Retry-After: 1", d)
				}
			}
		default:
			t.Errorf("status %d", code)
		}
	}
	if ok != len(envs) || limited == 0 || limited > 4 {
		t.Errorf("%d accepted, %d refused with 429 (statuses %v); want all %d delivered after a few waits", ok, limited, statuses, len(envs))
	}
}
