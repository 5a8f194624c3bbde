//go:build !windows && !darwin

package reuseport

// shareWithOtherUsers has nothing to set: Linux lets sockets of different
// users share a port when all of them set SO_REUSEADDR.
func shareWithOtherUsers(int) error { return nil }
