package storetest

import (
	"os"
	"runtime/pprof"
	"testing"
)

// ProfileCPU starts a CPU profile into the file SG_BENCH_CPUPROFILE names
// (nothing when unset) and stops it when b ends: call it after a
// benchmark's set-up, so the profile shows the measured work alone, not
// the seeding that -cpuprofile would mix in.
func ProfileCPU(b *testing.B) {
	path := os.Getenv("SG_BENCH_CPUPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() { pprof.StopCPUProfile(); f.Close() })
}
