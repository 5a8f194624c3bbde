//go:build windows

package live

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// TestLiveWindowsFileReads runs on Windows (and under Wine, from
// internal/winetest): a plain file opens; the same file reached through a
// symbolic link is refused, so a link a user plants in their profile never
// makes SYSTEM read what it points at.
func TestLiveWindowsFileReads(t *testing.T) {
	// Not t.TempDir: under Wine removing the files fails ("Invalid
	// function"), which would fail the test at its clean-up.
	dir, err := os.MkdirTemp("", "sg-probe-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	target := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(target, []byte("only for administrators"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := openForRead(target, false)
	if err != nil {
		t.Fatalf("a plain file: %v", err)
	}
	f.Close()
	link := filepath.Join(dir, "profile-link.txt")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a symbolic link here (%v): the refusal is tested by TestSamePath", err)
	}
	// Windows refuses it as access denied; Wine's emulated links do not
	// open at all. Either way nothing is read through the link.
	if f, err := openForRead(link, false); err == nil {
		f.Close()
		t.Fatal("a file reached through a symbolic link was opened")
	} else {
		t.Logf("through a link: %v (access denied: %v)", err, errors.Is(err, probe.ErrAccessDenied))
	}
}
