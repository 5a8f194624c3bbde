package live

import (
	"os"

	"golang.org/x/sys/unix"
	"howett.net/plist"
)

// hostOSVersion is macOS's version from SystemVersion.plist (what sw_vers
// prints, without running it) and the build patch levels are judged on
// (kern.osversion, "24B91"): "darwin 15.1.1 (build 24B91)".
func hostOSVersion() string {
	name := "darwin"
	if b, err := os.ReadFile("/System/Library/CoreServices/SystemVersion.plist"); err == nil {
		var v struct {
			ProductVersion string `plist:"ProductVersion"`
		}
		if _, err := plist.Unmarshal(b, &v); err == nil && v.ProductVersion != "" {
			name += " " + v.ProductVersion
		}
	}
	if build, err := unix.Sysctl("kern.osversion"); err == nil && build != "" {
		name += " (build " + build + ")"
	}
	return name
}
