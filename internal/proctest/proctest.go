//go:build linux

// Package proctest is what the process-table benchmarks share: many
// processes to list, and the CPU time a benchmark spent.
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
			c.Process.Kill()
			c.Wait()
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
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
