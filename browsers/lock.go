package browsers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// lockState says whether a browser holds a profile.
type lockState struct {
	inUse bool
	pid   int    // the browser's process id when known, else 0
	how   string // which lock said so, for the report ("SingletonLock", …)
}

// system is the live machine as the lock checks see it; tests replace it.
type system struct {
	hostname func() (string, error)
	alive    func(pid int) bool
	// fileLockHolder reports whether another process holds a lock on path
	// (POSIX fcntl on Unix, an exclusive open on Windows) and its pid when
	// known.
	fileLockHolder func(path string) (locked bool, pid int)
	// localIP reports whether ip is an address of this machine.
	localIP func(ip string) bool
	// processName returns the executable name of pid.
	processName func(ctx context.Context, pid int) (string, error)
	// terminate asks pid to quit gracefully.
	terminate func(ctx context.Context, pid int) error
	// safariRunning reports whether Safari runs (it has no profile lock).
	safariRunning func(ctx context.Context) bool
	// descendants lists the processes started by pid, recursively.
	descendants func(ctx context.Context, pid int) []int
	// singletonAnswers reports whether a browser on this machine accepts
	// connections on the Chromium profile's SingletonSocket.
	singletonAnswers func(dir string) bool
	// lockHolder finds the process holding p's lock when the lock does
	// not say (Windows, lockholder.go); 0 when it cannot tell.
	lockHolder func(ctx context.Context, p Profile) int
}

func liveSystem() system {
	return system{
		hostname:         os.Hostname,
		alive:            pidAlive,
		fileLockHolder:   fileLockHolder,
		localIP:          isLocalIP,
		processName:      processName,
		terminate:        terminate,
		safariRunning:    safariRunning,
		descendants:      descendants,
		singletonAnswers: singletonAnswers,
		lockHolder:       lockHolder,
	}
}

// parseChromiumLock splits a SingletonLock target "hostname-pid"; host
// names may contain dashes, the pid is after the last one.
func parseChromiumLock(target string) (host string, pid int, ok bool) {
	i := strings.LastIndexByte(target, '-')
	if i <= 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(target[i+1:])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return target[:i], pid, true
}

// parseFirefoxLock splits a Firefox "lock" symlink target "IP:+pid" (the
// + says .parentlock is fcntl-locked too).
func parseFirefoxLock(target string) (ip string, pid int, ok bool) {
	i := strings.LastIndexByte(target, ':')
	if i <= 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(target[i+1:], "+"))
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return target[:i], pid, true
}

// isLocalIP reports whether ip is loopback or one of this machine's
// addresses (Firefox writes the address its host name resolves to, often
// 127.0.1.1 on Debian).
func isLocalIP(s string) bool {
	ip := net.ParseIP(s)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// lockState reads the profile's own lock. A lock whose process is dead is
// stale and does not count; a Chromium lock naming another host counts
// unless nothing on this machine is behind it (chromiumForeignLock).
func (sys system) lockState(p Profile) lockState {
	switch p.Engine {
	case EngineChromium:
		return sys.chromiumLock(p.LockDir)
	case EngineFirefox:
		return sys.firefoxLock(p.LockDir)
	}
	return lockState{}
}

func (sys system) chromiumLock(dir string) lockState {
	target, err := os.Readlink(filepath.Join(dir, "SingletonLock"))
	if err == nil {
		host, pid, ok := parseChromiumLock(target)
		if !ok {
			return lockState{}
		}
		me, err := sys.hostname()
		sameHost := err == nil && strings.EqualFold(me, host)
		switch {
		case sameHost && sys.alive(pid):
			return lockState{inUse: true, pid: pid, how: "SingletonLock"}
		case sameHost:
			// A dead pid is a stale lock, unless a browser still
			// answers on the socket (its pid seen from another pid
			// namespace, as in a sandbox).
			if sys.answers(dir) {
				return lockState{inUse: true, how: "SingletonSocket"}
			}
			return lockState{}
		}
		return sys.chromiumForeignLock(dir, pid)
	}
	// Windows: Chromium holds "lockfile" open without sharing.
	if locked, pid := sys.fileLockHolder(filepath.Join(dir, "lockfile")); locked {
		return lockState{inUse: true, pid: pid, how: "lockfile"}
	}
	return lockState{}
}

// chromiumForeignLock judges a SingletonLock naming another host (or when
// this machine's name is unknown). The host name can change while the
// browser runs (macOS renames itself on a name clash, DHCP hands Fedora a
// new one), and Chromium itself never takes over another host's lock. So
// the lock counts unless nothing on this machine is behind it: in use when
// a browser answers on the profile's SingletonSocket (Chromium listens
// there for as long as it runs) or when the lock's pid is alive and is (or
// may be) a browser; stale only when neither.
func (sys system) chromiumForeignLock(dir string, pid int) lockState {
	if sys.answers(dir) {
		st := lockState{inUse: true, how: "SingletonSocket"}
		if sys.alive(pid) {
			st.pid = pid // closeBrowser still checks that it is a browser
		}
		return st
	}
	if !sys.alive(pid) {
		return lockState{}
	}
	if sys.processName != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		name, err := sys.processName(ctx, pid)
		cancel()
		if err == nil && !browserLike(name) {
			return lockState{} // the pid is some other program here
		}
	}
	return lockState{inUse: true, pid: pid, how: "SingletonLock"}
}

func (sys system) answers(dir string) bool {
	return sys.singletonAnswers != nil && sys.singletonAnswers(dir)
}

// singletonAnswers connects to dir's SingletonSocket (a symlink to the
// socket Chromium listens on in a temporary folder) and hangs up at once;
// Chromium drops a connection that sends nothing.
func singletonAnswers(dir string) bool {
	c, err := net.DialTimeout("unix", filepath.Join(dir, "SingletonSocket"), 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func (sys system) firefoxLock(dir string) lockState {
	if locked, pid := sys.fileLockHolder(filepath.Join(dir, ".parentlock")); locked {
		return lockState{inUse: true, pid: pid, how: ".parentlock"}
	}
	target, err := os.Readlink(filepath.Join(dir, "lock"))
	if err != nil {
		return lockState{}
	}
	ip, pid, ok := parseFirefoxLock(target)
	if !ok || !sys.localIP(ip) || !sys.alive(pid) {
		return lockState{}
	}
	return lockState{inUse: true, pid: pid, how: "lock"}
}

// errStillRunning is wrapped when a browser did not quit in time.
var errStillRunning = errors.New("the browser is still running")

// closeBrowser asks the browser holding p's lock to quit and waits until
// the lock is released or timeout passes.
func (sys system) closeBrowser(ctx context.Context, p Profile, st lockState, timeout time.Duration) error {
	if st.pid <= 0 && sys.lockHolder != nil {
		st.pid = sys.lockHolder(ctx, p)
	}
	if st.pid <= 0 {
		return fmt.Errorf("%w: its process id is unknown, close it yourself", errStillRunning)
	}
	name, err := sys.processName(ctx, st.pid)
	if err != nil {
		return fmt.Errorf("%w: reading process %d: %w", errStillRunning, st.pid, err)
	}
	if !browserLike(name) {
		return fmt.Errorf("%w: process %d holding the lock is %q, not a browser; close the browser yourself", errStillRunning, st.pid, name)
	}
	// Chromium's network service writes the cookie store as the browser
	// shuts down and may outlive the browser process: wait for them all.
	var helpers []int
	if sys.descendants != nil {
		helpers = sys.descendants(ctx, st.pid)
	}
	if err := sys.terminate(ctx, st.pid); err != nil {
		return fmt.Errorf("%w: asking it to quit: %w", errStillRunning, err)
	}
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// Chromium drops its lock before its last writes (the cookie store
		// is flushed as the profile is torn down): wait for the process to
		// end as well.
		if !sys.lockState(p).inUse && !sys.alive(st.pid) && !slices.ContainsFunc(helpers, sys.alive) {
			return nil
		}
		select {
		case <-wait.Done():
			return fmt.Errorf("%w after %s", errStillRunning, timeout)
		case <-tick.C:
		}
	}
}

// isPermission reports a permission error (on macOS: no Full Disk Access).
func isPermission(err error) bool {
	return errors.Is(err, fs.ErrPermission)
}
