//go:build !windows && !linux

package live

import "golang.org/x/sys/unix"

// oPath: no O_PATH here; folders on the way are opened for reading.
const oPath = unix.O_RDONLY
