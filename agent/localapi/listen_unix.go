//go:build unix

package localapi

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Modes of what Listen creates. The directory is 0755 and the socket 0666
// so that every local user can reach the agent: reading is open to all
// local users by design, and writing is decided per request from the
// kernel's peer credentials, never from the file mode.
const (
	dirMode    fs.FileMode = 0o755
	socketMode fs.FileMode = 0o666
	lockMode   fs.FileMode = 0o644
)

// probeTimeout bounds the connect that tells a live agent from a stale
// socket.
const probeTimeout = time.Second

// Listen listens on the unix socket path (DefaultSocketPath when empty)
// the way a daemon should:
//   - it creates the directory 0755 when missing, and refuses one owned by
//     another user or writable by others without the sticky bit
//     (ErrUnsafeDir);
//   - it refuses a path that exists and is not a socket (ErrNotSocket,
//     never removing it);
//   - it refuses when a live agent answers on the socket, or holds the
//     lock file beside it (ErrAlreadyRunning, with its pid when known);
//   - it removes a stale socket (connect refused) and binds anew, mode
//     0666.
//
// An exclusive flock on <path>.lock, held until the listener is closed,
// keeps two agents starting at once from removing each other's socket.
// Closing the listener removes the socket; the lock file stays (removing
// it would reopen that race).
func Listen(path string) (net.Listener, error) {
	if path == "" {
		path = DefaultSocketPath()
	}
	if err := prepareDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	// Refuse early, without the lock: a foreign file, or a live agent.
	if err := checkExisting(path); err != nil {
		return nil, err
	}
	lock, err := lockFile(path + ".lock")
	if errors.Is(err, errLocked) {
		return nil, alreadyRunning(lockHolder(path))
	}
	if err != nil {
		return nil, err
	}
	ln, err := listenLocked(path)
	if err != nil {
		lock.release()
		return nil, err
	}
	lock.writePID()
	return &unixListener{UnixListener: ln, lock: lock}, nil
}

// listenLocked checks the path again under the lock, removes a stale
// socket and binds.
func listenLocked(path string) (*net.UnixListener, error) {
	if err := checkExisting(path); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == fs.ModeSocket {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing stale socket %s: %w", path, err)
		}
		slog.Info("local api stale socket removed")
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, alreadyRunning(0)
		}
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	// bind honours the umask; set the mode explicitly.
	if err := os.Chmod(path, socketMode); err != nil {
		ln.Close() //nolint:errcheck // already failing
		return nil, fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return ln, nil
}

// checkExisting returns nil when nothing is at path or a stale socket
// that may be removed; ErrNotSocket, ErrAlreadyRunning or the error that
// kept it from telling otherwise.
func checkExisting(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s: %w", path, ErrNotSocket)
	}
	conn, err := net.DialTimeout("unix", path, probeTimeout)
	if err == nil {
		pid := 0
		if p, perr := peerOf(conn); perr == nil {
			pid = p.PID
		}
		conn.Close() //nolint:errcheck // a probe
		return alreadyRunning(pid)
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) {
		return nil // stale, or gone meanwhile
	}
	return fmt.Errorf("probing %s: %w", path, err)
}

// lockHolder names the pid of the agent holding the lock: from its socket
// when it answers, else from the pid it wrote into the lock file.
func lockHolder(path string) int {
	if conn, err := net.DialTimeout("unix", path, probeTimeout); err == nil {
		defer conn.Close() //nolint:errcheck // a probe
		if p, err := peerOf(conn); err == nil && p.PID > 0 {
			return p.PID
		}
	}
	b, err := os.ReadFile(path + ".lock")
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// prepareDir creates dir 0755 when missing; an existing one must be a
// directory owned by us or root and not writable by others (unless
// sticky, like /tmp).
func prepareDir(dir string) error {
	created := false
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return fmt.Errorf("creating socket directory %s: %w", dir, err)
		}
		created = true
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking socket directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory: %w", dir, ErrUnsafeDir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
			return fmt.Errorf("%s belongs to uid %d: %w", dir, uid, ErrUnsafeDir)
		}
	}
	if created {
		// MkdirAll honours the umask; a daemon's may be 077.
		if err := os.Chmod(dir, dirMode); err != nil {
			return fmt.Errorf("setting the mode of %s: %w", dir, err)
		}
		return nil
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("%s is writable by others: %w", dir, ErrUnsafeDir)
	}
	return nil
}

// unixListener releases the lock after closing the socket.
type unixListener struct {
	*net.UnixListener
	lock *fileLock
	once sync.Once
	err  error
}

func (l *unixListener) Close() error {
	l.once.Do(func() {
		l.err = l.UnixListener.Close() // unlinks the socket
		l.lock.release()
	})
	return l.err
}
