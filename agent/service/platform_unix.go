//go:build !windows

package service

import "os"

const (
	sudo            = "sudo "
	notAdminMessage = "this needs root; run it again with sudo"
)

// isAdmin reports whether the process runs as root.
func isAdmin() bool { return os.Geteuid() == 0 }
