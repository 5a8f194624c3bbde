// Package lanwatch keeps the agent's view of the local network current in
// the background, so a check asked of the running agent reads the LAN
// without waiting for it.
//
// The smart-speakers check browses mDNS for a few DNS-SD service types; a
// browse takes its full timeout (250 ms) whatever answers, which made it
// most of the time a practitioner waited for "Check again". A Watcher
// browses those types at start and every Interval, and its Probe wrapper
// answers MDNS from the latest browse while it is younger than MaxAge
// (saying how old it is through ObservedAt); older, or never browsed, it
// browses live as before. Everything else the wrapper passes through.
package lanwatch

import (
	"context"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Defaults of a Watcher.
const (
	// DefaultInterval is how often the background browse runs: a device
	// that joins the network is seen within a minute.
	DefaultInterval = time.Minute
	// DefaultMaxAge is the oldest browse answered from: past it (the
	// computer slept, the browse failed twice) a check browses live.
	DefaultMaxAge = 3 * time.Minute
)

// observation is one service type's latest browse.
type observation struct {
	at        time.Time
	instances []probe.MDNSInstance
	err       error
}

// Watcher browses a set of service types in the background.
type Watcher struct {
	p        probe.Probe
	services []string
	interval time.Duration
	maxAge   time.Duration
	now      func() time.Time

	mu  sync.Mutex
	obs map[string]observation
}

// New returns a Watcher of services through p; zero durations take the
// defaults.
func New(p probe.Probe, services []string, interval, maxAge time.Duration) *Watcher {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	return &Watcher{p: p, services: services, interval: interval, maxAge: maxAge, now: time.Now, obs: map[string]observation{}}
}

// Run browses at once and then every interval until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		w.BrowseAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// BrowseAll browses every service type concurrently and keeps what each
// answered. A browse that failed keeps its error: answering a check with
// "could not browse" is as honest live as from the background.
func (w *Watcher) BrowseAll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, svc := range w.services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found, err := w.p.MDNS(ctx, svc)
			if ctx.Err() != nil {
				return // cut short by shutdown: not an observation
			}
			w.mu.Lock()
			w.obs[svc] = observation{at: w.now(), instances: found, err: err}
			w.mu.Unlock()
		}()
	}
	wg.Wait()
}

// Forget drops every observation (the computer joined another network):
// until the next browse, checks browse live.
func (w *Watcher) Forget() {
	w.mu.Lock()
	clear(w.obs)
	w.mu.Unlock()
}

// latest is the browse of svc if it is younger than maxAge.
func (w *Watcher) latest(svc string) (observation, bool) {
	w.mu.Lock()
	o, ok := w.obs[svc]
	w.mu.Unlock()
	if !ok || w.now().Sub(o.at) > w.maxAge || w.now().Before(o.at) {
		return observation{}, false
	}
	return o, true
}

// Probe wraps inner: MDNS answers from the background browse while it is
// fresh. inner is normally the probe the Watcher browses through.
func (w *Watcher) Probe(inner probe.Probe) probe.Probe { return &watched{Probe: inner, w: w} }

type watched struct {
	probe.Probe
	w *Watcher
}

// MDNS answers from the latest background browse of service when it is
// fresh, else browses live.
func (p *watched) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	if o, ok := p.w.latest(service); ok {
		return append([]probe.MDNSInstance(nil), o.instances...), o.err
	}
	return p.Probe.MDNS(ctx, service)
}

// ObservedAt says when the answer MDNS gives for service was observed:
// the time of the background browse, or false when MDNS would browse now.
func (p *watched) ObservedAt(service string) (time.Time, bool) {
	o, ok := p.w.latest(service)
	return o.at, ok
}

// Host passes the inner probe's host information through.
func (p *watched) Host() probe.Host { return probe.HostOf(p.Probe) }

// OEMCodePage passes the inner probe's console code page through, so
// Windows command output decodes as it does without the wrapper.
func (p *watched) OEMCodePage() int {
	if cp, ok := p.Probe.(probe.CodePager); ok {
		return cp.OEMCodePage()
	}
	return 0
}
