package tray

import (
	"os/exec"
	"strings"
	"testing"
)

// TestModelLinksNoClearingOrLog: the pure model takes what it needs from
// cookie clearing and the session log as plain values (CookiesCleared,
// SessionRules), so it links neither, on any OS.
func TestModelLinksNoClearingOrLog(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command("go", "list", "-deps", ".")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps for %s: %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("%s: suspiciously few dependencies: %v", goos, deps)
		}
		for _, d := range deps {
			for _, banned := range []string{"github.com/sessionguard/sessionguard/browsers", "github.com/sessionguard/sessionguard/agent/sessionlog", "github.com/sessionguard/sessionguard/agent/statedir"} {
				if d == banned || strings.HasPrefix(d, banned+"/") {
					t.Errorf("%s: the tray model links %s", goos, d)
				}
			}
		}
	}
}
