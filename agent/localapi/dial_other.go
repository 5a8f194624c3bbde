//go:build !unix && !windows

package localapi

import (
	"context"
	"errors"
	"net"
)

func dialSocket(context.Context, string) (net.Conn, error) { return nil, errors.ErrUnsupported }

func isNotRunning(err error) bool { return errors.Is(err, errors.ErrUnsupported) }
