//go:build windows

package live

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// shareMDNSPort sets SO_REUSEADDR on the listener's socket, so it binds
// port 5353 beside the Windows mDNS service or Bonjour.
func shareMDNSPort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
