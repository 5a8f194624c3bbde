//go:build windows

// Package reuseport lets a UDP socket share its port with other programs'
// sockets, as mDNS responders and listeners on one machine do (port 5353).
package reuseport

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// Control is a net.ListenConfig Control that sets SO_REUSEADDR on the
// socket before it binds (Windows has no SO_REUSEPORT).
func Control(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
