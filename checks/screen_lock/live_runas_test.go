//go:build linux

package screenlock_test

import (
	"os/exec"
	"testing"

	"github.com/sessionguard/sessionguard/internal/proctest"
)

// nobodyChild is the named test of this binary run as nobody from a copy
// in dir (proctest.TestAsNobody).
func nobodyChild(t *testing.T, dir, test string) *exec.Cmd {
	t.Helper()
	return proctest.TestAsNobody(t, dir, test)
}
