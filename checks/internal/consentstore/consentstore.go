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
	"errors"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/regquery"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ErrUnrecognised marks a value or output the readers do not recognise
// (the same error as regquery's, so that either reads as one).
var ErrUnrecognised = regquery.ErrUnrecognised

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
func Apps(keys []regquery.Key, root, capability string) []App {
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
