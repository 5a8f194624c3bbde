package live

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/internal/winproc"
	"golang.org/x/sys/windows"
)

// listProcesses reads the process table from a Toolhelp snapshot (each
// process's id and executable file name), then, per process it may open
// (PROCESS_QUERY_LIMITED_INFORMATION), its image path, its command line
// (NtQueryInformationProcess, ProcessCommandLineInformation) and its
// owner ("DOMAIN\user", each SID looked up once per call). What a process
// does not let the agent read stays empty; one that exited meanwhile
// keeps its name.
func listProcesses() ([]probe.Process, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	defer windows.CloseHandle(snap) //nolint:errcheck // a read-only snapshot
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	var out []probe.Process
	users := map[string]string{}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		p := probe.Process{PID: int32(e.ProcessID), Name: windows.UTF16ToString(e.ExeFile[:])}
		if e.ProcessID != 0 {
			readProcess(&p, users)
		}
		out = append(out, p)
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	return out, nil
}

// readProcess fills what the process lets a limited query read.
func readProcess(p *probe.Process, users map[string]string) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.PID))
	if err != nil {
		return
	}
	defer windows.CloseHandle(h) //nolint:errcheck // a query handle
	p.Exe = winproc.ImagePath(h)
	p.Cmdline = commandLine(h)
	if p.Cmdline == nil {
		p.Cmdline = commandLineFromPEB(uint32(p.PID))
	}
	p.User = owner(h, users)
}

// commandLine is the process's command line from the kernel
// (winproc.CommandLine), split as the C runtime does; nil when the kernel
// does not answer or the line does not split.
func commandLine(h windows.Handle) []string {
	line := winproc.CommandLine(h)
	if line == "" {
		return nil
	}
	args, err := windows.DecomposeCommandLine(line)
	if err != nil {
		return nil
	}
	return args
}

// commandLineFromPEB reads the command line from the process's own memory
// (its PEB's process parameters), where the kernel does not answer
// ProcessCommandLineInformation (before Windows 8.1, and Wine). It needs
// PROCESS_VM_READ, which the agent, as SYSTEM, has on all but protected
// processes.
func commandLineFromPEB(pid uint32) []string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_INFORMATION|windows.PROCESS_VM_READ, false, pid)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(h) //nolint:errcheck // a query handle
	var info windows.PROCESS_BASIC_INFORMATION
	if windows.NtQueryInformationProcess(h, windows.ProcessBasicInformation, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info)), nil) != nil || info.PebBaseAddress == nil {
		return nil
	}
	var peb windows.PEB
	if !readMemory(h, uintptr(unsafe.Pointer(info.PebBaseAddress)), unsafe.Pointer(&peb), unsafe.Sizeof(peb)) || peb.ProcessParameters == nil {
		return nil
	}
	var params windows.RTL_USER_PROCESS_PARAMETERS
	if !readMemory(h, uintptr(unsafe.Pointer(peb.ProcessParameters)), unsafe.Pointer(&params), unsafe.Sizeof(params)) {
		return nil
	}
	n := int(params.CommandLine.Length / 2)
	if params.CommandLine.Buffer == nil || n == 0 || n > 1<<15 {
		return nil
	}
	line := make([]uint16, n)
	if !readMemory(h, uintptr(unsafe.Pointer(params.CommandLine.Buffer)), unsafe.Pointer(&line[0]), uintptr(2*n)) {
		return nil
	}
	args, err := windows.DecomposeCommandLine(windows.UTF16ToString(line))
	if err != nil {
		return nil
	}
	return args
}

// readMemory copies size bytes at addr in the process into to.
func readMemory(h windows.Handle, addr uintptr, to unsafe.Pointer, size uintptr) bool {
	var n uintptr
	return windows.ReadProcessMemory(h, addr, (*byte)(to), size, &n) == nil && n == size
}

// owner is the process's account as DOMAIN\user, each SID looked up once.
func owner(h windows.Handle, users map[string]string) string {
	var tok windows.Token
	if windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok) != nil {
		return ""
	}
	defer tok.Close() //nolint:errcheck // a query handle
	tu, err := tok.GetTokenUser()
	if err != nil {
		return ""
	}
	sid := tu.User.Sid.String()
	if name, ok := users[sid]; ok {
		return name
	}
	name := ""
	if account, domain, _, err := tu.User.Sid.LookupAccount(""); err == nil {
		name = account
		if domain != "" {
			name = domain + `\` + account
		}
	}
	users[sid] = name
	return name
}
