// Package gobuild builds this module's programs for the tests that run
// them as a person would (the agent, the server, the load client, the
// packages): one `go build` with the same settings everywhere — static
// (CGO_ENABLED=0), -trimpath, for this machine or another GOOS — so a test
// never runs a binary built differently from the next one's.
package gobuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Module is the import path programs are named under.
const Module = "github.com/sessionguard/sessionguard"

// Program is one build: the package (an import path, "cmd/x" taken
// under Module, or a path relative to Dir such as "./testdata/probe"),
// where the binary goes, and optionally another operating system (amd64
// then) and -ldflags.
type Program struct {
	Pkg, Out string
	Dir      string
	GOOS     string
	LDFlags  string
}

// Build runs go build for p.
func Build(ctx context.Context, p Program) error {
	pkg := p.Pkg
	if !strings.HasPrefix(pkg, ".") && !strings.HasPrefix(pkg, Module+"/") {
		pkg = Module + "/" + pkg
	}
	args := []string{"build", "-trimpath"}
	if p.LDFlags != "" {
		args = append(args, "-ldflags", p.LDFlags)
	}
	args = append(args, "-o", p.Out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if p.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+p.GOOS, "GOARCH=amd64")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return nil
}

// Must builds p or ends the test.
func Must(t testing.TB, p Program) {
	t.Helper()
	if err := Build(t.Context(), p); err != nil {
		t.Fatal(err)
	}
}
