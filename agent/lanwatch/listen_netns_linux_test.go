package lanwatch

import (
	"context"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// browseCounter is the live probe with its active browses counted.
type browseCounter struct {
	*live.Live
	browses atomic.Int32
}

func (c *browseCounter) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	c.browses.Add(1)
	return c.Live.MDNS(ctx, service)
}

// TestNetnsListenTakesAnnouncementsWithoutBrowsing runs the Watcher on the
// live probe inside a network namespace with a veth pair: after its first
// browse (nothing there), a speaker announces itself on IPv4, then another
// on IPv6; the smart speakers check asked through the Watcher sees each
// with no browse made since, and no longer once it says goodbye.
func TestNetnsListenTakesAnnouncementsWithoutBrowsing(t *testing.T) {
	if !netnstest.InLoopbackNetns(t, "SESSIONGUARD_LANWATCH_NETNS", netnstest.LoVeth, "the test listens inside a network namespace it creates with unshare -n") {
		return
	}
	lp := &browseCounter{Live: live.New()}
	w := New(lp, speakerServices(), time.Hour, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go w.Run(ctx)
	waitFor(t, func() bool {
		for _, svc := range speakerServices() {
			if _, ok := w.latest(svc); !ok {
				return false
			}
		}
		return true
	})
	browses := lp.browses.Load()
	p := w.Probe(lp)
	models := func() []string {
		r := smartspeakers.Check.Run(t.Context(), p, checks.Catalogue{smartspeakers.Check}.Default())
		var out []string
		for _, d := range facts(t, r).Devices {
			out = append(out, d.Model)
		}
		return out
	}
	if got := models(); len(got) != 0 {
		t.Fatalf("devices before any announcement: %v", got)
	}
	for _, tc := range []struct {
		family, name, model string
		ip                  net.IP
	}{
		{"udp4", "Kitchen", "Google Nest Mini", net.ParseIP("192.0.2.2")},
		{"udp6", "Hall", "Google Nest Audio", net.ParseIP("fe80::2")},
	} {
		t.Run(tc.family, func(t *testing.T) {
			a := netnstest.NewAnnouncer(t, netnstest.VethB, tc.family, tc.name, "_googlecast._tcp", "speaker.local.", tc.ip, 8009,
				[]string{"md=" + tc.model, "fn=" + tc.name})
			// Announce until heard (the listener starts with Run).
			waitFor(t, func() bool { a.Announce(120); return slices.Contains(models(), tc.model) })
			a.Goodbye()
			waitFor(t, func() bool { return !slices.Contains(models(), tc.model) })
		})
	}
	if n := lp.browses.Load(); n != browses {
		t.Errorf("%d browses since the first; the announcements were to be heard without one", n-browses)
	}
}
