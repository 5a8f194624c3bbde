//go:build windows

package live

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/windows"
)

// errRefused marks a file the live probe will not read.
var errRefused = fmt.Errorf("refused: %w", probe.ErrAccessDenied)

// openForRead opens a file (wantDir false) or folder for reading and
// refuses anything else (a device, a pipe), and anything reached through a
// symbolic link, junction or other reparse point on the way: the path
// Windows opened (GetFinalPathNameByHandle on the open handle, so nothing
// can be swapped in between) must be the path asked for. A user can make a
// junction in their own profile without any privilege; root-only state is
// never to be read through one.
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
	if err == nil {
		var final string
		final, err = finalPath(f)
		if err == nil && !samePath(absPath(p), final) && !samePath(longPath(absPath(p)), final) {
			err = fmt.Errorf("open %s: %w: reached through a link to %s", p, errRefused, final)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// GetFinalPathNameByHandle flags (fileapi.h): the normalised name with the
// drive letter. x/sys/windows does not name them.
const (
	fileNameNormalized = 0x0
	volumeNameDOS      = 0x0
)

// finalPath is the path Windows resolved the open file to.
func finalPath(f *os.File) (string, error) {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetFinalPathNameByHandle(windows.Handle(f.Fd()), &buf[0], uint32(len(buf)), fileNameNormalized|volumeNameDOS)
	if err != nil {
		return "", fmt.Errorf("the path of %s: %w", f.Name(), err)
	}
	if int(n) > len(buf) {
		return "", fmt.Errorf("the path of %s is too long", f.Name())
	}
	return windows.UTF16ToString(buf[:n]), nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// longPath expands 8.3 short names (PROGRA~1), which are not links; on
// error the path as given.
func longPath(p string) string {
	in, err := windows.UTF16PtrFromString(p)
	if err != nil {
		return p
	}
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n, err := windows.GetLongPathName(in, &buf[0], uint32(len(buf)))
	if err != nil || int(n) > len(buf) {
		return p
	}
	return windows.UTF16ToString(buf[:n])
}
