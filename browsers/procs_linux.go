package browsers

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// processes reads /proc: each process's name from status (completed from
// its command line when the kernel cut it at 15 characters) and its parent
// from stat.
func processes(ctx context.Context) ([]proc, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		dir := filepath.Join("/proc", e.Name())
		status, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil {
			continue // gone since the listing
		}
		p := proc{pid: pid, ppid: -1}
		for _, line := range strings.Split(string(status), "\n") {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "Name":
				p.name = strings.TrimSpace(v)
			case "PPid":
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					p.ppid = n
				}
			}
		}
		if len(p.name) >= 15 {
			cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
			argv0, _, _ := bytes.Cut(cmdline, []byte{0})
			p.name = fullName(p.name, string(argv0))
		}
		out = append(out, p)
	}
	return out, nil
}
