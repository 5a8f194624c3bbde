package probe

import (
	"strings"
	"testing"
)

// TestAllowListPaths: every command on the allow-list runs from an absolute
// path (on Windows from the system or Program Files directory the OS
// reports), never a name looked up in PATH.
func TestAllowListPaths(t *testing.T) {
	if len(allowList["linux"]) < 20 || len(allowList["darwin"]) < 10 || len(allowList["windows"]) < 5 {
		t.Fatalf("the allow-list looks empty: %d linux, %d darwin, %d windows commands",
			len(allowList["linux"]), len(allowList["darwin"]), len(allowList["windows"]))
	}
	for goos, cmds := range allowList {
		for name, paths := range cmds {
			for _, p := range paths {
				ok := strings.HasPrefix(p, "/")
				if goos == "windows" {
					ok = strings.HasPrefix(p, `{system}\`) || strings.HasPrefix(p, `{programfiles}\`)
				}
				if !ok {
					t.Errorf("%s on %s: %q is not an absolute path", name, goos, p)
				}
			}
		}
	}
	got, err := AllowedCommands("linux", CmdNft.String(), nil)
	if err != nil || len(got) != 2 || got[0] != "/usr/sbin/nft" {
		t.Errorf("nft on linux: %q, %v", got, err)
	}
	if _, err := AllowedCommands("windows", CmdNft.String(), nil); err == nil {
		t.Error("nft is allowed on windows")
	}
}

// TestAllowListRefusesTwice: a command listed twice stops the program at
// start-up rather than one entry silently replacing the other.
func TestAllowListRefusesTwice(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second nft entry was accepted")
		}
		if got := allowList["linux"]["nft"]; len(got) != 2 {
			t.Errorf("the refused entry changed the table: %q", got)
		}
	}()
	allow("nft", on("linux", "/tmp/nft"))
}
