package agent

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultStateDir is where the agent keeps its results, session log,
// spool and credentials: a system directory for the service (root or
// SYSTEM), the user's state directory when run by a user.
func DefaultStateDir() string {
	system := runtime.GOOS == "windows" || os.Geteuid() == 0
	switch {
	case runtime.GOOS == "windows":
		if pd := os.Getenv("ProgramData"); pd != "" {
			return filepath.Join(pd, "SessionGuard")
		}
		return `C:\ProgramData\SessionGuard`
	case runtime.GOOS == "darwin" && system:
		return "/Library/Application Support/SessionGuard"
	case system:
		return "/var/lib/sessionguard"
	}
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" {
		return filepath.Join(dir, "sessionguard")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "sessionguard")
	}
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "SessionGuard")
	}
	return filepath.Join(home, ".local", "state", "sessionguard")
}
