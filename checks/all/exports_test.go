package all

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckPackagesExportOnlyIDAndCheck keeps each check package's API to
// its ID and Check: everything else (facts, collect, evaluate, parsers,
// settings) is the check's own business, reached from outside through the
// checks.Check interface, the catalogue, or the facts JSON. Tests that need
// internals get them through an export_test.go.
func TestCheckPackagesExportOnlyIDAndCheck(t *testing.T) {
	for _, c := range Checks() {
		dir := filepath.Join("..", c.ID())
		if bad := exportedBeyondIDAndCheck(t, dir); len(bad) > 0 {
			t.Errorf("checks/%s exports %s; a check package exports only ID and Check (tests use export_test.go)", c.ID(), strings.Join(bad, ", "))
		}
	}
}

// exportedBeyondIDAndCheck lists the exported package-level names the
// non-test Go files in dir declare, other than ID and Check, for every OS
// (build constraints are not applied).
func exportedBeyondIDAndCheck(t *testing.T, dir string) []string {
	t.Helper()
	var bad []string
	note := func(file string, id *ast.Ident) {
		if id.IsExported() && id.Name != "ID" && id.Name != "Check" {
			bad = append(bad, filepath.Base(file)+":"+id.Name)
		}
	}
	fset, parsed := parseSources(t, dir)
	for _, f := range parsed {
		file := fset.Position(f.Package).Filename
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					note(file, d.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						note(file, s.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							note(file, n)
						}
					}
				}
			}
		}
	}
	return bad
}

// parseSources parses the non-test Go files in dir, for every OS (build
// constraints are not applied).
func parseSources(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s (%v): the check's package directory must be named by its ID", dir, err)
	}
	fset := token.NewFileSet()
	var out []*ast.File
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return fset, out
}
