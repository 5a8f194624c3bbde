//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// whyCannotOpen says, when the database file or its folder cannot be
// written by this process, to whom it belongs and what to do ("" when it
// can, or that cannot be told): SQLite says only "unable to open
// database file". The likeliest cause is a first command run as root
// before the service's account, which then owns nothing it needs.
func whyCannotOpen(path string) string {
	if strings.HasPrefix(path, "file:") || strings.Contains(path, ":memory:") {
		return ""
	}
	for _, p := range []string{path, filepath.Dir(path)} {
		if err := unix.Access(p, unix.W_OK); err == nil || !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EROFS) {
			continue
		}
		owner := ""
		if st, err := os.Stat(p); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok {
				owner = fmt.Sprintf(", which belongs to uid %d", sys.Uid)
			}
		}
		return fmt.Sprintf(" (this account, uid %d, cannot write %s%s: run the command as the account the server runs as, e.g. sudo -u sessionguard-server sessionguard-server …, or give that account the file)", os.Geteuid(), p, owner)
	}
	return ""
}
