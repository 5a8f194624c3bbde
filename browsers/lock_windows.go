//go:build windows

package browsers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/internal/winproc"
	"golang.org/x/sys/windows"
)

// pidAlive reports whether pid runs.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_ACCESS_DENIED)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	const stillActive = 259
	return code == stillActive
}

// fileLockHolder reports whether path is held open without sharing (Firefox
// .parentlock, Chromium lockfile); the holder's pid is not known.
func fileLockHolder(path string) (bool, int) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return false, 0
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION), 0
	}
	windows.CloseHandle(h)
	return false, 0
}

// terminate asks the process to close its windows with taskkill (without
// /F, so the browser quits normally and saves its state).
func terminate(ctx context.Context, pid int) error {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	taskkill := filepath.Join(root, "System32", "taskkill.exe")
	cmd := exec.CommandContext(ctx, taskkill, "/PID", strconv.Itoa(pid))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("taskkill /PID %d: %w (%s)", pid, err, out)
	}
	return nil
}

// lockHolder finds the browser process holding p's lock (the lock file
// does not name it): the browser processes' executable paths and command
// lines, matched by lockHolderIn.
func lockHolder(ctx context.Context, p Profile) int {
	ps, err := processes(ctx)
	if err != nil {
		return 0
	}
	var details []procDetail
	for _, pr := range ps {
		exe := strings.TrimSuffix(strings.ToLower(pr.name), ".exe")
		if !engineBinary(p.Engine, exe) {
			continue
		}
		if d, ok := processDetail(pr.pid); ok {
			details = append(details, d)
		}
	}
	return lockHolderIn(p, details)
}

// processDetail reads pid's executable path and command line (a process
// of the same user opens with limited query rights; Windows 8.1 and later
// give the command line that way).
func processDetail(pid int) (procDetail, bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return procDetail{}, false
	}
	defer windows.CloseHandle(h) //nolint:errcheck // a query handle
	image, cmdline := winproc.ImagePath(h), winproc.CommandLine(h)
	if image == "" || cmdline == "" {
		return procDetail{}, false
	}
	return procDetail{pid: pid, image: image, cmdline: cmdline}, true
}
