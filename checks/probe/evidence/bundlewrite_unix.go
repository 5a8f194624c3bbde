//go:build !windows

package evidence

import (
	"fmt"
	"os"
	"syscall"
)

// ownedBySelfOrAdmin: the open folder f belongs to this process's
// effective user or to root, and no one else may rename what is in it
// (not writable by group or others, unless sticky as /tmp is).
func ownedBySelfOrAdmin(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("cannot tell who owns it")
	}
	if uid := uint32(os.Geteuid()); st.Uid != uid && st.Uid != 0 {
		return fmt.Errorf("it belongs to user id %d, not to user id %d running this command or root", st.Uid, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&os.ModeSticky == 0 {
		return fmt.Errorf("other users may rename what is in it (mode %v)", fi.Mode().Perm())
	}
	return nil
}

// ownedBySelf: the open folder f belongs to this process's effective user.
func ownedBySelf(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid != uint32(os.Geteuid()) {
		return fmt.Errorf("the new folder is not this user's")
	}
	return nil
}
