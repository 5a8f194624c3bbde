package api

import (
	"bytes"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestQuotaRefill(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	q := newQuotas(QuotaOptions{Requests: 3, RequestEvery: 10 * time.Second, Bytes: 1000, BytesPerHour: 3600}, func() time.Time { return now })
	for i := range 3 {
		if w := q.take("a", 1, 100); w != 0 {
			t.Fatalf("request %d: wait %v", i+1, w)
		}
	}
	if w := q.take("a", 1, 100); w != 10*time.Second {
		t.Errorf("4th request: wait %v, want 10s", w)
	}
	if w := q.take("b", 1, 100); w != 0 {
		t.Errorf("another device waits %v", w)
	}
	now = now.Add(10 * time.Second)
	if w := q.take("a", 1, 100); w != 0 {
		t.Errorf("after the refill: wait %v", w)
	}
	// Bytes: 610 left, refilled at 1 a second: 900 needs 290 s more.
	if w := q.take("a", 0, 900); w < 289*time.Second || w > 291*time.Second {
		t.Errorf("900 bytes with 610 left at 1 byte/s: wait %v", w)
	}
	// A refused request spends nothing.
	if w := q.take("a", 0, 600); w != 0 {
		t.Errorf("600 bytes after a refusal: wait %v", w)
	}
	if w := q.take("a", 0, 2000); w != time.Hour {
		t.Errorf("more than the burst: wait %v, want the hour that says never", w)
	}
	off := newQuotas(QuotaOptions{Off: true}, time.Now)
	for range 1000 {
		if w := off.take("a", 1, 1<<20); w != 0 {
			t.Fatal("quotas off still limit")
		}
	}
}

func TestEscapesNUL(t *testing.T) {
	for body, want := range map[string]bool{
		`{"a":"x\u0000y"}`: true, `{"a":"\\u0000"}`: false, `{"a":"\\\u0000"}`: true,
		`{"a":"\u00001"}`: true, `{"a":"\u0001"}`: false, `{"a":"u0000"}`: false, `{"a":"\\"}`: false,
	} {
		if got := escapesNUL([]byte(body)); got != want {
			t.Errorf("escapesNUL(%s) = %v", body, got)
		}
	}
}

// BenchmarkQuotaTake is the quota's cost on every report, 64 devices'
// requests in parallel.
func BenchmarkQuotaTake(b *testing.B) {
	q := newQuotas(QuotaOptions{}, time.Now)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		id := "device-" + strconv.Itoa(int(n.Add(1)%64))
		for pb.Next() {
			q.take(id, 0, 0)
		}
	})
}

// BenchmarkEscapesNUL scans a typical 3 KiB report body.
func BenchmarkEscapesNUL(b *testing.B) {
	body := bytes.Repeat([]byte(`{"id":"firewall","summary":"The firewall is on.","facts":{"x":"\"y\""}},`), 45)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if escapesNUL(body) {
			b.Fatal("NUL")
		}
	}
}
