//go:build !linux && !darwin

package live

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// bindMDNS refuses: only Linux and macOS bind the group address itself
// (see passiveMDNS), and a wildcard socket sharing port 5353 could take
// the system responder's unicast answers.
func bindMDNS(_ context.Context, family, addr string) (net.PacketConn, error) {
	return nil, fmt.Errorf("%s %s: %w", family, addr, errors.ErrUnsupported)
}
