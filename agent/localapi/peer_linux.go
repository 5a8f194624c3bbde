//go:build linux

package localapi

import (
	"fmt"
	"net"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerOf reads SO_PEERCRED: the credentials of the process that connected
// (on a server conn) or that called listen (on a client conn).
func peerOf(c net.Conn) (Peer, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return Peer{}, fmt.Errorf("reading peer credentials: %T is not a socket", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Peer{}, errPeer("raw conn", err)
	}
	var (
		cred *unix.Ucred
		gerr error
	)
	if err := raw.Control(func(fd uintptr) {
		cred, gerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{}, errPeer("control", err)
	}
	if gerr != nil {
		return Peer{}, errPeer("SO_PEERCRED", gerr)
	}
	return Peer{
		UID:        strconv.FormatUint(uint64(cred.Uid), 10),
		GID:        strconv.FormatUint(uint64(cred.Gid), 10),
		PID:        int(cred.Pid),
		Privileged: cred.Uid == 0,
	}, nil
}
