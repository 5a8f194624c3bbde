//go:build !unix && !windows

package localapi

import (
	"errors"
	"net"
)

// Listen is not supported on this system.
func Listen(string) (net.Listener, error) { return nil, errors.ErrUnsupported }
