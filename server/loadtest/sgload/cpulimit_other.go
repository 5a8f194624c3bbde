//go:build !linux

package main

import "errors"

// limitCPU needs Linux control groups.
func limitCPU(int, float64) (func(), error) {
	return nil, errors.New("-server-cpus needs Linux control groups")
}
