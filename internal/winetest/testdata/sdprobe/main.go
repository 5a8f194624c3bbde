//go:build windows

// sdprobe is a test-only helper run under Wine by internal/winetest: it
// prints the DACL of a file or directory ("sdprobe file PATH") or of a named
// pipe ("sdprobe pipe NAME") as SDDL, read back through the Win32 API, so the
// test sees the ACL the agent applied rather than what it meant to apply.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: sdprobe file|pipe NAME")
		os.Exit(2)
	}
	sd, err := read(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdprobe:", err)
		os.Exit(1)
	}
	fmt.Println(sd.String())
}

func read(kind, name string) (*windows.SECURITY_DESCRIPTOR, error) {
	const info = windows.DACL_SECURITY_INFORMATION
	switch kind {
	case "file":
		return windows.GetNamedSecurityInfo(name, windows.SE_FILE_OBJECT, info)
	case "pipe":
		p, err := windows.UTF16PtrFromString(name)
		if err != nil {
			return nil, err
		}
		h, err := windows.CreateFile(p, windows.READ_CONTROL, 0, nil, windows.OPEN_EXISTING, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", name, err)
		}
		defer windows.CloseHandle(h) //nolint:errcheck // read only
		return windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, info)
	}
	return nil, fmt.Errorf("unknown kind %q", kind)
}
