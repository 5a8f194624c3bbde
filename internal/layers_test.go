// Package internal_test holds the test of the layering that internal/
// stands for: the three command lines and a few small helpers, which no
// lower layer depends on.
package internal_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/sessionguard/sessionguard"

// cliPackages are the command lines; only main packages use them.
var cliPackages = []string{"internal/cli", "internal/servercli", "internal/traycli"}

// helpers are the small helpers internal/ may hold besides the command
// lines: leaves that import nothing of SessionGuard.
var helpers = []string{
	"internal/artefacts", "internal/atomicfile", "internal/depstest", "internal/firefoxtest", "internal/netnstest",
	"internal/gobuild", "internal/proctest", "internal/reuseport", "internal/sitename", "internal/syncbuf", "internal/text", "internal/winetest", "internal/winproc", "internal/xvfbtest",
}

// imports maps each package directory (relative to the module root, with
// slashes) to what its non-test files import, whatever their build tags:
// a Windows-only import counts on Linux too.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		dir := filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if !slices.Contains(out[dir], ip) {
				out[dir] = append(out[dir], ip)
			}
		}
		if _, ok := out[dir]; !ok {
			out[dir] = []string{}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("only %d packages found: the walk is wrong", len(out))
	}
	return out
}

// TestNoLowerLayerImportsACommandLine: agent/, tray/, checks/, server/,
// report/, browsers/ and the helpers never import a command line; only
// main packages (cmd/…, packaging/cmd/…) do, and the command lines do not
// import each other.
func TestNoLowerLayerImportsACommandLine(t *testing.T) {
	for dir, imps := range imports(t) {
		for _, ip := range imps {
			cli, ok := strings.CutPrefix(ip, module+"/")
			if !ok || !slices.Contains(cliPackages, cli) {
				continue
			}
			if strings.HasPrefix(dir, "cmd/") || strings.HasPrefix(dir, "packaging/cmd/") {
				continue
			}
			t.Errorf("%s imports the command line %s: move what it needs below the command lines", dir, cli)
		}
	}
}

// TestInternalHoldsCommandLinesAndHelpers: internal/ is the three command
// lines and the listed small helpers, which import nothing of
// SessionGuard but each other (the agent's own packages, its state directory among them,
// live under agent/).
func TestInternalHoldsCommandLinesAndHelpers(t *testing.T) {
	all := imports(t)
	var found []string
	for dir := range all {
		if strings.HasPrefix(dir, "internal/") && path.Dir(dir) == "internal" {
			found = append(found, dir)
		}
		if strings.Count(dir, "/") > 1 && strings.HasPrefix(dir, "internal/") {
			t.Errorf("%s: internal/ holds no nested packages", dir)
		}
	}
	want := slices.Concat(cliPackages, helpers)
	slices.Sort(found)
	slices.Sort(want)
	for _, d := range found {
		if !slices.Contains(want, d) {
			t.Errorf("%s is in internal/ but is neither a command line nor a listed helper: a layer's package belongs under that layer (agent/, tray/, server/, checks/)", d)
		}
	}
	for _, d := range want {
		if _, ok := all[d]; !ok {
			if _, err := os.Stat(filepath.Join("..", d)); err == nil {
				continue // test-only helper
			}
			t.Errorf("%s is listed but gone: update the list", d)
		}
	}
	for _, h := range helpers {
		for _, ip := range all[h] {
			if rel, ok := strings.CutPrefix(ip, module+"/"); ok && !slices.Contains(helpers, rel) {
				t.Errorf("the helper %s imports %s: a helper imports no other SessionGuard package than helpers", h, ip)
			}
		}
	}
}

// TestTrayModelLinksNoClearingOrLog: the tray's pure model takes what it
// needs from cookie clearing and the session log as plain values
// (tray.CookiesCleared, tray.SessionRules), so it links neither, on any OS.
func TestTrayModelLinksNoClearingOrLog(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", module+"/tray")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps for %s: %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if !slices.Contains(deps, module+"/agent/localapi") {
			t.Fatalf("%s: the model's dependencies lack agent/localapi: %v", goos, deps)
		}
		for _, d := range deps {
			for _, banned := range []string{"browsers", "agent/sessionlog", "agent/statedir"} {
				if d == module+"/"+banned || strings.HasPrefix(d, module+"/"+banned+"/") {
					t.Errorf("%s: the tray model links %s", goos, d)
				}
			}
		}
	}
}
