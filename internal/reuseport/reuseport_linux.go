package reuseport

import "syscall"

// Control is a net.ListenConfig Control that sets what Set sets on the
// socket before it binds. The tests' responders bind with it.
func Control(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) { serr = Set(int(fd)) })
	if err != nil {
		return err
	}
	return serr
}

// shareWithOtherUsers has nothing to set: Linux lets sockets of different
// users share a port when all of them set SO_REUSEADDR
// (TestMDNSListenNetnsResponderRebindsAsAnotherUser).
func shareWithOtherUsers(int) error { return nil }
