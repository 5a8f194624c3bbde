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
	"unsafe"

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
// of the same user opens with limited query rights; Windows ≥ 8.1 gives
// the command line that way).
func processDetail(pid int) (procDetail, bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return procDetail{}, false
	}
	defer windows.CloseHandle(h)
	name := make([]uint16, windows.MAX_LONG_PATH)
	size := uint32(len(name))
	if err := windows.QueryFullProcessImageName(h, 0, &name[0], &size); err != nil {
		return procDetail{}, false
	}
	cmdline, err := processCommandLine(h)
	if err != nil {
		return procDetail{}, false
	}
	return procDetail{pid: pid, image: windows.UTF16ToString(name[:size]), cmdline: cmdline}, true
}

// processCommandLine asks for the command line of the process h
// (ProcessCommandLineInformation: a UNICODE_STRING and its text).
func processCommandLine(h windows.Handle) (string, error) {
	buf := make([]uint64, 512)
	for {
		var need uint32
		err := windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, unsafe.Pointer(&buf[0]), uint32(len(buf)*8), &need)
		if err == nil {
			return (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0])).String(), nil
		}
		if int(need) <= len(buf)*8 || need > 1<<20 {
			return "", fmt.Errorf("reading the command line: %w", err)
		}
		buf = make([]uint64, (need+7)/8)
	}
}
