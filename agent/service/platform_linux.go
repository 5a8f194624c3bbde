//go:build linux

package service

import (
	"fmt"
	"os"
)

// systemdRunningDir exists when systemd is the running init system; it is
// how sd_booted(3) tells.
var systemdRunningDir = "/run/systemd/system"

// detectPlatform returns Systemd when systemd runs, else
// ErrNoServiceManager. kardianos would fall back to Upstart, OpenRC or
// System V init scripts (and write into /etc/init.d), which SessionGuard
// does not support.
func detectPlatform() (Platform, error) {
	fi, err := os.Stat(systemdRunningDir)
	switch {
	case err == nil && fi.IsDir():
		return Systemd, nil
	case err == nil || os.IsNotExist(err):
		return "", ErrNoServiceManager
	default:
		return "", fmt.Errorf("checking for systemd: %w", err)
	}
}
