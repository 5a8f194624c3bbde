//go:build unix

package browsers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// pidAlive reports whether pid runs (a zombie counts as dead).
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if runtime.GOOS == "linux" {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err == nil {
			// pid (comm) S ... — the state follows the last ')'.
			s := string(b)
			if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 && (s[i+2] == 'Z' || s[i+2] == 'X') {
				return false
			}
		}
	}
	return true
}

// fileLockHolder asks whether another process holds a POSIX lock on path
// (Firefox locks .parentlock with fcntl) and returns its pid.
func fileLockHolder(path string) (bool, int) {
	f, err := os.Open(path)
	if err != nil {
		return false, 0
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk); err != nil {
		return false, 0
	}
	if lk.Type == unix.F_UNLCK {
		return false, 0
	}
	return true, int(lk.Pid)
}

// terminate sends SIGTERM, which Chromium and Firefox handle as a normal
// quit (Chromium writes its cookies to disk first).
func terminate(_ context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("sending SIGTERM to %d: %w", pid, err)
	}
	return nil
}

// lockHolder is not needed on Unix: the locks name their process.
func lockHolder(context.Context, Profile) int { return 0 }
