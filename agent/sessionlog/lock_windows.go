//go:build windows

package sessionlog

import (
	"os"

	"golang.org/x/sys/windows"
)

// Windows byte-range locks are mandatory, so the lock is on one byte far
// beyond any real end of file: it excludes other writers without blocking
// readers.
const lockOffsetLow, lockOffsetHigh = 0xFFFFFFFE, 0x7FFFFFFF

// lockFile takes an exclusive lock on f, so that two processes never append
// at the same time.
func lockFile(f *os.File) error {
	ol := windows.Overlapped{Offset: lockOffsetLow, OffsetHigh: lockOffsetHigh}
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ol)
}

func unlockFile(f *os.File) {
	ol := windows.Overlapped{Offset: lockOffsetLow, OffsetHigh: lockOffsetHigh}
	_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}
