package browsers

import (
	"context"
	"fmt"
)

// proc is one running process as the browser clean-up needs it: who it
// is, its parent and its name (the executable's, as the OS reports it).
//
// browsers reads the process table itself, per OS (procs_linux.go,
// procs_windows.go, procs_darwin.go), rather than through a process
// library, so the tray, which clears cookies in the user's session, links
// no process-listing library (internal/depstest).
type proc struct {
	pid, ppid int
	name      string
}

// processName returns the name of pid: on Linux and macOS the kernel's
// (up to 15 characters, completed from the command line when it was cut),
// on Windows the executable's file name.
func processName(ctx context.Context, pid int) (string, error) {
	ps, err := processes(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range ps {
		if p.pid == pid {
			return p.name, nil
		}
	}
	return "", fmt.Errorf("process %d is not running", pid)
}

// descendants lists the children of pid and theirs.
func descendants(ctx context.Context, pid int) []int {
	ps, err := processes(ctx)
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, p := range ps {
		if p.pid != p.ppid {
			children[p.ppid] = append(children[p.ppid], p.pid)
		}
	}
	var out []int
	seen := map[int]bool{pid: true}
	queue := []int{pid}
	for len(queue) > 0 && len(out) < 1000 {
		for _, k := range children[queue[0]] {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
				queue = append(queue, k)
			}
		}
		queue = queue[1:]
	}
	return out
}

// running reports whether a process of that name runs.
func running(ctx context.Context, name string) bool {
	ps, err := processes(ctx)
	if err != nil {
		return false
	}
	for _, p := range ps {
		if p.name == name {
			return true
		}
	}
	return false
}
