package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Where the CPU controller is: cgroup v2's unified hierarchy when it
// offers the controller, else cgroup v1's cpu hierarchy.
var (
	cgroupV2Root = "/sys/fs/cgroup"
	cgroupV1CPU  = "/sys/fs/cgroup/cpu"
)

// cpuLimits numbers the control groups this process makes.
var cpuLimits atomic.Int64

// limitCPU puts process pid in a control group of its own whose CPU time
// is limited to cpus CPUs (cfs quota over a 100 ms period), as a small
// host of its own would be, and returns a function that removes the group
// once the process has exited. It needs root and a CPU controller.
func limitCPU(pid int, cpus float64) (remove func(), err error) {
	const period = 100_000 // µs
	quota := int(cpus * period)
	if quota < 1000 {
		return nil, fmt.Errorf("a CPU limit of %g is below the kernel's smallest quota (0.01 CPU)", cpus)
	}
	name := fmt.Sprintf("sgload-%d-%d", os.Getpid(), cpuLimits.Add(1))
	var dir string
	var settings [][2]string
	if controllers, err := os.ReadFile(filepath.Join(cgroupV2Root, "cgroup.controllers")); err == nil && slices.Contains(strings.Fields(string(controllers)), "cpu") {
		dir = filepath.Join(cgroupV2Root, name)
		settings = [][2]string{{"cpu.max", fmt.Sprintf("%d %d", quota, period)}}
	} else if _, err := os.Stat(filepath.Join(cgroupV1CPU, "cpu.cfs_quota_us")); err == nil {
		dir = filepath.Join(cgroupV1CPU, name)
		settings = [][2]string{{"cpu.cfs_period_us", strconv.Itoa(period)}, {"cpu.cfs_quota_us", strconv.Itoa(quota)}}
	} else {
		return nil, errors.New("no cgroup CPU controller here (cgroup v2 with cpu, or v1 at " + cgroupV1CPU + ")")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("making a control group (run as root): %w", err)
	}
	remove = func() { _ = os.Remove(dir) }
	settings = append(settings, [2]string{"cgroup.procs", strconv.Itoa(pid)})
	for _, s := range settings {
		if err := os.WriteFile(filepath.Join(dir, s[0]), []byte(s[1]), 0); err != nil {
			remove()
			return nil, fmt.Errorf("limiting the server's CPU: %w", err)
		}
	}
	return remove, nil
}
