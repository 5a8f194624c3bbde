//go:build unix

package browsers

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time so far, for benchmarks
// on a shared machine (wall time there includes waiting for a core).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
