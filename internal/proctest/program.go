package proctest

import (
	"os"
	"testing"
)

// CopyProgram copies the program at src to dst, executable by everybody,
// and returns dst: a process started from it is named by dst's base name
// (spaces, a name the kernel cuts, an assistant's name). The test is
// skipped when src cannot be read.
func CopyProgram(tb testing.TB, src, dst string) string {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Skip("no "+src+":", err)
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil { //nolint:gosec // a copied program that other users' processes run, as /bin/sleep is
		tb.Fatal(err)
	}
	return dst
}
