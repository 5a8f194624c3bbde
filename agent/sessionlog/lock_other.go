//go:build !unix && !windows

package sessionlog

import "os"

// lockFile is a no-op where there is no file locking; the Log's mutex still
// serialises appends within the process.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
