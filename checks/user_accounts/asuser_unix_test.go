//go:build unix

package useraccounts

import "syscall"

// asUser runs a command as uid and gid.
func asUser(uid, gid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}
