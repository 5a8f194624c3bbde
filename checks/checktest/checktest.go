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
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

var update = flag.Bool("update", false, "rewrite golden expected.json files (and other generated test outputs)")

// Updating reports whether the test run was asked to rewrite its golden
// files (-update).
func Updating() bool { return *update }

// Golden is the name of the golden file inside a scenario directory.
const Golden = "expected.json"

// Scenarios returns the scenario directories under testdata/<os>/.
func Scenarios(t testing.TB, testdata string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(testdata, "*", "*", evidence.ManifestFile))
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

// RunScrubbedScenarios records every scenario under testdata again through
// a Recorder with c's scrubber, writes that bundle, replays it and requires
// the same status, summary and facts as the original: scrubbing never
// changes a verdict, and no account name is left in a home path (see
// HomeNamesLeft). inspect, when not nil, looks at each scrubbed bundle
// (to assert what must be gone).
func RunScrubbedScenarios(t *testing.T, c checks.Check, testdata string, inspect func(t *testing.T, bundle string)) {
	t.Helper()
	RunScrubbedScenariosWith(t, c, []checks.Check{c}, testdata, inspect)
}

// RunScrubbedScenariosWith is RunScrubbedScenarios recording with the
// scrubbers of all (as `sessionguard evidence record` does with every
// check's), so no check's scrubber may change what another reads.
func RunScrubbedScenariosWith(t *testing.T, c checks.Check, all []checks.Check, testdata string, inspect func(t *testing.T, bundle string)) {
	t.Helper()
	for _, dir := range Scenarios(t, testdata) {
		rel, _ := filepath.Rel(testdata, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			src, err := evidence.OpenReplay(dir)
			if err != nil {
				t.Fatal(err)
			}
			pol := checks.Catalogue(all).Default()
			rec := checks.NewRecorder(src, all)
			want := c.Run(t.Context(), rec, pol)
			out := filepath.Join(t.TempDir(), "bundle")
			if err := rec.WriteBundle(out); err != nil {
				t.Fatal(err)
			}
			again, err := evidence.OpenReplay(out)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Run(t.Context(), again, pol)
			if got.Status != want.Status || got.Summary != want.Summary || !bytes.Equal(normalise(t, got.Facts), normalise(t, want.Facts)) {
				t.Errorf("the scrubbed bundle replays to %s %q %s, want %s %q %s", got.Status, got.Summary, got.Facts, want.Status, want.Summary, want.Facts)
			}
			for _, left := range HomeNamesLeft(t, out) {
				t.Errorf("the scrubbed bundle still names a person in a home path: %s", left)
			}
			if inspect != nil {
				inspect(t, out)
			}
		})
	}
}

// Replay runs c against the bundle in dir and returns its result.
func Replay(t testing.TB, c checks.Check, dir string) checks.Result {
	t.Helper()
	rp, err := evidence.OpenReplay(dir)
	if err != nil {
		t.Fatalf("opening bundle: %v", err)
	}
	rep := checks.Run(t.Context(), rp, PolicyOf(t, c, dir), []checks.Check{c})
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
	if !bytes.Equal(normalise(t, want), normalise(t, got)) {
		t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", golden, want, got)
	}
}

func normalise(t testing.TB, b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("golden JSON: %v", err)
	}
	out, _ := json.Marshal(v)
	return out
}

// MergeBundles writes one bundle into a new temporary directory that holds
// everything the bundles in dirs hold: the first manifest (with the fields
// it lacks, such as console_user, taken from the later ones), the union of
// their commands, registry values and listed keys, WMI classes, denied entries, mDNS
// browses, directory listings and files (the first bundle wins where two hold the same thing),
// their process lists joined (a process id met twice is the first
// bundle's), the first open-file scan and WLAN association list. It is how
// the whole suite is replayed at once.
func MergeBundles(t testing.TB, dirs ...string) string {
	t.Helper()
	dst := t.TempDir()
	var (
		manifest  = map[string]json.RawMessage{}
		commands  []json.RawMessage
		registry  = map[string]map[string]json.RawMessage{}
		wmi       []json.RawMessage
		denied    []json.RawMessage
		mdns      []json.RawMessage
		processes []json.RawMessage
		pids      []int
		heldOpen  json.RawMessage
		wlan      json.RawMessage
		regKeys   = map[string]json.RawMessage{}
		regLists  = map[string]json.RawMessage{}
		dirList   = map[string][]string{}
	)
	read := func(dir, name string, v any) bool {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return false
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s/%s: %v", dir, name, err)
		}
		return true
	}
	for _, dir := range dirs {
		var m map[string]json.RawMessage
		read(dir, evidence.ManifestFile, &m)
		for k, v := range m {
			if _, ok := manifest[k]; !ok {
				manifest[k] = v
			}
		}
		var cs, ws, ds, ms []json.RawMessage
		read(dir, evidence.CommandsFile, &cs)
		read(dir, evidence.WMIFile, &ws)
		read(dir, evidence.DeniedFile, &ds)
		read(dir, evidence.MDNSFile, &ms)
		commands, wmi, denied, mdns = append(commands, cs...), append(wmi, ws...), append(denied, ds...), append(mdns, ms...)
		var reg map[string]map[string]json.RawMessage
		read(dir, evidence.RegistryFile, &reg)
		for k, vals := range reg {
			if registry[k] == nil {
				registry[k] = map[string]json.RawMessage{}
			}
			for name, v := range vals {
				if _, ok := registry[k][name]; !ok {
					registry[k][name] = v
				}
			}
		}
		var keys map[string]json.RawMessage
		read(dir, evidence.RegistryKeysFile, &keys)
		for k, v := range keys {
			if _, ok := regKeys[k]; !ok {
				regKeys[k] = v
			}
		}
		var lists map[string]json.RawMessage
		read(dir, evidence.RegistryListsFile, &lists)
		for k, v := range lists {
			if _, ok := regLists[k]; !ok {
				regLists[k] = v
			}
		}
		// The process lists are joined: one laptop runs what each check
		// saw (a process id met twice is the first bundle's).
		var procs []json.RawMessage
		if read(dir, evidence.ProcessesFile, &procs) {
			for _, pr := range procs {
				var id struct{ PID int }
				if json.Unmarshal(pr, &id) == nil && !slices.Contains(pids, id.PID) {
					pids, processes = append(pids, id.PID), append(processes, pr)
				}
			}
		}
		if heldOpen == nil {
			read(dir, evidence.HeldOpenFile, &heldOpen)
		}
		if wlan == nil {
			read(dir, evidence.WLANFile, &wlan)
		}
		var ds2 map[string][]string
		read(dir, evidence.DirsFile, &ds2)
		for p, names := range ds2 {
			for _, n := range names {
				if !slices.Contains(dirList[p], n) {
					dirList[p] = append(dirList[p], n)
				}
			}
		}
		copyTree(t, filepath.Join(dir, evidence.FilesDir), filepath.Join(dst, evidence.FilesDir))
	}
	write := func(name string, v any, present bool) {
		if !present {
			return
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(evidence.ManifestFile, manifest, true)
	write(evidence.CommandsFile, commands, true)
	write(evidence.RegistryFile, registry, len(registry) > 0)
	write(evidence.WMIFile, wmi, len(wmi) > 0)
	write(evidence.DeniedFile, denied, len(denied) > 0)
	write(evidence.MDNSFile, mdns, len(mdns) > 0)
	write(evidence.ProcessesFile, processes, processes != nil)
	write(evidence.DirsFile, dirList, len(dirList) > 0)
	write(evidence.HeldOpenFile, heldOpen, heldOpen != nil)
	write(evidence.WLANFile, wlan, wlan != nil)
	write(evidence.RegistryKeysFile, regKeys, len(regKeys) > 0)
	write(evidence.RegistryListsFile, regLists, len(regLists) > 0)
	return dst
}

// copyTree copies the regular files under src into dst, keeping files that
// dst already has.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == src {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if _, err := os.Stat(target); err == nil {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ReadParserData returns the captured output a parser test reads: the file
// testdata/parsers/<path...> of the package under test, path in
// slash-separated parts. A file that cannot be read fails the test.
func ReadParserData(t testing.TB, path ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata", "parsers"}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ReadOptionalParserData is ReadParserData for a table column that may name
// no file (a command that wrote nothing on stdout or stderr): an empty last
// part of path gives nil.
func ReadOptionalParserData(t testing.TB, path ...string) []byte {
	t.Helper()
	if len(path) == 0 || path[len(path)-1] == "" {
		return nil
	}
	return ReadParserData(t, path...)
}
