package live

import "golang.org/x/sys/unix"

// udpSocket makes a non-blocking, close-on-exec UDP socket of domain.
func udpSocket(domain int) (int, error) {
	return unix.Socket(domain, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.IPPROTO_UDP)
}
