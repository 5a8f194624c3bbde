// Package consentstore reads Windows' capability consent store
// (HKLM or HKU\<SID>\Software\Microsoft\Windows\CurrentVersion\
// CapabilityAccessManager\ConsentStore\<capability>), which records per app
// whether it may use the microphone, the camera or screen capture (Value:
// Allow, Deny, Prompt) and when it last started and stopped using it
// (LastUsedTimeStart, LastUsedTimeStop: FILETIMEs). Packaged apps are
// subkeys named by package family; desktop programs are under NonPackaged,
// one subkey per program path with its backslashes written as '#'. More
// than one check reads it (voice_assistants, capture_in_use); this package
// holds the pure readers and does no I/O.
package consentstore

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// ErrUnrecognised marks a value or output the readers do not recognise.
var ErrUnrecognised = errors.New("output not recognised")

// Suffix is the consent store's path under a user's hive (HKU\<SID>) or
// HKLM.
const Suffix = `\Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore`

// Consent values of the store.
const (
	Allow   = "allow"
	Deny    = "deny"
	Prompt  = "prompt"
	NotSet  = "not_set"
	Unknown = "unknown"
)

// In-use answers of InUse.
const (
	InUseYes     = "yes"
	InUseNo      = "no"
	InUseUnknown = "unknown"
)

// ParseConsent reads a consent Value (Allow, Deny, Prompt; never
// localised).
func ParseConsent(v any, err error) (string, error) {
	if errors.Is(err, probe.ErrNotFound) {
		return NotSet, nil
	}
	if err != nil {
		return Unknown, err
	}
	s, ok := v.(string)
	if !ok {
		return Unknown, fmt.Errorf("consent value %v: %w", v, ErrUnrecognised)
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "allow":
		return Allow, nil
	case "deny":
		return Deny, nil
	case "prompt":
		return Prompt, nil
	}
	return Unknown, fmt.Errorf("consent value %q: %w", s, ErrUnrecognised)
}

// InUse reads an app's LastUsedTimeStart and LastUsedTimeStop: a start
// later than the stop (Windows writes a stop of 0 while the app uses the
// capability) means in use now. No start means never used. Returns
// InUseYes, InUseNo or InUseUnknown.
func InUse(start any, startErr error, stop any, stopErr error) (string, error) {
	if errors.Is(startErr, probe.ErrNotFound) {
		return InUseNo, nil
	}
	if startErr != nil {
		return InUseUnknown, startErr
	}
	s, ok := asUint(start)
	if !ok {
		return InUseUnknown, fmt.Errorf("LastUsedTimeStart %v: %w", start, ErrUnrecognised)
	}
	var e uint64
	switch {
	case errors.Is(stopErr, probe.ErrNotFound):
	case stopErr != nil:
		return InUseUnknown, stopErr
	default:
		if e, ok = asUint(stop); !ok {
			return InUseUnknown, fmt.Errorf("LastUsedTimeStop %v: %w", stop, ErrUnrecognised)
		}
	}
	if s > e {
		return InUseYes, nil
	}
	return InUseNo, nil
}

func asUint(v any) (uint64, bool) {
	if u, ok := v.(uint64); ok {
		return u, true
	}
	n, ok := probe.AsInt(v)
	return uint64(n), ok && n >= 0
}

// Key is one registry key of `reg query /s` output and its values
// (REG_SZ and REG_EXPAND_SZ as string, REG_DWORD and REG_QWORD as uint64,
// others as their text).
type Key struct {
	Path   string
	Values map[string]any
}

var (
	valueLine = regexp.MustCompile(`^ {4}(.*?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$`)
	hiveLine  = regexp.MustCompile(`^HKEY_[A-Z_]+(\\|$)`)
)

// ParseRegQuery reads the output of `reg query <key> /s` (the same in every
// Windows language: key paths, then indented "name    REG_TYPE    data"
// lines). Keys come in the order reg printed them, paths as printed
// (HKEY_USERS\…). Output with no key line, or a line that is neither, is
// an error wrapping ErrUnrecognised.
func ParseRegQuery(out string) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "":
		case hiveLine.MatchString(line):
			keys = append(keys, Key{Path: line, Values: map[string]any{}})
		case valueLine.MatchString(line) && len(keys) > 0:
			m := valueLine.FindStringSubmatch(line)
			keys[len(keys)-1].Values[strings.ToLower(m[1])] = regData(m[2], m[3])
		case strings.HasPrefix(line, "End of search:") && len(keys) > 0:
			// only with /f; never asked for, harmless
		default:
			return keys, fmt.Errorf("reg query line %q: %w", firstN(line, 60), ErrUnrecognised)
		}
	}
	if err := sc.Err(); err != nil {
		return keys, fmt.Errorf("reg query output: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("reg query printed no key: %w", ErrUnrecognised)
	}
	return keys, nil
}

func regData(typ, data string) any {
	switch typ {
	case "REG_DWORD", "REG_QWORD":
		if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(data), "0x"), 16, 64); err == nil {
			return n
		}
	}
	return data
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// App is one app's record under a capability.
type App struct {
	// Name is the package family name (Microsoft.WindowsCamera_8wekyb3d8bbwe)
	// of a packaged app, or the program's file name (obs64.exe) of a
	// desktop program: never its folder, which can hold a user name.
	Name     string
	Packaged bool
	// Path is a desktop program's full path as the store records it, with
	// "\" for the store's "#" (C:\Program Files\Zoom\bin\Zoom.exe), to
	// tell where it is installed: it can hold a user name, so it is never
	// kept in facts. Empty for a packaged app.
	Path string
	// InUse is InUseYes, InUseNo or InUseUnknown.
	InUse string
}

// Apps are the apps recorded under a capability (microphone, webcam, …) in
// keys read from root (the consent store key as reg printed it:
// HKEY_USERS\<SID>\…\ConsentStore), in the order reg printed them. Only
// apps with a usage record are listed.
func Apps(keys []Key, root, capability string) []App {
	base := strings.ToLower(root + `\` + capability + `\`)
	var out []App
	for _, k := range keys {
		rest, ok := strings.CutPrefix(strings.ToLower(k.Path), base)
		if !ok || rest == "" {
			continue
		}
		rest = k.Path[len(base):] // keep the name's case
		var app App
		switch {
		case strings.EqualFold(rest, "NonPackaged"):
			continue
		case len(rest) > len(`NonPackaged\`) && strings.EqualFold(rest[:len(`NonPackaged\`)], `NonPackaged\`):
			full := rest[len(`NonPackaged\`):]
			name := full
			if i := strings.LastIndexAny(name, `#\/`); i >= 0 {
				name = name[i+1:]
			}
			app = App{Name: name, Path: strings.ReplaceAll(full, "#", `\`)}
		case !strings.Contains(rest, `\`):
			app = App{Name: rest, Packaged: true}
		default:
			continue
		}
		start, hasStart := k.Values["lastusedtimestart"]
		stop, hasStop := k.Values["lastusedtimestop"]
		if !hasStart && !hasStop {
			continue
		}
		app.InUse, _ = InUse(start, missing(hasStart), stop, missing(hasStop))
		out = append(out, app)
	}
	return out
}

func missing(present bool) error {
	if present {
		return nil
	}
	return probe.ErrNotFound
}

// NormaliseRoot is how reg prints a key given with a short hive: HKU as
// HKEY_USERS, HKLM as HKEY_LOCAL_MACHINE, HKCU as HKEY_CURRENT_USER.
func NormaliseRoot(key string) string {
	for short, long := range map[string]string{"HKU": "HKEY_USERS", "HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER"} {
		if rest, ok := strings.CutPrefix(key, short+`\`); ok {
			return long + `\` + rest
		}
	}
	return key
}
