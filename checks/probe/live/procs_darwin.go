package live

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/user"
	"strconv"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/unix"
)

// listProcesses asks the kernel for the process table (sysctl
// kern.proc.all: id, name cut at 16 bytes, real uid), then per process its
// executable and arguments (kern.procargs2, readable for every process
// by root); a name the kernel cut is completed from argv[0], as on
// Linux (fullProcName).
// Each uid is looked up once per call.
func listProcesses() ([]probe.Process, error) {
	kps, err := unix.SysctlKinfoProcSlice("kern.proc.all")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	users := map[uint32]string{}
	out := make([]probe.Process, 0, len(kps))
	for _, k := range kps {
		comm := k.Proc.P_comm[:]
		if i := bytes.IndexByte(comm, 0); i >= 0 {
			comm = comm[:i]
		}
		p := probe.Process{PID: k.Proc.P_pid, Name: string(comm)}
		if p.PID != 0 {
			p.Exe, p.Cmdline = procArgs(int(p.PID))
		}
		p.Name = fullProcName(p.Name, p.Cmdline)
		uid := k.Eproc.Pcred.P_ruid
		name, ok := users[uid]
		if !ok {
			if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
				name = u.Username
			}
			users[uid] = name
		}
		p.User = name
		out = append(out, p)
	}
	return out, nil
}

// procArgs reads kern.procargs2: the argument count, the executable's
// path, NUL padding, then argv (and the environment, not read).
func procArgs(pid int) (exe string, argv []string) {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil || len(b) < 4 {
		return "", nil
	}
	argc := int(binary.LittleEndian.Uint32(b))
	b = b[4:]
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", nil
	}
	exe, b = string(b[:i]), bytes.TrimLeft(b[i:], "\x00")
	for range argc {
		arg, rest, ok := bytes.Cut(b, []byte{0})
		if !ok {
			break
		}
		argv, b = append(argv, string(arg)), rest
	}
	return exe, argv
}
