//go:build linux

package proctest

import (
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// StartSleepers starts n processes (/bin/sleep 600) that are killed and
// reaped when the benchmark or test ends.
func StartSleepers(tb testing.TB, n int) {
	tb.Helper()
	cmds := make([]*exec.Cmd, 0, n)
	tb.Cleanup(func() {
		for _, c := range cmds {
			_ = c.Process.Kill() // ends a sleep; one that already ended is reaped below
			_ = c.Wait()         // its "signal: killed" is expected
		}
	})
	for range n {
		c := exec.Command("/bin/sleep", "600")
		if err := c.Start(); err != nil {
			tb.Fatal(err)
		}
		cmds = append(cmds, c)
	}
}

// CPUTime is the CPU time (user and system) this process has used, in
// nanoseconds: on a shared machine a benchmark's wall time includes
// waiting for a core.
func CPUTime() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		panic("getrusage: " + err.Error()) // never for RUSAGE_SELF
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
