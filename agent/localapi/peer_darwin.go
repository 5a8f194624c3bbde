//go:build darwin

package localapi

import (
	"fmt"
	"net"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerOf reads LOCAL_PEERCRED (what getpeereid uses) and LOCAL_PEERPID.
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
		cred *unix.Xucred
		pid  int
		gerr error
	)
	if err := raw.Control(func(fd uintptr) {
		cred, gerr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		if gerr == nil {
			// Best effort: the pid only decorates messages.
			pid, _ = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
		}
	}); err != nil {
		return Peer{}, errPeer("control", err)
	}
	if gerr != nil {
		return Peer{}, errPeer("LOCAL_PEERCRED", gerr)
	}
	p := Peer{
		UID:        strconv.FormatUint(uint64(cred.Uid), 10),
		PID:        pid,
		Privileged: cred.Uid == 0,
	}
	if cred.Ngroups > 0 {
		p.GID = strconv.FormatUint(uint64(cred.Groups[0]), 10)
	}
	return p, nil
}
