//go:build !race

package store

// raceDetector: see race_internal_test.go.
const raceDetector = false
