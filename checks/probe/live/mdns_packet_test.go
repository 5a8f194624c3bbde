package live

import (
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// speakerMsg is an announcement of one instance of service, as a responder
// sends it: PTR, SRV and TXT, the address in the additional section.
func speakerMsg(instance, service string, ttl uint32, txt ...string) *dns.Msg {
	svc := service + ".local."
	full := instance + "." + svc
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}}
	h := func(name string, typ, class uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: typ, Class: class, Ttl: ttl}
	}
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: h(svc, dns.TypePTR, dns.ClassINET), Ptr: full},
		&dns.SRV{Hdr: h(full, dns.TypeSRV, dns.ClassINET|mdnsCacheFlush), Target: "speaker.local.", Port: 8009},
		&dns.TXT{Hdr: h(full, dns.TypeTXT, dns.ClassINET|mdnsCacheFlush), Txt: txt},
	}
	m.Extra = []dns.RR{&dns.A{Hdr: h("speaker.local.", dns.TypeA, dns.ClassINET|mdnsCacheFlush), A: net.IPv4(192, 0, 2, 2)}}
	return m
}

func pack(t testing.TB, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMDNSAnnouncements(t *testing.T) {
	w, err := newMDNSWatch([]string{"_googlecast._tcp", "_airplay._tcp."})
	if err != nil {
		t.Fatal(err)
	}
	kitchen := probe.MDNSAnnouncement{Service: "_googlecast._tcp", TTL: 120 * time.Second,
		Instance: probe.MDNSInstance{Name: "Sam’s Kitchen", Host: "speaker.local", Port: 8009, TXT: []string{"md=Google Nest Mini"}}}

	query := speakerMsg("Sam’s Kitchen", "_googlecast._tcp", 120, "md=Google Nest Mini")
	query.Response = false
	srvOnly := speakerMsg("Den", "_googlecast._tcp", 120)
	srvOnly.Answer = srvOnly.Answer[:2] // no TXT: nothing says what it is
	answerNoPTR := speakerMsg("Sam’s Kitchen", "_GoogleCast._tcp", 120, "md=Google Nest Mini")
	answerNoPTR.Answer = answerNoPTR.Answer[1:] // SRV and TXT answering a query
	srvGone := speakerMsg("Den", "_googlecast._tcp", 120, "x=1")
	srvGone.Answer[1].Header().Ttl = 0
	txtChange := speakerMsg("Den", "_airplay._tcp", 4500, "model=AudioAccessory5,1")
	oldTXT := &dns.TXT{Hdr: dns.RR_Header{Name: "Den._airplay._tcp.local.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0}, Txt: []string{"model=old"}}
	txtChange.Answer = append(txtChange.Answer, oldTXT)
	chaos := speakerMsg("Den", "_googlecast._tcp", 120, "x=1")
	for _, rr := range chaos.Answer {
		rr.Header().Class = dns.ClassCHAOS
	}
	cases := []struct {
		name string
		pkt  []byte
		want []probe.MDNSAnnouncement
	}{
		{"announcement", pack(t, speakerMsg("Sam’s Kitchen", "_googlecast._tcp", 120, "md=Google Nest Mini")), []probe.MDNSAnnouncement{kitchen}},
		{"answer without PTR, other case", pack(t, answerNoPTR), []probe.MDNSAnnouncement{{Service: "_googlecast._tcp", TTL: 120 * time.Second, Instance: kitchen.Instance}}},
		{"goodbye", pack(t, speakerMsg("Sam’s Kitchen", "_googlecast._tcp", 0, "md=Google Nest Mini")), []probe.MDNSAnnouncement{{Service: "_googlecast._tcp", Instance: probe.MDNSInstance{Name: "Sam’s Kitchen"}}}},
		{"SRV goodbye", pack(t, srvGone), []probe.MDNSAnnouncement{{Service: "_googlecast._tcp", Instance: probe.MDNSInstance{Name: "Den"}}}},
		{"TXT replaced", pack(t, txtChange), []probe.MDNSAnnouncement{{Service: "_airplay._tcp.", TTL: 4500 * time.Second,
			Instance: probe.MDNSInstance{Name: "Den", Host: "speaker.local", Port: 8009, TXT: []string{"model=AudioAccessory5,1"}}}}},
		{"type not watched", pack(t, speakerMsg("Printer", "_ipp._tcp", 120, "ty=Laser")), nil},
		{"query", pack(t, query), nil},
		{"no TXT", pack(t, srvOnly), nil},
		{"not class IN", pack(t, chaos), nil},
		{"empty", nil, nil},
		{"garbage", []byte("\x00\x01\x84\x00\x00\x00\x00\x05\xff\xff"), nil},
		{"too long", make([]byte, mdnsMaxPacket+1), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := w.announcements(tc.pkt)
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestMDNSAnnouncementsBounded: one packet full of instances yields at
// most mdnsMaxInstances of them.
func TestMDNSAnnouncementsBounded(t *testing.T) {
	w, _ := newMDNSWatch([]string{"_googlecast._tcp"})
	m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true}}
	m.Compress = true
	for i := range 2 * mdnsMaxInstances {
		one := speakerMsg(fmt.Sprintf("s%d", i), "_googlecast._tcp", 120, "a")
		m.Answer = append(m.Answer, one.Answer...)
	}
	pkt, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if len(pkt) > mdnsMaxPacket {
		m.Answer = m.Answer[:len(m.Answer)*mdnsMaxPacket/len(pkt)/3*3]
		pkt = pack(t, m)
	}
	if got := w.announcements(pkt); len(got) == 0 || len(got) > mdnsMaxInstances {
		t.Errorf("%d announcements from one packet (%d bytes), want 1..%d", len(got), len(pkt), mdnsMaxInstances)
	}
}

func TestMDNSWatchRefusesBadTypes(t *testing.T) {
	if _, err := newMDNSWatch([]string{"_googlecast._tcp", "googlecast"}); err == nil {
		t.Error("a malformed service type was accepted")
	}
}

// FuzzMDNSAnnouncements feeds the packet handler what a network may send:
// it must not panic, return more than mdnsMaxInstances, or return an
// instance of a type not watched, and a goodbye carries no details.
func FuzzMDNSAnnouncements(f *testing.F) {
	w, _ := newMDNSWatch([]string{"_googlecast._tcp", "_airplay._tcp"})
	f.Add(pack(f, speakerMsg("Kitchen", "_googlecast._tcp", 120, "md=Google Nest Mini")))
	f.Add(pack(f, speakerMsg("Kitchen", "_googlecast._tcp", 0)))
	f.Add(pack(f, speakerMsg(`We\.ird\\name`, "_airplay._tcp", 4500, "model=AudioAccessory5,1", "")))
	f.Add([]byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c, 0, 12, 0, 1})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		got := w.announcements(pkt)
		if len(got) > mdnsMaxInstances {
			t.Fatalf("%d announcements", len(got))
		}
		for _, a := range got {
			if !slices.Contains([]string{"_googlecast._tcp", "_airplay._tcp"}, a.Service) || a.Instance.Name == "" {
				t.Fatalf("announcement %+v", a)
			}
			if a.Goodbye() && (a.Instance.Port != 0 || a.Instance.TXT != nil) {
				t.Fatalf("goodbye with details %+v", a)
			}
		}
	})
}

// BenchmarkMDNSAnnouncements is the passive listener's cost per packet: a
// speaker's announcement (PTR, SRV, TXT, A) read into one instance.
func BenchmarkMDNSAnnouncements(b *testing.B) {
	w, _ := newMDNSWatch([]string{"_googlecast._tcp", "_airplay._tcp", "_raop._tcp", "_amzn-wplay._tcp"})
	pkt := pack(b, speakerMsg("Kitchen speaker", "_googlecast._tcp", 120, "id=e8b58877627a8cea281b68f6f4a17d69", "md=Google Nest Mini", "fn=Kitchen speaker"))
	for b.Loop() {
		if len(w.announcements(pkt)) != 1 {
			b.Fatal("no announcement")
		}
	}
}

func TestMDNSSockets(t *testing.T) {
	ifaces := []net.Interface{{Index: 2, Name: "eth0"}, {Index: 3, Name: "wlan0"}}
	cases := []struct {
		goos, family string
		want         string
	}{
		{"linux", "udp4", "[{224.0.0.251:5353 [eth0 wlan0]}]"},
		{"linux", "udp6", "[{[ff02::fb%eth0]:5353 [eth0]} {[ff02::fb%wlan0]:5353 [wlan0]}]"},
		{"darwin", "udp4", "[{224.0.0.251:5353 [eth0 wlan0]}]"},
		{"darwin", "udp6", "[{[ff02::fb%eth0]:5353 [eth0]} {[ff02::fb%wlan0]:5353 [wlan0]}]"},
		// Windows cannot bind a group address: no socket at all, never
		// the wildcard beside the DNS Client service.
		{"windows", "udp4", "[]"},
		{"windows", "udp6", "[]"},
		{"freebsd", "udp4", "[]"},
	}
	for _, tc := range cases {
		var got []string
		for _, s := range mdnsSockets(tc.goos, tc.family, ifaces) {
			var names []string
			for _, ifi := range s.ifaces {
				names = append(names, ifi.Name)
			}
			got = append(got, fmt.Sprintf("{%s %v}", s.addr, names))
		}
		if g := fmt.Sprint(got); g != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.goos, tc.family, g, tc.want)
		}
	}
}
