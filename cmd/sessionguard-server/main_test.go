package main

import "testing"

// TestProcs: one P more than the CPUs, unless GOMAXPROCS was given or the
// runtime chose fewer (a CPU limit).
func TestProcs(t *testing.T) {
	for _, c := range []struct {
		given         bool
		current, cpus int
		want          int
		change        bool
	}{
		{false, 2, 2, 3, true},
		{false, 8, 8, 9, true},
		{true, 2, 2, 2, false},  // GOMAXPROCS given: as given
		{true, 5, 2, 5, false},  // given above the CPUs too
		{false, 1, 4, 1, false}, // a CPU limit of 1 on 4 CPUs
	} {
		if n, change := procs(c.given, c.current, c.cpus); n != c.want || change != c.change {
			t.Errorf("procs(%v, %d, %d) = %d, %v; want %d, %v", c.given, c.current, c.cpus, n, change, c.want, c.change)
		}
	}
}
