//go:build windows

package service

import (
	"strings"
	"unsafe"

	kservice "github.com/kardianos/service"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// runUnderSCM runs p as a service when the Service Control Manager started
// this process but kardianos took it for interactive. kardianos (through
// svc.IsWindowsService) wants the parent to be services.exe in session 0;
// Wine runs services.exe in the user's session, so under Wine the agent
// never answered the SCM and "agent start" and the MSI's StartServices
// timed out. services.exe starts nothing but services, so it being the
// parent is enough. On Windows kardianos sees the service and this is not
// reached. It reports whether it ran.
func runUnderSCM(p *program) (bool, error) {
	if !kservice.Interactive() || !parentIsServices() {
		return false, nil
	}
	return true, svc.Run(Name, scmHandler{p})
}

// scmHandler is kardianos's Execute loop for p: Start, report running,
// Stop on the SCM's stop or shutdown.
type scmHandler struct{ p *program }

func (h scmHandler) Execute(_ []string, requests <-chan svc.ChangeRequest, changes chan<- svc.Status) (bool, uint32) {
	changes <- svc.Status{State: svc.StartPending}
	if err := h.p.Start(nil); err != nil {
		return true, 1
	}
	changes <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for r := range requests {
		switch r.Cmd {
		case svc.Interrogate:
			changes <- r.CurrentStatus
		case svc.Stop, svc.Shutdown:
			changes <- svc.Status{State: svc.StopPending}
			if err := h.p.Stop(nil); err != nil {
				return true, 2
			}
			return false, 0
		}
	}
	return false, 0
}

// parentIsServices reports whether this process's parent is services.exe.
func parentIsServices() bool {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return false
	}
	defer windows.CloseHandle(snap) //nolint:errcheck // read only
	self := windows.GetCurrentProcessId()
	names := map[uint32]string{}
	var parent uint32
	e := windows.ProcessEntry32{Size: uint32(unsafe.Sizeof(windows.ProcessEntry32{}))}
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		names[e.ProcessID] = windows.UTF16ToString(e.ExeFile[:])
		if e.ProcessID == self {
			parent = e.ParentProcessID
		}
	}
	return parent != 0 && strings.EqualFold(names[parent], "services.exe")
}
