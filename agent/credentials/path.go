package credentials

import (
	"errors"

	"github.com/sessionguard/sessionguard/agent/statedir"
)

// DefaultPath is credentials.json in the state directory (agent/statedir):
// /var/lib/sessionguard for root on Linux, /Library/Application
// Support/SessionGuard for the macOS daemon, %ProgramData%\SessionGuard on
// Windows, and the user's state directory otherwise.
//
// Windows ignores the 0600 mode: the file inherits the ACL of
// %ProgramData%\SessionGuard, which statedir.MkdirPrivate restricts to
// SYSTEM and Administrators when the service (or the installer's onboarding)
// creates it.
func DefaultPath() (string, error) {
	if p := statedir.File(statedir.CredentialsFile); p != "" {
		return p, nil
	}
	return "", errors.New("finding the credentials file: no home directory")
}
