package main

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/internal/gobuild"
)

// TestEveryProgramSaysItsVersion builds the three programs as the Makefile
// does (the version set with -X) and asks each for --version.
func TestEveryProgramSaysItsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs")
	}
	const v = "9.8.7-test"
	ldflags := "-X github.com/sessionguard/sessionguard/internal/cli.Version=" + v +
		" -X github.com/sessionguard/sessionguard/internal/servercli.Version=" + v + " -X github.com/sessionguard/sessionguard/internal/traycli.Version=" + v
	dir := t.TempDir()
	for _, prog := range []string{"sessionguard", "sessionguard-server", "sessionguard-tray"} {
		bin := filepath.Join(dir, prog)
		gobuild.Must(t, gobuild.Program{Pkg: "cmd/" + prog, Out: bin, LDFlags: ldflags})
		out, err := exec.Command(bin, "--version").Output()
		if want := prog + " " + v + "\n"; err != nil || string(out) != want {
			t.Errorf("%s --version: %q, %v; want %q", prog, out, err, want)
		}
	}
	out, err := exec.Command(filepath.Join(dir, "sessionguard"), "version", "--socket", filepath.Join(dir, "none.sock")).Output()
	if want := "sessionguard " + v + " ("; err != nil || len(out) < len(want) || string(out[:len(want)]) != want {
		t.Errorf("sessionguard version: %q, %v", out, err)
	}
}
