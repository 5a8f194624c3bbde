//go:build windows

package probe

import (
	"fmt"
	"os"
)

// errRefused marks a file the live probe will not read.
var errRefused = fmt.Errorf("refused: %w", ErrAccessDenied)

// openForRead opens a file (wantDir false) or folder for reading and
// refuses anything else (a device, a pipe). Windows has no FIFOs in the
// file system and making symbolic links needs a privilege users do not
// have by default; per-user state is read from the registry (HKU\<SID>).
func openForRead(p string, wantDir bool) (*os.File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() != wantDir {
		err = fmt.Errorf("open %s: %w: not a regular file", p, errRefused)
		if wantDir {
			err = fmt.Errorf("open %s: not a folder", p)
		}
	}
	if err == nil && !wantDir && !fi.Mode().IsRegular() {
		err = fmt.Errorf("open %s: %w: not a regular file", p, errRefused)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
