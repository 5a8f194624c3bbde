package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestLimitCPU runs a process that would use a whole CPU (yes), limits it
// to 0.2 CPU, and measures what it uses in a second; once it has ended,
// its control group is gone.
func TestLimitCPU(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("control groups need root")
	}
	yes, err := exec.LookPath("yes")
	if err != nil {
		t.Skip("no yes here")
	}
	cmd := exec.Command(yes) // its output to /dev/null
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := strconv.Itoa(cmd.Process.Pid)
	remove, err := limitCPU(cmd.Process.Pid, 0.2)
	if err != nil {
		t.Skipf("no CPU limit here: %v", err)
	}
	c0 := cpuOf(pid)
	time.Sleep(time.Second)
	used := cpuOf(pid) - c0
	// Unlimited it would use ~1 s; the quota gives it 0.2 s a second.
	if used <= 0 || used > 400*time.Millisecond {
		t.Errorf("limited to 0.2 CPU, the process used %v in a second", used)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	remove()
	for _, root := range []string{cgroupV2Root, cgroupV1CPU} {
		if left, _ := filepath.Glob(filepath.Join(root, "sgload-"+strconv.Itoa(os.Getpid())+"-*")); len(left) > 0 {
			t.Errorf("control groups left: %q", left)
		}
	}
	if _, err := limitCPU(os.Getpid(), 0.001); err == nil {
		t.Error("a limit below the kernel's smallest quota was taken")
	}
}
