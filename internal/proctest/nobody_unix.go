//go:build unix

package proctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// NobodyUID is the account tests run a child as when it must not be root:
// nobody (uid and gid 65534).
const NobodyUID = 65534

// TestAsNobody is a command that runs the named test of this test binary
// as nobody, in dir, with env added to this process's environment: from a
// copy of the binary in dir (go test's own folder is root's alone), so dir
// must be reachable by nobody. The caller runs it and reads its output.
func TestAsNobody(tb testing.TB, dir, test string, env ...string) *exec.Cmd {
	tb.Helper()
	bin := CopyProgram(tb, os.Args[0], filepath.Join(dir, filepath.Base(os.Args[0])))
	cmd := exec.CommandContext(tb.Context(), bin, "-test.run", "^"+test+"$")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	return AsNobody(cmd)
}

// AsNobody makes cmd run as nobody (uid and gid NobodyUID) and returns
// it: for a program other than this test binary (TestAsNobody is for
// that). Starting cmd needs root, and nobody must be able to reach and
// run the program.
func AsNobody(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: NobodyUID, Gid: NobodyUID}}
	return cmd
}
