package probe

import (
	"errors"
	"fmt"
	"testing"

	ole "github.com/go-ole/go-ole"
)

// The live probe finds codes in go-ole's errors by their methods; these
// fail to compile if go-ole's types lose them.
var (
	_ interface {
		Code() uintptr
		SubError() error
	} = (*ole.OleError)(nil)
	_ interface{ SCODE() uint32 } = ole.EXCEPINFO{}
)

// oleError and excepInfo have the method sets of go-ole's *OleError and
// EXCEPINFO, with the text Windows gives them (go-ole's own text comes from
// FormatMessage, which only Windows has).
type oleError struct {
	hr  uintptr
	msg string
	sub error
}

func (e *oleError) Error() string   { return e.msg }
func (e *oleError) Code() uintptr   { return e.hr }
func (e *oleError) SubError() error { return e.sub }
func (e excepInfo) Error() string   { return e.description }
func (e excepInfo) SCODE() uint32   { return e.scode }

type excepInfo struct {
	source, description string
	scode               uint32
}

// dispException is what go-ole's IDispatch.Invoke returns for a WMI call
// that failed: DISP_E_EXCEPTION ("Exception occurred.") with the SWbem
// description in brackets and the WMI code in the EXCEPINFO.
func dispException(source, description string, scode uint32) error {
	return &oleError{hr: 0x80020009, msg: "Exception occurred. (" + description + ")",
		sub: excepInfo{source: source, description: description, scode: scode}}
}

func TestHRESULTOf(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     string // ErrorKind of ReadableCOMError(err); "" = not a COM error
		sentinel error
	}{
		// Through the error chain, as the live probe meets them.
		{"invalid class", dispException("SWbemServicesEx", "Invalid class ", 0x80041010), "0x80041010: the WMI class is missing", ErrNotFound},
		{"invalid namespace", dispException("SWbemLocator", "Invalid namespace ", 0x8004100E), "0x8004100E: the WMI namespace is missing", ErrNotFound},
		{"wbem access denied", dispException("SWbemServicesEx", "Access denied ", 0x80041003), "0x80041003: access to WMI was denied", ErrAccessDenied},
		{"connect access denied", dispException("SWbemLocator", "Access is denied. ", 0x80070005), "0x80070005: access is denied", ErrAccessDenied},
		{"provider load failure", dispException("SWbemServicesEx", "Provider load failure ", 0x80041013), "0x80041013: the WMI provider could not be loaded (restarting the Windows Management Instrumentation service, or the computer, may help)", nil},
		{"initialisation failure", dispException("SWbemServicesEx", "Initialization failure ", 0x80041014), "0x80041014: the WMI provider failed to initialise (restarting the Windows Management Instrumentation service, or the computer, may help)", nil},
		{"generic failure", dispException("SWbemObjectSet", "Generic failure ", 0x80041001), "0x80041001: WMI reported a generic failure", nil},
		{"out of memory", dispException("SWbemObjectSet", "Out of memory ", 0x80041006), "0x80041006: WMI ran out of memory", nil},
		{"invalid parameter", dispException("SWbemServicesEx", "Invalid parameter ", 0x80041008), "0x80041008: WMI rejected a parameter as invalid", nil},
		{"illegal operation", dispException("SWbemServicesEx", "Illegal operation ", 0x8004101E), "0x8004101E: WMI refused the request as an illegal operation", nil},
		{"rpc server unavailable", &oleError{hr: 0x800706BA, msg: "The RPC server is unavailable."}, "0x800706BA: the RPC server is unavailable (the Windows Management Instrumentation service may be stopped)", nil},
		{"changed mode from CoInitializeEx", fmt.Errorf("wmi root/cimv2 Win32_Service: initialising COM: %w", &oleError{hr: 0x80010106, msg: "Cannot change thread mode after it is set."}), "0x80010106: COM was already set up in another mode on this thread", nil},
		{"not initialised", &oleError{hr: 0x800401F0, msg: "CoInitialize has not been called."}, "0x800401F0: COM was not initialised on this thread", nil},
		{"exception without a scode", &oleError{hr: 0x80020009, msg: "Exception occurred. (Invalid class )", sub: excepInfo{source: "SWbemServicesEx", description: "Invalid class "}}, "0x80041010: the WMI class is missing", ErrNotFound},
		{"exception nothing names", &oleError{hr: 0x80020009, msg: "Exception occurred. (Something new )", sub: excepInfo{source: "SWbemServicesEx", description: "Something new "}}, "0x80020009: a COM call raised an exception", nil},
		{"wrapped twice", fmt.Errorf("wmi ROOT/SecurityCenter2 AntiVirusProduct: %w", fmt.Errorf("query: %w", dispException("SWbemServicesEx", "Invalid namespace ", 0x8004100E))), "0x8004100E: the WMI namespace is missing", ErrNotFound},
		{"unknown WMI code", dispException("SWbemServicesEx", "Quota violation ", 0x8004106C), "0x8004106C: WMI reported an error", nil},
		{"Wine's wbemdisp stub", &oleError{hr: 0x80004001, msg: "Not implemented"}, "0x80004001: this part of WMI or COM is not implemented on this system", nil},
		{"nil server name under Wine", &oleError{hr: 0x80020005, msg: "Type mismatch."}, "0x80020005: a COM call was given an argument of the wrong type", nil},
		{"unspecified", &oleError{hr: 0x80004005, msg: "Unspecified error"}, "0x80004005: COM reported an unspecified failure", nil},
		{"unknown Win32 code", &oleError{hr: 0x80070002, msg: "The system cannot find the file specified."}, "0x80070002: Windows reported error 2", nil},

		// From the message text alone.
		{"go-ole text, StackExchange/wmi", errors.New("Exception occurred. (Invalid class )"), "0x80041010: the WMI class is missing", ErrNotFound},
		{"go-ole text, provider", errors.New("wmi root/cimv2 Win32_Tpm: Exception occurred. (Provider load failure )"), "0x80041013: the WMI provider could not be loaded (restarting the Windows Management Instrumentation service, or the computer, may help)", nil},
		{"FormatMessage could not name it (amd64)", errors.New("error 2147749904 (FormatMessage failed with: The system cannot find message text for message number 0x%1 in the message file for %2.)"), "0x80041010: the WMI class is missing", ErrNotFound},
		{"FormatMessage could not name it (386)", errors.New("error -2147217390 (FormatMessage failed with: The system cannot find message text for message number 0x%1 in the message file for %2.)"), "0x80041012: WMI reported an error", nil},
		{"pywin32 OLE error", errors.New("OLE error 0x80041002"), "0x80041002: WMI found no such object", ErrNotFound},
		{"signed decimal com_error", errors.New("(-2147217392, 'OLE error 0x80041010', None, None)"), "0x80041010: the WMI class is missing", ErrNotFound},
		{"WBEMSTATUS name and decimal", errors.New("WBEM_E_ACCESS_DENIED (2147749891)"), "0x80041003: access to WMI was denied", ErrAccessDenied},
		{".NET HRESULT text", errors.New("Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))"), "0x80070005: access is denied", ErrAccessDenied},
		{"wmi-rs", errors.New("HRESULT Call failed with: 0x80010119"), "0x80010119: COM reported an error", nil},
		{"RPC text alone", errors.New("Get-WmiObject : The RPC server is unavailable."), "0x800706BA: the RPC server is unavailable (the Windows Management Instrumentation service may be stopped)", nil},

		// Not COM errors: left as they are.
		{"sentinel", fmt.Errorf("registry HKLM\\X\\Y: %w", ErrNotFound), "", nil},
		{"access denied sentinel", fmt.Errorf("listing C:\\Program Files\\WindowsApps: %w", ErrAccessDenied), "", nil},
		{"bare WMI-like words", errors.New("reading /proc/meminfo: out of memory"), "", nil},
		{"exit status", errors.New("exit status 1"), "", nil},
		{"not implemented text alone", errors.New("mdns: not implemented"), "", nil},
		{"small numbers", errors.New("pid 2147 exited 1073741819"), "", nil},
		{"not a failure code", errors.New("flags 0x00041010"), "", nil},
		{"nil", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := HRESULTOf(tt.err)
			if (tt.want != "") != ok {
				t.Fatalf("HRESULTOf(%v) = %v, %v", tt.err, h, ok)
			}
			r := ReadableCOMError(tt.err)
			if tt.want == "" {
				if r != tt.err {
					t.Errorf("ReadableCOMError changed a non-COM error: %v", r)
				}
				return
			}
			if got := ErrorKind(r); got != tt.want {
				t.Errorf("ErrorKind = %q\n                want %q", got, tt.want)
			}
			if got := h.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
			for _, s := range []error{ErrNotFound, ErrAccessDenied} {
				if errors.Is(r, s) != (s == tt.sentinel) {
					t.Errorf("errors.Is(%v) = %v", s, errors.Is(r, s))
				}
			}
			if !errors.Is(r, tt.err) {
				t.Error("the original error is not in the chain")
			}
			if ReadableCOMError(r) != r {
				t.Error("not idempotent")
			}
			wrapped := fmt.Errorf("wmi root/cimv2 Win32_Service: %w", r)
			if got := ErrorKind(wrapped); got != tt.want {
				t.Errorf("ErrorKind(wrapped) = %q", got)
			}
		})
	}
}

// Real go-ole errors, built on this system (errstr is empty off Windows):
// the code comes from Code() alone.
func TestHRESULTOfGoOLE(t *testing.T) {
	for _, tc := range []struct {
		hr   uintptr
		want HRESULT
	}{{0x80041003, 0x80041003}, {0x80010106, 0x80010106}} {
		err := fmt.Errorf("wmi: %w", ole.NewError(tc.hr))
		if h, ok := HRESULTOf(err); !ok || h != tc.want {
			t.Errorf("HRESULTOf(ole.NewError(%#x)) = %v, %v", tc.hr, h, ok)
		}
	}
	if _, ok := HRESULTOf(ole.NewError(0)); ok {
		t.Error("S_OK is not an error code")
	}
}
