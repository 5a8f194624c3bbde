//go:build !windows

package statedir

import "os"

// MkdirPrivate makes dir (and its parents) for SessionGuard's state, which
// holds the device token and the session log: mode 0700 on Unix.
func MkdirPrivate(dir string) error {
	return os.MkdirAll(dir, 0o700)
}
