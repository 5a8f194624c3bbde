package browsers

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/sessionguard/sessionguard/browsers/binarycookies"
	"github.com/sessionguard/sessionguard/internal/atomicfile"
)

// FullDiskAccessFix is what to tell a Mac user when Safari's cookies cannot
// be read.
const FullDiskAccessFix = "Open System Settings > Privacy & Security > Full Disk Access, turn on SessionGuard, then try again."

// safariRunning reports whether Safari runs for this user. Safari has no
// profile lock; its process name is the only signal.
func safariRunning(ctx context.Context) bool {
	if runtime.GOOS != "darwin" {
		return false
	}
	return running(ctx, "Safari")
}

// readSafari reads and parses one binarycookies file.
func readSafari(path string) (*binarycookies.File, os.FileMode, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	f, err := binarycookies.Decode(b)
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w: %w", path, ErrDamaged, err)
	}
	return f, fi.Mode().Perm(), nil
}

func countSafari(path string) (storeCount, error) {
	sc := storeCount{sites: map[string]bool{}}
	f, _, err := readSafari(path)
	if err != nil {
		return sc, err
	}
	for _, c := range f.Cookies() {
		sc.cookies++
		sc.sites[site(c.Domain)] = true
	}
	return sc, nil
}

// clearSafari rewrites a binarycookies file without the removed cookies,
// atomically (a new file renamed over the old one).
func clearSafari(path string, sel selector, dryRun bool) (clearResult, error) {
	var res clearResult
	f, perm, err := readSafari(path)
	if err != nil {
		return res, err
	}
	res.before = len(f.Cookies())
	res.removed = f.Filter(func(c binarycookies.Cookie) bool { return !sel.remove(c.Domain) })
	if dryRun || res.removed == 0 {
		return res, nil
	}
	data, err := binarycookies.Encode(f)
	if err != nil {
		return res, fmt.Errorf("writing %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, data, perm); err != nil {
		return res, err
	}
	return res, nil
}
