package winproc

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// ImagePath is the full path of the process's executable, or "" when the
// process does not let it be read.
func ImagePath(h windows.Handle) string {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if windows.QueryFullProcessImageName(h, 0, &buf[0], &n) != nil {
		return ""
	}
	return windows.UTF16ToString(buf[:n])
}

// CommandLine asks the kernel for the process's command line as one
// string (NtQueryInformationProcess, ProcessCommandLineInformation:
// Windows 8.1 and later; a UNICODE_STRING and its text in one buffer,
// grown to the size the call reports, at most 1 MiB). "" when it does not
// answer (older Windows, Wine) or the line is empty.
func CommandLine(h windows.Handle) string {
	var need uint32
	buf := make([]byte, 512)
	for range 3 {
		err := windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, unsafe.Pointer(&buf[0]), uint32(len(buf)), &need)
		if err == nil {
			break
		}
		if !errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH) && !errors.Is(err, windows.STATUS_BUFFER_TOO_SMALL) && !errors.Is(err, windows.STATUS_BUFFER_OVERFLOW) || need <= uint32(len(buf)) || need > 1<<20 {
			return ""
		}
		buf = make([]byte, need)
	}
	us := (*windows.NTUnicodeString)(unsafe.Pointer(&buf[0]))
	if us.Buffer == nil || us.Length == 0 {
		return ""
	}
	return windows.UTF16ToString(unsafe.Slice(us.Buffer, us.Length/2))
}
