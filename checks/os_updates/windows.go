package osupdates

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/internal/regquery"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Registry keys the Windows collector reads.
const (
	winCurrentVersion = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	winAUResults      = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\Results`
	winPolicy         = `HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate`
	winPolicyAU       = winPolicy + `\AU`
	winUXSettings     = `HKLM\SOFTWARE\Microsoft\WindowsUpdate\UX\Settings`
	winMDMUpdate      = `HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\Update`
	winWUService      = `HKLM\SYSTEM\CurrentControlSet\Services\wuauserv`
	winCBSPackages    = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\Packages`
)

// winLastScan is Detect LastSuccessTime, as people read it.
const winLastScan = "when Windows Update last looked for updates (Detect LastSuccessTime in the registry)"

// winRebootKeys are the keys whose mere presence says installed updates
// wait for a restart: Windows Update's (its values are GUIDs of the
// updates) and the component store's. PendingFileRenameOperations is not
// read: any installer leaves entries there, so it says nothing about
// updates. Sources: Configuration Manager's prerequisite check "Pending
// system restart" (learn.microsoft.com/mem/configmgr/core/servers/deploy/
// install/list-of-prerequisite-checks#pending-system-restart) and the
// ComputerManagementDsc PendingReboot resource, which read these keys.
// what names each for people.
var winRebootKeys = []struct{ key, what string }{
	{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired`, "Windows Update's restart flag, the RebootRequired registry key"},
	{`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`, "the component store's restart flag, the RebootPending registry key"},
}

// Windows 10 Extended Security Updates (ESU). Version 22H2 (build 19045)
// is the only release ESU covers (LTSC editions have their own lifecycle).
// The last update published to every Windows 10 PC was KB5071959
// (19045.6466, out of band on 11 November 2025, after October's
// KB5066791, 19045.6456); the first one only ESU-enrolled PCs get was
// KB5068781 (19045.6575, 11 November 2025). So a 22H2 at 6575 or beyond
// has installed an ESU update. The activation IDs are those of the ESU
// add-on licences Microsoft lists for slmgr /ato in "Enable Windows 10
// Extended Security Updates" (learn.microsoft.com/windows/whats-new/
// enable-extended-security-updates).
const (
	win10ESUBuild    = 19045
	win10FirstESUUBR = 6575
)

var win10ESULicences = map[string]int{
	"f520e45e-7413-4a34-a497-d2765967d094": 1,
	"1043add5-23b1-4afb-9a0f-64343c8f3f8d": 2,
	"83d49986-add3-41d7-ba33-87c7bfb5c0fb": 3,
}

func collectWindows(ctx context.Context, p probe.Probe, f *facts) {
	v := windowsRelease(p, f)
	windowsPending(ctx, p, f, v)
	windowsReboot(p, f)
	windowsAuto(p, f)
}

// regValue reads a registry value: found, missing (nil, nil) or an error.
func regValue(p probe.Probe, key, value string) (any, error) {
	v, err := p.Registry(key, value)
	if errors.Is(err, probe.ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func regString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

func regNumber(v any) (uint64, bool) {
	n, ok := v.(uint64)
	return n, ok
}

// windowsRelease names the release as the end-of-life table does:
// windows-10 / windows-11 (by build: Windows 11 keeps "Windows 10" in
// ProductName), -enterprise for Enterprise and Education, -ltsc and
// -iot-ltsc for the long-term channel, windows-server by build. It
// returns the version read, for the monthly update's revision (UBR).
func windowsRelease(p probe.Probe, f *facts) probe.WindowsVersion {
	var failed error
	str := func(name string) string {
		v, err := regValue(p, winCurrentVersion, name)
		if err != nil {
			f.addError("CurrentVersion "+name, err)
			if name != "ReleaseId" && failed == nil {
				failed = err // the edition and kind decide the support end
			}
		}
		return regString(v)
	}
	v := probe.WindowsVersion{ProductName: str("ProductName"), DisplayVersion: str("DisplayVersion"), CurrentBuild: str("CurrentBuild")}
	if v.DisplayVersion == "" {
		v.DisplayVersion = str("ReleaseId") // Windows 10 before 20H2
	}
	if ubr, err := regValue(p, winCurrentVersion, "UBR"); err == nil {
		v.UBR, v.HasUBR = regNumber(ubr)
	}
	edition, install := str("EditionID"), str("InstallationType")
	f.Release.Name = v.String()
	if v.CurrentBuild != "" {
		f.Release.Build = v.CurrentBuild
		if v.HasUBR {
			f.Release.Build += "." + strconv.FormatUint(v.UBR, 10)
		}
	}
	build, err := strconv.Atoi(v.CurrentBuild)
	switch {
	case failed != nil:
		f.Release.Reason = "Windows's version or edition could not be read from the registry (" + probe.ErrorKind(failed) + ")"
		return v
	case err != nil:
		f.Release.Reason = "Windows's version (CurrentBuild in the registry) could not be read"
		return v
	}
	if strings.EqualFold(install, "Server") || strings.Contains(v.ProductName, "Server") {
		f.Release.Systems, f.Release.Version = []string{"windows-server"}, v.CurrentBuild
		return v
	}
	base := "windows-10"
	if build >= 22000 {
		base = "windows-11"
	}
	f.Release.Version = v.DisplayVersion
	e := strings.ToLower(edition)
	switch {
	case strings.HasPrefix(e, "iotenterprises"):
		f.Release.Systems = []string{base + "-iot-ltsc"}
	case strings.HasPrefix(e, "enterprises"):
		f.Release.Systems = []string{base + "-ltsc"}
	case strings.HasPrefix(e, "enterprise") || strings.HasPrefix(e, "education") || strings.HasPrefix(e, "iotenterprise"):
		f.Release.Systems = []string{base + "-enterprise", base}
	default:
		f.Release.Systems = []string{base}
	}
	if base == "windows-10" && build == win10ESUBuild && !strings.HasSuffix(f.Release.Systems[0], "ltsc") {
		windowsESU(p, f, v)
	}
	return v
}

// windowsESU tells a Windows 10 22H2 enrolled in Extended Security
// Updates, from evidence only: an update only ESU PCs get is installed
// (the build), or else an ESU licence is activated (LicenseStatus 1; the
// WMI class is read only then, as it is slow). Neither: the release is
// judged as Windows 10, whose support has ended unless the policy says
// otherwise.
func windowsESU(p probe.Probe, f *facts, v probe.WindowsVersion) {
	if v.HasUBR && v.UBR >= win10FirstESUUBR {
		f.Release.ESU = esuByUpdate
		f.Release.Systems = append([]string{"windows-10-esu"}, f.Release.Systems...)
		return
	}
	rows, err := p.WMI("root/cimv2", "SoftwareLicensingProduct")
	if err != nil {
		f.addError("ESU licence", err)
		return
	}
	if year := esuLicenceYear(rows); year > 0 {
		f.Release.ESU = fmt.Sprintf("licence year %d", year)
		f.Release.Systems = append([]string{fmt.Sprintf("windows-10-esu-year%d", year)}, f.Release.Systems...)
	}
}

// esuByUpdate is Release.ESU for a PC shown enrolled by its build.
const esuByUpdate = "update installed"

// esuLicenceYear is the latest ESU year whose licence is activated
// (LicenseStatus 1, "licensed"; a key installed but not activated is 0 or
// a grace state), 0 when none is.
func esuLicenceYear(rows []map[string]any) int {
	year := 0
	for _, r := range rows {
		id, _ := r["ID"].(string)
		status, ok := probe.AsInt(r["LicenseStatus"])
		if y := win10ESULicences[strings.ToLower(strings.Trim(id, "{} "))]; y > year && ok && status == 1 {
			year = y
		}
	}
	return year
}

// windowsReboot: either key present means a restart is due; both absent,
// none is; a key that could not be opened leaves it unknown and unread (a
// denied key may well be there).
func windowsReboot(p probe.Probe, f *facts) {
	var failed error
	for _, k := range winRebootKeys {
		ok, err := probe.RegistryKeyExists(p, k.key)
		switch {
		case err != nil:
			f.rebootUnread("restart flag", k.what, probe.ErrorKind(err))
			failed = err
		case ok:
			f.Updates.Reboot = rebootIsRequired
			return
		}
	}
	if failed == nil {
		f.Updates.Reboot = rebootNotRequired
	}
}

// patchTuesday is the most recent monthly security release at or before
// t: the second Tuesday of the month, published at 17:00 UTC.
func patchTuesday(t time.Time) time.Time {
	t = t.UTC()
	for m := 0; m < 2; m++ {
		first := time.Date(t.Year(), t.Month()-time.Month(m), 1, 17, 0, 0, 0, time.UTC)
		d := first.AddDate(0, 0, (int(time.Tuesday)-int(first.Weekday())+7)%7+7)
		if !d.After(t) {
			return d
		}
	}
	return time.Time{}
}

// parseInstalledOn reads Win32_QuickFixEngineering.InstalledOn: M/D/YYYY
// as the provider writes it since Windows 7 whatever the locale (Get-HotFix
// parses it with the invariant culture), YYYYMMDD, or a hexadecimal
// FILETIME (older systems). ok is false for anything else.
func parseInstalledOn(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("1/2/2006", s); err == nil {
		return t, true
	}
	if t, err := time.Parse("20060102", s); err == nil {
		return t, true
	}
	if len(s) == 16 {
		if n, err := strconv.ParseUint(s, 16, 64); err == nil {
			return fileTime(n)
		}
	}
	return time.Time{}, false
}

// fileTime reads a FILETIME: 100-nanosecond intervals since 1 January
// 1601 UTC. ok is false for one before 1970.
func fileTime(n uint64) (time.Time, bool) {
	const epochDiff = 116444736000000000 // 1601 → 1970 in 100 ns
	if n <= epochDiff {
		return time.Time{}, false
	}
	return time.Unix(0, int64(n-epochDiff)*100).UTC(), true
}

// Component store package states (a package key's CurrentState): 0x70
// installed, 0x80 permanent (installed for good); the others (0x40
// staged, 0x50 superseded, 0x60 install pending, …) are not what runs.
const (
	cbsInstalled = 0x70
	cbsPermanent = 0x80
)

// rollupFixPrefix begins the component store's name of a monthly
// cumulative update: Package_for_RollupFix~<key>~<arch>~~<build>.<UBR>.<n>.<n>.
const rollupFixPrefix = "Package_for_RollupFix~"

// rollupFixPackages lists, from `reg query` of the component store's
// package key (regquery: the key, then a line per subkey with its full
// path), the cumulative update packages whose revision is ubr. Only the
// revision is compared: an enablement release runs the packages of the
// release it enables (25H2, build 26200, runs 26100.<UBR> ones). ok is
// false when the output is not reg's or names no package of the key at
// all (an answer not recognised).
func rollupFixPackages(out string, ubr uint64) (names []string, ok bool) {
	keys, err := regquery.Parse(out)
	if err != nil {
		return nil, false
	}
	parent := regquery.NormaliseRoot(winCBSPackages) + `\`
	for _, k := range keys {
		if len(k.Path) <= len(parent) || !strings.EqualFold(k.Path[:len(parent)], parent) {
			continue
		}
		name := k.Path[len(parent):]
		if strings.Contains(name, `\`) {
			continue
		}
		ok = true
		if r, isLCU := rollupFixRevision(name); isLCU && r == ubr {
			names = append(names, name)
		}
	}
	return names, ok
}

// rollupFixRevision is the revision (UBR) a Package_for_RollupFix
// package installs: the second part of its version.
func rollupFixRevision(name string) (uint64, bool) {
	if len(name) <= len(rollupFixPrefix) || !strings.EqualFold(name[:len(rollupFixPrefix)], rollupFixPrefix) {
		return 0, false
	}
	parts := strings.Split(name, "~")
	if len(parts) != 5 {
		return 0, false
	}
	version := strings.Split(parts[4], ".")
	if len(version) != 4 {
		return 0, false
	}
	r, err := strconv.ParseUint(version[1], 10, 64)
	return r, err == nil
}

// windowsLCU finds the monthly cumulative update Windows runs: an
// installed (or permanent) Package_for_RollupFix package of the running
// revision, UBR, and when it was installed (InstallTimeHigh and
// InstallTimeLow, a FILETIME). The registry interface cannot list
// subkeys, so the package names come from `reg query`. Where that cannot
// be told, Unread says why.
func windowsLCU(ctx context.Context, p probe.Probe, f *facts, v probe.WindowsVersion) *cumulativeUpdate {
	lcu := &cumulativeUpdate{}
	if !v.HasUBR {
		lcu.Unread = "the revision of Windows that runs (UBR in the registry) could not be read"
		return lcu
	}
	out, err := f.run(ctx, p, probe.CmdReg, "query", winCBSPackages)
	if err != nil {
		lcu.Unread = "the component store's list of packages (reg query) could not be read: " + probe.ErrorKind(err)
		return lcu
	}
	names, ok := rollupFixPackages(probe.ConsoleText(p, out), v.UBR)
	if !ok {
		f.Errors = append(f.Errors, "component store packages: not recognised")
		lcu.Unread = "the component store's list of packages (reg query) was not recognised"
		return lcu
	}
	var failed error
	for _, name := range names {
		key := winCBSPackages + `\` + name
		state, err := regValue(p, key, "CurrentState")
		if n, isNumber := regNumber(state); err != nil || !isNumber || (n != cbsInstalled && n != cbsPermanent) {
			failed = cmp.Or(failed, err)
			continue
		}
		lcu.Package = name
		t, err := packageInstallTime(p, key)
		if err != nil {
			failed = cmp.Or(failed, err)
			continue
		}
		if lcu.Installed == nil || t.After(*lcu.Installed) {
			lcu.Installed = timePtr(t)
		}
	}
	switch {
	case lcu.Installed != nil:
		lcu.Unread = ""
	case lcu.Package != "":
		lcu.Unread = "when the cumulative update " + lcu.Package + " was installed could not be read (InstallTimeHigh, InstallTimeLow: " + probe.ErrorKind(failed) + ")"
	case failed != nil:
		lcu.Unread = fmt.Sprintf("whether the cumulative update of revision %d is installed could not be read (CurrentState: %s)", v.UBR, probe.ErrorKind(failed))
	default:
		lcu.Unread = fmt.Sprintf("no installed cumulative update package (Package_for_RollupFix) of the running revision, %d, is in the component store", v.UBR)
	}
	if failed != nil {
		f.addError("cumulative update package", failed)
	}
	return lcu
}

// packageInstallTime reads a component store package's install time,
// kept as the two halves of a FILETIME.
func packageInstallTime(p probe.Probe, key string) (time.Time, error) {
	var halves [2]uint64
	for i, name := range []string{"InstallTimeHigh", "InstallTimeLow"} {
		v, err := p.Registry(key, name)
		if err != nil {
			return time.Time{}, err
		}
		n, ok := regNumber(v)
		if !ok || n > 0xFFFFFFFF {
			return time.Time{}, fmt.Errorf("%s %v: not recognised", name, v)
		}
		halves[i] = n
	}
	t, ok := fileTime(halves[0]<<32 | halves[1])
	if !ok {
		return time.Time{}, errors.New("not recognised")
	}
	return t, nil
}

// windowsPending judges the monthly security release: Microsoft publishes
// Windows's security fixes as one cumulative update (LCU) on the second
// Tuesday of each month. The LCU that runs is the component store's
// Package_for_RollupFix package of the running revision (UBR): installed
// at or after the latest release, that month's update is in; before it,
// that update has waited since its release. Where the LCU cannot be told
// apart, the installed updates (Win32_QuickFixEngineering, which lists
// every component store update: the .NET Framework's cumulative update
// too, never Defender's definitions) can show the month's update waiting
// (none dated since the release), never that it is in: any of them may
// be another update, the LCU having failed and rolled back. Without that
// list, the last successful install time can likewise only show the
// update waiting.
func windowsPending(ctx context.Context, p probe.Probe, f *facts, version probe.WindowsVersion) {
	f.Updates.Source = sourceWindowsUpdate
	due := patchTuesday(f.At)
	// Missing (Windows 11 may not write it): no staleness to judge.
	// Denied: whether the list is stale cannot be told.
	switch v, err := regValue(p, winAUResults+`\Detect`, "LastSuccessTime"); {
	case err != nil:
		f.addError("Windows Update last scan", err)
		f.Updates.CheckedUnread = &unread{What: winLastScan, Why: probe.ErrorKind(err)}
	case v != nil:
		t, ok := parseWUTime(regString(v))
		if !ok {
			f.Errors = append(f.Errors, "Windows Update last scan: not recognised")
			f.Updates.CheckedUnread = &unread{What: winLastScan, Why: "not recognised"}
			break
		}
		f.Updates.Checked = timePtr(t)
	}
	lcu := windowsLCU(ctx, p, f, version)
	f.Updates.LCU = lcu
	if lcu.Installed != nil {
		f.Updates.Read, f.Updates.Installed = true, lcu.Installed
		if lcu.Installed.Before(due) {
			f.Updates.Security, f.Updates.Since = 1, timePtr(due)
		}
		return
	}
	rows, err := p.WMI("root/cimv2", "Win32_QuickFixEngineering")
	var newest time.Time
	if err == nil {
		for _, r := range rows {
			s, _ := r["InstalledOn"].(string)
			if t, ok := parseInstalledOn(s); ok && t.After(newest) {
				newest = t
			}
		}
		if newest.IsZero() {
			err = fmt.Errorf("no installed update carries a date SessionGuard reads")
		}
	}
	if err != nil {
		f.addError("installed updates", err)
		v, rerr := regValue(p, winAUResults+`\Install`, "LastSuccessTime")
		t, ok := parseWUTime(regString(v))
		if rerr == nil && ok && t.Before(due) {
			f.Updates.Read, f.Updates.Security, f.Updates.Since = true, 1, timePtr(due)
			f.Updates.Installed = timePtr(t)
			return
		}
		f.Updates.Reason = "the list of installed Windows updates could not be read (" + probe.ErrorKind(err) + ")"
		return
	}
	// The list shows this month's update waiting, or nothing waiting by
	// its lights, which evaluation holds unproven (lcuUnproven) without
	// the cumulative update's own install time. InstalledOn is a local
	// date: the day of the release counts.
	f.Updates.Read, f.Updates.Installed = true, timePtr(newest)
	if newest.Before(time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)) {
		f.Updates.Security, f.Updates.Since = 1, timePtr(due)
	}
}

// parseWUTime reads Windows Update's "2026-11-12 09:14:03" (UTC).
func parseWUTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateTime, s)
	return t, err == nil
}

// windowsAuto reads the Windows Update service and policy: the service
// disabled or the policy off (NoAutoUpdate, AUOptions 2, 3 or 7) is off;
// a pause in force is paused; WSUS or an MDM's Update policy is managed;
// otherwise Windows installs updates by itself.
func windowsAuto(p probe.Probe, f *facts) {
	var failed error
	read := func(key, value string) any {
		v, err := regValue(p, key, value)
		if err != nil {
			f.addError("Windows Update "+value, err)
			if failed == nil {
				failed = err
			}
		}
		return v
	}
	start, noAuto, options := read(winWUService, "Start"), read(winPolicyAU, "NoAutoUpdate"), read(winPolicyAU, "AUOptions")
	server, useServer, mdm := read(winPolicy, "WUServer"), read(winPolicyAU, "UseWUServer"), read(winMDMUpdate, "AllowAutoUpdate")
	var paused time.Time
	for _, name := range []string{"PauseUpdatesExpiryTime", "PauseQualityUpdatesEndTime"} {
		if t, err := time.Parse(time.RFC3339, regString(read(winUXSettings, name))); err == nil && t.After(paused) {
			paused = t
		}
	}
	n := func(v any) int {
		x, ok := regNumber(v)
		if !ok {
			return -1
		}
		return int(x)
	}
	switch {
	case n(start) == 4:
		f.Auto.State, f.Auto.By = autoOff, "the Windows Update service is disabled"
	case n(noAuto) == 1:
		f.Auto.State, f.Auto.By = autoOff, "a policy turns automatic updates off (NoAutoUpdate)"
	case n(options) == 2 || n(options) == 3 || n(options) == 7:
		f.Auto.State, f.Auto.By = autoOff, fmt.Sprintf("a policy makes Windows wait for someone to install updates (AUOptions %d)", n(options))
	case n(mdm) == 5:
		f.Auto.State, f.Auto.By = autoOff, "a device-management policy turns automatic updates off (AllowAutoUpdate 5)"
	case paused.After(f.At):
		f.Auto.State, f.Auto.By, f.Auto.PausedUntil = autoPaused, "paused in Settings", timePtr(paused)
	case failed != nil:
		f.Auto.Reason = "Windows Update's settings could not be read (" + probe.ErrorKind(failed) + ")"
	case regString(server) != "" && n(useServer) == 1:
		f.Auto.State, f.Auto.By = autoManaged, "WSUS"
	case mdm != nil:
		f.Auto.State, f.Auto.By = autoManaged, "device management (MDM Update policy)"
	case n(options) == 4:
		f.Auto.State, f.Auto.By = autoOn, "AUOptions 4"
	default:
		f.Auto.State, f.Auto.By = autoOn, "Windows Update's default"
	}
}
