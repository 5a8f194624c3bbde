package live

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// TestMDNSListenNetnsHearsAnnouncementsAndGoodbyes listens inside a network
// namespace with a veth pair while a responder announces a speaker, on
// IPv4 and on IPv6 in turn, then says goodbye: each reaches the listener
// without any query sent. Another program holds port 5353 first (as
// avahi would), and the responder shares the port too.
func TestMDNSListenNetnsHearsAnnouncementsAndGoodbyes(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoVeth) {
		return
	}
	// A resident responder's socket (Go sets SO_REUSEADDR on it, as
	// avahi does): the listener must bind beside it.
	resident, err := net.ListenMulticastUDP("udp4", nil, &net.UDPAddr{IP: mdnsGroupV4, Port: mdnsPort})
	if err != nil {
		t.Fatal(err)
	}
	defer resident.Close()

	heard := make(chan probe.MDNSAnnouncement, 256)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- New().ListenMDNS(ctx, []string{"_googlecast._tcp", "_airplay._tcp"}, func(a probe.MDNSAnnouncement) { heard <- a })
	}()

	for _, tc := range []struct {
		family, name string
		ip           net.IP
	}{
		{"udp4", "Kitchen speaker", net.ParseIP("192.0.2.2")},
		{"udp6", "Hall speaker", net.ParseIP("fe80::2")},
	} {
		t.Run(tc.family, func(t *testing.T) {
			txt := []string{"md=Google Nest Mini", "fn=" + tc.name}
			speaker := netnstest.NewAnnouncer(t, netnstest.VethB, tc.family, tc.name, "_googlecast._tcp", "speaker.local.", tc.ip, 8009, txt)
			other := netnstest.NewAnnouncer(t, netnstest.VethB, tc.family, "Printer", "_ipp._tcp", "printer.local.", tc.ip, 631, []string{"ty=Laser"})
			// The listener may not have joined yet: announce until heard,
			// as a responder repeats its announcement (RFC 6762 §8.3).
			got := waitHeard(t, heard, tc.name, false, func() { other.Announce(120); speaker.Announce(120) })
			if got.Service != "_googlecast._tcp" || got.TTL != 120*time.Second || got.Instance.Port != 8009 ||
				got.Instance.Host != "speaker.local" || !slices.Equal(got.Instance.TXT, txt) {
				t.Errorf("heard %+v", got)
			}
			waitHeard(t, heard, tc.name, true, speaker.Goodbye)
		})
	}
	for len(heard) > 0 {
		if a := <-heard; a.Service != "_googlecast._tcp" {
			t.Errorf("heard an announcement of a type not listened for: %+v", a)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenMDNS: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ListenMDNS did not return when its context ended")
	}
}

// waitHeard calls send every 100 ms until the listener hears instance
// (a goodbye, or an announcement), for at most 5 s.
func waitHeard(t *testing.T, heard <-chan probe.MDNSAnnouncement, instance string, goodbye bool, send func()) probe.MDNSAnnouncement {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	send()
	for {
		select {
		case a := <-heard:
			if a.Service != "_googlecast._tcp" {
				t.Errorf("heard an announcement of a type not listened for: %+v", a)
			}
			if a.Instance.Name == instance && a.Goodbye() == goodbye {
				return a
			}
		case <-tick.C:
			send()
		case <-deadline:
			t.Fatalf("%s (goodbye %v) not heard within 5 s", instance, goodbye)
		}
	}
}

func TestMDNSListenNetnsNoInterface(t *testing.T) {
	if !inMDNSNetns(t, netnstest.LoUp) {
		return
	}
	err := New().ListenMDNS(t.Context(), []string{"_googlecast._tcp"}, func(probe.MDNSAnnouncement) {})
	if !errors.Is(err, probe.ErrUnavailable) {
		t.Fatalf("listening with no multicast interface = %v, want ErrUnavailable", err)
	}
}
