package live

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// userHome makes a home folder owned by uid 1000 under a fresh folder, and
// a root-only secret (0600 in a 0700 folder) beside it.
func userHome(t *testing.T) (home, secret string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the attack is on the agent running as root")
	}
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	home = filepath.Join(base, "home", "sam")
	if err := os.MkdirAll(filepath.Join(home, ".config", "hypr"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, "dotfiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{home, filepath.Join(home, ".config"), filepath.Join(home, ".config", "hypr"), filepath.Join(home, "dotfiles")} {
		if err := os.Chown(d, 1000, 1000); err != nil {
			t.Fatal(err)
		}
	}
	vault := filepath.Join(base, "root-only")
	if err := os.Mkdir(vault, 0o700); err != nil {
		t.Fatal(err)
	}
	secret = filepath.Join(vault, "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$SECRETHASH:19000::::::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, secret
}

// asUser makes a link or file the user's own, as if they had made it.
func asUser(t *testing.T, p string) {
	t.Helper()
	if err := os.Lchown(p, 1000, 1000); err != nil {
		t.Fatal(err)
	}
}

// TestLiveRefusesUsersLinksToRootOnlyFiles is the attack of issue 16 item
// 2: a user plants, in their own home, a symbolic link (or a hard link) to
// a file only root may read, where a check reads a per-user setting. The
// agent, root, must neither read it nor copy it into an evidence bundle.
func TestLiveRefusesUsersLinksToRootOnlyFiles(t *testing.T) {
	home, secret := userHome(t)
	kde := filepath.Join(home, ".config", "kscreenlockerrc")
	if err := os.Symlink(secret, kde); err != nil {
		t.Fatal(err)
	}
	asUser(t, kde)
	hypr := filepath.Join(home, ".config", "hypr", "hypridle.conf")
	if err := os.Link(secret, hypr); err != nil {
		t.Fatal(err)
	}
	viaDir := filepath.Join(home, ".config", "vault")
	if err := os.Symlink(filepath.Dir(secret), viaDir); err != nil {
		t.Fatal(err)
	}
	asUser(t, viaDir)
	relative := filepath.Join(home, "dotfiles", "rel")
	if err := os.Symlink("../../../root-only/shadow", relative); err != nil {
		t.Fatal(err)
	}
	asUser(t, relative)
	paths := []string{kde, hypr, filepath.Join(viaDir, "shadow"), relative}
	if _, err := os.Stat("/etc/shadow"); err == nil {
		etc := filepath.Join(home, "dotfiles", "etc-shadow")
		if err := os.Symlink("/etc/shadow", etc); err != nil {
			t.Fatal(err)
		}
		asUser(t, etc)
		paths = append(paths, etc)
	}
	live := New()
	rec := evidence.NewRecorder(live)
	for _, p := range paths {
		if b, err := rec.ReadFile(p); err == nil || len(b) > 0 {
			t.Errorf("ReadFile(%s) read %d bytes, %v: root followed the user's link", p, len(b), err)
		} else if !errors.Is(err, probe.ErrAccessDenied) {
			t.Errorf("ReadFile(%s): %v, want access denied", p, err)
		}
		if b, err := live.ReadFileHead(p, 64); err == nil || len(b) > 0 {
			t.Errorf("ReadFileHead(%s) read %d bytes", p, len(b))
		}
	}
	if names, err := live.ReadDir(viaDir); err == nil {
		t.Errorf("ReadDir through the user's link listed %v", names)
	}
	bundle := filepath.Join(t.TempDir(), "b")
	if err := rec.WriteBundle(bundle); err != nil {
		t.Fatal(err)
	}
	_ = filepath.Walk(bundle, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("SECRETHASH")) || bytes.Contains(b, []byte("root:$")) {
				t.Errorf("the bundle holds the root-only file in %s", p)
			}
		}
		return nil
	})
}

// TestLiveFollowsWhatTheUserMayRead: links the user owns that lead to
// their own files (a dotfiles folder) or to files everyone may read are
// followed, as are root's own links (/proc/self).
func TestLiveFollowsWhatTheUserMayRead(t *testing.T) {
	home, _ := userHome(t)
	real := filepath.Join(home, "dotfiles", "hypridle.conf")
	if err := os.WriteFile(real, []byte("general {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	asUser(t, real)
	link := filepath.Join(home, ".config", "hypr", "hypridle.conf")
	if err := os.Symlink("../../dotfiles/hypridle.conf", link); err != nil {
		t.Fatal(err)
	}
	asUser(t, link)
	public := filepath.Join(home, ".config", "os-release")
	if err := os.Symlink("/proc/self/mounts", public); err != nil {
		t.Fatal(err)
	}
	asUser(t, public)
	live := New()
	if b, err := live.ReadFile(link); err != nil || string(b) != "general {}\n" {
		t.Errorf("the user's own dotfile link: %q, %v", b, err)
	}
	if b, err := live.ReadFile(public); err != nil || !strings.Contains(string(b), " / ") {
		t.Errorf("a link to a file everyone may read: %.40q, %v", b, err)
	}
	if b, err := live.ReadFile("/proc/self/mounts"); err != nil || len(b) == 0 {
		t.Errorf("/proc/self/mounts: %v", err)
	}
	if names, err := live.ReadDir(filepath.Join(home, ".config")); err != nil || len(names) == 0 {
		t.Errorf("ReadDir of the user's folder: %v %v", names, err)
	}
	if _, err := live.ReadFile(filepath.Join(home, "absent")); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("a missing file: %v, want not found", err)
	}
}

// TestLiveFIFODoesNotHang: a FIFO where a check reads a user's setting
// must neither block the check nor be read.
func TestLiveFIFODoesNotHang(t *testing.T) {
	home, _ := userHome(t)
	fifo := filepath.Join(home, ".config", "hypr", "hypridle.conf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	asUser(t, fifo)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := New().ReadFile(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a FIFO was read as a file")
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("reading a FIFO took %s", d)
		}
	case <-time.After(2 * time.Second):
		// Unblock the stuck open so the test process can end.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("reading a FIFO in a home folder hung the check")
	}
}

// BenchmarkLiveReadFile: the walk one component at a time against the
// kernel's own lookup, for a file five folders deep.
func BenchmarkLiveReadFile(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "a", "b", "c", "d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "kscreenlockerrc")
	if err := os.WriteFile(p, bytes.Repeat([]byte("Timeout=5\n"), 50), 0o644); err != nil {
		b.Fatal(err)
	}
	live := New()
	b.Run("probe", func(b *testing.B) {
		for b.Loop() {
			if _, err := live.ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("os.ReadFile", func(b *testing.B) {
		for b.Loop() {
			if _, err := os.ReadFile(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestLiveReadDirIsBounded: a folder with more entries than MaxDirEntries
// is not listed (its names would be held in memory).
func TestLiveReadDirIsBounded(t *testing.T) {
	dir := t.TempDir()
	for i := range MaxDirEntries + 1 {
		f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if names, err := New().ReadDir(dir); err == nil || len(names) > 0 {
		t.Errorf("a folder of %d entries was listed: %d names, %v", MaxDirEntries+1, len(names), err)
	}
}
