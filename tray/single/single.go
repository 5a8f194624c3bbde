// Package single keeps one tray per user: the first tray holds a lock file
// in a directory of this user's and listens on a socket beside it; a
// second start finds the lock taken, asks the first (through the socket)
// to show itself, and exits.
//
// The lock is an OS file lock (flock on Unix, LockFileEx on Windows), so
// it goes with the process: a tray that crashed leaves nothing behind that
// stops the next start.
package single

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// File names in the directory.
const (
	LockName   = "sessionguard-tray.lock"
	SocketName = "sessionguard-tray.sock"
)

// ErrRunning says another tray of this user holds the lock.
var ErrRunning = errors.New("SessionGuard is already running")

// showRequest and showAnswer are the whole protocol.
const (
	showRequest = "show\n"
	showAnswer  = "ok\n"
)

// Dir is this user's directory for the lock: $XDG_RUNTIME_DIR (Linux
// desktops; private to the user and emptied at log-out), else a
// "sessionguard" directory in the user's cache directory (macOS
// ~/Library/Caches, Windows %LocalAppData%), made private.
func Dir() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) && runtime.GOOS != "windows" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a private directory for the tray's lock: %w", err)
	}
	return filepath.Join(cache, "sessionguard"), nil
}

// Instance is the one tray of this user.
type Instance struct {
	lock  *os.File
	ln    net.Listener
	sock  string
	show  chan struct{}
	close sync.Once
}

// Acquire takes the lock in dir (created 0700 when missing). When another
// tray holds it, Acquire asks that tray to show itself and returns
// ErrRunning; asked reports whether the other tray answered.
func Acquire(dir string) (inst *Instance, asked bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("creating %s for the tray's lock: %w", dir, err)
	}
	if err := private(dir); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(filepath.Join(dir, LockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("opening the tray's lock: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, false, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	sock := filepath.Join(dir, SocketName)
	if !held {
		_ = f.Close()
		return nil, askShow(sock, 3*time.Second), ErrRunning
	}
	inst = &Instance{lock: f, sock: sock, show: make(chan struct{}, 1)}
	// The lock is ours, so a socket file left here is stale.
	_ = os.Remove(sock)
	if ln, err := net.Listen("unix", sock); err == nil {
		inst.ln = ln
		go inst.serve()
	}
	// Without the socket (an old Windows, a path too long) the lock still
	// keeps one tray; a second start then only says so.
	return inst, false, nil
}

// Show receives when a second start asked this tray to show itself.
func (i *Instance) Show() <-chan struct{} { return i.show }

// Close releases the lock and removes the socket.
func (i *Instance) Close() error {
	i.close.Do(func() {
		if i.ln != nil {
			_ = i.ln.Close()
			_ = os.Remove(i.sock)
		}
		_ = i.lock.Close() // closing releases the lock
	})
	return nil
}

func (i *Instance) serve() {
	for {
		c, err := i.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			line, err := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n')
			if err != nil || line != showRequest {
				return
			}
			select {
			case i.show <- struct{}{}:
			default: // one request pending is enough
			}
			_, _ = io.WriteString(c, showAnswer)
		}()
	}
}

// askShow asks the tray listening on sock to show itself, retrying until
// wait has passed (the first tray may be starting); it reports whether the
// tray answered.
func askShow(sock string, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		if askOnce(sock) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func askOnce(sock string) bool {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, showRequest); err != nil {
		return false
	}
	line, err := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n')
	return err == nil && line == showAnswer
}

// private refuses a directory others can write to or read (the socket
// lets whoever reaches it make the tray show a notification).
func private(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // %LocalAppData% is the user's own by its ACL
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s is open to other users (mode %v); chmod 700 it", dir, st.Mode().Perm())
	}
	return ownedByMe(dir, st)
}

// Message is what a second start prints.
func Message(asked bool) string {
	var b strings.Builder
	b.WriteString("sessionguard-tray: SessionGuard is already running for you. Look for its icon in the notification area (a tick, exclamation mark, cross or question mark); where it runs without one (--no-tray), 'sessionguard status' shows its light.")
	if asked {
		b.WriteString(" It will also show a notification now.")
	}
	b.WriteString("\n")
	return b.String()
}
