package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAgentDoesNotLinkServerOrTray: the agent runs as root/SYSTEM on every
// practitioner's laptop, so it must not carry the server (its dashboard,
// SQL drivers) or the systray library (GUI code) — DESIGN.md §2.
func TestAgentDoesNotLinkServerOrTray(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps for %s: %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 20 {
			t.Fatalf("%s: suspiciously few dependencies: %v", goos, deps)
		}
		for _, d := range deps {
			for _, banned := range []string{"github.com/sessionguard/sessionguard/server", "github.com/sessionguard/sessionguard/tray", "fyne.io/systray", "github.com/getlantern/systray", "github.com/jackc/pgx"} {
				if d == banned || strings.HasPrefix(d, banned+"/") {
					t.Errorf("%s: the agent binary links %s", goos, d)
				}
			}
		}
	}
}
