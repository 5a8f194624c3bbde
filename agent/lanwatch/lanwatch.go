// Package lanwatch keeps the agent's view of the local network current in
// the background, so a check asked of the running agent reads the LAN
// without waiting for it.
//
// The smart-speakers check browses mDNS for a few DNS-SD service types; a
// browse takes its full timeout (250 ms) whatever answers, which made it
// most of the time a practitioner waited for "Check again". A Watcher
// browses those types at start and every Interval, and its Probe wrapper
// answers MDNS from the latest browse while it is younger than MaxAge
// (saying how old it is through ObservedAt) and was made on the network
// the computer is on now; older, made elsewhere, or never browsed, it
// browses live as before. Everything else the wrapper passes through.
//
// Which network is told by more than the computer's addresses (a home and
// a café may both hand out 192.168.1.x, and the agent's network poll
// compares only addresses): each browse records the default gateways'
// link-layer addresses and the Wi-Fi access points the probe knows (see
// networkIdentity), and an answer is given from it only while they are
// the same; a difference drops every observation, as Forget does. Ages
// are told by the wall clock, which, unlike Go's monotonic clock on
// Linux, goes on while the computer sleeps: a laptop closed in one place
// and opened in another does not answer from a browse it made before.
//
// Between browses the Watcher also listens to the mDNS group passively
// (when the probe is a probe.MDNSListener, as the live one is): a device
// announcing itself, or answering another host's query, joins the latest
// browse's answer at once, and one saying goodbye leaves it. What is heard
// only adds to or takes from a browse; it never stands in for one, so a
// check never reads "nothing here" from listening alone, and the age a
// check is told stays the browse's.
package lanwatch

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
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
	// MaxInstances bounds the instances kept for one service type: a noisy
	// network cannot make the Watcher grow past it.
	MaxInstances = 256
	// listenPause is the least time between two passive listeners, so one
	// that keeps ending at once cannot spin.
	listenPause = 100 * time.Millisecond
)

// observation is one service type's latest browse, with what was heard
// since.
type observation struct {
	at    time.Time        // wall clock only
	found map[string]entry // by lower-case instance name
	err   error
	// network is the network identity when the browse began.
	network string
}

// entry is one instance of an observation.
type entry struct {
	inst probe.MDNSInstance
	// expires is when an instance that was heard, not browsed, lapses (its
	// announced TTL); zero for what the browse found, which stays until
	// the next browse.
	expires time.Time
}

// instances lists what the observation holds at now, by name.
func (o observation) instances(now time.Time) []probe.MDNSInstance {
	var out []probe.MDNSInstance
	for _, e := range o.found {
		if e.expires.IsZero() || now.Before(e.expires) {
			out = append(out, e.inst)
		}
	}
	slices.SortFunc(out, func(a, b probe.MDNSInstance) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Watcher browses a set of service types in the background.
type Watcher struct {
	p        probe.Probe
	services []string
	interval time.Duration
	maxAge   time.Duration
	now      func() time.Time
	// identity reads the network identity (networkIdentity through p).
	identity func(context.Context) string

	mu  sync.Mutex
	obs map[string]observation
	// relisten ends the passive listener so it joins the groups afresh
	// (nil when none runs).
	relisten context.CancelFunc
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
	return &Watcher{p: p, services: services, interval: interval, maxAge: maxAge, now: time.Now, obs: map[string]observation{},
		identity: func(ctx context.Context) string { return networkIdentity(ctx, p) }}
}

// Run browses at once and then every interval until ctx ends, and listens
// passively in between when the probe can.
func (w *Watcher) Run(ctx context.Context) {
	if l, ok := w.p.(probe.MDNSListener); ok {
		go w.Listen(ctx, l)
	}
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
	network := w.identity(ctx)
	var wg sync.WaitGroup
	for _, svc := range w.services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found, err := w.p.MDNS(ctx, svc)
			if ctx.Err() != nil {
				return // cut short by shutdown: not an observation
			}
			o := observation{at: w.now().Round(0), found: map[string]entry{}, err: err, network: network}
			for _, inst := range found {
				o.found[strings.ToLower(inst.Name)] = entry{inst: inst}
			}
			w.mu.Lock()
			w.obs[svc] = o
			w.mu.Unlock()
		}()
	}
	wg.Wait()
}

// Listen listens to the mDNS group through l until ctx ends, taking what
// is heard into the observations (see heard). After Forget it joins the
// groups again, on the interfaces of the new network; after a failure (no
// interface yet), at the next interval.
func (w *Watcher) Listen(ctx context.Context, l probe.MDNSListener) {
	for {
		lctx, cancel := context.WithCancel(ctx)
		w.mu.Lock()
		w.relisten = cancel
		w.mu.Unlock()
		start := time.Now()
		err := l.ListenMDNS(lctx, w.services, w.heard)
		cancel()
		if errors.Is(err, errors.ErrUnsupported) {
			return // not on this system: the periodic browse stands in
		}
		wait := listenPause - time.Since(start)
		if err != nil {
			wait = w.interval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// heard takes one announcement into the observation of its service type:
// a goodbye removes the instance, anything else adds or refreshes it until
// its TTL lapses (at most MaxInstances per type). Only a browse that
// answered is added to: with no browse, or a failed one, a check browses
// live (or reports the failure) as before.
func (w *Watcher) heard(a probe.MDNSAnnouncement) {
	key := strings.ToLower(a.Instance.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	o, ok := w.obs[a.Service]
	if !ok || o.err != nil {
		return
	}
	now := w.now().Round(0)
	if a.Goodbye() {
		delete(o.found, key)
		return
	}
	if _, known := o.found[key]; !known && len(o.found) >= MaxInstances {
		for k, e := range o.found { // make room from lapsed entries only
			if !e.expires.IsZero() && !now.Before(e.expires) {
				delete(o.found, k)
			}
		}
		if len(o.found) >= MaxInstances {
			return
		}
	}
	a.Instance.TXT = slices.Clone(a.Instance.TXT)
	o.found[key] = entry{inst: a.Instance, expires: now.Add(a.TTL)}
}

// Forget drops every observation (the computer joined another network):
// until the next browse, checks browse live. The passive listener joins
// the groups again.
func (w *Watcher) Forget() {
	w.mu.Lock()
	clear(w.obs)
	relisten := w.relisten
	w.mu.Unlock()
	if relisten != nil {
		relisten()
	}
}

// latest is the browse of svc if it is younger than maxAge (by the wall
// clock) and was made on the network the computer is on now; a browse
// made on another network drops every observation (Forget).
func (w *Watcher) latest(svc string) (observation, bool) {
	w.mu.Lock()
	o, ok := w.obs[svc]
	if ok {
		// A copy: heard changes the map under the lock.
		o.found = maps.Clone(o.found)
	}
	w.mu.Unlock()
	now := w.now().Round(0)
	if !ok || now.Sub(o.at) > w.maxAge || now.Before(o.at) {
		return observation{}, false
	}
	if w.identity(context.Background()) != o.network {
		w.Forget()
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
		return o.instances(p.w.now()), o.err
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
