package credentials

import (
	"os"
	"path/filepath"
)

// DefaultPath is %ProgramData%\SessionGuard\credentials.json.
//
// Windows ignores the 0600 mode: the file inherits the ACL of
// %ProgramData%\SessionGuard, which the installer restricts to SYSTEM and
// Administrators.
func DefaultPath() (string, error) {
	base := os.Getenv("ProgramData")
	if base == "" {
		base = `C:\ProgramData`
	}
	return filepath.Join(base, "SessionGuard", "credentials.json"), nil
}
