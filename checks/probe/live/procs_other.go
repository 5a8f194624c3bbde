//go:build !linux

package live

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/shirou/gopsutil/v4/process"
)

// listProcesses reads the process table through gopsutil (Windows, macOS).
func listProcesses() ([]probe.Process, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	out := make([]probe.Process, 0, len(procs))
	for _, p := range procs {
		name, err := p.NameWithContext(ctx)
		if err != nil {
			continue // exited meanwhile
		}
		exe, _ := p.ExeWithContext(ctx)
		cmdline, _ := p.CmdlineSliceWithContext(ctx)
		user, _ := p.UsernameWithContext(ctx)
		out = append(out, probe.Process{PID: p.Pid, Name: name, Exe: exe, Cmdline: cmdline, User: user})
	}
	return out, nil
}
