package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/reuseport"
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
// every interface a browse would use. A family that cannot listen (no
// IPv6 on the host) is left out; when neither can, the error wraps
// ErrUnavailable. Nothing is ever sent.
func listenMDNS(ctx context.Context, services []string, heard func(probe.MDNSAnnouncement)) error {
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
		c, err := joinMDNSGroup(ctx, family, ifaces)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		conns = append(conns, c)
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

// joinMDNSGroup binds the mDNS port of one family ("udp4" or "udp6") and
// joins its group on each interface; it fails when no interface joined.
func joinMDNSGroup(ctx context.Context, family string, ifaces []net.Interface) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: reuseport.Control}
	addr := fmt.Sprintf("0.0.0.0:%d", mdnsPort)
	if family == "udp6" {
		addr = fmt.Sprintf("[::]:%d", mdnsPort)
	}
	c, err := lc.ListenPacket(ctx, family, addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", family, err)
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
