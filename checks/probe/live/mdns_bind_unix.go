//go:build linux || darwin

package live

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/sessionguard/sessionguard/internal/reuseport"
	"golang.org/x/sys/unix"
)

// bindMDNS binds a UDP socket of family ("udp4" or "udp6") to addr, a
// multicast group and port (with the interface as zone for IPv6), sharing
// the port. It makes the socket itself: the net package binds the
// wildcard address whenever it is given a multicast one, and a socket
// bound so would take unicast datagrams to port 5353 from the system's
// responder (see mdnsSockets).
func bindMDNS(_ context.Context, family, addr string) (net.PacketConn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	var (
		domain int
		sa     unix.Sockaddr
	)
	switch ip := ap.Addr(); {
	case !ip.IsMulticast():
		// Never the wildcard or a unicast address: either would share
		// unicast 5353 with the responder.
		return nil, fmt.Errorf("%s is not a multicast group", addr)
	case family == "udp4" && ip.Is4():
		domain, sa = unix.AF_INET, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	case family == "udp6" && ip.Is6():
		ifi, err := net.InterfaceByName(ip.Zone())
		if err != nil {
			return nil, err
		}
		domain, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16(), ZoneId: uint32(ifi.Index)}
	default:
		return nil, fmt.Errorf("%s is not a %s address", addr, family)
	}
	fd, err := udpSocket(domain)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "mdns "+addr)
	defer f.Close() // FilePacketConn keeps a duplicate
	if err := reuseport.Set(fd); err != nil {
		return nil, fmt.Errorf("sharing port %d: %w", ap.Port(), err)
	}
	if domain == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return nil, err
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return nil, fmt.Errorf("bind %s: %w", addr, err)
	}
	return net.FilePacketConn(f)
}
