package browsers

import (
	"bytes"
	"context"
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// processes asks the kernel (sysctl kern.proc.all) for every process: its
// name (p_comm, completed from its argv[0] when cut at 15 characters) and
// its parent.
func processes(ctx context.Context) ([]proc, error) {
	kps, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, err
	}
	out := make([]proc, 0, len(kps))
	for _, k := range kps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		comm := k.Proc.P_comm[:]
		if i := bytes.IndexByte(comm, 0); i >= 0 {
			comm = comm[:i]
		}
		p := proc{pid: int(k.Proc.P_pid), ppid: int(k.Eproc.Ppid), name: string(comm)}
		if len(p.name) >= 15 {
			p.name = fullName(p.name, argv0(p.pid))
		}
		out = append(out, p)
	}
	return out, nil
}

// argv0 reads a process's argv[0] from kern.procargs2: the argument count,
// the executable's path, NUL padding, then argv. "" when it cannot be read.
func argv0(pid int) string {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil || len(b) < 4 || binary.LittleEndian.Uint32(b) == 0 {
		return ""
	}
	b = b[4:]
	i := bytes.IndexByte(b, 0) // end of the executable's path
	if i < 0 {
		return ""
	}
	b = bytes.TrimLeft(b[i:], "\x00")
	arg, _, _ := bytes.Cut(b, []byte{0})
	return string(arg)
}
