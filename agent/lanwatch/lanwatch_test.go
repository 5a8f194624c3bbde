package lanwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

// lan is a probe whose network answers are set by the test and counted.
type lan struct {
	probe.Probe
	mu      sync.Mutex
	answers map[string][]probe.MDNSInstance
	fail    error
	browses atomic.Int32
	delay   time.Duration
	// files are what ReadFile gives (the kernel's routing and neighbour
	// tables); a path not in it is not found.
	files map[string]string
}

func (l *lan) ReadFile(path string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.files[path]
	if !ok {
		return nil, fmt.Errorf("%s: %w", path, probe.ErrNotFound)
	}
	return []byte(b), nil
}

func (l *lan) setFile(path, content string) {
	l.mu.Lock()
	if l.files == nil {
		l.files = map[string]string{}
	}
	l.files[path] = content
	l.mu.Unlock()
}

func (l *lan) GOOS() string     { return "linux" }
func (l *lan) Now() time.Time   { return time.Now() }
func (l *lan) OEMCodePage() int { return 850 }

func (l *lan) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	l.browses.Add(1)
	select {
	case <-time.After(l.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]probe.MDNSInstance(nil), l.answers[service]...), l.fail
}

func (l *lan) set(svc string, inst ...probe.MDNSInstance) {
	l.mu.Lock()
	l.answers[svc] = inst
	l.mu.Unlock()
}

var nestMini = probe.MDNSInstance{Name: "Kitchen", Port: 8009, TXT: []string{"md=Google Nest Mini", "fn=Kitchen"}}

func TestAnswersFromTheBackgroundBrowseWhileFresh(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}, delay: 20 * time.Millisecond}
	l.set("_googlecast._tcp", nestMini)
	w := New(l, speakerServices(), time.Hour, time.Minute)
	clock := time.Now()
	w.now = func() time.Time { return clock }
	w.BrowseAll(t.Context())
	before := l.browses.Load()
	if before != int32(len(speakerServices())) {
		t.Fatalf("BrowseAll made %d browses, want one per service (%d)", before, len(speakerServices()))
	}
	p := w.Probe(l)

	// The speaker leaves the network; the watcher has not browsed again.
	l.set("_googlecast._tcp")
	clock = clock.Add(30 * time.Second)
	start := time.Now()
	r := smartspeakers.Check.Run(t.Context(), p, checks.Catalogue{smartspeakers.Check}.Default())
	if took := time.Since(start); took > 15*time.Millisecond || l.browses.Load() != before {
		t.Errorf("the check browsed live (%d browses, %v) though the background browse is fresh", l.browses.Load()-before, took)
	}
	f := facts(t, r)
	if len(f.Devices) != 1 || f.Devices[0].Model != "Google Nest Mini" {
		t.Errorf("the background browse's speaker is not in the facts: %+v", f)
	}
	for _, b := range f.Browses {
		if b.ObservedSecondsAgo == nil {
			t.Errorf("%s: the facts do not say how old the observation is", b.Service)
		}
	}
	if cp, ok := p.(probe.CodePager); !ok || cp.OEMCodePage() != 850 {
		t.Error("the wrapper hides the inner probe's code page")
	}

	// Past MaxAge the check browses live again and sees the speaker gone.
	clock = clock.Add(2 * time.Minute)
	r = smartspeakers.Check.Run(t.Context(), p, checks.Catalogue{smartspeakers.Check}.Default())
	if l.browses.Load() == before {
		t.Error("a stale observation was used instead of a live browse")
	}
	f = facts(t, r)
	if len(f.Devices) != 0 || f.Browses[0].ObservedSecondsAgo != nil {
		t.Errorf("after a live browse: %+v", f)
	}
}

func TestAFailedBrowseIsKeptAsAFailure(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}, fail: probe.ErrUnavailable}
	w := New(l, speakerServices(), time.Hour, time.Minute)
	w.BrowseAll(t.Context())
	r := smartspeakers.Check.Run(t.Context(), w.Probe(l), checks.Catalogue{smartspeakers.Check}.Default())
	if r.Status == checks.Pass {
		t.Errorf("a background browse that could not run gave %s: %s", r.Status, r.Summary)
	}
}

func TestRunBrowsesAtOnceAndStopsWithItsContext(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}, delay: time.Millisecond}
	w := New(l, []string{"_googlecast._tcp"}, 10*time.Millisecond, 0)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for l.browses.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop with its context")
	}
	if l.browses.Load() < 3 {
		t.Errorf("%d browses, want a browse at start and one every interval", l.browses.Load())
	}
	if _, ok := w.latest("_googlecast._tcp"); !ok {
		t.Error("no observation kept")
	}
}

// speakerFacts is the part of the smart speakers check's facts JSON these
// tests read.
type speakerFacts struct {
	Browses []struct {
		Service            string `json:"service"`
		ObservedSecondsAgo *int   `json:"observed_seconds_ago"`
	} `json:"browses"`
	Devices []struct {
		Model string `json:"model"`
	} `json:"devices"`
}

// speakerServices is what the smart speakers check browses.
func speakerServices() []string {
	return smartspeakers.Check.(interface{ LANServices() []string }).LANServices()
}

func facts(t *testing.T, r checks.Result) speakerFacts {
	t.Helper()
	var f speakerFacts
	if err := json.Unmarshal(r.Facts, &f); err != nil {
		t.Fatal(err)
	}
	return f
}
