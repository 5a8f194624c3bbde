package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// The mDNS port and groups (RFC 6762 §3).
var (
	mdnsGroupV4 = net.IPv4(224, 0, 0, 251)
	mdnsGroupV6 = net.ParseIP("ff02::fb")
)

const mdnsPort = 5353

// ListenMDNS listens to the mDNS group on IPv4 and IPv6 and calls heard with
// every instance of services that a responder announces or says goodbye to
// (see probe.MDNSListener), until ctx ends.
func (l *Live) ListenMDNS(ctx context.Context, services []string, heard func(probe.MDNSAnnouncement)) error {
	return listenMDNS(ctx, services, heard)
}

// listenMDNS binds the mDNS groups on port 5353 with SO_REUSEADDR and
// SO_REUSEPORT, so it shares the port with avahi, mDNSResponder or another
// listener, and joins 224.0.0.251 and ff02::fb on every interface a browse
// would use (see mdnsSockets). Elsewhere than Linux and macOS it returns
// errors.ErrUnsupported (see passiveMDNS). A family that cannot listen (no
// IPv6 on the host) is left out; when neither can, the error wraps
// ErrUnavailable. Nothing is ever sent.
func listenMDNS(ctx context.Context, services []string, heard func(probe.MDNSAnnouncement)) error {
	if !passiveMDNS(runtime.GOOS) {
		return fmt.Errorf("mdns listen: %w on %s: a socket here could only bind the wildcard address, sharing port 5353 with the system's own mDNS responder and perhaps taking its unicast answers; the periodic browse stands in", errors.ErrUnsupported, runtime.GOOS)
	}
	watch, err := newMDNSWatch(services)
	if err != nil {
		return fmt.Errorf("mdns listen: %w: %w", err, probe.ErrUnavailable)
	}
	ifaces, err := multicastInterfaces()
	if err != nil {
		return fmt.Errorf("mdns listen: listing network interfaces: %w: %w", err, probe.ErrUnavailable)
	}
	if len(ifaces) == 0 {
		return fmt.Errorf("mdns listen: no network interface that is up and can multicast: %w", probe.ErrUnavailable)
	}
	var conns []net.PacketConn
	var errs []error
	for _, family := range []string{"udp4", "udp6"} {
		for _, sock := range mdnsSockets(runtime.GOOS, family, ifaces) {
			c, err := joinMDNSGroup(ctx, family, sock.addr, sock.ifaces)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			conns = append(conns, c)
		}
	}
	if len(conns) == 0 {
		return fmt.Errorf("mdns listen: %w: %w", errors.Join(errs...), probe.ErrUnavailable)
	}
	var (
		mu sync.Mutex // heard is called from one goroutine at a time
		wg sync.WaitGroup
	)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readMDNS(ctx, c, watch, func(as []probe.MDNSAnnouncement) {
				mu.Lock()
				defer mu.Unlock()
				for _, a := range as {
					heard(a)
				}
			})
		}()
	}
	<-ctx.Done()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	return nil
}

// passiveMDNS says whether the agent listens to the mDNS group on goos:
// where its sockets can bind the group addresses themselves (see
// mdnsSockets), so that no unicast datagram to port 5353 can reach them.
// Linux and macOS can. Windows refuses to bind a multicast address
// (WSAEADDRNOTAVAIL), and which of the sockets sharing the wildcard
// address with SO_REUSEADDR gets a unicast datagram is not determined, so
// one could take the answers meant for the DNS Client service's
// responder. SO_REUSE_MULTICASTPORT ("enable port reuse and disable
// unicast reception", ws2def.h) is the documented way out, but nothing
// here can try it: Wine 8 ignores the option and binds multicast
// addresses as Linux does. So on Windows the periodic browse stands in.
func passiveMDNS(goos string) bool { return goos == "linux" || goos == "darwin" }

// mdnsSocket is one listening socket: the address it binds and the
// interfaces it joins the group on.
type mdnsSocket struct {
	addr   string
	ifaces []net.Interface
}

// mdnsSockets says which sockets listen for one family ("udp4" or
// "udp6"): none where passiveMDNS says no. They bind the group address
// itself, so they receive only what is sent to the group. A socket bound
// to the wildcard address and sharing the port would take unicast
// datagrams to port 5353 (answers to questions asking for a unicast
// response, unicast queries) from the system's responder: Linux hands
// each to one socket only, the last bound (measured: avahi got 0 of 20);
// XNU likewise to one wildcard socket (in_pcblookup_hash keeps the last
// match of its chain). On both, a socket bound to the group address is
// never a unicast datagram's match (its local address is neither the
// destination nor the wildcard), while every socket that joined the group
// on the receiving interface and shares the port gets each multicast one
// (XNU udp_input, udp6_input). mDNSResponder binds *:5353 with
// SO_REUSEPORT (mDNSMacOSX.c SetupSocket), avahi *:5353 with
// SO_REUSEADDR. An IPv6 link-local group is bound per interface.
func mdnsSockets(goos, family string, ifaces []net.Interface) []mdnsSocket {
	switch {
	case !passiveMDNS(goos):
		return nil
	case family == "udp4":
		return []mdnsSocket{{net.JoinHostPort(mdnsGroupV4.String(), fmt.Sprint(mdnsPort)), ifaces}}
	}
	var out []mdnsSocket
	for _, ifi := range ifaces {
		out = append(out, mdnsSocket{net.JoinHostPort(mdnsGroupV6.String()+"%"+ifi.Name, fmt.Sprint(mdnsPort)), []net.Interface{ifi}})
	}
	return out
}

// joinMDNSGroup binds addr (family "udp4" or "udp6") sharing the port,
// and joins the family's group on each interface; it fails when no
// interface joined.
func joinMDNSGroup(ctx context.Context, family, addr string, ifaces []net.Interface) (net.PacketConn, error) {
	c, err := bindMDNS(ctx, family, addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", family, addr, err)
	}
	join := func(ifi *net.Interface) error {
		return ipv4.NewPacketConn(c).JoinGroup(ifi, &net.UDPAddr{IP: mdnsGroupV4})
	}
	if family == "udp6" {
		join = func(ifi *net.Interface) error {
			return ipv6.NewPacketConn(c).JoinGroup(ifi, &net.UDPAddr{IP: mdnsGroupV6})
		}
	}
	joined := 0
	var lastErr error
	for i := range ifaces {
		if err := join(&ifaces[i]); err != nil {
			lastErr = fmt.Errorf("%s on %s: joining the mDNS group: %w", family, ifaces[i].Name, err)
			continue
		}
		joined++
	}
	if joined == 0 {
		c.Close()
		return nil, lastErr
	}
	return c, nil
}

// readMDNS reads packets from c until it is closed, and hands what each
// announces to found (see readDatagrams).
func readMDNS(ctx context.Context, c net.PacketConn, watch mdnsWatch, found func([]probe.MDNSAnnouncement)) {
	readDatagrams(ctx, c, func(pkt []byte, _ net.IP, _ int) {
		if as := safeAnnouncements(watch, pkt); len(as) > 0 {
			found(as)
		}
	})
}

// readDatagrams reads packets from c, a socket of bindMDNS, until it is
// closed, and hands each to got with its source address and the index of
// the interface it arrived on (0 when the kernel did not say). Packets
// longer than mdnsMaxPacket, and packets not from port 5353 (multicast
// responses come from it, RFC 6762 §11), are dropped unread.
func readDatagrams(ctx context.Context, c net.PacketConn, got func(pkt []byte, from net.IP, ifIndex int)) {
	read := func(b []byte) (int, int, net.Addr, error) { n, from, err := c.ReadFrom(b); return n, 0, from, err }
	if local, _ := c.LocalAddr().(*net.UDPAddr); local != nil && local.IP.To4() != nil {
		if p := ipv4.NewPacketConn(c); p.SetControlMessage(ipv4.FlagInterface, true) == nil {
			read = func(b []byte) (int, int, net.Addr, error) {
				n, cm, from, err := p.ReadFrom(b)
				if cm == nil {
					return n, 0, from, err
				}
				return n, cm.IfIndex, from, err
			}
		}
	} else if p := ipv6.NewPacketConn(c); local != nil && p.SetControlMessage(ipv6.FlagInterface, true) == nil {
		read = func(b []byte) (int, int, net.Addr, error) {
			n, cm, from, err := p.ReadFrom(b)
			if cm == nil {
				return n, 0, from, err
			}
			return n, cm.IfIndex, from, err
		}
	}
	buf := make([]byte, mdnsMaxPacket+1)
	for {
		n, ifIndex, from, err := read(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // a transient error: do not spin
			continue
		}
		udp, ok := from.(*net.UDPAddr)
		if !ok || udp.Port != mdnsPort || n > mdnsMaxPacket {
			continue
		}
		got(buf[:n], udp.IP, ifIndex)
	}
}

// safeAnnouncements is watch.announcements, with a panic in the DNS
// library (a packet it was not written for) costing that packet only.
func safeAnnouncements(watch mdnsWatch, pkt []byte) (as []probe.MDNSAnnouncement) {
	defer func() {
		if recover() != nil {
			as = nil
		}
	}()
	return watch.announcements(pkt)
}
