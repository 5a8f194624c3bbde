//go:build race

package store

// raceDetector: the race detector's instrumentation allocates, so
// allocation counts are not asserted under it.
const raceDetector = true
