//go:build !unix

package storetest

import "time"

// CPUTime is not measured on this system; benchmarks then report zero CPU.
func CPUTime() time.Duration { return 0 }
