package voiceassistants

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/internal/macos"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// darwinFacts are Siri's settings for the person at the screen and the
// managed-profile restrictions that override them.
type darwinFacts struct {
	// SiriEnabled is com.apple.assistant.support "Assistant Enabled";
	// default (not set) means Siri was never turned on: off.
	SiriEnabled state `json:"siri_enabled"`
	// ListenFor is com.apple.Siri VoiceTriggerUserEnabled ("Listen for
	// 'Siri'/'Hey Siri'"); default (not set) means it was never turned on,
	// which needs a voice enrolment: off.
	ListenFor state `json:"listen_for"`
	// ManagedDisabled is true when a managed profile turns Siri off
	// (com.apple.applicationaccess allowAssistant false); nil when no
	// readable profile says either way. Older agents also set it from
	// com.apple.ironwood.support "Ironwood Allowed", which turns off
	// dictation, not Siri: evaluation ignores that source.
	ManagedDisabled *bool `json:"managed_disabled,omitempty"`
	// ManagedSource names the managed preference that decided it.
	ManagedSource string `json:"managed_source,omitempty"`
	// MacOSVersion is the Mac's version (14.7.1) as the agent's host
	// information gives it, "" when not known. allowAssistant applies on
	// macOS 14 and later only.
	MacOSVersion string `json:"macos_version,omitempty"`
}

// restrictManaged is the computer-level Restrictions profile; its
// allowAssistant false turns Siri off. (com.apple.ironwood.support, once
// read here too, is a payload Apple deprecated in macOS 10.13 whose
// "Ironwood Allowed" turns off dictation, not Siri; "Assistant Allowed" is
// not an Apple key.)
const (
	restrictManaged = "/Library/Managed Preferences/com.apple.applicationaccess.plist"
	restrictSource  = "com.apple.applicationaccess"
)

// errUnrecognised marks output a parser does not recognise.
var errUnrecognised = errors.New("output not recognised")

// parseDefaultsBool reads the output of `defaults read DOMAIN KEY` for a
// boolean: "1"/"0" (also true/false, YES/NO) on stdout with exit 0 is on/off;
// exit 1 with "The domain/default pair of (…) does not exist" on stderr is
// Default (the key is not set). Anything else is an error wrapping
// ErrUnrecognised.
func parseDefaultsBool(stdout, stderr []byte, exitCode int) (state, error) {
	if exitCode != 0 {
		if macos.DefaultsMissing(stderr) &&
			(bytes.Contains(stderr, []byte("domain/default pair")) || bytes.Contains(stderr, []byte("Domain "))) {
			return stateDefault, nil
		}
		return stateUnknown, fmt.Errorf("defaults exited %d: %w", exitCode, errUnrecognised)
	}
	if on, ok := macos.PlistBool(strings.TrimSpace(string(stdout))); ok {
		if on {
			return stateOn, nil
		}
		return stateOff, nil
	}
	return stateUnknown, fmt.Errorf("defaults printed %q: %w", firstLine(stdout), errUnrecognised)
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}

// parseManagedSiri reads a managed preferences plist (XML or binary) and
// reports whether it turns Siri off: disabled is true when any of keys is
// false, found is false when none of them is present. A file that is not a
// plist dictionary is an error wrapping ErrUnrecognised.
func parseManagedSiri(b []byte, keys ...string) (disabled, found bool, err error) {
	var d map[string]any
	if _, err := plist.Unmarshal(b, &d); err != nil {
		return false, false, fmt.Errorf("managed preferences: %w", errUnrecognised)
	}
	for _, k := range keys {
		v, ok := d[k]
		if !ok {
			continue
		}
		on, ok := macos.PlistBool(v)
		if !ok {
			return false, false, fmt.Errorf("managed preference %q is %T: %w", k, v, errUnrecognised)
		}
		found = true
		if !on {
			return true, true, nil
		}
	}
	return false, found, nil
}

// managedOff reports whether a managed profile turns Siri off: the
// Restrictions profile's allowAssistant false, on macOS 14 or later (Apple's
// com.apple.applicationaccess.yaml: the key was introduced on macOS in
// 14.0). Facts from older agents may name com.apple.ironwood.support, which
// turns off dictation only, or have no version: neither decides.
func (d *darwinFacts) managedOff() bool {
	return d.ManagedDisabled != nil && *d.ManagedDisabled && d.ManagedSource == restrictSource &&
		allowAssistantApplies(d.MacOSVersion)
}

// allowAssistantSince is the first macOS major version that honours the
// Restrictions profile's allowAssistant.
const allowAssistantSince = 14

// allowAssistantApplies reports whether a macOS version (14.7.1) is known
// and honours allowAssistant.
func allowAssistantApplies(version string) bool {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= allowAssistantSince
}

// macOSVersionPattern finds the version in the host's description: "macOS
// 13.6.9" in an evidence bundle, "darwin 15.1.1 (build 24B91)" live.
var macOSVersionPattern = regexp.MustCompile(`\b(\d{2,})\.\d+(\.\d+)?\b`)

// macOSVersion is the version in the host's description, or "".
func macOSVersion(osVersion string) string {
	return macOSVersionPattern.FindString(osVersion)
}

func collectDarwin(ctx context.Context, p probe.Probe, f *facts) {
	d := &darwinFacts{SiriEnabled: stateUnknown, ListenFor: stateUnknown}
	f.Darwin = d
	// Siri's processes (Siri, assistantd, corespeechd) run whether or not
	// Siri listens, so the process list is not evidence on macOS.
	d.MacOSVersion = macOSVersion(probe.HostOf(p).OSVersion)
	// The Restrictions profile is read only where its allowAssistant applies.
	if allowAssistantApplies(d.MacOSVersion) {
		readRestrictions(p, f, d)
	}
	// A profile that turns Siri off decides whatever the person set, and so
	// does Siri itself being off: what is not needed is not read (NotRead).
	if d.managedOff() {
		d.SiriEnabled, d.ListenFor = stateNotRead, stateNotRead
		return
	}
	if _, ok := consoleUser(p, f); !ok {
		return
	}
	d.SiriEnabled = readDefaultsBool(ctx, p, f, "com.apple.assistant.support", "Assistant Enabled")
	if d.SiriEnabled == stateOff || d.SiriEnabled == stateDefault {
		d.ListenFor = stateNotRead
		return
	}
	d.ListenFor = readDefaultsBool(ctx, p, f, "com.apple.Siri", "VoiceTriggerUserEnabled")
	if d.SiriEnabled == stateOn && d.ListenFor == stateOn {
		f.add(siri, evidenceSetting)
	}
}

// readRestrictions reads the computer-level Restrictions profile's
// allowAssistant into d.
func readRestrictions(p probe.Probe, f *facts, d *darwinFacts) {
	b, err := p.ReadFile(restrictManaged)
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return
	case err != nil:
		f.addError(restrictSource+" profile", err)
		return
	}
	disabled, found, err := parseManagedSiri(b, "allowAssistant")
	switch {
	case err != nil:
		f.addError(restrictSource+" profile", err)
	case found:
		d.ManagedDisabled = &disabled
		if disabled {
			d.ManagedSource = restrictSource
		}
	}
}

func readDefaultsBool(ctx context.Context, p probe.Probe, f *facts, domain, key string) state {
	out, err := p.RunAsConsoleUser(ctx, probe.CmdDefaults, "read", domain, key)
	if err != nil {
		f.addError(domain+" "+key, err)
		return stateUnknown
	}
	s, err := parseDefaultsBool(out.Stdout, out.Stderr, out.ExitCode)
	if err != nil {
		f.addError(domain+" "+key, err)
	}
	return s
}
