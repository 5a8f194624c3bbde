// Package checktest runs a check's replay scenarios in tests: every
// directory checks/<id>/testdata/<os>/<scenario>/ is an evidence bundle with
// a golden expected.json (the check's Result). `go test ./checks/... -update`
// rewrites the golden files.
package checktest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

var update = flag.Bool("update", false, "rewrite golden expected.json files")

// Golden is the name of the golden file inside a scenario directory.
const Golden = "expected.json"

// Scenarios returns the scenario directories under testdata/<os>/.
func Scenarios(t testing.TB, testdata string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(testdata, "*", "*", probe.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(dirs))
	for _, m := range dirs {
		out = append(out, filepath.Dir(m))
	}
	return out
}

// RunScenarios replays every scenario under testdata against c with the
// default policy (or the scenario's policy.json when present) and compares
// the result with expected.json. It fails when there are fewer than min
// scenarios per OS in oses.
func RunScenarios(t *testing.T, c checks.Check, testdata string, oses []string, minPerOS int) {
	t.Helper()
	scenarios := Scenarios(t, testdata)
	perOS := map[string]int{}
	for _, dir := range scenarios {
		perOS[filepath.Base(filepath.Dir(dir))]++
		rel, _ := filepath.Rel(testdata, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			got := Replay(t, c, dir)
			CompareGolden(t, filepath.Join(dir, Golden), got)
		})
	}
	for _, os := range oses {
		if perOS[os] < minPerOS {
			t.Errorf("%s has %d replay scenarios for %s, want at least %d", c.ID(), perOS[os], os, minPerOS)
		}
	}
}

// Replay runs c against the bundle in dir and returns its result.
func Replay(t testing.TB, c checks.Check, dir string) checks.Result {
	t.Helper()
	rp, err := probe.OpenReplay(dir)
	if err != nil {
		t.Fatalf("opening bundle: %v", err)
	}
	pol := checks.Default()
	if _, err := os.Stat(filepath.Join(dir, "policy.json")); err == nil {
		pol, err = checks.LoadPolicy(filepath.Join(dir, "policy.json"))
		if err != nil {
			t.Fatal(err)
		}
	}
	rep := checks.Run(t.Context(), rp, pol, []checks.Check{c})
	return rep.Results[0]
}

// CompareGolden compares v, as indented JSON, with the golden file, or
// rewrites it under -update.
func CompareGolden(t testing.TB, golden string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(normalize(t, want), normalize(t, got)) {
		t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", golden, want, got)
	}
}

func normalize(t testing.TB, b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("golden JSON: %v", err)
	}
	out, _ := json.Marshal(v)
	return out
}
