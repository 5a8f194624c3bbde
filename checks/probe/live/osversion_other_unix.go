//go:build !linux && !windows

package live

import (
	"context"
	"time"

	"github.com/shirou/gopsutil/v4/host"
	"golang.org/x/sys/unix"
)

// hostOSVersion is the macOS (or BSD) name and version, as gopsutil reads
// them (sw_vers), and the build patch levels are judged on (macOS's
// kern.osversion, "24B91"): "darwin 15.1.1 (build 24B91)".
func hostOSVersion() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	platform, _, version, err := host.PlatformInformationWithContext(ctx)
	name := version
	if err == nil && platform != "" {
		name = platform + " " + version
	}
	if build, err := unix.Sysctl("kern.osversion"); err == nil && build != "" {
		name += " (build " + build + ")"
	}
	return name
}
