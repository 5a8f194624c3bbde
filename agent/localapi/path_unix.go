//go:build unix

package localapi

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// systemSocketPath is where the agent running as root listens. macOS has
// no /run; /var/run is its equivalent.
func systemSocketPath() string {
	if runtime.GOOS == "darwin" {
		return "/var/run/sessionguard/agent.sock"
	}
	return "/run/sessionguard/agent.sock"
}

// userSocketPath is where an agent running as an ordinary user listens:
// $XDG_RUNTIME_DIR/sessionguard/agent.sock, or /tmp/sessionguard-<uid>/
// (Listen checks that such a directory is ours and not writable by others).
func userSocketPath() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "sessionguard", "agent.sock")
	}
	return filepath.Join("/tmp", "sessionguard-"+strconv.Itoa(os.Geteuid()), "agent.sock")
}

// DefaultSocketPath is where an agent of this user listens: the system
// socket for root, a per-user one otherwise.
func DefaultSocketPath() string {
	if os.Geteuid() == 0 {
		return systemSocketPath()
	}
	return userSocketPath()
}

// clientSocketPaths are the sockets a client tries in turn: the system
// agent's first, then (not root) the user's own.
func clientSocketPaths() []string {
	if os.Geteuid() == 0 {
		return []string{systemSocketPath()}
	}
	return []string{systemSocketPath(), userSocketPath()}
}
