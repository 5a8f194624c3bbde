package all

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestChecksAskProcessOwners keeps checks off probe.Process's User field:
// the live Linux listing leaves it empty and reads the owner only when
// Owner is asked (reading every process's owner would cost as much as the
// rest of the listing), so a check comparing User would see nobody. The
// guard is by name: a check's own type with a User field would need
// another name.
func TestChecksAskProcessOwners(t *testing.T) {
	for _, c := range Checks() {
		files, err := filepath.Glob(filepath.Join("..", c.ID(), "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files for %s (%v)", c.ID(), err)
		}
		fset := token.NewFileSet()
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "User" {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "probe" {
					return true // the type probe.User
				}
				t.Errorf("%s reads %s.User: ask a process its Owner()", fset.Position(sel.Pos()), exprString(sel.X))
				return true
			})
		}
	}
}

func exprString(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return fmt.Sprintf("%T", e)
}
