package localapi

import (
	"errors"
	"fmt"
)

// Errors of the transport.
var (
	// ErrAlreadyRunning: Listen found a live agent on the socket.
	ErrAlreadyRunning = errors.New("another SessionGuard agent is already running")
	// ErrNotSocket: Listen found something other than a socket at the
	// path; it is never removed.
	ErrNotSocket = errors.New("the path exists and is not a socket; not removing it")
	// ErrUnsafeDir: the socket's directory is owned by another user or
	// writable by others, so the socket could be swapped under us.
	ErrUnsafeDir = errors.New("the socket directory is not safe")
	// ErrAgentNotRunning: the client found nothing listening (no socket,
	// a stale socket, no pipe). The CLI falls back to standalone mode.
	ErrAgentNotRunning = errors.New("the SessionGuard agent is not running")
	// ErrNoResults: GET results before the first check run (404).
	ErrNoResults = errors.New("no check results yet")
)

// alreadyRunning words ErrAlreadyRunning with the other agent's pid when
// it is known.
func alreadyRunning(pid int) error {
	if pid > 0 {
		return fmt.Errorf("%w (pid %d)", ErrAlreadyRunning, pid)
	}
	return ErrAlreadyRunning
}
