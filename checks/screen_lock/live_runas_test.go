//go:build linux

package screenlock_test

import (
	"os/exec"
	"syscall"
)

// runAs makes cmd run as uid:gid.
func runAs(cmd *exec.Cmd, uid, gid uint32) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
}
