package live

import (
	"os"

	"golang.org/x/sys/unix"
)

// hostOSVersion is the distribution from /etc/os-release (or
// /usr/lib/os-release, where os-release(5) says to look next) and the
// kernel release from uname: no command runs (gopsutil ran
// /usr/bin/lsb_release, a shell script, after every check run).
func hostOSVersion() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		b, _ = os.ReadFile("/usr/lib/os-release")
	}
	var u unix.Utsname
	var kernel string
	if unix.Uname(&u) == nil {
		kernel = unix.ByteSliceToString(u.Release[:])
	}
	return linuxOSVersion(b, kernel)
}
