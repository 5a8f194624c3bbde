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

// Listen creates the agent's named pipe (PipeName when path is empty).
// go-winio creates the first instance with FILE_CREATE, so it fails when
// the pipe exists; if an agent then answers on it, the error is
// ErrAlreadyRunning with its pid. Pipes vanish with their process, so
// there is no stale state to clean up. Compile-tested only here.
func Listen(path string) (net.Listener, error) {
	if path == "" {
		path = PipeName
	}
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err == nil {
		return ln, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if conn, derr := winio.DialPipeAccess(ctx, path, pipeClientAccess); derr == nil {
		pid := serverPID(conn)
		conn.Close() //nolint:errcheck // a probe
		return nil, alreadyRunning(pid)
	}
	return nil, fmt.Errorf("listening on %s: %w", path, err)
}

// dialPipe connects a client to the pipe.
func dialPipe(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeAccess(ctx, path, pipeClientAccess)
}
