package reuseport

import "golang.org/x/sys/unix"

// shareWithOtherUsers sets SO_REUSESHAREUID. XNU refuses a bind by a
// non-root user to a port that another user's socket holds on a specific
// address (in_pcbbind and in6_pcbbind: EADDRINUSE when the uids differ
// and either address is not the wildcard), unless that other socket has
// SOF_REUSESHAREUID. A root agent's socket bound to 224.0.0.251:5353
// would otherwise stop mDNSResponder (launchd runs it as _mdnsresponder)
// from binding *:5353 again when it restarts, and with it the Mac's own
// mDNS. With the flag its bind goes through as if the agent were not
// there. (xnu-11417 bsd/netinet/in_pcb.c, bsd/netinet6/in6_pcb.c,
// bsd/kern/uipc_socket.c; SO_REUSESHAREUID is in the public
// <sys/socket.h>: "Allow reuse of port/socket by different userids".)
func shareWithOtherUsers(fd int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSESHAREUID, 1)
}
