//go:build !windows

package service

// earlyExit is nil where kardianos's RunWait notices run's return (see
// program.wait) and Run returns the error.
var earlyExit func(error)
