//go:build !windows

package credentials

import (
	"fmt"
	"os"
	"syscall"
)

// checkPrivate refuses a credentials file that others can read or write,
// or that belongs to another user (it could point us at another server).
func checkPrivate(path string, fi os.FileInfo) error {
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: mode %v, want 0600", ErrInsecureFile, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: owned by uid %d, not %d", ErrInsecureFile, st.Uid, os.Geteuid())
	}
	return nil
}
