package probe

import (
	"context"
	"os/exec"
	"testing"

	"github.com/shirou/gopsutil/v4/process"
	"golang.org/x/sys/unix"
)

// gopsutilProcesses is how Processes read the table before (kept for the
// figure only).
func gopsutilProcesses() ([]Process, error) {
	ctx := context.Background()
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Process, 0, len(procs))
	for _, p := range procs {
		name, err := p.NameWithContext(ctx)
		if err != nil {
			continue
		}
		exe, _ := p.ExeWithContext(ctx)
		cmdline, _ := p.CmdlineSliceWithContext(ctx)
		user, _ := p.UsernameWithContext(ctx)
		out = append(out, Process{PID: p.Pid, Name: name, Exe: exe, Cmdline: cmdline, User: user})
	}
	return out, nil
}

// BenchmarkProcesses lists the machine's processes, then the same with
// 4,000 more (sleep) that the benchmark starts.
func BenchmarkProcesses(b *testing.B) {
	run := func(b *testing.B) {
		b.Run("proc", func(b *testing.B) { benchList(b, listProcesses) })
		b.Run("gopsutil", func(b *testing.B) { benchList(b, gopsutilProcesses) })
	}
	b.Run("machine", run)
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
	b.Run("4000-extra", run)
}

// benchList also reports the CPU time (user and system) per list: the
// machine is shared, so wall time includes waiting for a core.
func benchList(b *testing.B, list func() ([]Process, error)) {
	var before, after unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &before)
	n := 0
	for b.Loop() {
		ps, err := list()
		if err != nil {
			b.Fatal(err)
		}
		n = len(ps)
	}
	unix.Getrusage(unix.RUSAGE_SELF, &after)
	cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(n), "procs")
}
