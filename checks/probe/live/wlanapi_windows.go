//go:build windows

package live

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/windows"
)

// Native Wifi (wlanapi.dll), loaded from System32 on first use: Windows
// Server without the Wireless LAN Service feature has no wlanapi.dll.
var (
	wlanapi                   = windows.NewLazySystemDLL("wlanapi.dll")
	procWlanOpenHandle        = wlanapi.NewProc("WlanOpenHandle")
	procWlanCloseHandle       = wlanapi.NewProc("WlanCloseHandle")
	procWlanEnumInterfaces    = wlanapi.NewProc("WlanEnumInterfaces")
	procWlanQueryInterface    = wlanapi.NewProc("WlanQueryInterface")
	procWlanGetNetworkBssList = wlanapi.NewProc("WlanGetNetworkBssList")
	procWlanFreeMemory        = wlanapi.NewProc("WlanFreeMemory")
	procWlanGetProfile        = wlanapi.NewProc("WlanGetProfile")
)

const (
	// wlanClientVersion 2: Windows Vista and later.
	wlanClientVersion = 2
	// wlanIntfOpcodeCurrentConnection is wlan_intf_opcode_current_connection
	// (WLAN_INTF_OPCODE: autoconf_start 0, autoconf_enabled,
	// background_scan_enabled, media_streaming_mode, radio_state,
	// bss_type, interface_state, current_connection = 7).
	wlanIntfOpcodeCurrentConnection = 7
	// errorServiceNotActive: the WLAN AutoConfig service is not running.
	errorServiceNotActive = windows.Errno(1062)
)

// WLANAssociations implements probe.WLANReader: for every connected Wi-Fi
// interface, the access point it is associated with and that access
// point's information elements from the interface's BSS list (what the
// WLAN service kept from its last beacon or probe response; nothing is
// scanned). A denial anywhere (Windows 11 24H2 gives programs without
// location permission ERROR_ACCESS_DENIED) fails the whole answer.
func (l *Live) WLANAssociations() ([]probe.WLANAssociation, error) {
	if err := wlanapi.Load(); err != nil {
		return nil, fmt.Errorf("wlanapi.dll: %w", probe.ErrNotFound)
	}
	var version uint32
	var h windows.Handle
	if err := wlanOpen(&version, &h); err != nil {
		return nil, err
	}
	defer wlanClose(h)
	var list *wlanInterfaceInfoList
	if err := wlanCall("WlanEnumInterfaces", procWlanEnumInterfaces, func() uintptr {
		r, _, _ := procWlanEnumInterfaces.Call(uintptr(h), 0, uintptr(unsafe.Pointer(&list)))
		return r
	}); err != nil {
		return nil, err
	}
	defer wlanFree(unsafe.Pointer(list))
	out := []probe.WLANAssociation{}
	for _, itf := range interfaceInfos(list) {
		if itf.State != wlanInterfaceStateConnected {
			continue
		}
		a, err := wlanAssociation(h, &itf.InterfaceGUID)
		if errors.Is(err, probe.ErrAccessDenied) {
			return nil, err
		}
		if err != nil {
			a.Error = err.Error()
		}
		out = append(out, a)
	}
	return out, nil
}

// wlanOpen opens a WLAN client handle (WlanOpenHandle).
func wlanOpen(version *uint32, h *windows.Handle) error {
	return wlanCall("WlanOpenHandle", procWlanOpenHandle, func() uintptr {
		r, _, _ := procWlanOpenHandle.Call(wlanClientVersion, 0, uintptr(unsafe.Pointer(version)), uintptr(unsafe.Pointer(h)))
		return r
	})
}

// wlanClose closes it (WlanCloseHandle); nothing is to be done about a
// handle that will not close.
func wlanClose(h windows.Handle) { _, _, _ = procWlanCloseHandle.Call(uintptr(h), 0) }

// wlanAssociation reads one connected interface's access point: its BSSID
// and security attributes from the current connection, its elements from the BSS list of its
// network (matched by BSSID).
func wlanAssociation(h windows.Handle, guid *[16]byte) (probe.WLANAssociation, error) {
	var size uint32
	var conn *wlanConnectionAttributes
	if err := wlanCall("WlanQueryInterface", procWlanQueryInterface, func() uintptr {
		r, _, _ := procWlanQueryInterface.Call(uintptr(h), uintptr(unsafe.Pointer(guid)),
			wlanIntfOpcodeCurrentConnection, 0, uintptr(unsafe.Pointer(&size)), uintptr(unsafe.Pointer(&conn)), 0)
		return r
	}); err != nil {
		return probe.WLANAssociation{}, err
	}
	defer wlanFree(unsafe.Pointer(conn))
	if uintptr(size) < unsafe.Sizeof(*conn) {
		return probe.WLANAssociation{}, fmt.Errorf("WlanQueryInterface: %d bytes of connection attributes, want %d", size, unsafe.Sizeof(*conn))
	}
	as := conn.Association
	sec := conn.Security
	a := probe.WLANAssociation{SSID: string(as.SSID.bytes()), BSSID: macString(as.BSSID),
		Security: &probe.WLANSecurity{Enabled: sec.SecurityEnabled != 0, OneX: sec.OneXEnabled != 0,
			Auth: sec.AuthAlgorithm, Cipher: sec.CipherAlgorithm}}
	if sec.OneXEnabled != 0 {
		a.ProfileXML, a.ProfileError = wlanProfileXML(h, guid, &conn.ProfileName)
	}
	// The BSS list of this network only, when it has a name; a hidden one
	// is found among all.
	var ssid *dot11SSID
	if as.SSID.Length > 0 {
		ssid = &as.SSID
	}
	var list *wlanBSSList
	if err := wlanCall("WlanGetNetworkBssList", procWlanGetNetworkBssList, func() uintptr {
		r, _, _ := procWlanGetNetworkBssList.Call(uintptr(h), uintptr(unsafe.Pointer(guid)),
			uintptr(unsafe.Pointer(ssid)), uintptr(as.BSSType), uintptr(conn.Security.SecurityEnabled), 0,
			uintptr(unsafe.Pointer(&list)))
		return r
	}); err != nil {
		return a, err
	}
	defer wlanFree(unsafe.Pointer(list))
	for i, e := range bssEntries(list) {
		if e.BSSID == as.BSSID {
			a.Listed, a.IEs = true, list.ies(i)
			break
		}
	}
	return a, nil
}

// wlanProfileXML reads the XML of the profile a connection uses
// (WlanGetProfile). pdwFlags is NULL, so WLAN_PROFILE_GET_PLAINTEXT_KEY
// is never asked for: a profile with a key gets it encrypted, and an
// 802.1X profile has none. Failure is returned as the reason ("" XML).
func wlanProfileXML(h windows.Handle, guid *[16]byte, name *[256]uint16) (xml, why string) {
	var p *uint16
	if err := wlanCall("WlanGetProfile", procWlanGetProfile, func() uintptr {
		r, _, _ := procWlanGetProfile.Call(uintptr(h), uintptr(unsafe.Pointer(guid)),
			uintptr(unsafe.Pointer(&name[0])), 0, uintptr(unsafe.Pointer(&p)), 0, 0)
		return r
	}); err != nil {
		return "", err.Error()
	}
	defer wlanFree(unsafe.Pointer(p))
	if p == nil {
		return "", "WlanGetProfile: no profile XML"
	}
	return windows.UTF16PtrToString(p), ""
}

// wlanCall calls a Native Wifi function through call, which returns its
// Win32 error code: ERROR_ACCESS_DENIED is probe.ErrAccessDenied, a
// stopped WLAN AutoConfig service probe.ErrNotFound (no Wi-Fi in use).
// call must make its pointers uintptrs inside its proc.Call expression:
// only there does Go keep what they point to where it is until the call
// returns (unsafe.Pointer's rule 4). A uintptr made by a caller and
// handed on can point into a stack Go has since moved, and the function
// then writes its answer where no variable is any more (a handle left 0:
// WlanEnumInterfaces "Invalid parameter" under Wine).
func wlanCall(name string, proc *windows.LazyProc, call func() uintptr) error {
	if err := proc.Find(); err != nil {
		return fmt.Errorf("wlanapi.dll has no %s: %w", name, probe.ErrNotFound)
	}
	r := call()
	switch errno := windows.Errno(r); {
	case r == 0:
		return nil
	case errno == windows.ERROR_ACCESS_DENIED:
		return fmt.Errorf("%s: %w (Windows location permission)", name, probe.ErrAccessDenied)
	case errno == errorServiceNotActive:
		return fmt.Errorf("%s: WLAN AutoConfig service not running: %w", name, probe.ErrNotFound)
	default:
		return fmt.Errorf("%s: %w", name, errno)
	}
}

// wlanFree releases memory wlanapi.dll allocated.
func wlanFree(p unsafe.Pointer) {
	if p != nil {
		_, _, _ = procWlanFreeMemory.Call(uintptr(p)) // WlanFreeMemory returns nothing
	}
}
