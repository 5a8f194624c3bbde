//go:build !linux

package screenlock_test

import "os/exec"

// runAs is not needed off Linux: the live tests that use it skip there.
func runAs(*exec.Cmd, uint32, uint32) {}
