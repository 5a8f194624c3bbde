package all

import (
	"fmt"
	"go/ast"
	"path/filepath"
	"testing"
)

// TestChecksAskProcessOwners keeps checks off probe.Process's User and
// Cmdline fields: the live Linux listing leaves User empty and reads the
// owner only when Owner is asked (reading every process's owner would
// cost as much as the rest of the listing), so a check comparing User
// would see nobody; Args is asked likewise, so a listing may read the
// arguments (nearly as costly) only when asked. The guard is by name: a
// check's own type with a User or Cmdline field would need another name.
func TestChecksAskProcessOwners(t *testing.T) {
	ask := map[string]string{"User": "Owner()", "Cmdline": "Args()"}
	for _, c := range Checks() {
		fset, files := parseSources(t, filepath.Join("..", c.ID()))
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || ask[sel.Sel.Name] == "" {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "probe" {
					return true // the type probe.User
				}
				t.Errorf("%s reads %s.%s: ask a process its %s", fset.Position(sel.Pos()), exprString(sel.X), sel.Sel.Name, ask[sel.Sel.Name])
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
