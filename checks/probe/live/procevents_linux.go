package live

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/unix"
)

// The process table kept from the kernel's process events (the netlink
// process connector): the running agent lists processes for every check
// run, and reading all of /proc costs some 20 µs of CPU a process. With
// the events, a listing re-reads only the processes that started, ran
// another program or were renamed since the last one.
//
// Exactness comes first, since a stale table is a false pass. The socket
// subscribes before the one full scan the table starts from, so nothing
// that happens after the scan began is missed. The kernel queues an event
// in the forking, exec'ing, renaming or exiting task itself, before that
// call returns, so every change made before a listing is in the socket's
// queue when the listing drains it (non-blocking reads until EAGAIN).
// Events only say which process to read again: what a listing gives is
// read from /proc as a full scan reads it (readProcs). Any sign that an
// event was lost (ENOBUFS, a gap in a CPU's sequence numbers, a socket
// error) makes that listing a full scan over a new subscription. Where the
// connector cannot be used (not root, not the initial network or PID
// namespace, a kernel without CONFIG_PROC_EVENTS or one that does not
// report a rename through /proc/PID/comm) every listing is a full scan.
//
// Not reported by any event, and so as of the process's last event: a
// process rewriting its own arguments in memory (setproctitle) and
// prctl(PR_SET_MM_EXE_FILE). Kernel threads are renamed without events
// (a kworker's name says what it works on), so entries without a program
// (kernel threads, zombies, a process whose main thread has exited) are
// read again by every listing.

// Connector numbers (linux/connector.h, linux/cn_proc.h).
const (
	cnIdxProc = 1 // CN_IDX_PROC, also the multicast group
	cnValProc = 1 // CN_VAL_PROC

	procCnMcastListen = 1 // PROC_CN_MCAST_LISTEN
	procCnMcastIgnore = 2 // PROC_CN_MCAST_IGNORE

	procEventNone = 0x00000000
	procEventFork = 0x00000001
	procEventExec = 0x00000002
	procEventUID  = 0x00000004
	procEventComm = 0x00000200
	procEventExit = 0x80000000

	// Sizes: struct nlmsghdr, struct cn_msg (without data) and the head
	// of struct proc_event (what, cpu, timestamp_ns) before event_data.
	nlmsgHdrLen   = 16
	cnMsgLen      = 20
	procEventHead = 16
)

// Tuning of the event table.
const (
	// procEventsRcvBuf is the receive buffer asked for (SO_RCVBUFFORCE as
	// root): some tens of thousands of queued events before one is lost.
	procEventsRcvBuf = 32 << 20
	// procEventsDrainEvery is how often the queue is emptied between
	// listings, so a burst of processes does not overflow it.
	procEventsDrainEvery = 250 * time.Millisecond
	// procEventsRescanEvery bounds how old the table's arguments may be:
	// no event tells that a process rewrote its arguments in memory
	// (setproctitle, as PostgreSQL's backends do), so the table is read
	// afresh this often, between listings, off their path.
	procEventsRescanEvery = 5 * time.Minute
	// procEventsAckWait bounds the wait for the kernel's answer to the
	// subscription (it is queued before the request returns).
	procEventsAckWait = time.Second
	// procEventsRetry is how long after a failed subscription listings
	// are full scans before subscribing is tried again.
	procEventsRetry = time.Minute
	// procEventsRetryKernel is that wait when it is the kernel that does
	// not give the events (each attempt waits procEventsAckWait).
	procEventsRetryKernel = 24 * time.Hour
)

// errEventsLost: the table may have missed a change.
var errEventsLost = errors.New("process events lost")

// errNoProcEvents: this kernel does not give the events the table needs.
var errNoProcEvents = errors.New("process events unavailable")

// procEvents is the process table kept from events.
type procEvents struct {
	mu sync.Mutex
	// fd is the subscribed socket, -1 when there is none.
	fd int
	// procfd is /proc, open while subscribed.
	procfd int
	// table holds every process by PID; sorted is it in PID order (nil
	// when it changed since), with nargs arguments in all.
	table  map[int32]procRead
	sorted []procRead
	nargs  int
	// listed is sorted as a listing, with its owner readers, made at
	// listedAt: shared for at most ProcessesFresh, as a listing was.
	listed   []probe.Process
	listedAt time.Time
	// dirty are the processes to read again before the next answer.
	dirty map[int32]struct{}
	// seq is the last sequence number seen from each CPU (seen[cpu]).
	seq  []uint32
	seen []bool
	// retryAt: no subscribing before then (the last attempt failed).
	retryAt time.Time
	// err is why the last subscription failed or ended.
	err error
	// listening: a subscription was asked for on fd (and is to be ended).
	listening bool
	buf       []byte
	stopped   bool

	// rcvBuf is the receive buffer to ask for; tests make it tiny.
	rcvBuf int
	// rescans counts the full scans the table was (re)built from, the
	// last at scannedAt.
	rescans   int
	scannedAt time.Time
	// losses counts the subscriptions ended by a lost event (each is
	// followed by a full scan), the last for lastLoss.
	losses   int
	lastLoss error
}

func newProcEvents() *procEvents {
	return &procEvents{fd: -1, procfd: -1, rcvBuf: procEventsRcvBuf, buf: make([]byte, 64<<10)}
}

// run empties the queue every procEventsDrainEvery until ctx ends, then
// unsubscribes; listings after that are full scans.
func (e *procEvents) run(ctx context.Context) {
	t := time.NewTicker(procEventsDrainEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			e.mu.Lock()
			e.stopped = true
			e.close(nil)
			e.mu.Unlock()
			return
		case <-t.C:
			e.tick()
		}
	}
}

// tick empties the queue and, when the table is older than
// procEventsRescanEvery, reads it afresh.
func (e *procEvents) tick() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fd < 0 {
		return
	}
	if err := e.drain(); err != nil {
		e.close(err)
		return
	}
	if time.Since(e.scannedAt) > procEventsRescanEvery {
		e.scan() //nolint:errcheck // a failed scan closes the subscription: listings then scan in full
	}
}

// processes lists the processes: from the table, or by a full scan from
// which the table starts again. ok is false when there is no
// subscription to be had (the caller lists as without events).
func (e *procEvents) processes() (ps []probe.Process, ok bool, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return nil, false, nil
	}
	if e.fd >= 0 {
		err := e.drain()
		if err == nil && len(e.dirty) <= max(len(e.table), 1000) {
			e.refresh()
			return e.snapshot(), true, nil
		}
		if err != nil {
			e.close(err)
		}
		// With more to read again than the table holds, a full scan
		// (still subscribed: the queue has everything after it) is
		// cheaper.
	}
	if e.fd < 0 {
		if time.Now().Before(e.retryAt) {
			return nil, false, nil
		}
		if err := e.subscribe(); err != nil {
			e.close(err)
			e.retryAt = time.Now().Add(procEventsRetry)
			if errors.Is(err, errNoProcEvents) {
				e.retryAt = time.Now().Add(procEventsRetryKernel)
			}
			return nil, false, nil
		}
	}
	rs, err := e.scan()
	if err != nil {
		return nil, true, err
	}
	return withOwners(rs, procRoot, lookupUserName), true, nil
}

// scan rebuilds the table from a full reading of /proc (still subscribed:
// the queue holds everything after it).
func (e *procEvents) scan() ([]procRead, error) {
	clear(e.dirty)
	rs, err := scanProcs(procRoot)
	if err != nil {
		e.close(err)
		return nil, err
	}
	e.rescans++
	e.scannedAt = time.Now()
	e.sorted, e.listed = nil, nil
	e.table = make(map[int32]procRead, len(rs))
	for _, r := range rs {
		e.table[r.p.PID] = r
	}
	return rs, nil
}

// subscribe opens the socket, joins the process events and checks that
// they arrive: the kernel's answer to the subscription, then the event of
// a rename (to the same name) of one of this process's threads through
// /proc, which kernels before that was reported do not send.
func (e *procEvents) subscribe() error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if err != nil {
		return fmt.Errorf("process events: %w", err)
	}
	e.fd = fd
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, e.rcvBuf) != nil {
		// Without CAP_NET_ADMIN the kernel's limit applies; a smaller
		// buffer only makes an overflow (then a full scan) likelier.
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, e.rcvBuf)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		return fmt.Errorf("process events: %w", err)
	}
	nonce := uint32(time.Now().UnixNano())
	if err := e.send(procCnMcastListen, nonce); err != nil {
		return fmt.Errorf("process events: %w", err)
	}
	e.listening = true
	e.table, e.dirty = nil, map[int32]struct{}{}
	clear(e.seen)
	var acked bool
	if err := e.await(func(what uint32, d []byte, ack uint32) bool {
		if what == procEventNone && ack == nonce+1 {
			acked = binary.NativeEndian.Uint32(d) == 0
			return true
		}
		return false
	}); err != nil {
		return err
	}
	if !acked {
		return fmt.Errorf("%w: no subscription (a kernel without CONFIG_PROC_EVENTS, or not in the initial namespaces)", errNoProcEvents)
	}
	if err := e.checkRenameEvent(); err != nil {
		return err
	}
	e.procfd, err = unix.Open(procRoot, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("process events: %w", err)
	}
	return nil
}

// checkRenameEvent renames a thread of this process to its own name
// through /proc and waits for the event: it proves that events arrive,
// that their PIDs are the ones /proc shows (the same PID namespace) and
// that the kernel reports a rename through /proc/PID/comm.
func (e *procEvents) checkRenameEvent() error {
	done := make(chan error, 1)
	var tid int
	go func() {
		runtime.LockOSThread() // the thread is left to end with the goroutine
		tid = unix.Gettid()
		p := fmt.Sprintf("%s/%d/task/%d/comm", procRoot, os.Getpid(), tid)
		name, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(p, bytes.TrimSuffix(name, []byte{'\n'}), 0)
		}
		done <- err
	}()
	if err := <-done; err != nil {
		return fmt.Errorf("process events: renaming a thread: %w", err)
	}
	pid := uint32(os.Getpid())
	seen := false
	if err := e.await(func(what uint32, d []byte, _ uint32) bool {
		seen = what == procEventComm && len(d) >= 8 &&
			binary.NativeEndian.Uint32(d) == uint32(tid) && binary.NativeEndian.Uint32(d[4:]) == pid
		return seen
	}); err != nil {
		return err
	}
	if !seen {
		return fmt.Errorf("%w: the kernel does not report a rename through /proc/PID/comm", errNoProcEvents)
	}
	return nil
}

// await reads events until want is true of one or procEventsAckWait has
// passed. The events read on the way count for the sequence numbers.
func (e *procEvents) await(want func(what uint32, data []byte, ack uint32) bool) error {
	deadline := time.Now().Add(procEventsAckWait)
	for {
		found := false
		err := e.readAll(func(what uint32, data []byte, ack uint32) {
			found = found || want(what, data, ack)
		})
		if err != nil || found {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		fds := []unix.PollFd{{Fd: int32(e.fd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, int(left/time.Millisecond)+1); err != nil && err != unix.EINTR {
			return fmt.Errorf("process events: %w", err)
		}
	}
}

// send sends a PROC_CN_MCAST_* request (ack is echoed back plus one).
func (e *procEvents) send(op, ack uint32) error {
	const n = nlmsgHdrLen + cnMsgLen + 4
	var b [n]byte
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], n)
	ne.PutUint16(b[4:], unix.NLMSG_DONE)
	ne.PutUint32(b[12:], uint32(os.Getpid()))
	ne.PutUint32(b[16:], cnIdxProc)
	ne.PutUint32(b[20:], cnValProc)
	ne.PutUint32(b[28:], ack)
	ne.PutUint16(b[32:], 4)
	ne.PutUint32(b[36:], op)
	return unix.Sendto(e.fd, b[:], 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// close ends the subscription (err: why; nil when asked to stop).
func (e *procEvents) close(err error) {
	if errors.Is(err, errEventsLost) {
		e.losses++
		e.lastLoss = err
	}
	if e.fd >= 0 {
		if e.listening {
			// Closing the socket ends the subscription anyway; the
			// message only tells the kernel sooner.
			_ = e.send(procCnMcastIgnore, 0)
		}
		unix.Close(e.fd)
	}
	e.listening = false
	if e.procfd >= 0 {
		unix.Close(e.procfd)
	}
	e.fd, e.procfd, e.table, e.sorted, e.listed, e.dirty, e.err = -1, -1, nil, nil, nil, nil, err
}

// drain applies every queued event.
func (e *procEvents) drain() error { return e.readAll(e.apply) }

// readAll reads the queued events, giving each (with what it is, its
// event_data and its ack number) to fn, and checks their sequence.
func (e *procEvents) readAll(fn func(what uint32, data []byte, ack uint32)) error {
	ne := binary.NativeEndian
	for {
		n, from, err := unix.Recvfrom(e.fd, e.buf, unix.MSG_DONTWAIT)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return nil
		case err == unix.ENOBUFS:
			return fmt.Errorf("%w: the receive queue overflowed", errEventsLost)
		case err != nil:
			return fmt.Errorf("process events: %w", err)
		}
		if sa, ok := from.(*unix.SockaddrNetlink); !ok || sa.Pid != 0 {
			continue // not from the kernel: a process cannot tell us anything
		}
		for b := e.buf[:n]; len(b) >= nlmsgHdrLen; {
			l := int(ne.Uint32(b))
			if l < nlmsgHdrLen || l > len(b) {
				return fmt.Errorf("%w: a malformed message", errEventsLost)
			}
			m := b[nlmsgHdrLen:l]
			b = b[min(len(b), (l+3)&^3):]
			if len(m) < cnMsgLen+procEventHead || ne.Uint32(m) != cnIdxProc || ne.Uint32(m[4:]) != cnValProc {
				continue
			}
			seq, ack, ev := ne.Uint32(m[8:]), ne.Uint32(m[12:]), m[cnMsgLen:]
			what, cpu := ne.Uint32(ev), ne.Uint32(ev[4:])
			if what != procEventNone { // answers carry the request's numbers
				if err := e.sequence(cpu, seq); err != nil {
					return err
				}
			}
			fn(what, ev[procEventHead:], ack)
		}
	}
}

// sequence checks that seq follows the last number seen from cpu: the
// kernel numbers each CPU's events in the order it queues them, and
// counts those it could not send.
func (e *procEvents) sequence(cpu, seq uint32) error {
	if cpu > 1<<16 {
		return fmt.Errorf("%w: event from CPU %d", errEventsLost, cpu)
	}
	if int(cpu) >= len(e.seq) {
		e.seq = append(e.seq, make([]uint32, int(cpu)+1-len(e.seq))...)
		e.seen = append(e.seen, make([]bool, int(cpu)+1-len(e.seen))...)
	}
	if e.seen[cpu] && seq != e.seq[cpu]+1 {
		return fmt.Errorf("%w: CPU %d went from event %d to %d", errEventsLost, cpu, e.seq[cpu], seq)
	}
	e.seq[cpu], e.seen[cpu] = seq, true
	return nil
}

// apply marks the process an event is about for reading again. A thread
// that starts or ends is not a process; a thread that runs another
// program or is renamed changes its process (its PID is then the
// process's), and so does a change of its user (read again, so that
// no owner read before is given for it). An exiting process is read
// again too, not dropped: its
// main thread may end while others run on, and a zombie stays listed
// until it is reaped.
func (e *procEvents) apply(what uint32, d []byte, _ uint32) {
	ne := binary.NativeEndian
	var pid, tgid uint32
	switch what {
	case procEventFork:
		if len(d) < 16 {
			return
		}
		pid, tgid = ne.Uint32(d[8:]), ne.Uint32(d[12:])
	case procEventExec, procEventComm, procEventUID, procEventExit:
		if len(d) < 8 {
			return
		}
		pid, tgid = ne.Uint32(d), ne.Uint32(d[4:])
		if what != procEventExit {
			pid = tgid
		}
	default:
		return
	}
	if pid == tgid && e.dirty != nil {
		e.dirty[int32(tgid)] = struct{}{}
	}
}

// refresh reads again the processes events named, and the names of
// those without a program, and drops those that have gone.
func (e *procEvents) refresh() {
	names := make([]string, 0, len(e.dirty))
	for pid := range e.dirty {
		names = append(names, strconv.Itoa(int(pid)))
	}
	var buf []byte
	for pid, r := range e.table {
		if _, d := e.dirty[pid]; d || r.p.Exe != "" {
			continue
		}
		if r.p.Cmdline != nil {
			names = append(names, r.pid)
			continue
		}
		// A kernel thread, a zombie, a process whose main thread has
		// ended, one caught between fork and exec: only the name changes
		// without an event (exec sends one).
		var err error
		buf, err = readProcFile(e.procfd, r.pid+"/comm", buf[:0])
		if err != nil {
			delete(e.table, pid)
			e.sorted, e.listed = nil, nil
		} else if name := commName(buf); name != r.comm {
			r.comm, r.p.Name = name, name
			e.table[pid] = r
			e.sorted, e.listed = nil, nil
		}
	}
	clear(e.dirty)
	if len(names) == 0 {
		return
	}
	e.sorted, e.listed = nil, nil
	read := readProcs(e.procfd, names)
	for _, n := range names {
		pid, _ := strconv.ParseInt(n, 10, 32)
		delete(e.table, int32(pid))
	}
	for _, r := range read {
		e.table[r.p.PID] = r
	}
}

// snapshot is the table as a listing, in PID order: the caller's own
// copy, owners read when asked (as listProcesses has them). While the
// table is unchanged, callers within ProcessesFresh share the owners
// read, as the callers of one listing do (a change of uid is an event).
func (e *procEvents) snapshot() []probe.Process {
	if e.sorted == nil {
		pids := make([]int32, 0, len(e.table))
		for pid := range e.table {
			pids = append(pids, pid)
		}
		slices.Sort(pids)
		e.sorted, e.listed = make([]procRead, len(pids)), nil
		e.nargs = 0
		for i, pid := range pids {
			e.sorted[i] = e.table[pid]
			e.nargs += len(e.sorted[i].p.Cmdline)
		}
	}
	if e.listed == nil || time.Since(e.listedAt) >= ProcessesFresh {
		e.listed, e.listedAt = withOwners(e.sorted, procRoot, lookupUserName), time.Now()
	}
	out := slices.Clone(e.listed)
	args := make([]string, 0, e.nargs) // one allocation for every copy
	for i := range out {
		if c := out[i].Cmdline; c != nil {
			n := len(args)
			args = append(args, c...)
			out[i].Cmdline = args[n:len(args):len(args)]
		}
	}
	return out
}
