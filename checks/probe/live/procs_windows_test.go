package live

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLiveWindowsProcesses reads the real process table (run under Wine
// by internal/winetest): a child this test starts, with an argument
// holding spaces, is listed with its executable's name, its image path,
// its arguments and an owner; a listing is a few tens of milliseconds.
func TestLiveWindowsProcesses(t *testing.T) {
	if os.Getenv("SG_PROCS_CHILD") != "" {
		time.Sleep(time.Minute)
		return
	}
	child := exec.Command(os.Args[0], "-test.run=^TestLiveWindowsProcesses$", "an argument with spaces")
	child.Env = append(os.Environ(), "SG_PROCS_CHILD=1")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	time.Sleep(500 * time.Millisecond)

	start := time.Now()
	ps, err := listProcesses()
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	self := filepath.Base(os.Args[0])
	var found bool
	for _, p := range ps {
		if int(p.PID) != child.Process.Pid {
			continue
		}
		found = true
		if !strings.EqualFold(p.Name, self) {
			t.Errorf("the child is named %q, want %q", p.Name, self)
		}
		if !strings.EqualFold(filepath.Base(p.Exe), self) {
			t.Errorf("the child's image is %q", p.Exe)
		}
		if p.User == "" {
			t.Error("the child has no owner")
		}
		if !slices.Contains(p.Cmdline, "an argument with spaces") {
			t.Errorf("the child's arguments are %q", p.Cmdline)
		}
	}
	if !found {
		t.Fatalf("the child (pid %d) is not among %d processes", child.Process.Pid, len(ps))
	}
	t.Logf("%d processes in %v", len(ps), took)
}
