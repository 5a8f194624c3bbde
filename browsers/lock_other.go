//go:build !unix && !windows

package browsers

import (
	"context"
	"errors"
)

func pidAlive(int) bool                       { return false }
func fileLockHolder(string) (bool, int)       { return false, 0 }
func lockHolder(context.Context, Profile) int { return 0 }
func terminate(context.Context, int) error {
	return errors.New("closing browsers is not supported on this OS")
}
