//go:build linux || darwin

package reuseport

import "golang.org/x/sys/unix"

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
