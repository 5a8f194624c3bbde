//go:build unix

package localapi

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"syscall"
)

func dialSocket(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// isNotRunning: no socket, or a stale one nobody listens on.
func isNotRunning(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOTDIR)
}
