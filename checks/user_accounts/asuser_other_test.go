//go:build !unix

package useraccounts

import "syscall"

// asUser is only used by the Linux tests that make an account.
func asUser(int, int) *syscall.SysProcAttr { return nil }
