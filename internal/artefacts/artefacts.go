// Package artefacts names the directory where tests leave what a person
// should look at afterwards (screenshots of the dashboard and the tray):
// $SG_ARTEFACTS, else sessionguard-artefacts in the temporary directory.
package artefacts

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the artefact directory, creating it when missing.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SG_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sessionguard-artefacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
