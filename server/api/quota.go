package api

import (
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// Per-device quotas (issue 16, item 9): one device token could grow the
// database without bound (346 MB in 17 s). Every report and session
// request spends from two token buckets of its device — requests, and
// body bytes — that refill at a steady rate. A request the buckets cannot
// pay for is answered 429 with Retry-After (when they will have refilled
// enough) and stores nothing; the agent's reporter keeps the envelope
// spooled and waits at least that long (agent/reporter).
//
// The defaults leave an honest agent far inside them: it sends a check run
// every few minutes (a few KiB) and a session record per session, and a
// laptop back from a week offline drains its spool within a couple of
// hours. The counts live in memory, per server replica.

// QuotaOptions are the per-device quotas on POST /api/v1/reports and
// /api/v1/sessions. Zero fields take the defaults.
type QuotaOptions struct {
	// Requests is the burst a device may send at once; one more is
	// allowed every RequestEvery.
	Requests     int
	RequestEvery time.Duration
	// Bytes is the burst of body bytes; BytesPerHour the refill.
	Bytes        int64
	BytesPerHour int64
	// Off turns the quotas off.
	Off bool
}

// Defaults of QuotaOptions.
const (
	DefaultQuotaRequests     = 120
	DefaultQuotaRequestEvery = 10 * time.Second // 360 an hour
	DefaultQuotaBytes        = 4 << 20
	DefaultQuotaBytesPerHour = 32 << 20
)

func (o QuotaOptions) withDefaults() QuotaOptions {
	if o.Requests <= 0 {
		o.Requests = DefaultQuotaRequests
	}
	if o.RequestEvery <= 0 {
		o.RequestEvery = DefaultQuotaRequestEvery
	}
	if o.Bytes <= 0 {
		o.Bytes = DefaultQuotaBytes
	}
	if o.BytesPerHour <= 0 {
		o.BytesPerHour = DefaultQuotaBytesPerHour
	}
	return o
}

const quotaShards = 64

// quotas holds every device's buckets, sharded so that concurrent
// requests of different devices rarely share a lock.
type quotas struct {
	o      QuotaOptions
	now    func() time.Time
	seed   maphash.Seed
	shards [quotaShards]quotaShard
}

type quotaShard struct {
	mu sync.Mutex
	m  map[string]*buckets
}

// buckets are one device's remaining requests and bytes at a time.
type buckets struct {
	requests, bytes float64
	at              time.Time
}

func newQuotas(o QuotaOptions, now func() time.Time) *quotas {
	q := &quotas{o: o.withDefaults(), now: now, seed: maphash.MakeSeed()}
	for i := range q.shards {
		q.shards[i].m = map[string]*buckets{}
	}
	return q
}

// take spends requests and bytes of device's quota. When the buckets
// cannot pay, nothing is spent and the wait until they can is returned.
func (q *quotas) take(device string, requests int, bytes int64) time.Duration {
	if q == nil || q.o.Off {
		return 0
	}
	sh := &q.shards[maphash.String(q.seed, device)%quotaShards]
	now := q.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.m[device]
	if b == nil {
		b = &buckets{requests: float64(q.o.Requests), bytes: float64(q.o.Bytes), at: now}
		sh.m[device] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.requests = math.Min(float64(q.o.Requests), b.requests+float64(elapsed)/float64(q.o.RequestEvery))
		b.bytes = math.Min(float64(q.o.Bytes), b.bytes+elapsed.Hours()*float64(q.o.BytesPerHour))
		b.at = now
	}
	var wait time.Duration
	if short := float64(requests) - b.requests; short > 0 {
		wait = time.Duration(short * float64(q.o.RequestEvery))
	}
	if short := float64(bytes) - b.bytes; short > 0 {
		if float64(bytes) > float64(q.o.Bytes) {
			return time.Hour // never fits: the body limit keeps this from happening
		}
		wait = max(wait, time.Duration(short/float64(q.o.BytesPerHour)*float64(time.Hour)))
	}
	if wait > 0 {
		return wait
	}
	b.requests -= float64(requests)
	b.bytes -= float64(bytes)
	return 0
}
