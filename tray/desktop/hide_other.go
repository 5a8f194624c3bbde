//go:build !windows

package desktop

import "os/exec"

func hideConsole(*exec.Cmd) {}
