//go:build !windows && !darwin

package credentials

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPath is /var/lib/sessionguard/credentials.json for root (the
// service), else $XDG_STATE_HOME/sessionguard/credentials.json
// (~/.local/state when unset).
func DefaultPath() (string, error) {
	if os.Geteuid() == 0 {
		return "/var/lib/sessionguard/credentials.json", nil
	}
	base := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", fmt.Errorf("finding the credentials file: %w", errors.Join(errors.New("no home directory"), err))
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "sessionguard", "credentials.json"), nil
}
