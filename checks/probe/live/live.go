package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Limits of the live probe.
const (
	// DefaultCommandTimeout bounds one command when the caller's context
	// has no earlier deadline.
	DefaultCommandTimeout = 8 * time.Second
	// MaxOutput bounds what is kept of a command's stdout or stderr.
	MaxOutput = 4 << 20
	// MaxFileSize bounds ReadFile.
	MaxFileSize = 4 << 20
	// MaxHeadSize bounds ReadFileHead: a caller that reads a large file
	// asks for exactly the bound it can hold (apt's uncompressed package
	// lists run to tens of MB) and is told by the length when it was cut.
	MaxHeadSize = 64 << 20
	// MaxDirEntries bounds ReadDir (a folder a user filled to exhaust
	// the agent's memory).
	MaxDirEntries = 1 << 16
)

var _ probe.Probe = (*Live)(nil)

// Live is the probe of the machine this process runs on.
type Live struct {
	// CommandTimeout bounds each command (DefaultCommandTimeout when 0).
	CommandTimeout time.Duration
	os             liveOS
	// allow replaces the built-in allow-list; only this package's tests set it.
	allow map[string][]string

	// procs is the process listing in progress, shared by every caller
	// that asks while it runs (see Processes).
	procsMu sync.Mutex
	procs   *procListing
	// last is the latest finished listing and when it finished: a caller
	// within ProcessesFresh of it gets it again.
	last   *procListing
	lastAt time.Time
	// list replaces listProcesses; only this package's tests set it.
	list func() ([]probe.Process, error)
	// events, once FollowProcesses is called, keeps the table from the
	// kernel's process events (Linux).
	events atomic.Pointer[procEvents]

	// console is the latest answer to ConsoleUser and when it came (see
	// ConsoleUserFresh); consoleMu also makes callers who ask at once
	// wait for one look-up.
	consoleMu   sync.Mutex
	console     probe.User
	consoleErr  error
	consoleAt   time.Time
	consoleRead bool
	// lookUpConsole replaces the operating system's look-up; only this
	// package's tests set it.
	lookUpConsole func() (probe.User, error)
}

// ConsoleUserFresh is how long an answer to ConsoleUser answers later
// callers: the checks of one run ask who is at the screen several times
// within milliseconds, and each asking runs loginctl (a session start or
// end is seen by the next run).
const ConsoleUserFresh = 2 * time.Second

// ProcessesFresh is how long a finished process listing answers later
// callers: the checks of one run ask for the table at different moments
// within a few tens of milliseconds, and each reading is thousands of
// file reads; a second later the table is read again.
const ProcessesFresh = time.Second

// procListing is one reading of the process table and who waits for it.
type procListing struct {
	done    chan struct{}
	waiters int
	ps      []probe.Process
	err     error
}

// New returns the live probe for this machine.
func New() *Live { return &Live{os: newLiveOS()} }

// GOOS is runtime.GOOS.
func (l *Live) GOOS() string { return runtime.GOOS }

// Now is the wall clock.
func (l *Live) Now() time.Time { return time.Now() }

// Host reports the OS version and architecture.
func (l *Live) Host() probe.Host {
	return probe.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, OSVersion: l.os.osVersion()}
}

// Resolve returns the absolute path that name runs: the first allow-listed
// candidate that exists as a regular file.
func (l *Live) Resolve(name probe.Command) (string, error) { return l.resolve(name.String()) }

func (l *Live) resolve(name string) (string, error) {
	candidates, err := probe.AllowedCommands(runtime.GOOS, name, l.os.expand)
	if l.allow != nil {
		candidates, err = l.allow[name], nil
		if candidates == nil {
			err = fmt.Errorf("%s: %w", name, probe.ErrNotAllowed)
		}
	}
	if err != nil {
		return "", err
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, probe.ErrNotFound)
}

// Run runs an allow-listed command without a shell, with a fixed minimal
// environment (LC_ALL=C on Unix) and a timeout.
func (l *Live) Run(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	return l.run(ctx, name.String(), args, nil)
}

// RunAsConsoleUser runs an allow-listed command in the console user's
// context (see Probe).
func (l *Live) RunAsConsoleUser(ctx context.Context, name probe.Command, args ...string) (probe.Output, error) {
	return l.runAsConsoleUser(ctx, name.String(), args)
}

// runAsConsoleUser is RunAsConsoleUser by name, for the tests' allow-lists.
func (l *Live) runAsConsoleUser(ctx context.Context, name string, args []string) (probe.Output, error) {
	u, err := l.ConsoleUser()
	if err != nil {
		return probe.Output{}, fmt.Errorf("running %s as the console user: %w", name, err)
	}
	return l.run(ctx, name, args, &u)
}

// ConsoleUser is the user at the screen (see Probe), looked up at most
// once within ConsoleUserFresh.
func (l *Live) ConsoleUser() (probe.User, error) {
	l.consoleMu.Lock()
	defer l.consoleMu.Unlock()
	if !l.consoleRead || time.Since(l.consoleAt) >= ConsoleUserFresh {
		lookUp := l.os.consoleUser
		if l.lookUpConsole != nil {
			lookUp = l.lookUpConsole
		}
		l.console, l.consoleErr = lookUp()
		l.consoleAt, l.consoleRead = time.Now(), true
	}
	return l.console, l.consoleErr
}

func (l *Live) run(ctx context.Context, name string, args []string, as *probe.User) (probe.Output, error) {
	path, err := l.resolve(name)
	if errors.Is(err, probe.ErrNotFound) {
		// Worded as replay words it, so a recorded bundle replays to the
		// very same facts.
		return probe.Output{}, fmt.Errorf("running %s: %w", name, probe.ErrNotFound)
	}
	if err != nil {
		return probe.Output{}, fmt.Errorf("running %s: %w", name, err)
	}
	timeout := l.CommandTimeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = l.os.env()
	cmd.Stdin = nil
	cmd.WaitDelay = time.Second
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = MaxOutput, MaxOutput
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	l.os.prepare(cmd)
	if as != nil {
		if err := l.os.asUser(cmd, *as); err != nil {
			return probe.Output{}, fmt.Errorf("running %s as the console user: %w", name, err)
		}
	}
	err = cmd.Run()
	out := probe.Output{Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}
	if cmd.ProcessState != nil {
		out.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return out, fmt.Errorf("running %s: %w", name, ctxErr)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		if errors.Is(err, os.ErrPermission) {
			return out, fmt.Errorf("running %s: %w", name, probe.ErrAccessDenied)
		}
		return out, fmt.Errorf("running %s: %w", name, err)
	}
	return out, nil
}

// MDNS browses the local network (see Probe).
func (l *Live) MDNS(ctx context.Context, service string) ([]probe.MDNSInstance, error) {
	return browseMDNS(ctx, service)
}

// ReadFile reads a regular file of at most MaxFileSize bytes. The agent
// runs as root and reads files in people's home folders: see openForRead
// for how a link or FIFO a user plants is refused, and readBounded for the
// time limit.
func (l *Live) ReadFile(p string) ([]byte, error) {
	b, err := readBounded(p, MaxFileSize+1)
	if err != nil {
		return nil, fileError("reading", p, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", p, MaxFileSize)
	}
	return b, nil
}

// ReadFileHead reads at most the first n bytes (n ≤ MaxHeadSize), within
// FileReadTimeout as ReadFile.
func (l *Live) ReadFileHead(p string, n int) ([]byte, error) {
	if n < 0 || n > MaxHeadSize {
		return nil, fmt.Errorf("reading %s: head of %d bytes is out of range", p, n)
	}
	b, err := readBounded(p, int64(n))
	if err != nil {
		return nil, fileError("reading", p, err)
	}
	return b, nil
}

// FileReadTimeout bounds one file read or folder listing (a home folder on
// a network share that stopped answering).
var FileReadTimeout = 5 * time.Second

// errTimedOut: a read took longer than FileReadTimeout.
var errTimedOut = errors.New("timed out")

// withTimeout runs fn, giving up after FileReadTimeout. A read stuck in
// the kernel cannot be interrupted: its goroutine is left to finish and
// its result dropped.
func withTimeout[T any](fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	timer := time.NewTimer(FileReadTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		var zero T
		return zero, fmt.Errorf("%w after %s", errTimedOut, FileReadTimeout)
	}
}

// readBounded reads at most max bytes of the regular file p.
func readBounded(p string, max int64) ([]byte, error) {
	return withTimeout(func() ([]byte, error) {
		f, err := openForRead(p, false)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readUpTo(f, max)
	})
}

// readUpTo reads at most max bytes of f into a buffer sized by the file's
// length where it has one (a large list is not read through a run of
// doubling copies); files that report no length (/proc) grow as read.
func readUpTo(f *os.File, max int64) ([]byte, error) {
	size := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		size = fi.Size() + 1 // one more byte to see the end
	}
	b := make([]byte, 0, min(size, max))
	for int64(len(b)) < max {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):min(int64(cap(b)), max)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// ReadDir lists a directory's entry names, sorted (opened as openForRead
// opens files).
func (l *Live) ReadDir(p string) ([]string, error) {
	names, err := withTimeout(func() ([]string, error) {
		f, err := openForRead(p, true)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		names, err := f.Readdirnames(MaxDirEntries + 1)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		if len(names) > MaxDirEntries {
			return nil, fmt.Errorf("more than %d entries", MaxDirEntries)
		}
		return names, err
	})
	if err != nil {
		return nil, fileError("listing", p, err)
	}
	sort.Strings(names)
	return names, nil
}

// fileError words an error as replay does ("reading X: not found").
func fileError(verb, p string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s %s: %w", verb, p, probe.ErrNotFound)
	case errors.Is(err, os.ErrPermission), errors.Is(err, probe.ErrAccessDenied):
		return fmt.Errorf("%s %s: %w", verb, p, probe.ErrAccessDenied)
	default:
		return fmt.Errorf("%s %s: %w", verb, p, err)
	}
}

// Registry reads a Windows registry value.
func (l *Live) Registry(key, value string) (any, error) { return l.os.registry(key, value) }

// RegistryKeyExists implements probe.RegistryKeyChecker (Windows; elsewhere
// not available).
func (l *Live) RegistryKeyExists(key string) (bool, error) { return l.os.registryKeyExists(key) }

// RegistryValues implements probe.RegistryValueLister (Windows; elsewhere
// not available).
func (l *Live) RegistryValues(key string) (map[string]any, error) { return l.os.registryValues(key) }

// WMI returns every instance of a WMI class (the columns of WMIQuery).
func (l *Live) WMI(namespace, class string) ([]map[string]any, error) {
	return l.os.wmi(namespace, class)
}

// OEMCodePage is the console code page on Windows, 0 elsewhere.
func (l *Live) OEMCodePage() int { return l.os.oemCodePage() }

// Processes lists running processes. Fields that cannot be read for a
// process (another user's executable as non-root, on macOS another user's
// arguments) are left empty; a process that exits while the list is read
// is left out. On Linux the owner is read when Process.Owner is asked.
//
// Checks run at the same time and several list processes: a caller that
// asks while a listing is under way gets that listing instead of reading
// the table again. Nothing is kept once it is done, so no caller gets a
// list that was finished before it asked. Every caller gets its own copy.
// After FollowProcesses, a listing comes from the table kept from events,
// as it is when asked (see there).
func (l *Live) Processes() ([]probe.Process, error) {
	if ev := l.events.Load(); ev != nil {
		if ps, ok, err := ev.processes(); ok {
			return ps, err
		}
	}
	l.procsMu.Lock()
	cur := l.procs
	switch {
	case cur == nil && l.last != nil && time.Since(l.lastAt) < ProcessesFresh:
		cur = l.last
		l.procsMu.Unlock()
	case cur != nil:
		cur.waiters++
		l.procsMu.Unlock()
		<-cur.done
	default:
		cur = &procListing{done: make(chan struct{})}
		l.procs = cur
		l.procsMu.Unlock()
		func() {
			defer func() {
				l.procsMu.Lock()
				l.procs = nil
				if cur.err == nil {
					l.last, l.lastAt = cur, time.Now()
				}
				l.procsMu.Unlock()
				close(cur.done)
			}()
			list := l.list
			if list == nil {
				list = listProcesses
			}
			cur.err = errors.New("listing processes: failed") // list panicked
			cur.ps, cur.err = list()
		}()
	}
	if cur.err != nil {
		return nil, cur.err
	}
	return cloneProcesses(cur.ps), nil
}

// FollowProcesses has Processes keep the process table from the kernel's
// process events until ctx ends, for a long-lived probe (the running
// agent): a listing then reads from /proc only the processes that
// started, ran another program or were renamed since the last, and
// answers what the table holds now, not a listing up to ProcessesFresh
// old. Where the events cannot be had (Linux's netlink process connector
// needs root in the initial namespaces), or may have been lost, listings
// are full scans as without it. Only on Linux; elsewhere it does nothing.
func (l *Live) FollowProcesses(ctx context.Context) {
	ev := newProcEvents()
	if ev == nil || !l.events.CompareAndSwap(nil, ev) {
		return
	}
	go ev.run(ctx)
}

func cloneProcesses(ps []probe.Process) []probe.Process {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Cmdline = slices.Clone(out[i].Cmdline)
	}
	return out
}

// limitedBuffer keeps at most max bytes and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
