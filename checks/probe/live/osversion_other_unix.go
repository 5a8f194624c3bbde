//go:build !linux && !windows

package live

import (
	"context"
	"time"

	"github.com/shirou/gopsutil/v4/host"
)

// hostOSVersion is the macOS (or BSD) name and version, as gopsutil reads
// them (sw_vers).
func hostOSVersion() string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	platform, _, version, err := host.PlatformInformationWithContext(ctx)
	if err != nil || platform == "" {
		return version
	}
	return platform + " " + version
}
