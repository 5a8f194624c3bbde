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
	// macRestrictions is a configuration profile's restrictions, where an
	// organisation defers macOS updates.
	macRestrictions = "/Library/Managed Preferences/com.apple.applicationaccess.plist"
)

// macDeferral is a restrictions profile's deferral of macOS updates: with
// forceDelayedSoftwareUpdates, Software Update shows an update only that
// many days after its release (enforcedSoftwareUpdateMinorOSDeferredInstallDelay
// for minor updates since macOS 11.3, else enforcedSoftwareUpdateDelay;
// 30 when neither is set; at most 90).
type macDeferral struct {
	Force      *bool `plist:"forceDelayedSoftwareUpdates"`
	MinorDelay *int  `plist:"enforcedSoftwareUpdateMinorOSDeferredInstallDelay"`
	Delay      *int  `plist:"enforcedSoftwareUpdateDelay"`
}

// macDeferredDays reads the deferral, only to say why Software Update
// lists nothing while an update is out: 0 when none is set or the
// profile cannot be read (the verdict never depends on it).
func macDeferredDays(p probe.Probe) int {
	b, err := p.ReadFile(macRestrictions)
	if err != nil {
		return 0
	}
	var d macDeferral
	if _, err := plist.Unmarshal(b, &d); err != nil || d.Force == nil || !*d.Force {
		return 0
	}
	for _, days := range []*int{d.MinorDelay, d.Delay} {
		if days != nil && *days > 0 {
			return min(*days, 90)
		}
	}
	return 30
}

// macSoftwareUpdate is what com.apple.SoftwareUpdate holds.
type macSoftwareUpdate struct {
	LastSuccessfulDate  *time.Time       `plist:"LastSuccessfulDate"`
	RecommendedUpdates  []map[string]any `plist:"RecommendedUpdates"`
	LastRecommendedSeen *int             `plist:"LastRecommendedUpdatesAvailable"`
	// FirstOffered is when Software Update first offered each update on
	// this Mac, by its Identifier ("MSU_UPDATE_24G325_patch_15.7.2_minor").
	FirstOffered map[string]time.Time `plist:"FirstOfferDateDictionary"`

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
		f.Updates.DeferredDays = macDeferredDays(p)
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
// found, leaving out an upgrade to a newer major macOS (Apple keeps
// updating the older ones, so not taking it is no update left waiting).
// Each macOS update keeps its version, for its release date, and when this
// Mac was first offered it; evaluation judges the age from those.
func macPending(su macSoftwareUpdate, f *facts) {
	if su.LastSuccessfulDate == nil {
		f.Updates.Reason = "Software Update has never completed a check on this Mac"
		return
	}
	f.Updates.Checked = timePtr(*su.LastSuccessfulDate)
	f.Updates.Read = true
	for _, u := range su.RecommendedUpdates {
		item, counts := macUpdateItem(u, su.FirstOffered, f.Release.Version)
		if !counts {
			continue
		}
		f.Updates.Security++
		f.Updates.Items = append(f.Updates.Items, item)
	}
	if len(su.RecommendedUpdates) == 0 && su.LastRecommendedSeen != nil {
		f.Updates.Security = *su.LastRecommendedSeen
	}
}

// macUpdateItem reads one RecommendedUpdates entry: a macOS update
// (MobileSoftwareUpdate, or an MSU_UPDATE_ identifier) carries its
// "Display Version" (a string, or an integer for a major version: 27);
// others (Safari, command line tools) only when they were first offered.
// counts is false for an upgrade to a newer major macOS than running.
func macUpdateItem(u map[string]any, offered map[string]time.Time, running string) (pendingUpdate, bool) {
	id, _ := u["Identifier"].(string)
	key, _ := u["Product Key"].(string)
	var item pendingUpdate
	for _, k := range []string{id, key} {
		if t, ok := offered[k]; ok && k != "" {
			item.Offered = timePtr(t)
			break
		}
	}
	msu, _ := u["MobileSoftwareUpdate"].(bool)
	if !msu && !strings.HasPrefix(id, "MSU_UPDATE_") {
		return item, true
	}
	switch v := u["Display Version"].(type) {
	case string:
		item.Version = strings.TrimSpace(v)
	case uint64, int64:
		item.Version = fmt.Sprint(v)
	}
	major := func(v string) string { m, _, _ := strings.Cut(v, "."); return m }
	if strings.HasSuffix(id, "_major") || item.Version != "" && running != "" && major(item.Version) != major(running) {
		return item, false
	}
	return item, true
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
