package all

import (
	"fmt"
	"go/ast"
	"path/filepath"
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
		fset, files := parseSources(t, filepath.Join("..", c.ID()))
		for _, f := range files {
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
