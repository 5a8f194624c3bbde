//go:build unix && !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package localapi

import "errors"

var errLocked = errors.New("locked by another process")

// fileLock is a no-op here: Listen relies on the connect probe alone.
type fileLock struct{}

func lockFile(string) (*fileLock, error) { return &fileLock{}, nil }

func (*fileLock) writePID() {}

func (*fileLock) release() {}
