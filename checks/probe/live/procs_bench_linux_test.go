package live

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/proctest"
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
	proctest.StartSleepers(b, 4000)
	b.Run("4000-extra", benchList(listProcesses, false))
	b.Run("4000-extra-owners", benchList(listProcesses, true))
	b.Run("4000-extra-events", benchList(fromEvents, false))
}

// benchList also reports the CPU time (user and system) per list: the
// machine is shared, so wall time includes waiting for a core.
func benchList(list func() ([]probe.Process, error), owners bool) func(b *testing.B) {
	return func(b *testing.B) {
		before := proctest.CPUTime()
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
		cpu := proctest.CPUTime() - before
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(n), "procs")
	}
}
