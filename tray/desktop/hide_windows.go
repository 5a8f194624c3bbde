package desktop

import (
	"os/exec"
	"syscall"
)

// createNoWindow keeps PowerShell's console from flashing up: the tray is a
// GUI program (-H=windowsgui) with no console to share.
const createNoWindow = 0x08000000

func hideConsole(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: createNoWindow}
}
