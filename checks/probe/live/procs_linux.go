package live

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/unix"
)

// procRoot is where the process table is read; only tests change it.
var procRoot = "/proc"

// listProcesses reads the process table from /proc: per process its name
// (comm), its arguments (cmdline) and its executable (the exe link). The
// owner is read only when a check asks for it (probe.Process.Owner), from
// status: that file costs more than the other three together (the kernel
// renders some fifty lines for it), and checks want the owner of a few
// processes they matched by name. With more than procsPerWorker entries
// the table is read by one goroutine per core.
func listProcesses() ([]probe.Process, error) {
	return readProcTable(procRoot, lookupUserName)
}

func lookupUserName(uid uint32) string {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return "" // an account the system does not name, as gopsutil had it
	}
	return u.Username
}

func readProcTable(root string, userName func(uint32) string) ([]probe.Process, error) {
	rs, err := scanProcs(root)
	if err != nil {
		return nil, err
	}
	return withOwners(rs, root, userName), nil
}

// procRead is one process as read from /proc, its owner not yet read.
type procRead struct {
	p    probe.Process
	pid  string // its /proc entry
	comm string // its name as comm has it (escaped): see procOwners.owner
}

// scanProcs reads every process in the /proc folder root.
func scanProcs(root string) ([]procRead, error) {
	names, err := readDirNames(root)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	// Files are opened relative to the folder: one path step less each.
	dirfd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	defer unix.Close(dirfd)
	// Each process costs some eight system calls: with thousands, the
	// cores share them (each part keeps its order, so the list does too).
	parts := min(runtime.GOMAXPROCS(0), len(names)/procsPerWorker+1)
	if parts <= 1 {
		return readProcs(dirfd, names), nil
	}
	lists := make([][]procRead, parts)
	var wg sync.WaitGroup
	for i := range parts {
		chunk := names[i*len(names)/parts : (i+1)*len(names)/parts]
		wg.Go(func() { lists[i] = readProcs(dirfd, chunk) })
	}
	wg.Wait()
	return slices.Concat(lists...), nil
}

// withOwners gives the processes read their owners, read from the /proc
// folder root when first asked and named by userName.
func withOwners(rs []procRead, root string, userName func(uint32) string) []probe.Process {
	owners := &procOwners{root: root, userName: userName, names: map[uint32]string{}}
	out := make([]probe.Process, len(rs))
	lazy := make([]lazyOwner, len(rs)) // one allocation for the lot
	for i := range rs {
		lazy[i] = lazyOwner{owners: owners, pid: rs[i].pid, name: rs[i].comm}
		out[i] = rs[i].p.WithOwnerReader(lazy[i].read)
	}
	return out
}

// readDirNames lists a folder's names, unsorted (/proc: the processes).
func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// procsPerWorker is how many /proc entries make another reader worth its
// goroutine.
const procsPerWorker = 500

// readProcs reads the processes among the entries names of the /proc
// folder open as dirfd.
func readProcs(dirfd int, names []string) []procRead {
	out := make([]procRead, 0, len(names))
	var buf []byte
	var link [unix.PathMax]byte
	for _, n := range names {
		pid, err := strconv.ParseInt(n, 10, 32)
		if err != nil || pid <= 0 || n[0] == '+' {
			continue // not a process: self, sys, meminfo…
		}
		buf, err = readProcFile(dirfd, n+"/comm", buf[:0])
		if err != nil {
			continue // exited meanwhile (or hidden from us)
		}
		name := commName(buf)
		buf, err = readProcFile(dirfd, n+"/cmdline", buf[:0])
		if err != nil && gone(err) {
			continue
		}
		cmdline := splitCmdline(buf)
		var exe string
		// Not permitted for another user's process when not root, no
		// link for a kernel thread or a zombie: left empty.
		if m, err := unix.Readlinkat(dirfd, n+"/exe", link[:]); err == nil && m < len(link) {
			exe = string(link[:m])
		}
		p := probe.Process{PID: int32(pid), Name: fullProcName(name, cmdline), Exe: exe, Cmdline: cmdline}
		out = append(out, procRead{p: p, pid: n, comm: name})
	}
	return out
}

// procOwners reads the owners of one listing's processes when asked: the
// real uid from /proc/PID/status, not the owner of /proc/PID. A process
// that gained privileges at exec (a gnome-shell or kwin_wayland with file
// capabilities, a set-uid program) is not dumpable, and /proc/PID then
// belongs to root. Each uid is named once per listing.
type procOwners struct {
	root     string
	userName func(uint32) string
	mu       sync.Mutex
	names    map[uint32]string
}

// owner names who runs process pid, "" when it has gone or is no longer
// the process listed under name (it ran another program since, or its
// number was given to a new one).
func (o *procOwners) owner(pid, name string) string {
	bp := statusBufs.Get().(*[]byte)
	b, err := readProcFile(unix.AT_FDCWD, o.root+"/"+pid+"/status", (*bp)[:0])
	now, uid, ok := parseProcStatus(b)
	*bp = b
	statusBufs.Put(bp)
	if err != nil || !ok || now != name {
		return ""
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	u, seen := o.names[uid]
	if !seen {
		u = o.userName(uid)
		o.names[uid] = u
	}
	return u
}

// statusBufs are buffers for status files, which owners are read from.
var statusBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// lazyOwner is one listed process's owner, read on first use.
type lazyOwner struct {
	owners    *procOwners
	pid, name string
	once      sync.Once
	user      string
}

func (l *lazyOwner) read() string {
	l.once.Do(func() { l.user = l.owners.owner(l.pid, l.name) })
	return l.user
}

// gone: the process exited while it was read.
func gone(err error) bool { return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) }

// readProcFile appends the whole of a /proc file (p, relative to the
// folder open as dirfd) to buf. /proc files report a size of 0, so it
// reads until a read comes back short: comm and status (single seq_file
// records) and cmdline (read page by page until the request is filled)
// only fall short at their end. One system call less per file than
// reading until EOF.
func readProcFile(dirfd int, p string, buf []byte) ([]byte, error) {
	fd, err := unix.Openat(dirfd, p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return buf, err
	}
	defer unix.Close(fd)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, max(4096, cap(buf)))...)[:len(buf)]
		}
		room := cap(buf) - len(buf)
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf, err
		}
		buf = buf[:len(buf)+n]
		if n < room {
			return buf, nil
		}
	}
}
