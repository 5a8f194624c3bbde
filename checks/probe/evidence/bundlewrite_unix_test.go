//go:build !windows

package evidence

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// recorderWithFiles records n files read from a linux bundle, so that
// writing it takes a while.
func recorderWithFiles(t *testing.T, n int) *Recorder {
	t.Helper()
	files := map[string]string{ManifestFile: `{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`}
	for i := range n {
		files[fmt.Sprintf("files/etc/conf%03d/x.conf", i)] = "setting = 1\n"
	}
	inner, err := OpenReplay(writeBundle(t, files))
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(inner)
	for i := range n {
		if _, err := rec.ReadFile(fmt.Sprintf("/etc/conf%03d/x.conf", i)); err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

// TestWriteBundleSymlinkRace is the attack of issue 16 item 1: while root
// writes a bundle into a folder a user controls, the user swaps a folder
// on the way (the bundle folder itself, or its files/ folder) for a
// symbolic link to somewhere else. Nothing may be written there. Before
// the bundle was written through handles, the files followed the link.
func TestWriteBundleSymlinkRace(t *testing.T) {
	for _, swapped := range []string{"", "files", filepath.Join("files", "etc")} {
		t.Run("swap "+filepath.Join("bundle", swapped), func(t *testing.T) {
			for attempt := range 3 {
				rec := recorderWithFiles(t, 60)
				base, outside := t.TempDir(), t.TempDir()
				dir := filepath.Join(base, "bundle")
				target := filepath.Join(dir, swapped)
				var wg sync.WaitGroup
				stop := make(chan struct{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
							if os.Rename(target, filepath.Join(base, fmt.Sprintf("moved%d", attempt))) == nil {
								// The writer may make the folder again
								// before the link is planted: that
								// attempt's swap lost the race.
								if err := os.Symlink(outside, target); err != nil && !errors.Is(err, os.ErrExist) {
									t.Error(err)
								}
								return
							}
						}
					}
				}()
				werr := rec.WriteBundle(dir)
				close(stop)
				wg.Wait()
				var leaked []string
				_ = filepath.Walk(outside, func(p string, fi os.FileInfo, err error) error {
					if err == nil && p != outside {
						leaked = append(leaked, p)
					}
					return nil
				})
				if len(leaked) > 0 {
					t.Fatalf("attempt %d: the bundle was written through the planted link (WriteBundle: %v): %d files outside, e.g. %s", attempt, werr, len(leaked), leaked[0])
				}
			}
		})
	}
}

// TestWriteBundleRefusesTargets: a target that already exists (a folder,
// a planted link), a parent folder another user owns, or one others may
// rename things in, is refused; a fresh folder in the caller's own folder
// is written, 0700.
func TestWriteBundleRefusesTargets(t *testing.T) {
	rec := recorderWithFiles(t, 1)
	base := t.TempDir()
	existing := filepath.Join(base, "existing")
	if err := os.Mkdir(existing, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(base, "dangling")
	if err := os.Symlink(filepath.Join(base, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{existing, link, dangling, filepath.Join(open, "b")} {
		if err := rec.WriteBundle(dir); !errors.Is(err, ErrBundleTarget) {
			t.Errorf("WriteBundle(%s) = %v, want it refused", dir, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(base, "nowhere")); err == nil {
		t.Error("a dangling link was followed")
	}
	sticky := filepath.Join(base, "sticky")
	if err := os.Mkdir(sticky, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(base, "fresh"), filepath.Join(sticky, "b")} {
		if err := rec.WriteBundle(dir); err != nil {
			t.Fatalf("WriteBundle(%s): %v", dir, err)
		}
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want a 0700 folder", dir, fi, err)
		}
		if _, err := OpenReplay(dir); err != nil {
			t.Errorf("the bundle does not open: %v", err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a folder another user owns")
	}
	users := filepath.Join(base, "users")
	if err := os.Mkdir(users, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(users, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteBundle(filepath.Join(users, "b")); !errors.Is(err, ErrBundleTarget) {
		t.Errorf("root wrote into a folder user 1000 owns: %v", err)
	}
}

// TestCheckBundleTarget: the CLI asks before recording, with the same
// answers WriteBundle would give.
func TestCheckBundleTarget(t *testing.T) {
	base := t.TempDir()
	if err := CheckBundleTarget(filepath.Join(base, "new")); err != nil {
		t.Errorf("a new folder in the caller's folder: %v", err)
	}
	if err := CheckBundleTarget(base); !errors.Is(err, ErrBundleTarget) {
		t.Errorf("an existing folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(base, "new")); err == nil {
		t.Error("checking made the folder")
	}
	if os.Geteuid() == 0 {
		users := filepath.Join(base, "users")
		if err := os.Mkdir(users, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(users, 1000, 1000); err != nil {
			t.Fatal(err)
		}
		if err := CheckBundleTarget(filepath.Join(users, "b")); !errors.Is(err, ErrBundleTarget) {
			t.Errorf("a folder user 1000 owns: %v", err)
		}
	}
}

// TestBundleCutShortHasNoManifest: the manifest is written last, so a
// bundle whose writing stopped part-way (here at a name it refuses; in life
// a crash or a full disk) has none and is never replayed as if what it
// lacks were "not installed".
func TestBundleCutShortHasNoManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bundle")
	files := map[string][]byte{
		ManifestFile:     []byte(`{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`),
		CommandsFile:     []byte(`[]`),
		"zz/../../x.txt": []byte("refused"), // sorts after the manifest
	}
	if err := writeBundleFiles(dir, files); err == nil {
		t.Fatal("a bundle with an invalid path was written")
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the cut-short bundle has a manifest: %v", err)
	}
	if _, err := OpenReplay(dir); err == nil {
		t.Error("a cut-short bundle opens for replay")
	}
}
