//go:build windows

package live

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	ole "github.com/go-ole/go-ole"
	"github.com/go-ole/go-ole/oleutil"
	"github.com/sessionguard/sessionguard/checks/probe"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// liveOS holds what differs between operating systems in the live probe.
type liveOS struct {
	system, programFiles string
}

func newLiveOS() liveOS {
	l := liveOS{system: `C:\Windows\System32`, programFiles: `C:\Program Files`}
	if dir, err := windows.GetSystemDirectory(); err == nil && dir != "" {
		l.system = dir
	}
	if dir, err := windows.KnownFolderPath(windows.FOLDERID_ProgramFiles, 0); err == nil && dir != "" {
		l.programFiles = dir
	}
	return l
}

func (l liveOS) expand(p string) string { return expandWindowsPath(p, l.system, l.programFiles) }

// env gives commands only what Windows tools need to start.
func (l liveOS) env() []string {
	root := strings.TrimSuffix(strings.TrimRight(l.system, `\`), `\System32`)
	return []string{"SystemRoot=" + root, "WINDIR=" + root, "PATH=" + l.system}
}

func (liveOS) prepare(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: windows.CREATE_NO_WINDOW}
}

var hives = map[string]registry.Key{
	"HKLM": registry.LOCAL_MACHINE,
	"HKCU": registry.CURRENT_USER,
	"HKU":  registry.USERS,
	"HKCR": registry.CLASSES_ROOT,
}

// splitKey is a key's hive and its path below the hive.
func splitKey(key string) (registry.Key, string, error) {
	key = strings.ReplaceAll(key, "/", `\`)
	hiveName, path, _ := strings.Cut(key, `\`)
	hiveName = probe.ShortHive(hiveName)
	hive, ok := hives[strings.ToUpper(hiveName)]
	if !ok {
		return 0, "", fmt.Errorf("registry %s: unknown hive %q", key, hiveName)
	}
	return hive, path, nil
}

func (liveOS) registry(key, value string) (any, error) {
	hive, path, err := splitKey(key)
	if err != nil {
		return nil, err
	}
	k, err := registry.OpenKey(hive, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return nil, registryError(key, value, err)
	}
	defer k.Close()
	return readValue(k, key, value)
}

// errValueType: a value of a type the probe does not read (binary, none).
var errValueType = errors.New("value type is not read")

// readValue reads one value of an open key as a string, uint64 or
// []string.
func readValue(k registry.Key, key, value string) (any, error) {
	_, typ, err := k.GetValue(value, nil)
	if err != nil {
		return nil, registryError(key, value, err)
	}
	switch typ {
	case registry.SZ, registry.EXPAND_SZ:
		s, _, err := k.GetStringValue(value)
		if err != nil {
			return nil, registryError(key, value, err)
		}
		return s, nil
	case registry.DWORD, registry.QWORD:
		n, _, err := k.GetIntegerValue(value)
		if err != nil {
			return nil, registryError(key, value, err)
		}
		return n, nil
	case registry.MULTI_SZ:
		s, _, err := k.GetStringsValue(value)
		if err != nil {
			return nil, registryError(key, value, err)
		}
		return s, nil
	default:
		return nil, fmt.Errorf("registry %s\\%s: type %d: %w", key, value, typ, errValueType)
	}
}

// registryValues lists a key's values and reads each. A value removed
// between the listing and its reading is left out, as are values of types
// not read; any other failure fails the whole listing, so a caller never
// judges on part of a key, and says so without the value's name.
func (liveOS) registryValues(key string) (map[string]any, error) {
	hive, path, err := splitKey(key)
	if err != nil {
		return nil, err
	}
	k, err := registry.OpenKey(hive, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return nil, registryKeyError(key, err)
	}
	defer k.Close()
	names, err := k.ReadValueNames(-1)
	if err != nil {
		return nil, registryKeyError(key, err)
	}
	out := make(map[string]any, len(names))
	for _, name := range names {
		v, err := readValue(k, key, name)
		switch {
		case err == nil:
			out[name] = v
		case errors.Is(err, errValueType), errors.Is(err, probe.ErrNotFound):
		case errors.Is(err, probe.ErrAccessDenied):
			// Not named: a value's name may be a path under a person's
			// folder (a firewall rule's id), and errors reach the facts.
			return nil, fmt.Errorf("registry key %s: one of its values: %w", key, probe.ErrAccessDenied)
		default:
			return nil, fmt.Errorf("registry key %s: one of its values could not be read", key)
		}
	}
	return out, nil
}

// registryKeyExists opens the key for reading its values (the least a
// reader asks): opened, it exists; "file not found" is the one answer that
// means absent. Access denied means it exists but may not be read, so it
// stays an error, as does anything else.
func (liveOS) registryKeyExists(key string) (bool, error) {
	hive, path, err := splitKey(key)
	if err != nil {
		return false, err
	}
	k, err := registry.OpenKey(hive, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err == nil {
		k.Close()
		return true, nil
	}
	if err = registryKeyError(key, err); errors.Is(err, probe.ErrNotFound) {
		return false, nil
	}
	return false, err
}

// registryKeyError words a failure to open or list a key: ErrNotFound
// when it is absent, ErrAccessDenied when it may not be read.
func registryKeyError(key string, err error) error {
	switch {
	case errors.Is(err, registry.ErrNotExist), errors.Is(err, windows.ERROR_FILE_NOT_FOUND):
		return fmt.Errorf("registry key %s: %w", key, probe.ErrNotFound)
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return fmt.Errorf("registry key %s: %w", key, probe.ErrAccessDenied)
	}
	return fmt.Errorf("registry key %s: %w", key, err)
}

func registryError(key, value string, err error) error {
	switch {
	case errors.Is(err, registry.ErrNotExist), errors.Is(err, windows.ERROR_FILE_NOT_FOUND):
		return fmt.Errorf("registry %s\\%s: %w", key, value, probe.ErrNotFound)
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return fmt.Errorf("registry %s\\%s: %w", key, value, probe.ErrAccessDenied)
	default:
		return fmt.Errorf("registry %s\\%s: %w", key, value, err)
	}
}

func (liveOS) wmi(namespace, class string) (rows []map[string]any, err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := ole.CoInitializeEx(0, ole.COINIT_MULTITHREADED); err != nil {
		var oleErr *ole.OleError
		// S_FALSE: COM was already initialised on this thread.
		if !errors.As(err, &oleErr) || oleErr.Code() != 1 {
			return nil, fmt.Errorf("wmi %s %s: initialising COM: %w", namespace, class, probe.ReadableCOMError(err))
		}
	}
	defer ole.CoUninitialize()
	defer func() {
		if err != nil {
			err = wmiError(namespace, class, err)
		}
	}()
	unknown, err := oleutil.CreateObject("WbemScripting.SWbemLocator")
	if err != nil {
		return nil, err
	}
	defer unknown.Release()
	locator, err := unknown.QueryInterface(ole.IID_IDispatch)
	if err != nil {
		return nil, err
	}
	defer locator.Release()
	// "." is the local computer, said explicitly: Windows also takes an
	// empty server, Wine's wbemprox does not (it fails the call).
	serviceRaw, err := oleutil.CallMethod(locator, "ConnectServer", ".", strings.ReplaceAll(namespace, "/", `\`))
	if err != nil {
		return nil, err
	}
	defer serviceRaw.Clear()
	service := serviceRaw.ToIDispatch()
	if !probe.ValidWMIClass(class) {
		return nil, fmt.Errorf("%q is not a WMI class name", class)
	}
	resultRaw, err := oleutil.CallMethod(service, "ExecQuery", probe.WMIQuery(class))
	if err != nil {
		return nil, err
	}
	defer resultRaw.Clear()
	result := resultRaw.ToIDispatch()
	rows = []map[string]any{}
	err = oleutil.ForEach(result, func(v *ole.VARIANT) error {
		item := v.ToIDispatch()
		propsRaw, err := oleutil.GetProperty(item, "Properties_")
		if err != nil {
			return err
		}
		defer propsRaw.Clear()
		row := map[string]any{}
		err = oleutil.ForEach(propsRaw.ToIDispatch(), func(pv *ole.VARIANT) error {
			prop := pv.ToIDispatch()
			name, err := oleutil.GetProperty(prop, "Name")
			if err != nil {
				return err
			}
			defer name.Clear()
			val, err := oleutil.GetProperty(prop, "Value")
			if err != nil {
				return err
			}
			defer val.Clear()
			row[name.ToString()] = variantValue(val)
			return nil
		})
		rows = append(rows, row)
		return err
	})
	return rows, err
}

func variantValue(v *ole.VARIANT) any {
	if v.VT&ole.VT_ARRAY != 0 {
		arr := v.ToArray()
		if arr == nil {
			return nil
		}
		vals := arr.ToValueArray()
		out := make([]any, len(vals))
		for i, e := range vals {
			out[i] = scalar(e)
		}
		return out
	}
	return scalar(v.Value())
}

func scalar(v any) any {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x
	case float32:
		return float64(x)
	default:
		if n, ok := probe.AsInt(v); ok {
			return n
		}
		return fmt.Sprint(v)
	}
}

// wmiError tells a COM/WMI error as a sentence with its HRESULT (see
// HRESULTOf: go-ole's *OleError carries DISP_E_EXCEPTION and the EXCEPINFO
// whose SCODE is the WMI code), which also stands for ErrNotFound (missing
// class, namespace or object) or ErrAccessDenied where one applies.
func wmiError(namespace, class string, err error) error {
	return fmt.Errorf("wmi %s %s: %w", namespace, class, probe.ReadableCOMError(err))
}

var procGetOEMCP = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetOEMCP")

func (liveOS) oemCodePage() int {
	cp, _, _ := procGetOEMCP.Call()
	return int(cp)
}

// osVersion is host.os_version from HKLM\SOFTWARE\Microsoft\Windows
// NT\CurrentVersion (see WindowsVersion): the product name, the display
// version and build.UBR — what a practitioner's Settings > About shows.
func (liveOS) osVersion() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows NT\CurrentVersion`, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return ""
	}
	defer k.Close()
	str := func(name string) string {
		s, _, _ := k.GetStringValue(name)
		return s
	}
	v := probe.WindowsVersion{ProductName: str("ProductName"), DisplayVersion: str("DisplayVersion"), CurrentBuild: str("CurrentBuild")}
	if v.DisplayVersion == "" {
		v.DisplayVersion = str("ReleaseId") // Windows 10 before 20H2
	}
	if v.CurrentBuild == "" {
		v.CurrentBuild = str("CurrentBuildNumber")
	}
	if ubr, _, err := k.GetIntegerValue("UBR"); err == nil {
		v.UBR, v.HasUBR = ubr, true
	}
	return v.String()
}
