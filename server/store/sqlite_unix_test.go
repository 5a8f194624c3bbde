//go:build unix

package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/internal/proctest"
)

const cannotOpenEnv = "SESSIONGUARD_TEST_CANNOT_OPEN"

// TestOpenSaysWhoOwnsTheDatabase: a database made by root (a first
// command run with sudo, before the service's account) opened by another
// account says which file that account cannot write, whose it is, and to
// run as the server's account; SQLite alone said "unable to open database
// file (14)". The other account is nobody, in a child process.
func TestOpenSaysWhoOwnsTheDatabase(t *testing.T) {
	if path := os.Getenv(cannotOpenEnv); path != "" {
		_, err := Open(context.Background(), "sqlite:"+path)
		if err == nil {
			t.Fatal("opened a database this account cannot write")
		}
		os.Stdout.WriteString(err.Error())
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a file another account cannot write")
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // reachable, not writable, by nobody
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "sg.db")
	st, err := Open(t.Context(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := proctest.TestAsNobody(t, dir, "TestOpenSaysWhoOwnsTheDatabase", cannotOpenEnv+"="+path).CombinedOutput()
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) || strings.Contains(string(out), "permission denied") && !strings.Contains(string(out), "sg.db") {
		t.Skipf("the test binary cannot run as nobody here: %v %s", err, out)
	}
	if !strings.Contains(string(out), "uid 65534, cannot write "+path+", which belongs to uid 0") || !strings.Contains(string(out), "sudo -u sessionguard-server") {
		t.Errorf("the error does not say who owns the database: %v\n%s", err, out)
	}
}
