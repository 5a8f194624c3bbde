//go:build windows

package service

import "golang.org/x/sys/windows"

const (
	sudo            = ""
	notAdminMessage = "this needs an administrator; run it again from a terminal opened with \"Run as administrator\""
)

// isAdmin reports whether the process runs elevated.
func isAdmin() bool { return windows.GetCurrentProcessToken().IsElevated() }

func detectPlatform() (Platform, error) { return WindowsService, nil }
