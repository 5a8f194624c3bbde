package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// groupQuery says whether a browse on goos also asks from port 5353, so
// that responders answer to the mDNS group: on Linux, where a socket bound
// to the group address (see mdnsSockets) sends with a source address the
// kernel picks from the route (inet_bind leaves the source unset for a
// multicast local address). XNU would send from the group address itself,
// which receivers drop as a martian source, and Windows cannot bind the
// group (see passiveMDNS); there only the legacy unicast query is sent,
// and an empty answer counts when it went out on the interfaces that
// matter (mustHear): Windows Firewall lets unicast answers to a multicast
// question in for 3 seconds unless DisableUnicastResponsesToMulticastBroadcast
// is set, and macOS's application firewall and pf are off or let them in
// by default; those two settings are not read (the README says so).
func groupQuery(goos string) bool { return goos == "linux" }

// groupQueryResult is what a browse asked from port 5353 gave.
type groupQueryResult struct {
	found []probe.MDNSInstance
	// sentOn is the indexes of the interfaces the query went out on, on
	// a socket listening to the group there (one family is enough).
	sentOn map[int]bool
	// errs says, per interface index, why nothing could be sent there.
	errs map[int]error
	// unheard names, per interface index, the families ("IPv4", "IPv6")
	// whose query went out there but never came back to the socket that
	// sent it (see queryGroup): this computer's firewall drops mDNS sent
	// to the group, and so the answers too. Nil when not listened for.
	unheard map[int][]string
}

// queryGroup sends a DNS-SD browse for service from UDP port 5353 on every
// interface in ifaces, with the unicast-response bit clear, and reads the
// answers sent to the mDNS group until timeout or ctx ends. A query from
// port 5353 is a full Multicast DNS query, so a responder answers it by
// multicast to 224.0.0.251:5353 or [ff02::fb]:5353 (RFC 6762 §5.4, §6,
// §6.7): the traffic a host firewall such as ufw or firewalld lets in by
// default. The legacy query hashicorp/mdns sends from an ephemeral port
// is answered by unicast from the responder's own address, which a
// stateful firewall drops (its connection tracking expects a reply from
// 224.0.0.251). The sockets bind the group address itself, sharing the
// port (SO_REUSEADDR, SO_REUSEPORT) with avahi-daemon or systemd-resolved,
// and so never take a unicast datagram meant for them (see mdnsSockets).
//
// The query also tells whether this computer can hear the group at all.
// With multicast loopback on, Linux hands a copy of each datagram sent to
// a group the interface has joined back to the sockets listening to it
// there, and that copy goes through the netfilter prerouting and input
// hooks as a datagram from the network would: on the sending interface
// (not lo), to 224.0.0.251 or ff02::fb port 5353, in conntrack state new
// (measured, TestMDNSNetnsFirewallDropsGroup): the match a speaker's
// multicast answer meets. A firewall whose input drops mDNS (firewalld's
// public zone without the mdns service, a default-drop nftables or
// iptables input without an mDNS rule) drops the copy too; one that lets
// mDNS in (ufw's before.rules, firewalld's mdns service) lets it through.
// The families whose query did not come back on an interface are in
// unheard.
func queryGroup(ctx context.Context, service string, ifaces []net.Interface, timeout time.Duration) groupQueryResult {
	res := groupQueryResult{sentOn: map[int]bool{}, errs: map[int]error{}}
	if !groupQuery(runtime.GOOS) {
		for _, ifi := range ifaces {
			res.errs[ifi.Index] = fmt.Errorf("%w on %s", errors.ErrUnsupported, runtime.GOOS)
		}
		return res
	}
	watch, err := newMDNSWatch([]string{service})
	if err != nil {
		for _, ifi := range ifaces {
			res.errs[ifi.Index] = err
		}
		return res
	}
	query, err := groupQueryPacket(service)
	if err != nil {
		for _, ifi := range ifaces {
			res.errs[ifi.Index] = err
		}
		return res
	}
	deadline := time.Now().Add(timeout)
	type sentQuery struct {
		family string
		conn   net.PacketConn
		ifi    net.Interface
	}
	var (
		conns []net.PacketConn
		sent  []sentQuery
	)
	fail := func(idx int, err error) {
		if _, ok := res.errs[idx]; !ok {
			res.errs[idx] = err
		}
	}
	for _, family := range []string{"udp4", "udp6"} {
		for _, sock := range mdnsSockets(runtime.GOOS, family, ifaces) {
			c, err := bindMDNS(ctx, family, sock.addr)
			if err != nil {
				for _, ifi := range sock.ifaces {
					fail(ifi.Index, fmt.Errorf("%s: %w", family, err))
				}
				continue
			}
			conns = append(conns, c)
			for i := range sock.ifaces {
				ifi := &sock.ifaces[i]
				if err := sendGroupQuery(c, family, ifi, query); err != nil {
					fail(ifi.Index, fmt.Errorf("%s: %w", family, err))
					continue
				}
				res.sentOn[ifi.Index] = true
				sent = append(sent, sentQuery{family, c, *ifi})
			}
		}
	}
	for idx := range res.sentOn {
		delete(res.errs, idx)
	}

	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		found = map[string]probe.MDNSInstance{}
		// echoes holds, per socket, the copies of the query it heard.
		echoes = map[net.PacketConn][]echo{}
	)
	readCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readDatagrams(readCtx, c, func(pkt []byte, from net.IP, ifIndex int) {
				if bytes.Equal(pkt, query) {
					mu.Lock()
					defer mu.Unlock()
					echoes[c] = append(echoes[c], echo{from, ifIndex})
					return
				}
				as := safeAnnouncements(watch, pkt)
				mu.Lock()
				defer mu.Unlock()
				for _, a := range as {
					if a.TTL <= 0 || len(found) >= mdnsMaxInstances {
						continue // a goodbye says nothing is there
					}
					key := strings.ToLower(a.Instance.Name)
					if _, dup := found[key]; !dup {
						found[key] = a.Instance
					}
				}
			})
		}()
	}
	<-readCtx.Done()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	for _, inst := range found {
		res.found = append(res.found, inst)
	}
	res.unheard = map[int][]string{}
	sentBy := map[net.PacketConn][]net.Interface{}
	for _, q := range sent {
		sentBy[q.conn] = append(sentBy[q.conn], q.ifi)
	}
	for _, q := range sent {
		if !slices.ContainsFunc(echoes[q.conn], func(e echo) bool { return e.cameBackOn(q.ifi, sentBy[q.conn]) }) {
			res.unheard[q.ifi.Index] = append(res.unheard[q.ifi.Index], familyName(q.family))
		}
	}
	return res
}

// echo is a copy of the query a socket heard: from the source address,
// on the interface of index ifIndex (0 when the kernel did not say).
type echo struct {
	from    net.IP
	ifIndex int
}

// cameBackOn says whether e, heard on a socket that sent the query out
// of the interfaces in sentOn, is the copy sent out of ifi. The kernel
// names the interface of an IPv6 copy, not that of an IPv4 one (IP_PKTINFO
// gives index 0 for it, measured; ipv4_pktinfo_prepare may also give the
// loopback device's, 1, for what came through it): that is told by the
// socket, when it sent out of ifi alone (an IPv6 one always does, see
// mdnsSockets), or by the source address the kernel took from ifi, when
// no other interface the socket sent out of has it.
func (e echo) cameBackOn(ifi net.Interface, sentOn []net.Interface) bool {
	const loopbackIndex = 1 // LOOPBACK_IFINDEX, lo's in every namespace
	switch {
	case e.ifIndex != 0 && (e.ifIndex != loopbackIndex || ifi.Index == loopbackIndex):
		return e.ifIndex == ifi.Index
	case len(sentOn) == 1:
		return sentOn[0].Index == ifi.Index
	}
	var holders []int
	for i := range sentOn {
		addrs, err := sentOn[i].Addrs()
		if err != nil {
			continue
		}
		if slices.ContainsFunc(addrs, func(a net.Addr) bool { ipn, ok := a.(*net.IPNet); return ok && ipn.IP.Equal(e.from) }) {
			holders = append(holders, sentOn[i].Index)
		}
	}
	return len(holders) == 1 && holders[0] == ifi.Index
}

// familyName is "IPv4" for "udp4" and "IPv6" for "udp6".
func familyName(family string) string {
	if family == "udp6" {
		return "IPv6"
	}
	return "IPv4"
}

// groupQueryPacket is a DNS-SD browse as a full mDNS querier sends it: ID
// 0, no recursion desired, one PTR question with the unicast-response bit
// clear (RFC 6762 §18, §5.4).
func groupQueryPacket(service string) ([]byte, error) {
	m := new(dns.Msg)
	m.SetQuestion(service+".local.", dns.TypePTR)
	m.Id = 0
	m.RecursionDesired = false
	return m.Pack()
}

// sendGroupQuery joins the family's mDNS group on ifi with c, and sends
// query to the group out of ifi with the hop limit of 255 mDNS uses (RFC
// 6762 §11) and multicast loopback on (the kernel's default, set so that
// the copy queryGroup listens for is not left to it).
func sendGroupQuery(c net.PacketConn, family string, ifi *net.Interface, query []byte) error {
	if family == "udp6" {
		p := ipv6.NewPacketConn(c)
		if err := p.JoinGroup(ifi, &net.UDPAddr{IP: mdnsGroupV6}); err != nil {
			return fmt.Errorf("joining the mDNS group on %s: %w", ifi.Name, err)
		}
		if err := p.SetMulticastHopLimit(255); err != nil {
			return err
		}
		if err := p.SetMulticastLoopback(true); err != nil {
			return err
		}
		_, err := p.WriteTo(query, &ipv6.ControlMessage{IfIndex: ifi.Index}, &net.UDPAddr{IP: mdnsGroupV6, Port: mdnsPort, Zone: ifi.Name})
		return err
	}
	p := ipv4.NewPacketConn(c)
	if err := p.JoinGroup(ifi, &net.UDPAddr{IP: mdnsGroupV4}); err != nil {
		return fmt.Errorf("joining the mDNS group on %s: %w", ifi.Name, err)
	}
	if err := p.SetMulticastTTL(255); err != nil {
		return err
	}
	if err := p.SetMulticastLoopback(true); err != nil {
		return err
	}
	if err := p.SetMulticastInterface(ifi); err != nil {
		return err
	}
	_, err := p.WriteTo(query, nil, &net.UDPAddr{IP: mdnsGroupV4, Port: mdnsPort})
	return err
}
