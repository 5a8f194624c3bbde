package probe

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// HRESULT is a Windows COM or WMI status code (0x80041010 WBEM_E_INVALID_CLASS,
// 0x80070005 E_ACCESSDENIED, …). This file is OS-independent, so the
// translation is tested on every system; the live Windows probe uses it to
// turn COM/WMI errors into a sentence instead of FormatMessage text such as
// "Exception occurred. (Invalid class )" or "error 2147749904 (FormatMessage
// failed with: …)".
type HRESULT uint32

// The codes the live probe meets, with the sentence a person reads and the
// probe sentinel each stands for where there is one.
const (
	hrWBEMFailed           HRESULT = 0x80041001 // WBEM_E_FAILED
	hrWBEMNotFound         HRESULT = 0x80041002 // WBEM_E_NOT_FOUND
	hrWBEMAccessDenied     HRESULT = 0x80041003 // WBEM_E_ACCESS_DENIED
	hrWBEMProviderFailure  HRESULT = 0x80041004 // WBEM_E_PROVIDER_FAILURE
	hrWBEMOutOfMemory      HRESULT = 0x80041006 // WBEM_E_OUT_OF_MEMORY
	hrWBEMInvalidParameter HRESULT = 0x80041008 // WBEM_E_INVALID_PARAMETER
	hrWBEMNotSupported     HRESULT = 0x8004100C // WBEM_E_NOT_SUPPORTED
	hrWBEMInvalidNamespace HRESULT = 0x8004100E // WBEM_E_INVALID_NAMESPACE
	hrWBEMInvalidClass     HRESULT = 0x80041010 // WBEM_E_INVALID_CLASS
	hrWBEMProviderLoad     HRESULT = 0x80041013 // WBEM_E_PROVIDER_LOAD_FAILURE
	hrWBEMInitialization   HRESULT = 0x80041014 // WBEM_E_INITIALIZATION_FAILURE
	hrWBEMInvalidQuery     HRESULT = 0x80041017 // WBEM_E_INVALID_QUERY
	hrWBEMIllegalOperation HRESULT = 0x8004101E // WBEM_E_ILLEGAL_OPERATION
	hrAccessDenied         HRESULT = 0x80070005 // E_ACCESSDENIED
	hrNotImplemented       HRESULT = 0x80004001 // E_NOTIMPL
	hrNoInterface          HRESULT = 0x80004002 // E_NOINTERFACE
	hrUnspecified          HRESULT = 0x80004005 // E_FAIL
	hrOutOfMemory          HRESULT = 0x8007000E // E_OUTOFMEMORY
	hrRPCServerUnavailable HRESULT = 0x800706BA // RPC_S_SERVER_UNAVAILABLE as an HRESULT
	hrRPCChangedMode       HRESULT = 0x80010106 // RPC_E_CHANGED_MODE
	hrCONotInitialized     HRESULT = 0x800401F0 // CO_E_NOTINITIALIZED
	hrClassNotRegistered   HRESULT = 0x80040154 // REGDB_E_CLASSNOTREG
	hrDispatchException    HRESULT = 0x80020009 // DISP_E_EXCEPTION: the real code is in EXCEPINFO
	hrTypeMismatch         HRESULT = 0x80020005 // DISP_E_TYPEMISMATCH
	hrWBEMFacilityFirst    HRESULT = 0x80041000
	hrWBEMFacilityLast     HRESULT = 0x80044FFF
	hrFailureBit           HRESULT = 0x80000000
	hrWin32Facility        HRESULT = 0x80070000
	hrWin32FacilityMask    HRESULT = 0xFFFF0000
	hrWin32CodeMask        HRESULT = 0x0000FFFF
)

type hresultInfo struct {
	sentence string
	sentinel error
	// texts are how Windows words the code: the WMI scripting description
	// that go-ole puts in "Exception occurred. (…)", and FormatMessage's
	// text, lower case without the final full stop.
	texts []string
}

var hresults = map[HRESULT]hresultInfo{
	hrWBEMFailed:           {"WMI reported a generic failure", nil, []string{"generic failure"}},
	hrWBEMNotFound:         {"WMI found no such object", ErrNotFound, []string{"not found"}},
	hrWBEMAccessDenied:     {"access to WMI was denied", ErrAccessDenied, []string{"access denied"}},
	hrWBEMProviderFailure:  {"the WMI provider failed", nil, []string{"provider failure"}},
	hrWBEMOutOfMemory:      {"WMI ran out of memory", nil, []string{"out of memory"}},
	hrWBEMInvalidParameter: {"WMI rejected a parameter as invalid", nil, []string{"invalid parameter"}},
	hrWBEMNotSupported:     {"WMI does not support this request", nil, []string{"not supported"}},
	hrWBEMInvalidNamespace: {"the WMI namespace is missing", ErrNotFound, []string{"invalid namespace"}},
	hrWBEMInvalidClass:     {"the WMI class is missing", ErrNotFound, []string{"invalid class"}},
	hrWBEMProviderLoad:     {"the WMI provider could not be loaded (restarting the Windows Management Instrumentation service, or the computer, may help)", nil, []string{"provider load failure"}},
	hrWBEMInitialization:   {"the WMI provider failed to initialise (restarting the Windows Management Instrumentation service, or the computer, may help)", nil, []string{"initialization failure", "component failed to initialize"}},
	hrWBEMInvalidQuery:     {"WMI rejected the query as invalid", nil, []string{"invalid query"}},
	hrWBEMIllegalOperation: {"WMI refused the request as an illegal operation", nil, []string{"illegal operation"}},
	hrAccessDenied:         {"access is denied", ErrAccessDenied, []string{"access is denied"}},
	// Wine's WMI scripting (wbemdisp) answers E_NOTIMPL where it has no
	// code yet, e.g. enumerating an object's Properties_. Found by its
	// code only: "not implemented" alone is too common a text.
	hrNotImplemented:       {"this part of WMI or COM is not implemented on this system", nil, nil},
	hrNoInterface:          {"the COM object does not offer the interface asked for", nil, []string{"no such interface supported"}},
	hrUnspecified:          {"COM reported an unspecified failure", nil, []string{"unspecified error"}},
	hrOutOfMemory:          {"Windows ran out of memory", nil, []string{"not enough memory resources are available to complete this operation"}},
	hrRPCServerUnavailable: {"the RPC server is unavailable (the Windows Management Instrumentation service may be stopped)", nil, []string{"the rpc server is unavailable"}},
	hrRPCChangedMode:       {"COM was already set up in another mode on this thread", nil, []string{"cannot change thread mode after it is set"}},
	hrCONotInitialized:     {"COM was not initialised on this thread", nil, []string{"coinitialize has not been called"}},
	hrClassNotRegistered:   {"the COM class is not registered (the WMI scripting component may be missing)", nil, []string{"class not registered"}},
	hrDispatchException:    {"a COM call raised an exception", nil, []string{"exception occurred"}},
	hrTypeMismatch:         {"a COM call was given an argument of the wrong type", nil, nil},
}

// Sentence is the plain sentence for the code, without the code.
func (h HRESULT) Sentence() string {
	if info, ok := hresults[h]; ok {
		return info.sentence
	}
	switch {
	case h >= hrWBEMFacilityFirst && h <= hrWBEMFacilityLast:
		return "WMI reported an error"
	case h&hrWin32FacilityMask == hrWin32Facility:
		return fmt.Sprintf("Windows reported error %d", uint32(h&hrWin32CodeMask))
	}
	return "COM reported an error"
}

// String is the code and its sentence: "0x80041010: the WMI class is missing".
func (h HRESULT) String() string { return fmt.Sprintf("0x%08X: %s", uint32(h), h.Sentence()) }

// Sentinel is the probe error the code stands for: ErrNotFound for a missing
// class, namespace or object, ErrAccessDenied for access denied; nil for the
// rest, which are failures to be reported, not answers.
func (h HRESULT) Sentinel() error {
	if info, ok := hresults[h]; ok {
		return info.sentinel
	}
	return nil
}

// COMError is a COM or WMI error told as a sentence with its code kept. It
// unwraps to the original error and, where one applies, to the sentinel
// (errors.Is(err, ErrNotFound) holds for 0x80041010).
type COMError struct {
	Code HRESULT
	Err  error
}

func (e *COMError) Error() string { return e.Code.String() }

// Unwrap gives the sentinel (if any) and the original error.
func (e *COMError) Unwrap() []error {
	if s := e.Code.Sentinel(); s != nil {
		return []error{s, e.Err}
	}
	return []error{e.Err}
}

// ReadableCOMError returns err as a *COMError when it carries an HRESULT
// (see HRESULTOf), else err unchanged. nil stays nil.
func ReadableCOMError(err error) error {
	if err == nil {
		return nil
	}
	var ce *COMError
	if errors.As(err, &ce) {
		return err
	}
	if h, ok := HRESULTOf(err); ok {
		return &COMError{Code: h, Err: err}
	}
	return err
}

// HRESULTOf finds the HRESULT an error carries. It looks first through the
// error chain, where go-ole's *OleError has Code() and SubError() (not
// Unwrap), and the EXCEPINFO it wraps for DISP_E_EXCEPTION has SCODE(), the
// code that matters; then in the message: a hexadecimal 0x8xxxxxxx, a
// decimal HRESULT (2147749904 or -2147217392, as go-ole prints one
// FormatMessage cannot name), the WMI description in go-ole's "Exception
// occurred. (Invalid class )", or the whole FormatMessage text of a known
// code ("The RPC server is unavailable.").
func HRESULTOf(err error) (HRESULT, bool) {
	if err == nil {
		return 0, false
	}
	var codes []HRESULT
	walkErrors(err, func(e error) {
		if c, ok := e.(interface{ SCODE() uint32 }); ok {
			codes = append(codes, HRESULT(c.SCODE()))
		}
		if c, ok := e.(interface{ Code() uintptr }); ok {
			codes = append(codes, HRESULT(uint32(c.Code())))
		}
	})
	var exception bool
	for _, h := range codes {
		switch {
		case h == hrDispatchException:
			exception = true
		case h&hrFailureBit != 0:
			return h, true
		}
	}
	if h, ok := hresultInText(err.Error()); ok {
		return h, true
	}
	if exception {
		return hrDispatchException, true
	}
	return 0, false
}

// walkErrors calls f on err and every error it wraps (Unwrap, Unwrap []error,
// or go-ole's SubError), depth first, the outer error before its causes.
func walkErrors(err error, f func(error)) {
	for depth := 0; err != nil && depth < 32; depth++ {
		f(err)
		switch x := err.(type) { //nolint:errorlint // this is the walk errors.As does
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walkErrors(e, f)
			}
			return
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ SubError() error }:
			err = x.SubError()
		default:
			return
		}
	}
}

var (
	hexHRESULT     = regexp.MustCompile(`(?i)0x([89a-f][0-9a-f]{7})\b`)
	decimalHRESULT = regexp.MustCompile(`(?:^|[^0-9-])(-?[1-4]\d{9})(?:[^0-9]|$)`)
	exceptionText  = regexp.MustCompile(`(?i)exception occurred\.\s*\(([^()]*)\)`)
)

func hresultInText(msg string) (HRESULT, bool) {
	if m := hexHRESULT.FindStringSubmatch(msg); m != nil {
		if n, err := strconv.ParseUint(m[1], 16, 32); err == nil {
			return HRESULT(n), true
		}
	}
	for _, m := range decimalHRESULT.FindAllStringSubmatch(msg, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		switch {
		case err != nil:
		case n < 0 && n >= -1<<31: // a signed HRESULT (failures are negative)
			return HRESULT(uint32(int32(n))), true
		case n >= int64(hrFailureBit) && n <= 1<<32-1:
			return HRESULT(uint32(n)), true
		}
	}
	if m := exceptionText.FindStringSubmatch(msg); m != nil {
		if h, ok := hresultOfText(m[1]); ok {
			return h, true
		}
	}
	// FormatMessage text of a known COM or RPC code, as the last part of
	// the message. WMI's short descriptions ("Not found", "Access denied")
	// count only inside "Exception occurred. (…)": alone they are too
	// common to name a code.
	last := msg
	if i := strings.LastIndex(last, ": "); i >= 0 {
		last = last[i+2:]
	}
	if h, ok := hresultOfText(last); ok && (h < hrWBEMFacilityFirst || h > hrWBEMFacilityLast) &&
		h != hrDispatchException && h.Sentinel() == nil {
		return h, true
	}
	return 0, false
}

// hresultOfText matches a description exactly (case, surrounding space and a
// final full stop aside).
func hresultOfText(s string) (HRESULT, bool) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	if s == "" {
		return 0, false
	}
	for h, info := range hresults {
		for _, t := range info.texts {
			if s == t {
				return h, true
			}
		}
	}
	return 0, false
}
