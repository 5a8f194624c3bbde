//go:build !linux && !darwin && !windows

package localapi

import (
	"errors"
	"net"
)

// peerOf is not implemented on this system: every peer is unknown and so
// read only.
func peerOf(net.Conn) (Peer, error) {
	return Peer{}, errPeer("unsupported", errors.ErrUnsupported)
}
