package netnstest

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/sessionguard/sessionguard/internal/reuseport"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Announcer is an mDNS responder's sending half: it announces one service
// instance to the mDNS group of one family on one interface, unsolicited
// (RFC 6762 §8.3), and says goodbye (§10.1), from port 5353 as a responder
// does (sharing it, as avahi does, with SO_REUSEADDR and SO_REUSEPORT).
type Announcer struct {
	t     testing.TB
	conn  net.PacketConn
	group *net.UDPAddr
	msg   func(ttl uint32) *dns.Msg
}

// NewAnnouncer prepares the announcement of instance (e.g. "Kitchen
// speaker") of service (e.g. "_googlecast._tcp") on host ("speaker.local.")
// at ip and port, with txt, sent on the interface ifname over family
// ("udp4" or "udp6").
func NewAnnouncer(t testing.TB, ifname, family, instance, service, host string, ip net.IP, port uint16, txt []string) *Announcer {
	t.Helper()
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		t.Fatal(err)
	}
	lc := net.ListenConfig{Control: reuseport.Control}
	a := &Announcer{t: t}
	if family == "udp6" {
		a.conn, err = lc.ListenPacket(context.Background(), family, "[::]:5353")
		if err == nil {
			p := ipv6.NewPacketConn(a.conn)
			err = p.SetMulticastInterface(ifi)
			if err == nil {
				err = p.SetMulticastHopLimit(255)
			}
		}
		a.group = &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: 5353, Zone: ifname}
	} else {
		a.conn, err = lc.ListenPacket(context.Background(), family, "0.0.0.0:5353")
		if err == nil {
			p := ipv4.NewPacketConn(a.conn)
			err = p.SetMulticastInterface(ifi)
			if err == nil {
				err = p.SetMulticastTTL(255)
			}
		}
		a.group = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	}
	if err != nil {
		t.Fatalf("announcer on %s (%s): %v", ifname, family, err)
	}
	t.Cleanup(func() { a.conn.Close() })
	svc := service + ".local."
	full := dns.Fqdn(instance + "." + svc)
	const flush = 0x8000 // the cache-flush bit of unique records
	a.msg = func(ttl uint32) *dns.Msg {
		m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
		hdr := func(name string, typ uint16, class uint16) dns.RR_Header {
			return dns.RR_Header{Name: name, Rrtype: typ, Class: class, Ttl: ttl}
		}
		m.Answer = []dns.RR{
			&dns.PTR{Hdr: hdr(svc, dns.TypePTR, dns.ClassINET), Ptr: full},
			&dns.SRV{Hdr: hdr(full, dns.TypeSRV, dns.ClassINET|flush), Target: host, Port: port},
			&dns.TXT{Hdr: hdr(full, dns.TypeTXT, dns.ClassINET|flush), Txt: txt},
		}
		if ip4 := ip.To4(); ip4 != nil {
			m.Extra = []dns.RR{&dns.A{Hdr: hdr(host, dns.TypeA, dns.ClassINET|flush), A: ip4}}
		} else {
			m.Extra = []dns.RR{&dns.AAAA{Hdr: hdr(host, dns.TypeAAAA, dns.ClassINET|flush), AAAA: ip}}
		}
		return m
	}
	return a
}

// Announce sends the announcement with the records' TTL in seconds.
func (a *Announcer) Announce(ttl uint32) {
	a.t.Helper()
	a.send(a.msg(ttl))
}

// Goodbye sends the announcement with TTL 0: the instance is leaving.
func (a *Announcer) Goodbye() { a.t.Helper(); a.send(a.msg(0)) }

func (a *Announcer) send(m *dns.Msg) {
	a.t.Helper()
	pkt, err := m.Pack()
	if err != nil {
		a.t.Fatal(err)
	}
	// A veth just brought up may not route IPv6 multicast for a moment.
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := a.conn.WriteTo(pkt, a.group)
		if err == nil {
			return
		}
		if !errors.Is(err, syscall.ENETUNREACH) || time.Now().After(deadline) {
			a.t.Fatalf("sending to %v: %v", a.group, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
