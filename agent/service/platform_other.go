//go:build !linux && !darwin && !windows

package service

func detectPlatform() (Platform, error) { return "", ErrNoServiceManager }
