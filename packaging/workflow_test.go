package packaging

import (
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestMacOSWorkflow lints the macOS packaging workflow, which only a macOS
// runner can execute: valid YAML, every step runs or uses something, and
// it builds, lays out, packages, signs and notarises with the commands and
// flags this package provides.
func TestMacOSWorkflow(t *testing.T) {
	b, err := os.ReadFile("../.github/workflows/macos-package.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Name string `yaml:"name"`
		Jobs map[string]struct {
			RunsOn   string `yaml:"runs-on"`
			Strategy struct {
				Matrix map[string][]string `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Name string `yaml:"name"`
				Uses string `yaml:"uses"`
				Run  string `yaml:"run"`
				If   string `yaml:"if"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("not valid YAML: %v", err)
	}
	job, ok := wf.Jobs["pkg"]
	if !ok || !strings.HasPrefix(job.RunsOn, "macos-") {
		t.Fatalf("no pkg job on a macOS runner: %+v", wf.Jobs)
	}
	if got := strings.Join(job.Strategy.Matrix["arch"], ","); got != "arm64,amd64" {
		t.Errorf("matrix arch %q, want the architectures LayoutMacOS supports", got)
	}
	var all strings.Builder
	for i, s := range job.Steps {
		if (s.Run == "") == (s.Uses == "") {
			t.Errorf("step %d (%q) must have exactly one of run and uses", i, s.Name)
		}
		all.WriteString(s.Run)
	}
	for _, want := range []string{
		"./packaging/cmd/sgpkg", "--formats macos", "--require-tray", "pkgbuild --root root --scripts scripts --identifier " + MacPackageID,
		"productbuild --distribution distribution.xml", "productsign", "xcrun notarytool submit", "xcrun stapler staple",
		"codesign --force --options runtime",
	} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the workflow never runs %q", want)
		}
	}
}
