package live

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	"github.com/sessionguard/sessionguard/internal/proctest"
	"golang.org/x/sys/unix"
)

// copySleep copies /bin/sleep to dir/name, executable by everybody.
func copySleep(t testing.TB, dir, name string) string {
	t.Helper()
	return proctest.CopyProgram(t, "/bin/sleep", filepath.Join(dir, name))
}

// startProc starts path with args and stops it when the test ends.
func startProc(t testing.TB, path string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func findPID(ps []probe.Process, pid int) (probe.Process, bool) {
	i := slices.IndexFunc(ps, func(p probe.Process) bool { return int(p.PID) == pid })
	if i < 0 {
		return probe.Process{}, false
	}
	return ps[i], true
}

// waitExec waits until the started process runs its own program with its
// arguments in place. Between fork and exec /proc shows the test binary;
// during exec the kernel points exe (and comm) at the new program before
// the loader has set the new arguments up, so for a moment cmdline reads
// empty.
func waitExec(t testing.TB, pid int, exe string) {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid)
	for range 500 {
		if got, _ := os.Readlink(dir + "/exe"); got == exe {
			if args, _ := os.ReadFile(dir + "/cmdline"); len(args) > 0 {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("process %d never ran %s", pid, exe)
}

func TestProcessesFromProc(t *testing.T) {
	dir := t.TempDir()
	spaced := copySleep(t, dir, "my sleeper")
	// Longer than the kernel's 15 bytes of comm: the name comes back whole
	// from argv[0], as it did through gopsutil.
	long := copySleep(t, dir, "my long sleeper program")
	many := make([]string, 5000)
	for i := range many {
		many[i] = "0"
	}
	many[0] = "600"
	a := startProc(t, spaced, "600")
	b := startProc(t, long, many...)
	waitExec(t, a.Process.Pid, spaced)
	waitExec(t, b.Process.Pid, long)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}

	ps, err := New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	want := []probe.Process{
		{PID: int32(a.Process.Pid), Name: "my sleeper", Exe: spaced, Cmdline: []string{spaced, "600"}, User: me.Username},
		{PID: int32(b.Process.Pid), Name: "my long sleeper program", Exe: long, Cmdline: append([]string{long}, many...), User: me.Username},
	}
	for _, w := range want {
		got, ok := findPID(ps, int(w.PID))
		if !ok {
			t.Errorf("process %d (%s) not listed", w.PID, w.Name)
			continue
		}
		if got.Name != w.Name || got.Exe != w.Exe || got.Owner() != w.User || !slices.Equal(got.Args(), w.Args()) {
			t.Errorf("process %d: name %q exe %q user %q %d args, want %q %q %q %d args",
				w.PID, got.Name, got.Exe, got.Owner(), len(got.Args()), w.Name, w.Exe, w.User, len(w.Args()))
		}
	}
	self, ok := findPID(ps, os.Getpid())
	if exe, _ := os.Executable(); !ok || self.Exe != exe {
		t.Errorf("this test's own process: %+v, want exe %s", self.Name, exe)
	}
	// Kernel threads (kthreadd is PID 2 where this runs in its own VM) have
	// no executable and no arguments.
	if k, ok := findPID(ps, 2); ok && k.Name == "kthreadd" && (k.Exe != "" || k.Args() != nil) {
		t.Errorf("kthreadd: %+v", k)
	}
}

// TestProcessesWhileProcessesExit lists processes in a loop while others
// start and die around it: no error, no half-read process.
func TestProcessesWhileProcessesExit(t *testing.T) {
	dir := t.TempDir()
	spaced := copySleep(t, dir, "my sleeper")
	keep := startProc(t, spaced, "600")
	waitExec(t, keep.Process.Pid, spaced)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var cmds []*exec.Cmd
				for range 20 {
					c := exec.Command(spaced, "600")
					if c.Start() == nil {
						cmds = append(cmds, c)
					}
				}
				for _, c := range cmds {
					c.Process.Kill()
					c.Wait()
				}
			}
		})
	}
	deadline := time.Now().Add(2 * time.Second)
	rounds := 0
	for ; time.Now().Before(deadline) || rounds < 20; rounds++ {
		ps, err := New().Processes()
		if err != nil {
			t.Fatalf("round %d: %v", rounds, err)
		}
		if p, ok := findPID(ps, keep.Process.Pid); !ok || p.Name != "my sleeper" || p.Owner() != me.Username {
			t.Fatalf("round %d: the long-lived process: %+v %v owner %q", rounds, p, ok, p.Owner())
		}
		for _, p := range ps {
			if p.Name == "" || p.PID <= 0 {
				t.Fatalf("round %d: half-read process %+v", rounds, p)
			}
			// Owners asked while processes die: a name or "", never another's.
			if o := p.Owner(); o != "" && o != me.Username && p.Name == "my sleeper" {
				t.Fatalf("round %d: %+v owned by %q", rounds, p, o)
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d rounds", rounds)
}

// TestProcessesAsOtherUser lists as an unprivileged user: another user's
// executable cannot be read and is left empty (as gopsutil left it); its
// name, arguments and owner are still there.
func TestProcessesAsOtherUser(t *testing.T) {
	if os.Getenv("SG_PROCS_CHILD") != "" {
		ps, err := New().Processes()
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(os.Getenv("SG_PROCS_CHILD"))
		p, _ := findPID(ps, pid)
		json.NewEncoder(os.Stdout).Encode(p.Resolved())
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as nobody")
	}
	pub := publicDir(t)
	spaced := copySleep(t, pub, "my sleeper")
	keep := startProc(t, spaced, "600")
	waitExec(t, keep.Process.Pid, spaced)
	child := proctest.TestAsNobody(t, pub, "TestProcessesAsOtherUser", "SG_PROCS_CHILD="+strconv.Itoa(keep.Process.Pid))
	out, err := child.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var got probe.Process
	line, _, _ := strings.Cut(string(out), "\n")
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	root, _ := user.LookupId("0")
	want := probe.Process{PID: int32(keep.Process.Pid), Name: "my sleeper", Exe: "", Cmdline: []string{spaced, "600"}, User: root.Username}
	if got.PID != want.PID || got.Name != want.Name || got.Exe != want.Exe || got.User != want.User || !slices.Equal(got.Args(), want.Cmdline) {
		t.Errorf("as nobody: %+v, want %+v", got, want)
	}
}

// TestProcessesRealUID: a set-uid program started by nobody is not
// dumpable, so its /proc directory belongs to root; the list still names
// the person who started it (the real uid), as gopsutil did. A gnome-shell
// or kwin_wayland with file capabilities is in the same state.
func TestProcessesRealUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to start a process as nobody")
	}
	nobody, err := user.LookupId("65534")
	if err != nil {
		t.Skip("no user 65534")
	}
	setuid := copySleep(t, publicDir(t), "my sleeper")
	if err := os.Chmod(setuid, 0o755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	c := proctest.AsNobody(exec.Command(setuid, "600"))
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	waitExec(t, c.Process.Pid, setuid)
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+strconv.Itoa(c.Process.Pid), &st); err != nil || st.Uid != 0 {
		t.Skipf("/proc/PID of a set-uid process owned by %d (%v): nosuid mount?", st.Uid, err)
	}
	ps, err := New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := findPID(ps, c.Process.Pid); !ok || p.Owner() != nobody.Username {
		t.Errorf("process started by %s: %+v", nobody.Username, p)
	}
}

// publicDir is a temporary folder other users may read and run from.
func publicDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sg-procs-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHostOSVersion reads this machine's os-release and kernel release,
// without running lsb_release (gopsutil did, after every check run).
func TestHostOSVersion(t *testing.T) {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		t.Skip(err)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	got := New().Host().OSVersion
	kernel := ", kernel " + unix.ByteSliceToString(u.Release[:])
	if !strings.HasSuffix(got, kernel) || got == "Linux"+kernel && len(b) > 0 {
		t.Errorf("os_version %q, want the distribution then %q", got, kernel)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok && !strings.HasPrefix(got, strings.Trim(v, `"`)+",") {
			t.Errorf("os_version %q does not start with PRETTY_NAME %s", got, v)
		}
	}
}

// TestProcessesManyReaders lists enough processes for several readers to
// share the table: every one once, each with its own name and arguments.
func TestProcessesManyReaders(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one reader with one CPU")
	}
	spaced := copySleep(t, t.TempDir(), "my sleeper")
	started := map[int]string{}
	for i := range 3 * procsPerWorker {
		arg := strconv.Itoa(600 + i)
		started[startProc(t, spaced, arg).Process.Pid] = arg
	}
	for pid := range started {
		waitExec(t, pid, spaced)
	}
	ps, err := New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int32]bool{}
	for _, p := range ps {
		if seen[p.PID] {
			t.Fatalf("process %d listed twice", p.PID)
		}
		seen[p.PID] = true
		if arg, ok := started[int(p.PID)]; ok {
			if p.Name != "my sleeper" || !slices.Equal(p.Args(), []string{spaced, arg}) || p.Owner() == "" {
				t.Errorf("process %d: %+v", p.PID, p)
			}
			delete(started, int(p.PID))
		}
	}
	if len(started) > 0 {
		t.Errorf("%d of the processes started are not listed", len(started))
	}
}

// TestRecordLiveProcessArgs records the live process list: the arguments
// a check keeps survive, every other process's are dropped, and replay
// gives back what was kept.
func TestRecordLiveProcessArgs(t *testing.T) {
	spaced := copySleep(t, t.TempDir(), "my sleeper")
	kept := startProc(t, spaced, "600", "0") // the "0" a check does not read
	waitExec(t, kept.Process.Pid, spaced)
	rec := evidence.NewRecorder(New())
	rec.KeepProcessArgs(func(pr probe.Process) []string {
		if pr.Name == "my sleeper" && len(pr.Args()) >= 2 {
			return pr.Args()[:2]
		}
		return nil
	})
	if _, err := rec.Processes(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(dir); err != nil {
		t.Fatal(err)
	}
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := rp.Processes()
	if err != nil {
		t.Fatal(err)
	}
	p, ok := findPID(ps, kept.Process.Pid)
	// The owner, which the live list reads only when asked, is recorded.
	if !ok || p.Name != "my sleeper" || p.Exe != spaced || !slices.Equal(p.Args(), []string{spaced, "600"}) || p.User == "" {
		t.Errorf("kept process replays as %+v", p)
	}
	if self, ok := findPID(ps, os.Getpid()); !ok || self.Args() != nil || self.Exe == "" {
		t.Errorf("this test's process replays as %+v, want no arguments", self)
	}
}

// TestProcessNamesAndOwnersAsStatusHasThem: the name comes from comm,
// escaped as status shows it (a newline as \n, a backslash doubled), and
// the owner, read when asked, is the real user status names.
func TestProcessNamesAndOwnersAsStatusHasThem(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip(err)
	}
	if err := os.WriteFile("/proc/self/comm", []byte("sg a\\b\nc"), 0); err != nil {
		t.Skip("cannot rename this process:", err)
	}
	t.Cleanup(func() { os.WriteFile("/proc/self/comm", bytes.TrimSuffix(old, []byte("\n")), 0) })
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := parseProcStatus(status)
	if want != `sg a\\b\nc` {
		t.Fatalf("status names this process %q", want)
	}
	ps, err := New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	self, ok := findPID(ps, os.Getpid())
	if !ok || self.Name != want || self.Owner() != me.Username || self.User != "" {
		t.Errorf("this process: name %q owner %q user field %q, want %q %q and the field left to Owner", self.Name, self.Owner(), self.User, want, me.Username)
	}
	if k, ok := findPID(ps, 2); ok && k.Name == "kthreadd" && k.Owner() != "root" {
		t.Errorf("kthreadd owned by %q", k.Owner())
	}
	if r := self.Resolved(); r.User != me.Username || r.Owner() != me.Username {
		t.Errorf("resolved: %+v", r)
	}
	// Checks ask at the same time, each from its own copy of the listing:
	// every owner is read once and both get the same answer.
	a, b := cloneProcesses(ps), cloneProcesses(ps)
	var wg sync.WaitGroup
	owners := make([][]string, 2)
	for i, list := range [][]probe.Process{a, b} {
		wg.Go(func() {
			for _, p := range list {
				owners[i] = append(owners[i], p.Owner())
			}
		})
	}
	wg.Wait()
	if !slices.Equal(owners[0], owners[1]) {
		t.Errorf("two callers were told different owners")
	}
}

// TestProcessOwnerOfAChangedProcess: an owner asked after the process ran
// another program, or exited, is not told (the number may be another
// process's by then).
func TestProcessOwnerOfAChangedProcess(t *testing.T) {
	sh, err1 := filepath.EvalSymlinks("/bin/sh")
	sleep, err2 := filepath.EvalSymlinks("/bin/sleep")
	if err1 != nil || err2 != nil {
		t.Skip(err1, err2)
	}
	c := exec.Command("/bin/sh", "-c", "read x; exec /bin/sleep 600")
	in, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	waitExec(t, c.Process.Pid, sh)
	dying := startProc(t, copySleep(t, t.TempDir(), "my sleeper"), "600")
	waitExec(t, dying.Process.Pid, dying.Path)

	ps, err := New().Processes()
	if err != nil {
		t.Fatal(err)
	}
	changed, ok1 := findPID(ps, c.Process.Pid)
	exited, ok2 := findPID(ps, dying.Process.Pid)
	if !ok1 || !ok2 || changed.Name != filepath.Base(sh) && changed.Name != "sh" {
		t.Fatalf("listed %+v %v, %+v %v", changed, ok1, exited, ok2)
	}
	in.Write([]byte("\n"))
	waitExec(t, c.Process.Pid, sleep)
	dying.Process.Kill()
	dying.Wait()
	if o := changed.Owner(); o != "" {
		t.Errorf("owner of a process that ran another program since: %q", o)
	}
	if o := exited.Owner(); o != "" {
		t.Errorf("owner of a process that exited: %q", o)
	}
}
