//go:build windows

package localapi

import (
	"context"
	"errors"
	"io/fs"
	"net"

	"golang.org/x/sys/windows"
)

func dialSocket(ctx context.Context, path string) (net.Conn, error) {
	return dialPipe(ctx, path)
}

// isNotRunning: no such pipe.
func isNotRunning(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND) || errors.Is(err, windows.ERROR_PATH_NOT_FOUND)
}
