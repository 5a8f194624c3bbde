package voiceassistants

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/internal/proctest"
)

// TestLazyArgsClassifyAsEager: however the live listing reads a
// process's arguments (with the listing, or when asked: probe.Process.Args),
// every process on this machine, and processes started here to be awkward
// (argv[0] not the program's name, names with spaces, names the kernel
// cuts, scripts run by an interpreter), is classified as it is from its
// arguments read straight from /proc.
func TestLazyArgsClassifyAsEager(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the arguments are read when asked on Linux only")
	}
	dir := t.TempDir()
	sleep := proctest.CopyProgram(t, "/bin/sleep", filepath.Join(dir, "sg sleeper"))
	cut := proctest.CopyProgram(t, "/bin/sleep", filepath.Join(dir, "rhasspy speaker x"))
	shScript := filepath.Join(dir, "wyoming-satellite")
	// The shells wait on their input, a pipe held until they are killed:
	// no child of theirs to outlive them.
	writeScript(t, shScript, "#!/bin/sh\nread x\n")
	followed := filepath.Join(dir, "rhasspy") // a file for tail to follow
	writeScript(t, followed, "")
	started := map[string]struct {
		cmd  *exec.Cmd
		want string
	}{
		"argv0 marker":        {exec.Command("/bin/bash", "-c", "exec -a wyoming-satellite /bin/sleep 600"), wyomingSatellite},
		"argv0 interpreter":   {exec.Command("/bin/bash", "-c", "exec -a python3 /usr/bin/tail -f "+followed), rhasspy},
		"argv0 spaced":        {exec.Command("/bin/bash", "-c", `exec -a "sg other name" /bin/sleep 600`), ""},
		"spaced name":         {exec.Command(sleep, "600"), ""},
		"cut name":            {exec.Command(cut, "600"), rhasspy},
		"sh script":           {exec.Command(shScript), wyomingSatellite},
		"sh script by its sh": {exec.Command("/bin/sh", shScript), wyomingSatellite},
		"sh inline":           {exec.Command("/bin/sh", "-c", "read x; : ovos-core"), ""},
	}
	if py := "/usr/bin/python3"; fileExists(py) {
		pyScript := filepath.Join(dir, "mycroft-skills.py")
		writeScript(t, pyScript, "import time\ntime.sleep(600)\n")
		started["python script"] = struct {
			cmd  *exec.Cmd
			want string
		}{exec.Command(py, "-u", pyScript), mycroft}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("no python3 under CI")
	}
	for name, s := range started {
		s.cmd.Env = []string{"PATH=/usr/bin:/bin"}
		if _, err := s.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	}
	// Until each runs its program (the shell that execs is gone).
	for name, s := range started {
		waitArgs(t, name, s.cmd.Process.Pid, func(argv []string) bool {
			return len(argv) > 0 && argv[0] != "/bin/bash"
		})
	}

	ps, err := live.New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, pr := range ps {
		lazy := processAssistant(pr)
		argv, ok := cmdline(pr.PID)
		if !ok {
			continue // gone
		}
		eager := processAssistant(probe.Process{PID: pr.PID, Name: pr.Name, Exe: pr.Exe, Cmdline: argv})
		if lazy != eager {
			// One that rewrote its arguments meanwhile (setproctitle)
			// gets another look.
			if again, _ := cmdline(pr.PID); !slices.Equal(again, argv) {
				continue
			}
			t.Errorf("process %d %q (%s): %q listed, %q from its arguments %q", pr.PID, pr.Name, pr.Exe, lazy, eager, argv)
		}
		checked++
	}
	if checked < len(started) {
		t.Fatalf("only %d processes compared", checked)
	}
	for name, s := range started {
		i := slices.IndexFunc(ps, func(p probe.Process) bool { return int(p.PID) == s.cmd.Process.Pid })
		if i < 0 {
			t.Errorf("%s: not listed", name)
			continue
		}
		if got := processAssistant(ps[i]); got != s.want {
			t.Errorf("%s (%q, %q): %q, want %q", name, ps[i].Name, ps[i].Args(), got, s.want)
		}
	}
}

func writeScript(t *testing.T, p, text string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// cmdline is a process's arguments read straight from /proc.
func cmdline(pid int32) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/cmdline")
	if err != nil {
		return nil, false
	}
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil, true
	}
	return strings.Split(string(b), "\x00"), true
}

func waitArgs(t *testing.T, name string, pid int, ok func([]string) bool) {
	t.Helper()
	for range 500 {
		// Past exec: its own arguments, and no longer this test's binary.
		if argv, _ := cmdline(int32(pid)); ok(argv) && !strings.HasSuffix(argv[0], ".test") {
			return
		}
		time.Sleep(4 * time.Millisecond)
	}
	t.Fatalf("%s: process %d never started its program", name, pid)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
