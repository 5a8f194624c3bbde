package evidence

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
)

// ErrBundleTarget marks an evidence bundle target that is refused: it
// already exists, or the folder it would be made in is not the recording
// user's (nor root's / an administrator's).
var ErrBundleTarget = errors.New("evidence bundle target refused")

// writeBundleFiles creates dir afresh and writes files (bundle-relative
// slash paths → content) into it. The agent may run this as root into a
// folder a user named, so nothing is resolved by path twice: the parent
// folder is opened once and checked to be the caller's (or root's), dir is
// made in it with mkdir (which fails on anything already there, a planted
// symbolic link included), and every file and sub-folder is then made
// relative to the handle of that new folder through os.Root, which refuses
// to leave it. Each file is written to a temporary name created exclusively
// and renamed into place, so a reader never sees a torn file.
func writeBundleFiles(dir string, files map[string][]byte) error {
	proot, name, err := openBundleParent(dir)
	if err != nil {
		return err
	}
	defer proot.Close()
	if err := proot.Mkdir(name, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("writing evidence bundle: %w: %s already exists (name a new folder)", ErrBundleTarget, dir)
		}
		return fmt.Errorf("writing evidence bundle: %w", err)
	}
	root, err := proot.OpenRoot(name)
	if err != nil {
		return fmt.Errorf("writing evidence bundle: %w", err)
	}
	defer root.Close()
	if err := checkFreshBundleDir(root, dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	// The manifest last: a bundle cut short (a crash, a full disk) has
	// none, and replay refuses it rather than read what is missing as
	// "not installed".
	names = slices.DeleteFunc(names, func(n string) bool { return n == ManifestFile })
	if _, ok := files[ManifestFile]; ok {
		names = append(names, ManifestFile)
	}
	for _, p := range names {
		if !fs.ValidPath(p) || p == "." {
			return fmt.Errorf("writing evidence bundle: invalid bundle path %q", p)
		}
		if d := path.Dir(p); d != "." {
			if err := root.MkdirAll(filepath.FromSlash(d), 0o700); err != nil {
				return fmt.Errorf("writing evidence bundle: %w", err)
			}
		}
		if err := writeInRoot(root, filepath.FromSlash(p), files[p]); err != nil {
			return fmt.Errorf("writing evidence bundle: %s: %w", p, err)
		}
	}
	return nil
}

// CheckBundleTarget tells, before anything is recorded, whether
// WriteBundle(dir) would be refused: dir already exists, or the folder it
// would be made in is not the caller's (nor root's).
func CheckBundleTarget(dir string) error {
	proot, name, err := openBundleParent(dir)
	if err != nil {
		return err
	}
	defer proot.Close()
	if _, err := proot.Lstat(name); err == nil {
		return fmt.Errorf("%w: %s already exists (name a new folder)", ErrBundleTarget, dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("evidence bundle %s: %w", dir, err)
	}
	return nil
}

// openBundleParent opens the folder dir is to be made in, once, and checks
// it is the caller's or root's; name is dir's last element.
func openBundleParent(dir string) (proot *os.Root, name string, err error) {
	clean := filepath.Clean(dir)
	parent, name := filepath.Split(clean)
	if name == "" || name == "." || name == ".." || name == string(filepath.Separator) {
		return nil, "", fmt.Errorf("writing evidence bundle: %w: %s names no new folder", ErrBundleTarget, dir)
	}
	if parent == "" {
		parent = "."
	}
	proot, err = os.OpenRoot(parent)
	if err != nil {
		return nil, "", fmt.Errorf("writing evidence bundle: opening %s: %w", parent, err)
	}
	if err := checkBundleParent(proot, parent); err != nil {
		proot.Close()
		return nil, "", err
	}
	return proot, name, nil
}

// writeInRoot writes b to name inside root atomically: a temporary file
// created exclusively (never through an existing name), synced, renamed.
func writeInRoot(root *os.Root, name string, b []byte) (err error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return root.Rename(tmp, name)
}

// checkBundleParent refuses a parent folder owned by someone other than
// the recording user or root (administrators, SYSTEM on Windows): writing
// as root into a user's folder is how a bundle is made to land elsewhere.
func checkBundleParent(proot *os.Root, parent string) error {
	f, err := proot.Open(".")
	if err != nil {
		return fmt.Errorf("writing evidence bundle: opening %s: %w", parent, err)
	}
	defer f.Close()
	if err := ownedBySelfOrAdmin(f); err != nil {
		return fmt.Errorf("writing evidence bundle: %w: %s: %w", ErrBundleTarget, parent, err)
	}
	return nil
}

// checkFreshBundleDir makes sure the folder root stands for is the one
// just made: a folder, the caller's, empty.
func checkFreshBundleDir(root *os.Root, dir string) error {
	f, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("writing evidence bundle: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("writing evidence bundle: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("writing evidence bundle: %w: %s is not a folder", ErrBundleTarget, dir)
	}
	if err := ownedBySelf(f); err != nil {
		return fmt.Errorf("writing evidence bundle: %w: %s: %w", ErrBundleTarget, dir, err)
	}
	if names, err := f.Readdirnames(1); len(names) > 0 || (err != nil && !errors.Is(err, io.EOF)) {
		return fmt.Errorf("writing evidence bundle: %w: %s was changed while it was made", ErrBundleTarget, dir)
	}
	return nil
}
