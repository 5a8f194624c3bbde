//go:build !linux

package live

import (
	"context"
	"net"

	"github.com/sessionguard/sessionguard/internal/reuseport"
)

// bindMDNS binds a UDP socket of family ("udp4" or "udp6") to addr,
// sharing the port.
func bindMDNS(ctx context.Context, family, addr string) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: reuseport.Control}
	return lc.ListenPacket(ctx, family, addr)
}
