//go:build windows

package service

import "os"

// earlyExit ends a Windows service whose agent returned on its own: the
// Service Control Manager sees it fail and its recovery action restarts it.
func earlyExit(error) { os.Exit(1) }
