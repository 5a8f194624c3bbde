package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/internal/cli"
	"github.com/sessionguard/sessionguard/internal/servercli"
)

// TestEveryCommandHasAPageAndTheOutputIsReproducible: a man page for every
// visible command of both CLIs, completions for three shells, and the same
// bytes from the same SOURCE_DATE_EPOCH.
func TestEveryCommandHasAPageAndTheOutputIsReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if code := run([]string{"--version", "1.2.3", "--out", dir}, io.Discard); code != 0 {
			t.Fatalf("sgdocs exited %d", code)
		}
	}
	for _, root := range []*cobra.Command{cli.Command(), servercli.Command()} {
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			if !c.IsAvailableCommand() && c != root {
				return
			}
			name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
			pa, err := os.ReadFile(filepath.Join(a, root.Name(), "man1", name))
			if err != nil {
				t.Errorf("no man page for %q: %v", c.CommandPath(), err)
				return
			}
			pb, _ := os.ReadFile(filepath.Join(b, root.Name(), "man1", name))
			if !bytes.Equal(pa, pb) || !bytes.Contains(pa, []byte("SessionGuard 1.2.3")) || bytes.Contains(pa, []byte("Auto generated")) {
				t.Errorf("%s: not reproducible, or without the version footer", name)
			}
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(root)
		for _, shell := range []string{"bash", "zsh", "fish"} {
			ca, err := os.ReadFile(filepath.Join(a, root.Name(), "completions", shell))
			cb, _ := os.ReadFile(filepath.Join(b, root.Name(), "completions", shell))
			if err != nil || len(ca) == 0 || !bytes.Equal(ca, cb) || !bytes.Contains(ca, []byte(root.Name())) {
				t.Errorf("%s %s completion: %v", root.Name(), shell, err)
			}
		}
	}
	if code := run([]string{"--out", a}, io.Discard); code != 2 {
		t.Errorf("without --version: exit %d, want 2", code)
	}
}
