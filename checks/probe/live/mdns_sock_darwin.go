package live

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// udpSocket makes a non-blocking, close-on-exec UDP socket of domain.
// Darwin's socket(2) takes no SOCK_CLOEXEC, so the flag is set under
// ForkLock, as the net package does, lest a child started in between
// inherit the socket.
func udpSocket(domain int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(domain, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
