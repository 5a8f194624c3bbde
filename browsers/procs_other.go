//go:build !linux && !darwin && !windows

package browsers

import (
	"context"
	"errors"
	"runtime"
)

// processes is not implemented on this OS: a browser holding a profile is
// then reported, not closed.
func processes(context.Context) ([]proc, error) {
	return nil, errors.New("listing processes is not supported on " + runtime.GOOS)
}
