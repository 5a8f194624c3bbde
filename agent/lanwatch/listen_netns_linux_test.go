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
	_, models := startWatcher(t, lp)
	browses := lp.browses.Load()
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

// TestNetnsListenHearsAvahi is the same with avahi-daemon as the
// responder, publishing a Google speaker on IPv4, then on IPv6: the
// Watcher hears avahi's announcements with no browse made since its first,
// and avahi's goodbyes when it stops.
func TestNetnsListenHearsAvahi(t *testing.T) {
	netnstest.NeedAvahi(t)
	if !netnstest.InLoopbackNetns(t, "SESSIONGUARD_LANWATCH_NETNS", netnstest.LoVeth, "the test runs avahi-daemon inside a network namespace it creates with unshare -n") {
		return
	}
	lp := &browseCounter{Live: live.New()}
	_, models := startWatcher(t, lp)
	browses := lp.browses.Load()
	for _, family := range []string{"udp4", "udp6"} {
		t.Run(family, func(t *testing.T) {
			avahi := netnstest.StartAvahi(t, netnstest.VethB, family, `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group><name>Kitchen `+family+`</name><service><type>_googlecast._tcp</type><port>8009</port>
<txt-record>md=Google Nest Mini</txt-record><txt-record>fn=Kitchen</txt-record></service></service-group>`)
			waitFor(t, func() bool { return slices.Contains(models(), "Google Nest Mini") })
			avahi.Stop(t)
			waitFor(t, func() bool { return !slices.Contains(models(), "Google Nest Mini") })
		})
	}
	if n := lp.browses.Load(); n != browses {
		t.Errorf("%d browses since the first; avahi's announcements were to be heard without one", n-browses)
	}
}

// startWatcher runs a Watcher of the smart speakers check's types on lp
// until the test ends, waits for its first browse, and returns it with a
// function that runs the check through it and lists the models found.
func startWatcher(t *testing.T, lp *browseCounter) (*Watcher, func() []string) {
	t.Helper()
	w := New(lp, speakerServices(), time.Hour, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go w.Run(ctx)
	waitFor(t, func() bool {
		for _, svc := range speakerServices() {
			if _, ok := w.latest(svc); !ok {
				return false
			}
		}
		return true
	})
	p := w.Probe(lp)
	return w, func() []string {
		r := smartspeakers.Check.Run(t.Context(), p, checks.Catalogue{smartspeakers.Check}.Default())
		var out []string
		for _, d := range facts(t, r).Devices {
			out = append(out, d.Model)
		}
		return out
	}
}
