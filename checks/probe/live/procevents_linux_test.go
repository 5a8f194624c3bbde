package live

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/proctest"
	"golang.org/x/sys/unix"
)

// These tests follow the real kernel's process events (root in the
// initial namespaces, as the agent runs). Without them they skip, except
// under CI=true, where this machine is expected to have them.

// following returns a probe that keeps its process table from events,
// after its first listing (which subscribes and scans).
func following(t *testing.T, rcvBuf int) (*Live, *procEvents) {
	t.Helper()
	l := New()
	ev := newProcEvents()
	if rcvBuf > 0 {
		ev.rcvBuf = rcvBuf
	}
	l.events.Store(ev)
	t.Cleanup(func() {
		ev.mu.Lock()
		ev.stopped = true
		ev.close(nil)
		ev.mu.Unlock()
	})
	if _, err := l.Processes(); err != nil {
		t.Fatal(err)
	}
	ev.mu.Lock()
	fd, why := ev.fd, ev.err
	ev.mu.Unlock()
	if fd < 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("process events unavailable under CI: %v", why)
		}
		t.Skipf("process events unavailable (needs root in the initial namespaces): %v", why)
	}
	return l, ev
}

func rescans(ev *procEvents) int {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.rescans
}

func sameProc(a, b probe.Process) bool {
	return a.PID == b.PID && a.Name == b.Name && a.Exe == b.Exe && slices.Equal(a.Args(), b.Args())
}

func byPID(ps []probe.Process) map[int32]probe.Process {
	m := make(map[int32]probe.Process, len(ps))
	for _, p := range ps {
		m[p.PID] = p
	}
	return m
}

func scanNow(t *testing.T) map[int32]probe.Process {
	t.Helper()
	ps, err := listProcesses()
	if err != nil {
		t.Fatal(err)
	}
	return byPID(ps)
}

// assertLikeScan checks that a listing from the table equals a full scan.
// Other processes on the machine come and go meanwhile, so it compares
// the listing with a scan before and one after it: a process the two
// scans agree on must be listed as they have it, and a listed process
// must be in one of them. A round that finds a difference is tried
// again; a stale table stays stale, and fails every round.
//
// No event says that a process rewrote its arguments in memory
// (setproctitle: a postgres backend shows its query there), so the table
// has them as they were when it last read the process. Such differences
// (the same program, other arguments) are logged for the machine's other
// processes; the test's own (own) must match exactly.
func assertLikeScan(t *testing.T, l *Live, own ...int) []probe.Process {
	t.Helper()
	var diffs, rewritten []string
	for range 8 {
		diffs, rewritten = diffs[:0], rewritten[:0]
		before := scanNow(t)
		ps, err := l.Processes()
		if err != nil {
			t.Fatal(err)
		}
		after := scanNow(t)
		listed := byPID(ps)
		if len(listed) != len(ps) {
			diffs = append(diffs, "a PID listed twice")
		}
		for pid, a := range before {
			if b, ok := after[pid]; !ok || !sameProc(a, b) {
				continue
			}
			if got, ok := listed[pid]; !ok {
				diffs = append(diffs, fmt.Sprintf("missing %+v", a))
			} else if !sameProc(got, a) {
				d := fmt.Sprintf("listed %+v, scanned %+v", got, a)
				if got.Exe == a.Exe && a.Exe != "" && !slices.Equal(got.Args(), a.Args()) && !slices.Contains(own, int(pid)) {
					rewritten = append(rewritten, d)
				} else {
					diffs = append(diffs, d)
				}
			}
		}
		for pid, p := range listed {
			_, b := before[pid]
			_, a := after[pid]
			if !a && !b {
				diffs = append(diffs, fmt.Sprintf("listed %+v, in neither scan", p))
			}
		}
		if len(diffs) == 0 {
			for _, d := range rewritten {
				t.Logf("arguments rewritten in memory since read (no event): %s", d)
			}
			return ps
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the event table differs from a full scan:\n%s", strings.Join(diffs, "\n"))
	return nil
}

// listed lists from the table and returns pid's entry.
func listed(t *testing.T, l *Live, pid int) (probe.Process, bool) {
	t.Helper()
	ps, err := l.Processes()
	if err != nil {
		t.Fatal(err)
	}
	return findPID(ps, pid)
}

// piped is a started program that echoes the lines written to it.
type piped struct {
	cmd *exec.Cmd
	in  io.Writer
	out *bufio.Reader
}

func startPiped(t *testing.T, path string, args ...string) *piped {
	t.Helper()
	cmd := exec.Command(path, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// A group of its own, ended whole: shells here leave children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Kill(-cmd.Process.Pid, unix.SIGKILL); cmd.Wait() })
	return &piped{cmd: cmd, in: in, out: bufio.NewReader(out)}
}

// echo writes line and waits for it to come back: the program runs.
func (p *piped) echo(t *testing.T, line string) {
	t.Helper()
	if _, err := p.in.Write([]byte(line + "\n")); err != nil {
		t.Fatal(err)
	}
	p.expect(t, line)
}

// expect reads the program's next line, which must be line.
func (p *piped) expect(t *testing.T, line string) {
	t.Helper()
	got, err := p.out.ReadString('\n')
	if err != nil || got != line+"\n" {
		t.Fatalf("read %q, %v; want %q", got, err, line)
	}
}

func TestProcessEventsFollowChanges(t *testing.T) {
	l, ev := following(t, 0)
	dir := t.TempDir()
	var own []int // compared exactly
	assertLikeScan(t, l, own...)

	// Started: in the very next listing once it runs (has echoed a
	// line), with its program and arguments. (exec.Cmd.Start returns
	// while the child is still inside exec, before the kernel has set
	// its arguments and sent the event; a listing then has the process
	// as /proc shows it at that moment.)
	catPath := proctest.CopyProgram(t, "/bin/cat", filepath.Join(dir, "sg events cat"))
	cat := startPiped(t, catPath, "-u", "-")
	cat.echo(t, "ping")
	own = append(own, cat.cmd.Process.Pid)
	p, ok := listed(t, l, cat.cmd.Process.Pid)
	if !ok || p.Exe != catPath || !slices.Equal(p.Args(), []string{catPath, "-u", "-"}) || p.Name != "sg events cat" {
		t.Fatalf("started process listed as %+v, %v", p, ok)
	}
	assertLikeScan(t, l, own...)

	// A shell that runs another program in its place (exec).
	sh := startPiped(t, "/bin/sh", "-c", `while read l; do [ "$l" = exec ] && exec "$0" -u -; echo "$l"; done`, catPath)
	sh.echo(t, "hello")
	own = append(own, sh.cmd.Process.Pid)
	if p, ok := listed(t, l, sh.cmd.Process.Pid); !ok || p.Name != "sh" || p.Exe != "/usr/bin/dash" {
		t.Fatalf("shell listed as %+v, %v", p, ok)
	}
	sh.in.Write([]byte("exec\n"))
	sh.echo(t, "ping")
	if p, ok := listed(t, l, sh.cmd.Process.Pid); !ok || p.Exe != catPath || !slices.Equal(p.Args(), []string{catPath, "-u", "-"}) {
		t.Fatalf("after exec listed as %+v, %v", p, ok)
	}
	assertLikeScan(t, l, own...)

	// A fork without exec: a subshell (which waits for its sleep).
	// It says so once it runs: the kernel queued the fork's event before
	// letting it run.
	sub := startPiped(t, "/bin/sh", "-c", "(echo forked; sleep 600; :) & wait")
	sub.expect(t, "forked")
	var child int
	for range 1000 {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", sub.cmd.Process.Pid, sub.cmd.Process.Pid))
		if f := strings.Fields(string(b)); len(f) == 1 {
			child, _ = strconv.Atoi(f[0])
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if child == 0 {
		t.Fatal("the subshell was not forked")
	}
	own = append(own, sub.cmd.Process.Pid, child)
	if p, ok := listed(t, l, child); !ok || p.Name != "sh" || !slices.Equal(p.Args(), []string{"/bin/sh", "-c", "(echo forked; sleep 600; :) & wait"}) {
		t.Fatalf("forked child listed as %+v, %v", p, ok)
	}
	assertLikeScan(t, l, own...)

	// Renamed by prctl(PR_SET_NAME) and through /proc/PID/comm.
	// Each says when its rename has returned (the event is queued by
	// then; /proc shows the new name a moment before).
	renamer := startPiped(t, "/bin/sh", "-c", "echo ready; read x; printf %s 'sg renamed' > /proc/$$/comm; echo renamed; sleep 600; :")
	own = append(own, renamer.cmd.Process.Pid)
	renamer.expect(t, "ready")
	if p, ok := listed(t, l, renamer.cmd.Process.Pid); !ok || p.Name != "sh" {
		t.Fatalf("before the rename listed as %+v, %v", p, ok)
	}
	renamer.in.Write([]byte("go\n"))
	renamer.expect(t, "renamed")
	if p, ok := listed(t, l, renamer.cmd.Process.Pid); !ok || p.Name != "sg renamed" {
		t.Fatalf("renamed through /proc listed as %+v, %v", p, ok)
	}
	if py, err := exec.LookPath("python3"); err == nil {
		pr := startPiped(t, py, "-c", "import ctypes, sys, time; print('ready', flush=True); sys.stdin.readline(); ctypes.CDLL(None).prctl(15, b'sg prctl name', 0, 0, 0); print('renamed', flush=True); time.sleep(600)")
		own = append(own, pr.cmd.Process.Pid)
		pr.expect(t, "ready")
		if p, ok := listed(t, l, pr.cmd.Process.Pid); !ok || p.Name == "sg prctl name" {
			t.Fatalf("before the rename listed as %+v, %v", p, ok)
		}
		pr.in.Write([]byte("go\n"))
		pr.expect(t, "renamed")
		if p, ok := listed(t, l, pr.cmd.Process.Pid); !ok || p.Name != "sg prctl name" {
			t.Fatalf("renamed by prctl listed as %+v, %v", p, ok)
		}
	} else {
		t.Log("no python3: prctl rename not tried (the /proc rename was)")
	}
	assertLikeScan(t, l, own...)

	// Exited: a zombie while not reaped (as a full scan lists it), then gone.
	cmd := cat.cmd
	cmd.Process.Kill()
	for range 1000 {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid)); strings.Contains(string(b), ") Z ") {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if p, ok := listed(t, l, cmd.Process.Pid); !ok || p.Exe != "" || p.Args() != nil {
		t.Fatalf("zombie listed as %+v, %v", p, ok)
	}
	assertLikeScan(t, l, own...)
	cmd.Wait()
	if p, ok := listed(t, l, cmd.Process.Pid); ok {
		t.Fatalf("reaped process still listed: %+v", p)
	}
	assertLikeScan(t, l, own...)
	// A full scan follows each loss the kernel reports (an overflowed
	// queue, a gap in an event sequence: both happen on a loaded
	// machine); any other one is a listing that did not need it.
	ev.mu.Lock()
	n, lost, why := ev.rescans, ev.losses, ev.lastLoss
	ev.mu.Unlock()
	if lost > 0 {
		t.Logf("%d subscription(s) ended by lost events, the last: %v", lost, why)
	}
	if n != 1+lost {
		t.Errorf("%d full scans with %d loss(es); want the first and one after each loss", n, lost)
	}
}

// TestProcessEventsOwner: owners are read when asked, as from a scan.
func TestProcessEventsOwner(t *testing.T) {
	l, _ := following(t, 0)
	cmd := startProc(t, "/bin/sleep", "600")
	p, ok := listed(t, l, cmd.Process.Pid)
	if !ok || p.Owner() != "root" || p.User != "" {
		t.Fatalf("listed %+v (owner %q), %v", p, p.Owner(), ok)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if p.Owner() != "root" {
		t.Error("an owner read once changed")
	}

	// A process that changes its user: the next listing, within a
	// second of the last, has the new owner.
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 to change a process's user")
	}
	// The interpreter itself: a shim (pyenv's is a bash script) would
	// still be execing it when the process is first listed, as it was
	// under load with a fixed sleep.
	out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Skipf("python3 does not say where its interpreter is: %v", err)
	}
	sw := startPiped(t, strings.TrimSpace(string(out)), "-c", "import os, sys, time; sys.stdin.readline(); os.setresuid(65534, 65534, 65534); print('switched', flush=True); time.sleep(600)")
	if p, ok := listed(t, l, sw.cmd.Process.Pid); !ok || p.Owner() != "root" {
		t.Fatalf("before setuid listed %+v (owner %q), %v", p, p.Owner(), ok)
	}
	sw.in.Write([]byte("go\n"))
	sw.expect(t, "switched")
	if p, ok := listed(t, l, sw.cmd.Process.Pid); !ok || p.Owner() != "nobody" {
		t.Fatalf("after setuid listed %+v (owner %q), %v", p, p.Owner(), ok)
	}
}

// TestProcessEventsManyShortLived lists while thousands of processes
// start and exit, and compares with full scans at the end.
func TestProcessEventsManyShortLived(t *testing.T) {
	l, ev := following(t, 0)
	n := 3000
	if testing.Short() {
		n = 300
	}
	var wg sync.WaitGroup
	var errs sync.Map
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if err := exec.Command("/bin/true").Run(); err != nil {
					errs.Store(i, err)
				}
			}
		})
	}
	stop := make(chan struct{})
	lists := 0
	var lister sync.WaitGroup
	lister.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := l.Processes(); err != nil {
				errs.Store(-1, err)
				return
			}
			lists++
			time.Sleep(time.Millisecond)
		}
	})
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(stop)
	lister.Wait()
	errs.Range(func(k, v any) bool { t.Errorf("%v: %v", k, v); return true })
	assertLikeScan(t, l)
	t.Logf("%d processes, %d listings meanwhile, %d full scans", n, lists, rescans(ev))
}

// TestProcessEventsOverflow: with a tiny receive buffer a burst of
// processes overflows the queue; the listing must notice, answer from a
// full scan and subscribe again.
func TestProcessEventsOverflow(t *testing.T) {
	l, ev := following(t, 4096)
	before := rescans(ev)
	for range 200 {
		if err := exec.Command("/bin/true").Run(); err != nil {
			t.Fatal(err)
		}
	}
	cmd := startProc(t, "/bin/sleep", "600")
	ps, err := l.Processes()
	if err != nil {
		t.Fatal(err)
	}
	if rescans(ev) == before {
		t.Fatal("no full scan after a burst that overflowed a tiny queue")
	}
	ev.mu.Lock()
	lost, why := ev.losses, ev.lastLoss
	ev.mu.Unlock()
	if lost == 0 || !errors.Is(why, errEventsLost) {
		t.Fatalf("the overflow was not counted as a loss: %d, %v", lost, why)
	}
	if _, ok := findPID(ps, cmd.Process.Pid); !ok {
		t.Fatal("the process started last is not in the full scan")
	}
	ev.mu.Lock()
	fd := ev.fd
	ev.mu.Unlock()
	if fd < 0 {
		t.Fatal("not subscribed again after the overflow")
	}
	assertLikeScan(t, l)
}

// TestProcessEventsSequenceGap: a number skipped in a CPU's sequence is a
// lost event.
func TestProcessEventsSequenceGap(t *testing.T) {
	e := newProcEvents()
	for _, s := range []struct {
		cpu, seq uint32
		lost     bool
	}{{0, 7, false}, {1, 3, false}, {0, 8, false}, {1, 4, false}, {0, 10, true}} {
		if err := e.sequence(s.cpu, s.seq); (err != nil) != s.lost {
			t.Fatalf("cpu %d seq %d: %v", s.cpu, s.seq, err)
		}
	}
	e = newProcEvents()
	if e.sequence(0, 1<<32-1) != nil || e.sequence(0, 0) != nil {
		t.Error("the counter wrapping around is not a gap")
	}
}

// TestProcessEventsFromProcessesIgnored: a process can send to the
// socket's port, but only the kernel's messages count (a forged gap
// would otherwise force a full scan, a forged event a read).
func TestProcessEventsFromProcessesIgnored(t *testing.T) {
	l, ev := following(t, 0)
	ev.mu.Lock()
	sa, err := unix.Getsockname(ev.fd)
	ev.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_CONNECTOR)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	// An EXEC event from CPU 0 with a number far from the kernel's.
	msg := make([]byte, nlmsgHdrLen+cnMsgLen+procEventHead+8)
	put := func(off int, v uint32) { copy(msg[off:], []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}) }
	put(0, uint32(len(msg)))
	msg[4] = unix.NLMSG_DONE
	put(16, cnIdxProc)
	put(20, cnValProc)
	put(24, 1<<31)
	msg[32] = procEventHead + 8
	put(36, procEventExec)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: sa.(*unix.SockaddrNetlink).Pid}); err != nil {
		t.Skipf("cannot send to the socket: %v", err)
	}
	before := rescans(ev)
	assertLikeScan(t, l)
	if rescans(ev) != before {
		t.Error("a message from a process was taken for the kernel's")
	}
}

// TestProcessEventsUnavailable: in a network namespace of its own the
// connector does not exist; listings are full scans.
func TestProcessEventsUnavailable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a network namespace")
	}
	l := New()
	ev := newProcEvents()
	l.events.Store(ev)
	cmd := startProc(t, "/bin/sleep", "600")
	done := make(chan error, 1)
	var ps []probe.Process
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		var err error
		ps, err = l.Processes()
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := findPID(ps, cmd.Process.Pid); !ok {
		t.Fatal("the full scan misses a running process")
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.fd >= 0 || ev.err == nil || ev.table != nil {
		t.Fatalf("subscribed in a network namespace of its own (fd %d, err %v)", ev.fd, ev.err)
	}
	t.Logf("reason: %v", ev.err)
}

// TestFollowProcessesStops: FollowProcesses drains in the background
// until its context ends; then the subscription is closed and listings
// are full scans again.
func TestFollowProcessesStops(t *testing.T) {
	l := New()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l.FollowProcesses(ctx)
	l.FollowProcesses(ctx) // a second call changes nothing
	ev := l.events.Load()
	if _, err := l.Processes(); err != nil {
		t.Fatal(err)
	}
	ev.mu.Lock()
	fd := ev.fd
	ev.mu.Unlock()
	if fd < 0 {
		t.Skipf("process events unavailable: %v", ev.err)
	}
	cmd := startProc(t, "/bin/sleep", "600")
	waitExec(t, cmd.Process.Pid, "/usr/bin/sleep")
	// The drain runs every procEventsDrainEvery; under load (CI beside
	// other tests) a round may come late, so wait up to two seconds.
	dirty := 0
	for deadline := time.Now().Add(2 * time.Second); dirty == 0 && time.Now().Before(deadline); {
		time.Sleep(procEventsDrainEvery)
		ev.mu.Lock()
		dirty = len(ev.dirty)
		ev.mu.Unlock()
	}
	if dirty == 0 {
		t.Error("the background drain did not take the new process's events in 2 s")
	}
	if _, ok := listed(t, l, cmd.Process.Pid); !ok {
		t.Fatal("a started process is not listed")
	}
	cancel()
	for range 500 {
		ev.mu.Lock()
		stopped, fd := ev.stopped, ev.fd
		ev.mu.Unlock()
		if stopped && fd < 0 {
			if _, ok := listed(t, l, cmd.Process.Pid); !ok {
				t.Fatal("the full scan after stopping misses a process")
			}
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("the subscription outlived its context")
}

// TestProcessEventsApply: which events name a process to read again.
func TestProcessEventsApply(t *testing.T) {
	data := func(v ...uint32) []byte {
		b := make([]byte, 0, 4*len(v))
		for _, x := range v {
			b = binary.NativeEndian.AppendUint32(b, x)
		}
		return b
	}
	for _, c := range []struct {
		name string
		what uint32
		data []byte
		want []int32
	}{
		{"fork of a process", procEventFork, data(10, 10, 11, 11), []int32{11}},
		{"a new thread", procEventFork, data(10, 10, 12, 10), nil},
		{"exec by a thread", procEventExec, data(13, 10), []int32{10}},
		{"a thread renamed", procEventComm, data(13, 10), []int32{10}},
		{"a thread's user changed", procEventUID, data(13, 10, 0, 0), []int32{10}},
		{"a thread ended", procEventExit, data(13, 10, 0, 0), nil},
		{"the main thread ended", procEventExit, data(10, 10, 0, 0), []int32{10}},
		{"a session started", 0x80, data(10, 10), nil},
		{"short", procEventFork, data(10, 10), nil},
	} {
		e := newProcEvents()
		e.dirty = map[int32]struct{}{}
		e.apply(c.what, c.data, 0)
		var got []int32
		for pid := range e.dirty {
			got = append(got, pid)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: read again %v, want %v", c.name, got, c.want)
		}
	}
}

// TestProcessEventsRescanBoundsStaleness: no event tells of arguments
// rewritten in memory, so a table older than procEventsRescanEvery is read
// afresh between listings; a younger one is kept.
func TestProcessEventsRescanBoundsStaleness(t *testing.T) {
	l, ev := following(t, 0)
	cmd := startProc(t, "/bin/sleep", "600")
	if _, err := l.Processes(); err != nil {
		t.Fatal(err)
	}
	// What a missed rewrite leaves: the table's arguments differ from
	// what /proc shows.
	forge := func() {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		r := ev.table[int32(cmd.Process.Pid)]
		r.p.Cmdline = []string{"rewritten"}
		ev.table[int32(cmd.Process.Pid)] = r
		ev.sorted, ev.listed = nil, nil
	}
	argsOf := func() []string {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		return ev.table[int32(cmd.Process.Pid)].p.Args()
	}
	forge()
	before := rescans(ev)
	ev.tick()
	if rescans(ev) != before || argsOf()[0] != "rewritten" {
		t.Fatal("a young table was read afresh")
	}
	ev.mu.Lock()
	ev.scannedAt = time.Now().Add(-procEventsRescanEvery - time.Second)
	ev.mu.Unlock()
	ev.tick()
	if rescans(ev) != before+1 {
		t.Fatal("an old table was not read afresh")
	}
	if got := argsOf(); len(got) != 2 || got[0] != "/bin/sleep" || got[1] != "600" {
		t.Errorf("after the rescan the arguments are %q, want /proc's", got)
	}
}
