//go:build windows

package localapi

import (
	"fmt"
	"net"

	"golang.org/x/sys/windows"
)

// handleConn is what go-winio's pipe conns offer (win32File.Fd).
type handleConn interface {
	Fd() uintptr
}

// peerOf identifies the pipe client: GetNamedPipeClientProcessId, then the
// process's token → user SID. Best effort and compile-tested only here:
// go-winio exposes no client token, and impersonation would need a read
// first and a locked OS thread. The pid is looked up while the client is
// connected, so it names the connecting process unless that process has
// already exited and its pid been reused; an error leaves the peer
// unknown (read only).
func peerOf(c net.Conn) (Peer, error) {
	hc, ok := c.(handleConn)
	if !ok {
		return Peer{}, fmt.Errorf("reading peer credentials: %T is not a pipe", c)
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(windows.Handle(hc.Fd()), &pid); err != nil {
		return Peer{}, errPeer("GetNamedPipeClientProcessId", err)
	}
	return processPeer(pid)
}

// serverPID returns the pid of the server end of a pipe client conn.
func serverPID(c net.Conn) int {
	hc, ok := c.(handleConn)
	if !ok {
		return 0
	}
	var pid uint32
	if err := windows.GetNamedPipeServerProcessId(windows.Handle(hc.Fd()), &pid); err != nil {
		return 0
	}
	return int(pid)
}

func processPeer(pid uint32) (Peer, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return Peer{}, errPeer("OpenProcess", err)
	}
	defer windows.CloseHandle(h) //nolint:errcheck // nothing to do
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return Peer{}, errPeer("OpenProcessToken", err)
	}
	defer tok.Close() //nolint:errcheck // nothing to do
	u, err := tok.GetTokenUser()
	if err != nil {
		return Peer{}, errPeer("GetTokenUser", err)
	}
	return Peer{
		UID:        u.User.Sid.String(),
		PID:        int(pid),
		Privileged: u.User.Sid.IsWellKnown(windows.WinLocalSystemSid) || tok.IsElevated(),
	}, nil
}
