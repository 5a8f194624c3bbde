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

// listProcesses reads the process table from /proc: per process its
// status (name and real uid), cmdline and the exe link. The real uid, not
// the owner of /proc/PID: a process that gained privileges at exec (a
// gnome-shell or kwin_wayland with file capabilities, a set-uid program)
// is not dumpable, and /proc/PID then belongs to root. Each uid is looked
// up once per call; with more than procsPerWorker entries the table is
// read by one goroutine per core.
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
	names, err := readDirNames(root)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	// Each process costs some ten system calls: with thousands, the
	// cores share them (each part keeps its order, so the list does too).
	parts := min(runtime.GOMAXPROCS(0), len(names)/procsPerWorker+1)
	if parts <= 1 {
		return readProcs(root, names, userName), nil
	}
	lists := make([][]probe.Process, parts)
	var users sync.Map // uint32 → name: each uid looked up once per call
	cachedName := func(uid uint32) string {
		if u, ok := users.Load(uid); ok {
			return u.(string)
		}
		u := userName(uid)
		users.Store(uid, u)
		return u
	}
	var wg sync.WaitGroup
	for i := range parts {
		chunk := names[i*len(names)/parts : (i+1)*len(names)/parts]
		wg.Go(func() { lists[i] = readProcs(root, chunk, cachedName) })
	}
	wg.Wait()
	return slices.Concat(lists...), nil
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

// readProcs reads the processes among the /proc entries names.
func readProcs(root string, names []string, userName func(uint32) string) []probe.Process {
	users := map[uint32]string{}
	out := make([]probe.Process, 0, len(names))
	var buf []byte
	var link [unix.PathMax]byte
	for _, n := range names {
		pid, err := strconv.ParseInt(n, 10, 32)
		if err != nil || pid <= 0 || n[0] == '+' {
			continue // not a process: self, sys, meminfo…
		}
		dir := root + "/" + n + "/"
		buf, err = readProcFile(dir+"status", buf[:0])
		if err != nil {
			continue // exited meanwhile (or hidden from us)
		}
		name, uid, ok := parseProcStatus(buf)
		if !ok {
			continue
		}
		buf, err = readProcFile(dir+"cmdline", buf[:0])
		if err != nil && gone(err) {
			continue
		}
		cmdline := splitCmdline(buf)
		var exe string
		// Not permitted for another user's process when not root, no
		// link for a kernel thread or a zombie: left empty.
		if m, err := unix.Readlink(dir+"exe", link[:]); err == nil && m < len(link) {
			exe = string(link[:m])
		}
		user, seen := users[uid]
		if !seen {
			user = userName(uid)
			users[uid] = user
		}
		out = append(out, probe.Process{PID: int32(pid), Name: fullProcName(name, cmdline), Exe: exe, Cmdline: cmdline, User: user})
	}
	return out
}

// gone: the process exited while it was read.
func gone(err error) bool { return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) }

// readProcFile appends the whole of a /proc file to buf. /proc files
// report a size of 0, so it reads until a read comes back short: status
// (a single seq_file record) and cmdline (read page by page until the
// request is filled) only fall short at their end. One system call less
// per file than reading until EOF, where each costs 2–3 µs.
func readProcFile(p string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
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
