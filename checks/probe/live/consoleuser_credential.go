//go:build !windows && !darwin

package live

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// credentialFor switches a command to u when this process is root and u is
// someone else; it reports whether it did.
func credentialFor(cmd *exec.Cmd, u probe.User) (bool, error) {
	if os.Geteuid() != 0 || u.UID == strconv.Itoa(os.Geteuid()) {
		return false, nil
	}
	pu, err := user.LookupId(u.UID)
	if err != nil {
		return false, fmt.Errorf("looking up uid %s: %w", u.UID, err)
	}
	uid, err1 := strconv.ParseUint(pu.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(pu.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("uid %s has a non-numeric id", u.UID)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return true, nil
}
