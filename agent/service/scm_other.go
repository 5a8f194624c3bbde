//go:build !windows

package service

// runUnderSCM is Windows only (see scm_windows.go).
func runUnderSCM(*program) (bool, error) { return false, nil }
