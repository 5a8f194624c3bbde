//go:build !windows && !linux && !darwin

package live

import (
	"fmt"
	"os/exec"
)

func (liveOS) consoleUser() (User, error) { return currentUser() }

func (liveOS) asUser(cmd *exec.Cmd, u User) error {
	if _, err := credentialFor(cmd, u); err != nil {
		return fmt.Errorf("running as %s: %w", u.UID, err)
	}
	return nil
}
