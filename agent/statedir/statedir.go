// Package statedir says where SessionGuard keeps its state — results, the
// session log, the spool and the device credentials — and what each file
// in it is called, so the agent, the session log, the credentials store
// and the commands agree on one directory and one set of names:
//
//   - Windows: %ProgramData%\SessionGuard;
//   - macOS as root: /Library/Application Support/SessionGuard;
//   - other Unix as root: /var/lib/sessionguard;
//   - macOS as a user: ~/Library/Application Support/SessionGuard;
//   - other Unix as a user: $XDG_STATE_HOME/sessionguard when that is an
//     absolute path, else ~/.local/state/sessionguard.
package statedir

import (
	"os"
	"path/filepath"
	"runtime"
)

// The files and folders in the state directory: declared here only.
const (
	// ResultsFile keeps the latest check run (agent).
	ResultsFile = "results.json"
	// SessionLogFile is the hash-chained session log (agent/sessionlog).
	SessionLogFile = "sessions.log"
	// DeliveredFile says up to which seq the session log has reached the
	// server (agent/spool.Delivered).
	DeliveredFile = "sessions.delivered"
	// CredentialsFile holds the device's enrolment (agent/credentials).
	CredentialsFile = "credentials.json"
	// ServerPolicyFile keeps the last policy the server gave
	// (agent/policysync).
	ServerPolicyFile = "server-policy.json"
	// SpoolDir holds the reports waiting for the server (agent/spool).
	SpoolDir = "spool"
)

// Default is where the agent keeps its state: Dir, or a temporary
// directory for a user without a home directory.
func Default() string {
	if dir := Dir(); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), "sessionguard")
}

// Dir is the state directory for this process, or "" when it has none
// (a user without a home directory).
func Dir() string {
	return dir(runtime.GOOS, os.Geteuid(), os.Getenv, os.UserHomeDir)
}

func dir(goos string, euid int, getenv func(string) string, home func() (string, error)) string {
	switch {
	case goos == "windows":
		base := getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return base + `\SessionGuard`
	case euid == 0 && goos == "darwin":
		return "/Library/Application Support/SessionGuard"
	case euid == 0:
		return "/var/lib/sessionguard"
	}
	if goos != "darwin" {
		if base := getenv("XDG_STATE_HOME"); filepath.IsAbs(base) {
			return filepath.Join(base, "sessionguard")
		}
	}
	h, err := home()
	if err != nil || h == "" {
		return ""
	}
	if goos == "darwin" {
		return filepath.Join(h, "Library", "Application Support", "SessionGuard")
	}
	return filepath.Join(h, ".local", "state", "sessionguard")
}

// SystemDir is the state directory of the agent running as root (SYSTEM
// on Windows), whoever asks.
func SystemDir() string {
	return dir(runtime.GOOS, 0, os.Getenv, os.UserHomeDir)
}

// File is name inside Dir, or "" when there is no state directory. On
// Windows paths it joins with a backslash.
func File(name string) string {
	return join(Dir(), name)
}

func join(dir, name string) string {
	if dir == "" {
		return ""
	}
	if len(dir) >= 2 && dir[1] == ':' {
		return dir + `\` + name
	}
	return filepath.Join(dir, name)
}
