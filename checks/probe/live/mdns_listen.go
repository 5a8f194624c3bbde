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

// listenMDNS binds port 5353 on each family with SO_REUSEADDR (and
// SO_REUSEPORT where there is one), so it shares the port with avahi,
// mDNSResponder or another listener, and joins 224.0.0.251 and ff02::fb on
// every interface a browse would use (see mdnsSockets). A family that cannot listen (no
// IPv6 on the host) is left out; when neither can, the error wraps
// ErrUnavailable. Nothing is ever sent.
func listenMDNS(ctx context.Context, services []string, heard func(probe.MDNSAnnouncement)) error {
	if !passiveMDNS(runtime.GOOS) {
		return fmt.Errorf("mdns listen: %w on %s: listening is tested on Linux only, and elsewhere a socket sharing port 5353 could take unicast answers meant for the system's own mDNS responder; the periodic browse stands in", errors.ErrUnsupported, runtime.GOOS)
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

// passiveMDNS says whether the agent listens to the mDNS group on goos.
// Only Linux, where the sockets bind the group addresses and the tests run
// real responders beside the listener: macOS and Windows would bind the
// wildcard address beside mDNSResponder or the Windows mDNS service, and
// whether that takes their unicast answers cannot be tried here.
func passiveMDNS(goos string) bool { return goos == "linux" }

// mdnsSocket is one listening socket: the address it binds and the
// interfaces it joins the group on.
type mdnsSocket struct {
	addr   string
	ifaces []net.Interface
}

// mdnsSockets says which sockets listen for one family ("udp4" or
// "udp6"). On Linux they bind the group address itself, so they receive
// only what is sent to the group: a socket bound to the wildcard address
// and shared with SO_REUSEADDR would take unicast datagrams to port 5353
// (answers to avahi's unicast-response questions, unicast queries) away
// from avahi, as Linux hands each to one socket only, the last bound. An
// IPv6 link-local group is bound per interface. Elsewhere the wildcard
// address is bound (Windows and macOS do not bind multicast addresses
// that way; mDNSResponder and the Windows mDNS service share it so).
func mdnsSockets(goos, family string, ifaces []net.Interface) []mdnsSocket {
	switch {
	case goos != "linux" && family == "udp4":
		return []mdnsSocket{{fmt.Sprintf("0.0.0.0:%d", mdnsPort), ifaces}}
	case goos != "linux":
		return []mdnsSocket{{fmt.Sprintf("[::]:%d", mdnsPort), ifaces}}
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
// announces to found. Packets longer than mdnsMaxPacket, and packets not
// from port 5353 (multicast responses come from it, RFC 6762 §11), are
// dropped unread.
func readMDNS(ctx context.Context, c net.PacketConn, watch mdnsWatch, found func([]probe.MDNSAnnouncement)) {
	buf := make([]byte, mdnsMaxPacket+1)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // a transient error: do not spin
			continue
		}
		if udp, ok := from.(*net.UDPAddr); !ok || udp.Port != mdnsPort || n > mdnsMaxPacket {
			continue
		}
		if as := safeAnnouncements(watch, buf[:n]); len(as) > 0 {
			found(as)
		}
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
