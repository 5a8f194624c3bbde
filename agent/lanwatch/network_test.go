package lanwatch

import (
	"fmt"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	smartspeakers "github.com/sessionguard/sessionguard/checks/smart_speakers"
)

// The kernel's tables on a laptop on Wi-Fi whose gateway is 192.168.1.1.
const (
	routeTable = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n" +
		"wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n"
	arpHeader = "IP address       HW type     Flags       HW address            Mask     Device\n"
	cafeARP   = arpHeader + "192.168.1.1      0x1         0x2         3c:84:6a:10:20:30     *        wlan0\n"
	homeARP   = arpHeader + "192.168.1.1      0x1         0x2         f4:92:bf:aa:bb:cc     *        wlan0\n" +
		"192.168.1.23     0x1         0x2         00:11:32:01:02:03     *        wlan0\n"
)

// Home and a café both hand out 192.168.1.x from 192.168.1.1: the
// computer's addresses stay the same, only the gateway's link-layer
// address tells the networks apart. Arriving home with a speaker, the
// café's empty browse must not answer.
func TestAnotherGatewayWithTheSameAddressesDropsTheObservation(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}}
	l.setFile(procRoute, routeTable)
	l.setFile(procARP, cafeARP)
	w := New(l, speakerServices(), time.Hour, 3*time.Minute)
	w.BrowseAll(t.Context()) // at the café: nothing
	p := w.Probe(l)
	pol := checks.Catalogue{smartspeakers.Check}.Default()

	before := l.browses.Load()
	if r := smartspeakers.Check.Run(t.Context(), p, pol); r.Status != checks.Pass || l.browses.Load() != before {
		t.Fatalf("on the same network: %s after %d live browses; want the background browse's pass", r.Status, l.browses.Load()-before)
	}

	// Home: the same addressing, another router, a speaker.
	l.setFile(procARP, homeARP)
	l.set("_googlecast._tcp", nestMini)
	r := smartspeakers.Check.Run(t.Context(), p, pol)
	if r.Status != checks.Warn {
		t.Errorf("at home: %s (%s); want the speaker found by a live browse", r.Status, r.Summary)
	}
	if l.browses.Load() == before {
		t.Error("the café's browse answered at home")
	}
	for _, b := range facts(t, r).Browses {
		if b.ObservedSecondsAgo != nil {
			t.Errorf("%s: answered from an observation after the network changed", b.Service)
		}
	}
	w.mu.Lock()
	kept := len(w.obs)
	w.mu.Unlock()
	if kept != 0 {
		t.Errorf("%d observations of the café kept", kept)
	}

	// The next background browse is of home and answers again.
	w.BrowseAll(t.Context())
	if _, ok := w.latest("_googlecast._tcp"); !ok {
		t.Error("a browse of the network the computer is on is not answered from")
	}
}

func TestObservationTimesAreWallClock(t *testing.T) {
	l := &lan{answers: map[string][]probe.MDNSInstance{}}
	w := New(l, []string{"_googlecast._tcp"}, time.Hour, time.Minute)
	w.BrowseAll(t.Context())
	w.mu.Lock()
	at := w.obs["_googlecast._tcp"].at
	w.mu.Unlock()
	if at != at.Round(0) {
		t.Error("the browse's time carries Go's monotonic clock, which stops while Linux sleeps")
	}
}

func TestLinuxGateways(t *testing.T) {
	for _, tc := range []struct {
		name, route, arp, want string
	}{
		{"resolved", routeTable, cafeARP, "[wlan0 192.168.1.1 3c:84:6a:10:20:30]"},
		{"not in the neighbour table", routeTable, arpHeader, "[wlan0 192.168.1.1 ?]"},
		{"incomplete entry", routeTable, arpHeader + "192.168.1.1      0x1         0x0         00:00:00:00:00:00     *        wlan0\n", "[wlan0 192.168.1.1 ?]"},
		{"entry on another interface", routeTable, arpHeader + "192.168.1.1      0x1         0x2         3c:84:6a:10:20:30     *        eth0\n", "[wlan0 192.168.1.1 ?]"},
		{"no default route", "Iface\tDestination\tGateway \tFlags\n" + "wlan0\t0001A8C0\t00000000\t0001\n", cafeARP, "[]"},
	} {
		if got := fmt.Sprint(linuxGateways([]byte(tc.route), []byte(tc.arp))); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDarwinGateways(t *testing.T) {
	out := `Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
default            192.168.1.1        UGScg                 en0       
127                127.0.0.1          UCS                   lo0       
192.168.1          link#6             UCS                   en0      !
192.168.1.1/32     link#6             UCS                   en0      !
192.168.1.1        3c:84:6a:10:20:30  UHLWIir               en0   1187
192.168.1.23       0:11:32:1:2:3      UHLWI                 en0    900
`
	if got := fmt.Sprint(darwinGateways([]byte(out))); got != "[en0 192.168.1.1 3c:84:6a:10:20:30]" {
		t.Errorf("got %s", got)
	}
	if got := fmt.Sprint(darwinGateways([]byte("default            link#17            UCSIg                 utun3\n"))); got != "[utun3 link#17 ?]" {
		t.Errorf("a tunnel's default route: %s", got)
	}
}
