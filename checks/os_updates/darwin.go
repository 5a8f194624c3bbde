package osupdates

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Where macOS keeps Software Update's state and settings: the system's
// own file (what the last background check found, and the settings in
// System Settings) and a configuration profile's, which wins.
const (
	macSUPrefs        = "/Library/Preferences/com.apple.SoftwareUpdate.plist"
	macSUManagedPrefs = "/Library/Managed Preferences/com.apple.SoftwareUpdate.plist"
)

// macSoftwareUpdate is what com.apple.SoftwareUpdate holds.
type macSoftwareUpdate struct {
	LastSuccessfulDate  *time.Time       `plist:"LastSuccessfulDate"`
	RecommendedUpdates  []map[string]any `plist:"RecommendedUpdates"`
	LastRecommendedSeen *int             `plist:"LastRecommendedUpdatesAvailable"`

	AutomaticCheckEnabled            *bool `plist:"AutomaticCheckEnabled"`
	AutomaticallyInstallMacOSUpdates *bool `plist:"AutomaticallyInstallMacOSUpdates"`
	CriticalUpdateInstall            *bool `plist:"CriticalUpdateInstall"`
	ConfigDataInstall                *bool `plist:"ConfigDataInstall"`
}

// parseSoftwareUpdatePlist reads com.apple.SoftwareUpdate as it is kept
// on disk (binary, or XML).
func parseSoftwareUpdatePlist(b []byte) (macSoftwareUpdate, error) {
	var s macSoftwareUpdate
	if _, err := plist.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("com.apple.SoftwareUpdate not recognised: %w", err)
	}
	return s, nil
}

func collectDarwin(ctx context.Context, p probe.Probe, f *facts) {
	macRelease(ctx, p, f)
	f.Updates.Source = sourceSoftwareUpdate
	b, err := p.ReadFile(macSUPrefs)
	var su macSoftwareUpdate
	switch {
	case errors.Is(err, probe.ErrNotFound):
		f.Updates.Reason = "this Mac has no record of a software update check (com.apple.SoftwareUpdate is missing)"
	case err != nil:
		f.addError("com.apple.SoftwareUpdate", err)
		f.Updates.Reason = "Software Update's record could not be read (" + probe.ErrorKind(err) + ")"
		f.Auto.Reason = f.Updates.Reason
		return
	default:
		if su, err = parseSoftwareUpdatePlist(b); err != nil {
			f.addError("com.apple.SoftwareUpdate", err)
			f.Updates.Reason, f.Auto.Reason = err.Error(), err.Error()
			return
		}
		macPending(su, f)
	}
	managed := macSoftwareUpdate{}
	mb, err := p.ReadFile(macSUManagedPrefs)
	switch {
	case errors.Is(err, probe.ErrNotFound):
	case err != nil:
		f.addError("managed com.apple.SoftwareUpdate", err)
		f.Auto.Reason = "a configuration profile's Software Update settings could not be read (" + probe.ErrorKind(err) + ")"
		return
	default:
		if managed, err = parseSoftwareUpdatePlist(mb); err != nil {
			f.addError("managed com.apple.SoftwareUpdate", err)
			f.Auto.Reason = err.Error()
			return
		}
	}
	macAuto(su, managed, f)
}

// macRelease reads sw_vers: ProductVersion and BuildVersion.
func macRelease(ctx context.Context, p probe.Probe, f *facts) {
	out, err := f.run(ctx, p, probe.CmdSwVers)
	if err != nil {
		f.Release.Reason = "macOS's version could not be read (sw_vers: " + probe.ErrorKind(err) + ")"
		return
	}
	macReleaseFrom(out, f)
}

// macReleaseFrom reads sw_vers's output.
func macReleaseFrom(out []byte, f *facts) {
	vals := map[string]string{}
	for line := range strings.Lines(string(out)) {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			vals[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	version := vals["ProductVersion"]
	if version == "" || !strings.Contains(strings.ToLower(vals["ProductName"]), "mac") {
		f.Release.Reason = "sw_vers's output was not recognised"
		return
	}
	f.Release.Systems, f.Release.Version, f.Release.Build = []string{"macos"}, version, vals["BuildVersion"]
	f.Release.Name = strings.TrimSpace("macOS " + version + " " + vals["ProductVersionExtra"])
}

// macPending counts the recommended updates the last background check
// found. How long they have waited is not recorded.
func macPending(su macSoftwareUpdate, f *facts) {
	if su.LastSuccessfulDate == nil {
		f.Updates.Reason = "Software Update has never completed a check on this Mac"
		return
	}
	f.Updates.Checked = timePtr(*su.LastSuccessfulDate)
	f.Updates.Read = true
	f.Updates.Security = len(su.RecommendedUpdates)
	if f.Updates.Security == 0 && su.LastRecommendedSeen != nil {
		f.Updates.Security = *su.LastRecommendedSeen
	}
}

// macAuto: macOS installs its updates by itself only with automatic
// checks on, "Install macOS updates" on (off unless someone turns it on)
// and "Install Security Responses and system files" on. A configuration
// profile's values win.
func macAuto(su, managed macSoftwareUpdate, f *facts) {
	type setting struct {
		local, profile *bool
		def            bool
		name, what     string
	}
	for _, s := range []setting{
		{su.AutomaticCheckEnabled, managed.AutomaticCheckEnabled, true, "AutomaticCheckEnabled", "checking for updates is off"},
		{su.AutomaticallyInstallMacOSUpdates, managed.AutomaticallyInstallMacOSUpdates, false, "AutomaticallyInstallMacOSUpdates", "\"Install macOS updates\" is off"},
		{su.CriticalUpdateInstall, managed.CriticalUpdateInstall, true, "CriticalUpdateInstall", "\"Install Security Responses and system files\" is off"},
		{su.ConfigDataInstall, managed.ConfigDataInstall, true, "ConfigDataInstall", "\"Install Security Responses and system files\" is off (XProtect and system data)"},
	} {
		v, by := s.def, ""
		switch {
		case s.profile != nil:
			v, by = *s.profile, " (set by a configuration profile)"
		case s.local != nil:
			v = *s.local
		}
		if !v {
			f.Auto.State, f.Auto.By = autoOff, s.what+by
			return
		}
	}
	f.Auto.State, f.Auto.By = autoOn, "Software Update"
	if managed.AutomaticallyInstallMacOSUpdates != nil {
		f.Auto.By = "a configuration profile"
	}
}
