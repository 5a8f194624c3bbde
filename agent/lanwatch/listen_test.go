package lanwatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// listener is a probe.MDNSListener the test speaks through.
type listener struct {
	mu      sync.Mutex
	heard   func(probe.MDNSAnnouncement)
	listens atomic.Int32
	fail    error
}

func (l *listener) ListenMDNS(ctx context.Context, _ []string, heard func(probe.MDNSAnnouncement)) error {
	l.listens.Add(1)
	if l.fail != nil {
		return l.fail
	}
	l.mu.Lock()
	l.heard = heard
	l.mu.Unlock()
	<-ctx.Done()
	return nil
}

func announce(name string, ttl time.Duration) probe.MDNSAnnouncement {
	return probe.MDNSAnnouncement{Service: "_googlecast._tcp", TTL: ttl,
		Instance: probe.MDNSInstance{Name: name, Port: 8009, TXT: []string{"md=Google Nest Mini"}}}
}

func names(t *testing.T, p probe.Probe) []string {
	t.Helper()
	found, err := p.MDNS(t.Context(), "_googlecast._tcp")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range found {
		out = append(out, f.Name)
	}
	return out
}

func TestHeardAddsToTheBrowseAndGoodbyeRemoves(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}}
	w := New(l, []string{"_googlecast._tcp"}, time.Hour, time.Hour)
	clock := time.Now()
	w.now = func() time.Time { return clock }
	p := w.Probe(l)

	// Heard before any browse: not an observation (a check browses live).
	w.heard(announce("Early", time.Minute))
	if _, ok := w.latest("_googlecast._tcp"); ok {
		t.Fatal("an announcement made an observation without a browse")
	}

	l.set("_googlecast._tcp", nestMini)
	w.BrowseAll(t.Context())
	browses := l.browses.Load()
	w.heard(announce("Hall", 2*time.Minute))
	w.heard(announce("Den", 10*time.Second))
	if got := fmt.Sprint(names(t, p)); got != "[Den Hall Kitchen]" {
		t.Errorf("after two announcements: %s", got)
	}
	if at, ok := p.(interface {
		ObservedAt(string) (time.Time, bool)
	}).ObservedAt("_googlecast._tcp"); !ok || !at.Equal(clock) {
		t.Errorf("ObservedAt = %v, %v; want the browse's time, not the announcement's", at, ok)
	}
	clock = clock.Add(30 * time.Second) // Den's TTL lapses
	w.heard(probe.MDNSAnnouncement{Service: "_googlecast._tcp", Instance: probe.MDNSInstance{Name: "KITCHEN"}})
	if got := fmt.Sprint(names(t, p)); got != "[Hall]" {
		t.Errorf("after Den's TTL and Kitchen's goodbye: %s", got)
	}
	if l.browses.Load() != browses {
		t.Error("answering browsed live")
	}

	// A noisy network: at most MaxInstances, lapsed ones making room.
	for i := range 2 * MaxInstances {
		w.heard(announce(fmt.Sprintf("n%d", i), time.Minute))
	}
	if n := len(names(t, p)); n != MaxInstances {
		t.Errorf("%d instances kept, want the cap %d", n, MaxInstances)
	}
	clock = clock.Add(time.Minute + time.Second)
	w.heard(announce("Late", time.Minute))
	if got := fmt.Sprint(names(t, p)); got != "[Hall Late]" {
		t.Errorf("after every n* lapsed: %s", got)
	}

	// A failed browse is not added to.
	l.fail = probe.ErrUnavailable
	w.BrowseAll(t.Context())
	w.heard(announce("After", time.Minute))
	if found, err := p.MDNS(t.Context(), "_googlecast._tcp"); err == nil || len(found) != 1 {
		t.Errorf("after a failed browse: %+v, %v; want the browse's answer and its error", found, err)
	}
}

func TestListenRejoinsAfterForgetAndRetriesAfterFailure(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}}
	w := New(l, []string{"_googlecast._tcp"}, 20*time.Millisecond, time.Hour)
	ls := &listener{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { w.Listen(ctx, ls); close(done) }()
	waitFor(t, func() bool { return ls.listens.Load() == 1 })
	w.Forget()
	waitFor(t, func() bool { return ls.listens.Load() == 2 })
	cancel()
	<-done

	failing := &listener{fail: probe.ErrUnavailable}
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	go w.Listen(ctx, failing)
	waitFor(t, func() bool { return failing.listens.Load() >= 3 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A system where the probe does not listen (macOS, Windows) is not asked
// again every interval: the periodic browse stands in.
func TestListenStopsWhereUnsupported(t *testing.T) {
	w := New(&lan{answers: map[string][]probe.MDNSInstance{}}, []string{"_googlecast._tcp"}, 20*time.Millisecond, time.Hour)
	unsupported := &listener{fail: fmt.Errorf("mdns listen: %w on plan9", errors.ErrUnsupported)}
	done := make(chan struct{})
	go func() { w.Listen(t.Context(), unsupported); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Listen kept retrying a listener that is not supported")
	}
	if n := unsupported.listens.Load(); n != 1 {
		t.Errorf("asked %d times, want once", n)
	}
}
