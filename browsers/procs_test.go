package browsers

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// TestProcessesAgreeWithGopsutil: browsers reads the process table itself
// (so the tray links no process library); it must name processes exactly
// as gopsutil, which it replaced, does, since browserLike judges that name.
func TestProcessesAgreeWithGopsutil(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("compared on Linux, where the tests run")
	}
	// A process whose name the kernel cuts at 15 characters, so the
	// command line completes it.
	bin := filepath.Join(t.TempDir(), "very-long-browser-name-helper")
	if err := os.Symlink("/bin/sleep", bin); err != nil {
		t.Fatal(err)
	}
	long := exec.Command(bin, "30")
	if err := long.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = long.Process.Kill(); _ = long.Wait() }()
	time.Sleep(100 * time.Millisecond)

	ps, err := processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) < 3 {
		t.Fatalf("only %d processes", len(ps))
	}
	compared := 0
	for _, p := range ps {
		if p.pid == 2 || p.ppid == 2 {
			continue // kernel threads: a kworker's name changes with its work
		}
		name, ppid, ok := gopsutilProc(t, p.pid)
		if !ok {
			continue // gone meanwhile
		}
		compared++
		if name != p.name || ppid != p.ppid {
			// A process may exec or be re-parented between the two
			// readings: it differs only if it still does when read again.
			again := ourProc(t, p.pid)
			if name2, ppid2, ok := gopsutilProc(t, p.pid); ok && (name2 != again.name || ppid2 != again.ppid) {
				t.Errorf("process %d: %q (parent %d), gopsutil says %q (parent %d)", p.pid, again.name, again.ppid, name2, ppid2)
			}
		}
	}
	if compared < 3 {
		t.Fatalf("compared only %d processes", compared)
	}
	name, err := processName(t.Context(), long.Process.Pid)
	if err != nil || name != "very-long-browser-name-helper" {
		t.Errorf("long name: %q, %v", name, err)
	}
	if _, err := processName(t.Context(), 1<<30); err == nil {
		t.Error("a process that does not run has a name")
	}
	if self, err := processName(t.Context(), os.Getpid()); err != nil || !strings.HasPrefix(self, "browsers.test") {
		t.Errorf("this test's own name: %q, %v", self, err)
	}
}

// ourProc is pid as processes reads it now.
func ourProc(t *testing.T, pid int) proc {
	ps, err := processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.pid == pid {
			return p
		}
	}
	return proc{pid: pid, ppid: -1}
}

// gopsutilProc is pid's name and parent as gopsutil reads them.
func gopsutilProc(t *testing.T, pid int) (string, int, bool) {
	gp, err := process.NewProcessWithContext(t.Context(), int32(pid))
	if err != nil {
		return "", 0, false
	}
	name, err1 := gp.NameWithContext(t.Context())
	ppid, err2 := gp.PpidWithContext(t.Context())
	return name, int(ppid), err1 == nil && err2 == nil
}

// TestDescendants: the processes a browser started, and theirs, are found
// so that closing it waits for them (Chromium's network service).
func TestDescendants(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /bin/sh")
	}
	// sh starts a subshell that starts sleep: a grandchild.
	sh := exec.Command("/bin/sh", "-c", `(sleep 30; true) & echo $!; wait`)
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sh.Process.Kill(); _ = sh.Wait() }()
	buf := make([]byte, 32)
	n, _ := out.Read(buf)
	sub, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("subshell pid %q: %v", buf[:n], err)
	}
	var got []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = descendants(t.Context(), sh.Process.Pid); len(got) >= 2 {
			break
		}
	}
	if len(got) < 2 || !slices.Contains(got, sub) {
		t.Fatalf("descendants of sh %d: %v, want the subshell %d and its sleep", sh.Process.Pid, got, sub)
	}
	var names []string
	for _, pid := range got {
		name, _ := processName(t.Context(), pid)
		names = append(names, name)
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	}
	if !slices.Contains(names, "sleep") {
		t.Errorf("no sleep among the descendants %v %q", got, names)
	}
}
