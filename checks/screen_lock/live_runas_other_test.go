//go:build !linux

package screenlock_test

import (
	"os/exec"
	"testing"
)

// nobodyChild is not needed off Linux: the live tests that use it skip
// there.
func nobodyChild(t *testing.T, _, _ string) *exec.Cmd {
	t.Helper()
	t.Skip("runs a child as nobody on Linux only")
	return nil
}
