package live

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Parsing of what Linux's /proc and /etc/os-release hold. Untagged so it
// is tested on every OS; only procs_linux.go and osversion_linux.go read
// the files.

// parseProcStatus reads the Name and the real uid (the first of the Uid
// line) from /proc/PID/status. Name is the kernel's comm, cut to 15 bytes,
// with newline and backslash escaped as the kernel escapes them there.
func parseProcStatus(b []byte) (name string, uid uint32, ok bool) {
	var haveName, haveUID bool
	for len(b) > 0 && !(haveName && haveUID) {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if v, found := bytes.CutPrefix(line, []byte("Name:\t")); found {
			name, haveName = string(v), true
		} else if v, found := bytes.CutPrefix(line, []byte("Uid:\t")); found {
			if i := bytes.IndexByte(v, '\t'); i >= 0 {
				v = v[:i]
			}
			n, err := strconv.ParseUint(string(v), 10, 32)
			if err != nil {
				return "", 0, false
			}
			uid, haveUID = uint32(n), true
		}
	}
	return name, uid, haveName && haveUID
}

// commName is a process name as /proc/PID/comm holds it (one line), with
// newline and backslash escaped as status shows it.
func commName(b []byte) string {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	if bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	return escapeProcName(b)
}

// escapeProcName escapes a process name as the kernel does in
// /proc/PID/status (a newline as \n, a backslash doubled), so names read
// from comm and from status compare equal.
func escapeProcName(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + 4)
	for _, c := range b {
		switch c {
		case '\n':
			sb.WriteString(`\n`)
		case '\\':
			sb.WriteString(`\\`)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// splitCmdline splits /proc/PID/cmdline at its NULs, trailing NULs
// dropped (nil when empty: a kernel thread, a zombie).
func splitCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	out := make([]string, 0, bytes.Count(b, []byte{0})+1)
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return append(out, string(b))
		}
		out = append(out, string(b[:i]))
		b = b[i+1:]
	}
}

// fullProcName undoes the kernel's 15-byte cut of a process name: when
// the name fills the 15 bytes and the program's own argv[0] is a longer
// name starting with it, that name.
func fullProcName(name string, cmdline []string) string {
	if len(name) < 15 || len(cmdline) == 0 {
		return name
	}
	if long := filepath.Base(cmdline[0]); strings.HasPrefix(long, name) {
		return long
	}
	return name
}

// linuxOSVersion is host.os_version on Linux: the distribution as
// /etc/os-release names it (PRETTY_NAME, else NAME and VERSION_ID, else
// "Linux") and the kernel release: "Debian GNU/Linux 12 (bookworm),
// kernel 6.1.0-18-amd64".
func linuxOSVersion(osRelease []byte, kernel string) string {
	vals := probe.ParseOSRelease(osRelease)
	name := vals["PRETTY_NAME"]
	if name == "" {
		name = strings.TrimSpace(vals["NAME"] + " " + vals["VERSION_ID"])
	}
	if name == "" {
		name = "Linux"
	}
	if kernel = strings.TrimSpace(kernel); kernel != "" {
		name += ", kernel " + kernel
	}
	return name
}
