package live

import (
	"os/exec"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/unix"
)

// BenchmarkProcesses lists the machine's processes, then the same with
// 4,000 more (sleep) that the benchmark starts. gopsutil's path, measured
// beside it until commit 29ebb5d, took 14.6 ms and 584 ms. The -owners
// runs also ask every process its owner, as recording a bundle does
// (checks ask only the processes they matched). The -events runs list
// from the table the running agent keeps from process events
// (FollowProcesses): a listing after nothing changed.
func BenchmarkProcesses(b *testing.B) {
	ev := newProcEvents()
	defer func() {
		ev.mu.Lock()
		ev.close(nil)
		ev.mu.Unlock()
	}()
	fromEvents := func() ([]probe.Process, error) {
		ps, ok, err := ev.processes()
		if !ok {
			b.Skip("process events unavailable:", ev.err)
		}
		return ps, err
	}
	b.Run("machine", benchList(listProcesses, false))
	b.Run("machine-events", benchList(fromEvents, false))
	var cmds []*exec.Cmd
	defer func() {
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}()
	for range 4000 {
		c := exec.Command("/bin/sleep", "600")
		if err := c.Start(); err != nil {
			b.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	b.Run("4000-extra", benchList(listProcesses, false))
	b.Run("4000-extra-owners", benchList(listProcesses, true))
	b.Run("4000-extra-events", benchList(fromEvents, false))
}

// benchList also reports the CPU time (user and system) per list: the
// machine is shared, so wall time includes waiting for a core.
func benchList(list func() ([]probe.Process, error), owners bool) func(b *testing.B) {
	return func(b *testing.B) {
		var before, after unix.Rusage
		unix.Getrusage(unix.RUSAGE_SELF, &before)
		n := 0
		for b.Loop() {
			ps, err := list()
			if err != nil {
				b.Fatal(err)
			}
			for i := range ps {
				if owners {
					ps[i].Owner()
				}
			}
			n = len(ps)
		}
		unix.Getrusage(unix.RUSAGE_SELF, &after)
		cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(n), "procs")
	}
}
