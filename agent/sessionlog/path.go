package sessionlog

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultLogPath is where the agent keeps the session log:
//
//   - Windows: %ProgramData%\SessionGuard\sessions.log;
//   - macOS as root: /Library/Application Support/SessionGuard/sessions.log;
//   - other Unix as root: /var/lib/sessionguard/sessions.log;
//   - otherwise $XDG_STATE_HOME/sessionguard/sessions.log, or
//     ~/.local/state/sessionguard/sessions.log.
//
// It returns "" when none applies (no home directory).
func DefaultLogPath() string {
	return defaultLogPath(runtime.GOOS, os.Geteuid(), os.Getenv, os.UserHomeDir)
}

func defaultLogPath(goos string, euid int, getenv func(string) string, home func() (string, error)) string {
	switch {
	case goos == "windows":
		dir := getenv("ProgramData")
		if dir == "" {
			dir = `C:\ProgramData`
		}
		return dir + `\SessionGuard\sessions.log`
	case euid == 0 && goos == "darwin":
		return "/Library/Application Support/SessionGuard/sessions.log"
	case euid == 0:
		return "/var/lib/sessionguard/sessions.log"
	}
	if dir := getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "sessionguard", "sessions.log")
	}
	h, err := home()
	if err != nil || h == "" {
		return ""
	}
	return filepath.Join(h, ".local", "state", "sessionguard", "sessions.log")
}
