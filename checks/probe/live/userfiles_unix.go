//go:build !windows

package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/unix"
)

// maxLinks bounds the symbolic links one open follows (as the kernel's 40).
const maxLinks = 40

// errRefused marks a file the live probe will not read on a user's behalf.
var errRefused = fmt.Errorf("refused: %w", probe.ErrAccessDenied)

// openForRead opens an absolute path for reading without trusting what
// another user controls. The path is walked one component at a time from
// "/", each opened relative to the folder before it with O_NOFOLLOW, so no
// part of it is looked up by name twice. Symbolic links are followed by
// the walk itself (at most maxLinks). As long as everything on the way
// belongs to root or to this process's own user, the walk is the kernel's.
// Once it passes through something another user owns (their home folder,
// a link they made) or a folder anyone may write in (not sticky), that user controls
// the rest of the path, and every later folder must be one they may enter
// and the file one they may read themselves (theirs, or open to everyone):
// a link in a home to /etc/shadow, or a hard link to it, is refused, as is
// anything that is not a regular file (wantDir false) or a folder (wantDir
// true). Files are opened O_NONBLOCK, so a FIFO neither blocks the open
// nor is read.
func openForRead(p string, wantDir bool) (*os.File, error) {
	if !filepath.IsAbs(p) {
		return nil, fmt.Errorf("%s is not an absolute path", p)
	}
	w := walker{self: uint32(os.Geteuid()), controller: -1}
	rootfd, err := unix.Open("/", unix.O_DIRECTORY|oPath|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: "/", Err: err}
	}
	w.dirs = []int{rootfd}
	defer w.close()
	todo := splitPath(p)
	links := 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		last := len(todo) == 0
		switch name {
		case ".":
			continue
		case "..":
			w.up()
			continue
		}
		dirfd := w.dirs[len(w.dirs)-1]
		var st unix.Stat_t
		if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			if links++; links > maxLinks {
				return nil, &os.PathError{Op: "open", Path: p, Err: unix.ELOOP}
			}
			w.control(st.Uid, false)
			target, err := readlinkat(dirfd, name)
			if err != nil {
				return nil, &os.PathError{Op: "open", Path: p, Err: err}
			}
			if strings.HasPrefix(target, "/") {
				w.toRoot()
			}
			todo = append(splitPath(target), todo...)
			continue
		}
		if !last {
			fd, err := unix.Openat(dirfd, name, unix.O_DIRECTORY|unix.O_NOFOLLOW|oPath|unix.O_CLOEXEC, 0)
			if err != nil {
				return nil, &os.PathError{Op: "open", Path: p, Err: err}
			}
			w.dirs = append(w.dirs, fd)
			if err := w.enter(fd, p); err != nil {
				return nil, err
			}
			continue
		}
		flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY
		if wantDir {
			flags |= unix.O_DIRECTORY
		}
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
		f := os.NewFile(uintptr(fd), p)
		if err := w.final(fd, p, wantDir); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	// The path named "/" itself (or ended in ".."): a folder.
	if !wantDir {
		return nil, fmt.Errorf("open %s: %w: not a regular file", p, errRefused)
	}
	fd, err := unix.Openat(w.dirs[len(w.dirs)-1], ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: p, Err: err}
	}
	return os.NewFile(uintptr(fd), p), nil
}

// walker is the state of one openForRead walk.
type walker struct {
	self uint32
	// dirs are the folders walked into, "/" first; ".." pops one.
	dirs []int
	// controller is the user who controls the rest of the path: -1 for
	// nobody but root and this process's user, anyone for a folder
	// everyone may write in.
	controller int64
}

const anyone = int64(-2)

func (w *walker) close() {
	for _, fd := range w.dirs {
		unix.Close(fd)
	}
}

func (w *walker) up() {
	if len(w.dirs) > 1 {
		unix.Close(w.dirs[len(w.dirs)-1])
		w.dirs = w.dirs[:len(w.dirs)-1]
	}
}

func (w *walker) toRoot() {
	for len(w.dirs) > 1 {
		w.up()
	}
}

// control notes who owns what the walk passes through.
func (w *walker) control(uid uint32, worldWritable bool) {
	switch {
	case w.controller != -1:
	case worldWritable:
		w.controller = anyone
	case uid != 0 && uid != w.self:
		w.controller = int64(uid)
	}
}

// enter checks a folder the walk went into: once a user controls the
// path, they must be able to enter it themselves.
func (w *walker) enter(fd int, p string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	if w.controller != -1 && !w.mayUse(st, 0o001) {
		return fmt.Errorf("open %s: %w: it passes through a folder user %s may not enter", p, errRefused, w.who())
	}
	// In a folder everyone may write in, anyone may swap what is there;
	// unless it is sticky (/tmp), where only an entry's owner may, and the
	// owner of each entry is looked at as the walk goes on.
	w.control(st.Uid, st.Mode&0o002 != 0 && st.Mode&unix.S_ISVTX == 0)
	return nil
}

// final checks the file or folder opened at the end of the walk.
func (w *walker) final(fd int, p string, wantDir bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	typ := st.Mode & unix.S_IFMT
	switch {
	case wantDir && typ != unix.S_IFDIR:
		return &os.PathError{Op: "open", Path: p, Err: unix.ENOTDIR}
	case !wantDir && typ != unix.S_IFREG:
		return fmt.Errorf("open %s: %w: not a regular file", p, errRefused)
	}
	perm := uint32(0o004)
	if wantDir {
		perm = 0o005
	}
	if w.controller != -1 && !w.mayUse(st, perm) {
		return fmt.Errorf("open %s: %w: user %s may not read it", p, errRefused, w.who())
	}
	return nil
}

// mayUse: the controlling user may use st with the given permission bits
// for others (their own file, or one open to everyone). Group bits are not
// trusted: which groups the user is in is not looked up.
func (w *walker) mayUse(st unix.Stat_t, others uint32) bool {
	if w.controller >= 0 && int64(st.Uid) == w.controller {
		return true
	}
	return uint32(st.Mode)&others == others
}

func (w *walker) who() string {
	if w.controller == anyone {
		return "anyone"
	}
	return fmt.Sprint(w.controller)
}

func readlinkat(dirfd int, name string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		if len(buf) >= 1<<16 {
			return "", errors.New("symbolic link target too long")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// splitPath splits a path into its names; empty ones are dropped.
func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
