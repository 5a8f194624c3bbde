//go:build darwin

package service

func detectPlatform() (Platform, error) { return Launchd, nil }
