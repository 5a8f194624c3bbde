//go:build unix

package browsers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/internal/proctest"
)

const dryRunHomeEnv = "SESSIONGUARD_TEST_DRY_RUN_HOME"

// TestDryRunOfAStoreThatCannotBeWrittenFails: a dry run says what a clear
// would do, so on a cookie store this account cannot write (root's, read
// by another account) it fails as the clear would, instead of predicting
// "would remove 2 of 2" (a tester's clear then failed with "attempt to
// write a readonly database"). The other account is nobody, in a child
// process; as root every file can be written.
func TestDryRunOfAStoreThatCannotBeWrittenFails(t *testing.T) {
	if home := os.Getenv(dryRunHomeEnv); home != "" {
		rep, err := Clear(t.Context(), Options{DryRun: true, Env: &Env{Home: home, GOOS: runtime.GOOS}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep.Results)
		os.Stdout.Write(b)
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to make a store another account cannot write")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	path := filepath.Join(home, ".config", "chromium", "Default", "Cookies")
	writeCookieDB(t, path, EngineChromium, "delete", sampleCookies)
	for d := path; d != filepath.Dir(filepath.Dir(dir)); d = filepath.Dir(d) { // readable, not writable, by nobody
		mode := os.FileMode(0o755)
		if d == path {
			mode = 0o644
		}
		if err := os.Chmod(d, mode); err != nil {
			t.Fatal(err)
		}
	}
	out, err := proctest.TestAsNobody(t, dir, "TestDryRunOfAStoreThatCannotBeWrittenFails", dryRunHomeEnv+"="+home, "HOME="+home).Output()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	var results []Result
	if err := json.Unmarshal(out[:strings.LastIndexByte(string(out), ']')+1], &results); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(results) != 1 || results[0].Status != StatusError || results[0].Reason != ReasonPermissionDenied {
		t.Errorf("dry run of a store nobody cannot write: %+v", results)
	}
}
