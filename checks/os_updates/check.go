package osupdates

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "os_updates"

// Check is the security-updates check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Security updates",
	Meta: checks.Meta{Required: true, Controls: []string{checks.ControlSecurityUpdates},
		Settings: []checks.Setting{maxAgeSetting, autoOffSetting, eolSetting, releaseSetting}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
}

// The policy settings the check owns.
var (
	// Cyber Essentials: high and critical updates within 14 days.
	maxAgeSetting = checks.Number{Name: "updates_max_age_days", Label: "Security updates are installed within", After: "of being published",
		Hint: "Cyber Essentials asks for 14 days. A security update waiting less long is a warning.", Units: []checks.Unit{checks.Days}, Default: 14, Min: 1, Max: 90}
	autoOffSetting = checks.Grade{Name: "updates_auto_off", Label: "When automatic updates are off or paused", Default: checks.Fail}
	eolSetting     = eolTableSetting{Names: checks.Names{Name: "updates_eol_table",
		Label:    "Support end dates to add to or correct in SessionGuard's own table",
		Hint:     "One line each: system version end-date, e.g. \"debian 12 2028-06-30\" or \"opensuse-tumbleweed * rolling\". A line replaces the built-in date of the same system and version.",
		MaxNames: 500}, builtin: builtinEOL}
	releaseSetting = eolTableSetting{Names: checks.Names{Name: "updates_release_dates",
		Label:    "macOS release dates to add to or correct in SessionGuard's own table",
		Hint:     "One line each: macos version release-date, e.g. \"macos 26.2 2025-12-12\". A Mac waiting for that version has waited since then; a version in neither table is judged by when the Mac was first offered it.",
		MaxNames: 500}, builtin: builtinMacReleases, datesOnly: true}
)

// Update sources (facts.Updates.Source).
const (
	sourceApt            = "apt"
	sourceWindowsUpdate  = "windows_update"
	sourceSoftwareUpdate = "softwareupdate"
)

// Reboot states (facts.Updates.Reboot).
const (
	rebootIsRequired  = "required"
	rebootNotRequired = "not_required"
	rebootUnknown     = "unknown"
)

// Automatic update states (facts.Auto.State).
const (
	autoOn      = "on"
	autoOff     = "off"
	autoPaused  = "paused"
	autoManaged = "managed"
	autoUnknown = "unknown"
)

// facts are the raw observations: which release this is, what the update
// machinery already knows is waiting, and whether updates install by
// themselves. No package, user or machine names.
type facts struct {
	OS string `json:"os"`
	// At is when the state was read (the probe's clock), so ages judge the
	// same on the server as on the machine.
	At      time.Time `json:"at"`
	Release release   `json:"release"`
	Updates updates   `json:"updates"`
	Auto    auto      `json:"auto"`
	Snaps   *snaps    `json:"snaps,omitempty"`
	Flatpak *flatpak  `json:"flatpak,omitempty"`
	// Errors lists what could not be read, without paths or names.
	Errors []string `json:"errors,omitempty"`
	// kernelErr is why the running kernel's release could not be read
	// (collection only: on Arch it tells a pending restart).
	kernelErr error
}

// release is the operating-system release as the end-of-life table names
// it.
type release struct {
	// Systems are the table's names for this release, most specific first
	// ("ubuntu-esm", "ubuntu"; "windows-10-esu-year2", "windows-10").
	Systems []string `json:"systems,omitempty"`
	// Version is the version the table is keyed on ("12", "22.04",
	// "23H2", "15.1").
	Version string `json:"version,omitempty"`
	// Name is the release as people read it.
	Name string `json:"name,omitempty"`
	// Build is the patch level: Linux kernel, Windows CurrentBuild.UBR,
	// macOS build.
	Build string `json:"build,omitempty"`
	// ESU says how a Windows 10 was shown enrolled in Extended Security
	// Updates: "update installed" or "licence year N".
	ESU string `json:"esu,omitempty"`
	// ESMListed is the Date of the newest list of Ubuntu Pro's ESM
	// (infra) source, with "ubuntu-esm" among Systems: ESM extends
	// support only while its list is refreshed. Nil when it could not be
	// read (or an older agent did not record it): ESM is not counted.
	ESMListed *time.Time `json:"esm_listed,omitempty"`
	// Reason says why the release could not be read.
	Reason string `json:"reason,omitempty"`
}

// updates is what the update machinery already knows is waiting.
type updates struct {
	Source string `json:"source,omitempty"`
	// Read is whether the pending security updates could be told.
	Read bool `json:"read"`
	// Security is how many security updates wait to be installed.
	Security int `json:"security"`
	// Browsers names the web browsers among them that come from their
	// maker's own package source (Google Chrome, Microsoft Edge, Brave,
	// Vivaldi, Opera, Mozilla's Firefox; apt, dnf and zypper), whose every
	// release carries security fixes.
	Browsers []string `json:"browsers,omitempty"`
	// BrowsersRead: dnf or zypper listed every waiting upgrade, so
	// browsers from their makers' repositories, which publish no security
	// advisories, were looked for (apt reads them with its lists). False
	// in an older agent's facts.
	BrowsersRead bool `json:"browsers_read,omitempty"`
	// Since: the waiting updates were published no later than this, so
	// they have waited at least since then. Nil when none wait or it
	// cannot be told.
	Since *time.Time `json:"since,omitempty"`
	// Checked is no later than the last time the list of available
	// updates was refreshed (apt: the oldest Date of the archives that
	// bring security updates, since apt keeps a list it failed to fetch;
	// the last Windows Update install, macOS's last background check).
	Checked *time.Time `json:"checked,omitempty"`
	// Installed is when the cumulative update Windows runs was installed,
	// or when it cannot be told, the newest update (Windows).
	Installed *time.Time `json:"installed,omitempty"`
	// LCU is the monthly cumulative update Windows runs, as the component
	// store records it (Windows; nil from an older agent, which judged
	// the newest installed update of any kind).
	LCU *cumulativeUpdate `json:"lcu,omitempty"`
	// Stale says the list of available updates is known to be out of
	// date (apt lists past their Valid-Until).
	Stale bool `json:"stale,omitempty"`
	// Reboot is required, not_required or unknown; RebootBy says how a
	// restart was told when it was not a flag (a newer kernel installed
	// than the one running, on apt).
	Reboot   string `json:"reboot"`
	RebootBy string `json:"reboot_by,omitempty"`
	// RebootUnread is a source that tells a pending restart which is
	// there but could not be read (a flag file or registry key denied,
	// dnf's needs-restarting failing): a restart may be due, so nothing
	// else wrong is no pass. Nil when every source answered or none is
	// there (a missing flag is no restart due).
	RebootUnread *unread `json:"reboot_unread,omitempty"`
	// CheckedUnread: when the list of available updates was last
	// refreshed is kept (Windows Update's last scan time) but could not
	// be read, so whether the list is out of date cannot be told.
	CheckedUnread *unread `json:"checked_unread,omitempty"`
	// DeferredDays is how many days after its release a configuration
	// profile lets Software Update show a macOS update (macOS only; 0:
	// not deferred, or not read). It only explains an update that is
	// out and not listed.
	DeferredDays int `json:"deferred_days,omitempty"`
	// Items are the waiting updates as far as they are told apart (macOS:
	// each recommended update's version and when it was first offered).
	Items []pendingUpdate `json:"items,omitempty"`
	// Reason says why the pending updates could not be told.
	Reason string `json:"reason,omitempty"`
	// basis says what Since was judged from (evaluation only).
	basis string
}

// cumulativeUpdate is the monthly cumulative update (LCU) Windows runs:
// the component store's installed Package_for_RollupFix package of the
// running revision (UBR).
type cumulativeUpdate struct {
	// Package names it; empty when none was found installed.
	Package string `json:"package,omitempty"`
	// Installed is when it was installed; nil when that could not be read.
	Installed *time.Time `json:"installed,omitempty"`
	// Unread says what could not be told of it, and why.
	Unread string `json:"unread,omitempty"`
}

// unread is a source that could only have added a warning, there but
// not read: what it is, as people read it ("the restart flag
// /run/reboot-required"), and why (probe.ErrorKind, or what was wrong
// with its answer).
type unread struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// pendingUpdate is one waiting update: its macOS version (empty for other
// software) and when this machine was first offered it.
type pendingUpdate struct {
	Version string     `json:"version,omitempty"`
	Offered *time.Time `json:"offered,omitempty"`
}

// auto is whether updates install by themselves.
type auto struct {
	State string `json:"state"`
	// By names the mechanism or setting that decided (unattended-upgrades,
	// AUOptions 4, WSUS, AutomaticallyInstallMacOSUpdates).
	By string `json:"by,omitempty"`
	// PausedUntil is when a pause of updates ends.
	PausedUntil *time.Time `json:"paused_until,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	// Centre is the Linux console user's software centre (discover,
	// gnome-software) and CentreSetting what its automatic updates do:
	// install, download (and wait for a person), off, not_run (on, but
	// nothing carries it out) or unread.
	Centre        string `json:"centre,omitempty"`
	CentreSetting string `json:"centre_setting,omitempty"`
	// Ostree: the system is an rpm-ostree one (Fedora Silverblue, Kinoite),
	// updated as a whole image rather than package by package.
	Ostree bool `json:"ostree,omitempty"`
	// NoCron: without systemd, apt's daily job would run from cron, and
	// no cron daemon runs.
	NoCron bool `json:"no_cron,omitempty"`
	// NoOrigins: unattended-upgrades may install from no origin
	// (Unattended-Upgrade::Origins-Pattern and Allowed-Origins both
	// empty), so it installs nothing.
	NoOrigins bool `json:"no_origins,omitempty"`
	// CronJobNotExecutable: without systemd, /etc/cron.daily/apt-compat
	// is not executable, so run-parts (cron) skips it.
	CronJobNotExecutable bool `json:"cron_job_not_executable,omitempty"`
}

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS(), At: p.Now().UTC(), Updates: updates{Reboot: rebootUnknown}, Auto: auto{State: autoUnknown}}
	switch p.GOOS() {
	case "linux":
		collectLinux(ctx, p, &f)
	case "darwin":
		collectDarwin(ctx, p, &f)
	case "windows":
		collectWindows(ctx, p, &f)
	default:
		return f, fmt.Errorf("security updates are not checked on %s", p.GOOS())
	}
	return f, nil
}

func (f *facts) addError(what string, err error) {
	f.Errors = append(f.Errors, what+": "+probe.ErrorKind(err))
}

// rebootUnread notes a source of the restart state that is there but
// could not be read: key names it in Errors, what for people, why says
// what went wrong (probe.ErrorKind). The first one noted is kept.
func (f *facts) rebootUnread(key, what, why string) {
	f.Errors = append(f.Errors, key+": "+why)
	if f.Updates.RebootUnread == nil {
		f.Updates.RebootUnread = &unread{What: what, Why: why}
	}
}

// run runs a command that must exit 0 and returns its output; a failure
// is noted in Errors.
func (f *facts) run(ctx context.Context, p probe.Probe, name probe.Command, args ...string) ([]byte, error) {
	out, err := p.Run(ctx, name, args...)
	if err == nil && out.ExitCode != 0 {
		err = fmt.Errorf("%s exited with status %d", name, out.ExitCode)
	}
	if err != nil {
		f.addError(name.String(), err)
		return nil, err
	}
	return out.Stdout, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
