package live

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// mdnsMaxPacket is the largest mDNS packet a passive listener reads (RFC
// 6762 §17: 9000 bytes of payload); longer ones are dropped unread.
const mdnsMaxPacket = 9000

// mdnsCacheFlush is the top bit of an mDNS record's class (RFC 6762 §10.2).
const mdnsCacheFlush = 0x8000

// mdnsWatch is the service types a passive listener takes announcements
// of: the ".<type>.local." suffix (lower case) of each, to the type as the
// caller spelt it.
type mdnsWatch map[string]string

func newMDNSWatch(services []string) (mdnsWatch, error) {
	w := mdnsWatch{}
	for _, svc := range services {
		s := strings.Trim(strings.TrimSpace(svc), ".")
		if !validServiceType(s) {
			return nil, fmt.Errorf("%q is not a DNS-SD service type like _googlecast._tcp", svc)
		}
		w["."+strings.ToLower(s)+".local."] = svc
	}
	return w, nil
}

// service finds the watched type an instance's full name belongs to, and
// the instance's name.
func (w mdnsWatch) service(fqdn string) (svc, name string, ok bool) {
	for suffix, svc := range w {
		if name, ok := instanceName(fqdn, suffix); ok {
			return svc, name, true
		}
	}
	return "", "", false
}

// heardRecords is what one packet said about one instance.
type heardRecords struct {
	fqdn     string
	ptr      bool
	ptrTTL   uint32
	srv      *dns.SRV
	txt      *dns.TXT
	goodbyes bool // a PTR or SRV record with TTL 0
}

// announcements reads one packet heard on the mDNS group and returns the
// instances of watched types it announces (with SRV and TXT records: the
// port and what the device says it is) or says goodbye to (a PTR or SRV
// record with TTL 0). Queries, malformed packets and packets over
// mdnsMaxPacket give nothing; at most mdnsMaxInstances instances are read
// from one packet. It never panics on what the network sends (see
// FuzzMDNSAnnouncements).
func (w mdnsWatch) announcements(pkt []byte) []probe.MDNSAnnouncement {
	if len(pkt) > mdnsMaxPacket {
		return nil
	}
	var m dns.Msg
	if err := m.Unpack(pkt); err != nil || !m.Response || m.Opcode != dns.OpcodeQuery || m.Rcode != dns.RcodeSuccess {
		return nil
	}
	byName := map[string]*heardRecords{}
	var order []*heardRecords
	get := func(fqdn string) *heardRecords {
		key := strings.ToLower(fqdn)
		if r, ok := byName[key]; ok {
			return r
		}
		if len(order) >= mdnsMaxInstances {
			return nil
		}
		if _, _, ok := w.service(fqdn); !ok {
			return nil
		}
		r := &heardRecords{fqdn: fqdn}
		byName[key] = r
		order = append(order, r)
		return r
	}
	for _, sec := range [][]dns.RR{m.Answer, m.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			if h.Class&^mdnsCacheFlush != dns.ClassINET {
				continue
			}
			switch rec := rr.(type) {
			case *dns.PTR:
				if _, ok := w[strings.ToLower("."+strings.TrimPrefix(h.Name, "."))]; !ok {
					continue
				}
				if r := get(rec.Ptr); r != nil {
					r.ptr, r.ptrTTL = true, h.Ttl
					r.goodbyes = r.goodbyes || h.Ttl == 0
				}
			case *dns.SRV:
				if r := get(h.Name); r != nil {
					r.srv = rec
					r.goodbyes = r.goodbyes || h.Ttl == 0
				}
			case *dns.TXT:
				// A TXT record with TTL 0 retires an old TXT (avahi sends
				// one beside the new when the record changes).
				if r := get(h.Name); r != nil && h.Ttl > 0 {
					r.txt = rec
				}
			}
		}
	}
	var out []probe.MDNSAnnouncement
	for _, r := range order {
		svc, name, _ := w.service(r.fqdn)
		a := probe.MDNSAnnouncement{Service: svc, Instance: probe.MDNSInstance{Name: name}}
		switch {
		case r.goodbyes:
		case r.srv != nil && r.txt != nil:
			ttl := min(r.srv.Hdr.Ttl, r.txt.Hdr.Ttl)
			if r.ptr {
				ttl = r.ptrTTL
			}
			a.TTL = time.Duration(ttl) * time.Second
			a.Instance.Host = strings.TrimSuffix(r.srv.Target, ".")
			a.Instance.Port = int(r.srv.Port)
			a.Instance.TXT = append([]string(nil), r.txt.Txt...)
		default:
			continue // not enough to say what the device is
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Instance.Name < out[j].Instance.Name })
	return out
}
