package credentials

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPath is /Library/Application Support/SessionGuard/credentials.json
// for root (the launchd daemon), else the same under ~/Library.
func DefaultPath() (string, error) {
	if os.Geteuid() == 0 {
		return "/Library/Application Support/SessionGuard/credentials.json", nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the credentials file: %w", err)
	}
	return filepath.Join(home, "Library", "Application Support", "SessionGuard", "credentials.json"), nil
}
