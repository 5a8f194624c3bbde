//go:build !windows

package live

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// shareMDNSPort sets SO_REUSEADDR and SO_REUSEPORT on the listener's
// socket, so it binds port 5353 beside avahi or mDNSResponder.
func shareMDNSPort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
