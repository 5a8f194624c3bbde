//go:build linux || darwin

package browsers

import (
	"path/filepath"
	"strings"
)

// fullName undoes the kernel's 15-byte cut of a process name (Linux comm,
// macOS p_comm): when the name fills the 15 bytes and the program's argv[0]
// is a longer name starting with it, that name (as gopsutil names them,
// and checks/probe/live's fullProcName).
func fullName(name, argv0 string) string {
	if len(name) < 15 || argv0 == "" {
		return name
	}
	if long := filepath.Base(argv0); strings.HasPrefix(long, name) {
		return long
	}
	return name
}
