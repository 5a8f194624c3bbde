//go:build windows

package localapi

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// pipeSDDL is the pipe's security descriptor: LocalSystem and
// Administrators full control; Authenticated Users 0x12019b, i.e.
// FILE_GENERIC_READ|FILE_GENERIC_WRITE without FILE_APPEND_DATA — which on
// a pipe is FILE_CREATE_PIPE_INSTANCE, so no user can plant an instance of
// our pipe to catch other users' clients. Writing is still decided per
// request from the client's token, never from this ACL. go-winio also sets
// FILE_PIPE_REJECT_REMOTE_CLIENTS, so only local processes connect.
const pipeSDDL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12019b;;;AU)"

// pipeClientAccess is what a client asks for: read and write data, no
// pipe-instance creation (see pipeSDDL).
const pipeClientAccess = windows.FILE_GENERIC_READ | windows.FILE_WRITE_DATA

// Listen creates the agent's named pipe (PipeName when path is empty). It
// refuses with ErrAlreadyRunning (and the agent's pid) when an agent
// answers on the pipe: first by connecting, before creating anything — Wine
// ignores FILE_CREATE on a pipe and would let a second agent serve the same
// name — and again when creating fails, as go-winio creates the first
// instance with FILE_CREATE, which Windows refuses while the pipe exists.
// Pipes vanish with their process, so there is no stale state to clean up.
func Listen(path string) (net.Listener, error) {
	if path == "" {
		path = PipeName
	}
	if err := refuseRunning(path); err != nil {
		return nil, err
	}
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err == nil {
		return ln, nil
	}
	if rerr := refuseRunning(path); rerr != nil {
		return nil, rerr
	}
	return nil, fmt.Errorf("listening on %s: %w", path, err)
}

// refuseRunning is ErrAlreadyRunning when something answers on the pipe.
// No pipe answers at once (file not found); a busy one within a second.
func refuseRunning(path string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := winio.DialPipeAccess(ctx, path, pipeClientAccess)
	if err != nil {
		return nil
	}
	pid := serverPID(conn)
	conn.Close() //nolint:errcheck // a probe
	return alreadyRunning(pid)
}

// dialPipe connects a client to the pipe.
func dialPipe(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeAccess(ctx, path, pipeClientAccess)
}
