package live

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/sessionguard/sessionguard/checks/probe"
)

func heldOpenLive(paths []string) ([]probe.Holder, error) {
	return withTimeout(func() ([]probe.Holder, error) { return heldOpen(procRoot, paths) })
}

// heldOpen walks root/PID/fd of every process and reads each link, keeping
// the processes whose links name one of paths. Processes that exit
// meanwhile are skipped; ones whose fd folder may not be read (another
// user's, without root) make the answer partial: what was found, and an
// error wrapping ErrAccessDenied.
func heldOpen(root string, paths []string) ([]probe.Holder, error) {
	names, err := readDirNames(root)
	if err != nil {
		return nil, fmt.Errorf("open files: %w", err)
	}
	out := []probe.Holder{}
	denied := 0
	var link [unix.PathMax]byte
	for _, n := range names {
		pid, err := strconv.ParseInt(n, 10, 32)
		if err != nil || pid <= 0 || n[0] == '+' {
			continue
		}
		dir := root + "/" + n + "/fd"
		fds, err := readDirNames(dir)
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				denied++
			}
			continue
		}
		for _, fd := range fds {
			m, err := unix.Readlink(dir+"/"+fd, link[:])
			if err != nil || m >= len(link) || link[0] != '/' {
				continue // closed meanwhile, or a socket, pipe or anon inode
			}
			if p := string(link[:m]); slices.Contains(paths, p) && !slices.Contains(out, probe.Holder{PID: int32(pid), Path: p}) {
				out = append(out, probe.Holder{PID: int32(pid), Path: p})
			}
		}
	}
	if denied > 0 {
		return out, fmt.Errorf("open files of %d processes: %w", denied, probe.ErrAccessDenied)
	}
	return out, nil
}
