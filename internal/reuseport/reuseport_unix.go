//go:build !windows

// Package reuseport lets a UDP socket share its port with other programs'
// sockets, as mDNS responders and listeners on one machine do (port 5353).
package reuseport

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// Control is a net.ListenConfig Control that sets what Set sets on the
// socket before it binds.
func Control(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) { serr = Set(int(fd)) })
	if err != nil {
		return err
	}
	return serr
}

// Set sets SO_REUSEADDR and SO_REUSEPORT on the socket fd, and on macOS
// SO_REUSESHAREUID (see shareWithOtherUsers).
func Set(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return err
	}
	return shareWithOtherUsers(fd)
}
