package antivirus

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/internal/wsc"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// WMI sources on Windows.
const (
	wscNamespace      = "root/SecurityCenter2"
	wscClass          = "AntiVirusProduct"
	defenderNamespace = "root/Microsoft/Windows/Defender"
	defenderClass     = "MSFT_MpComputerStatus"
	// The product type: registry value (WinNT, ServerNT, LanmanNT), else
	// Win32_OperatingSystem.ProductType (1, 3, 2).
	productOptionsKey = `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`
	osNamespace       = "root/cimv2"
	osClass           = "Win32_OperatingSystem"
)

// Defender's "never updated" signature ages (uint16 and uint32 all ones).
const (
	sentinelAge16 = 65535
	sentinelAge32 = 4294967295
)

func collectWindows(ctx context.Context, p probe.Probe) (*windowsFacts, error) {
	wf := &windowsFacts{}
	if err := ctx.Err(); err != nil {
		return wf, err
	}
	rows, err := p.WMI(wscNamespace, wscClass)
	if err != nil {
		wf.SecurityCenterError = errKind(err)
	} else {
		wf.SecurityCenter = parseWSCRows(rows)
	}
	drows, err := p.WMI(defenderNamespace, defenderClass)
	switch {
	case err != nil:
		wf.DefenderError = errKind(err)
	case len(drows) == 0:
		wf.DefenderError = "not_found"
	default:
		wf.Defender = parseDefenderStatus(drows[0], p.Now())
	}
	if slices.ContainsFunc(wf.SecurityCenter, listedOnByAnother) {
		findReporting(wf.SecurityCenter, p)
	}
	if wf.Defender != nil || slices.ContainsFunc(wf.SecurityCenter, func(p wscProduct) bool { return p.Microsoft }) {
		prefs, err := p.WMI(defenderNamespace, mpPreferenceClass)
		wf.DefenderExclusions = collectExclusions(p, prefs, err)
		wf.DefenderCloud = readCloudSettings(prefs, err)
	}
	if wf.SecurityCenterError == "not_found" {
		wf.Edition, wf.EditionError = windowsEdition(p)
	}
	return wf, nil
}

// windowsEdition reads the product type: workstation, server or
// domain_controller. Only the product type says "Windows Server"; a missing
// Security Center namespace does not.
func windowsEdition(p probe.Probe) (string, string) {
	var errs []string
	v, err := p.Registry(productOptionsKey, "ProductType")
	if err == nil {
		s, _ := v.(string)
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "winnt":
			return "workstation", ""
		case "servernt":
			return "server", ""
		case "lanmannt":
			return "domain_controller", ""
		}
		errs = append(errs, "ProductType "+strconv.Quote(s)+" not recognised")
	} else {
		errs = append(errs, "ProductType: "+errKind(err))
	}
	rows, err := p.WMI(osNamespace, osClass)
	if err == nil && len(rows) > 0 {
		n, _ := probe.AsInt(rows[0]["ProductType"])
		switch n {
		case 1:
			return "workstation", ""
		case 2:
			return "domain_controller", ""
		case 3:
			return "server", ""
		}
		errs = append(errs, "Win32_OperatingSystem.ProductType not recognised")
	} else {
		errs = append(errs, "Win32_OperatingSystem: "+orDash(errKind(err)))
	}
	return "", strings.Join(errs, "; ")
}

// parseWSCRows decodes Security Center AntiVirusProduct rows.
func parseWSCRows(rows []map[string]any) []wscProduct {
	out := make([]wscProduct, 0, len(rows))
	for _, row := range rows {
		var prod wscProduct
		prod.Name, _ = probe.AsString(row["displayName"])
		prod.InstanceGUID, _ = probe.AsString(row["instanceGuid"])
		product, _ := probe.AsString(row["pathToSignedProductExe"])
		prod.ProductExe = hideWindowsProfile(strings.TrimSpace(product))
		prod.reportingPath, _ = probe.AsString(row["pathToSignedReportingExe"])
		prod.reportingPath = strings.Trim(strings.TrimSpace(prod.reportingPath), `"`)
		prod.ReportingExe = hideWindowsProfile(prod.reportingPath)
		if s, ok := probe.AsString(row["timestamp"]); ok {
			if t, ok := parseWSCTime(s); ok {
				prod.Timestamp = t.Format(time.RFC3339)
			}
		}
		n, ok := probe.AsInt(row["productState"])
		if !ok {
			prod.State = string(wsc.Unrecognised)
			out = append(out, prod)
			continue
		}
		d := wsc.Decode(n)
		prod.ProductState, prod.State, prod.SignaturesUpToDate, prod.Microsoft = n, string(d.State), d.SignaturesUpToDate, d.Microsoft
		out = append(out, prod)
	}
	return out
}

// parseWSCTime reads a Security Center row's timestamp, which Windows
// writes as an HTTP date ("Fri, 30 Oct 2026 07:12:44 GMT").
func parseWSCTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return parseWMITime(s)
}

// findReporting tells, for each product of another vendor than Microsoft
// listed as on, whether the program that reports its state to Security Center runs: a
// product uninstalled without unregistering, or a row an update left
// behind, keeps saying "on" with nothing behind it. The program is
// matched by its full path (the SYSTEM account's %variables% expanded); a
// process of that name whose path could not be read leaves it unknown.
func findReporting(products []wscProduct, p probe.Probe) {
	procs, err := p.Processes()
	procErr := errKind(err)
	drive := readSystemDrive(p)
	for i := range products {
		prod := &products[i]
		if !listedOnByAnother(*prod) {
			continue
		}
		running, unread := reportingRuns(prod.reportingPath, procs, procErr, drive)
		if unread != "" {
			prod.ReportingUnread = unread
		} else {
			prod.ReportingRunning = &running
		}
	}
}

// listedOnByAnother: a product of another vendor than Microsoft that
// Security Center lists as on.
func listedOnByAnother(p wscProduct) bool {
	return !p.Microsoft && p.State == string(wsc.On)
}

// reportingRuns looks for the program at path (as Security Center wrote
// it) in the process list; unread says why that could not be told.
func reportingRuns(path string, procs []probe.Process, procErr, drive string) (running bool, unread string) {
	if path == "" {
		return false, "Security Center names no program reporting its state (pathToSignedReportingExe)"
	}
	full, ok := expandSystemVariables(path, drive)
	if !ok {
		return false, "its reporting program " + hideWindowsProfile(path) + " names a folder variable SessionGuard cannot resolve (or the system drive, from SystemRoot, was not read)"
	}
	if procErr != "" {
		return false, "the process list, to see whether its program runs, could not be read: " + procErr
	}
	want := winParts(full)
	if len(want) < 2 {
		return false, "its reporting program " + strconv.Quote(path) + " is not a full path"
	}
	base := want[len(want)-1]
	nameOnly := false
	for _, proc := range procs {
		switch {
		case proc.Exe != "" && slices.Equal(winParts(proc.Exe), want):
			return true, ""
		case proc.Exe == "" && strings.EqualFold(proc.Name, base):
			nameOnly = true
		}
	}
	if nameOnly {
		return false, "a process named " + base + " runs, but its program's path could not be read to tell whether it is " + hideWindowsProfile(path)
	}
	return false, ""
}

// readSystemDrive is the system drive (C:) from SystemRoot; "" when unread.
func readSystemDrive(p probe.Probe) string {
	root, err := p.Registry(windowsNTKey, "SystemRoot")
	if s, ok := root.(string); err == nil && ok && len(s) >= 2 && s[1] == ':' {
		return strings.ToUpper(s[:2])
	}
	return ""
}

// parseDefenderStatus reads one MSFT_MpComputerStatus row; now is the
// probe's clock, for the signature age.
func parseDefenderStatus(row map[string]any, now time.Time) *defenderStatus {
	d := &defenderStatus{}
	boolOf := func(name string) *bool {
		if v, ok := probe.AsBool(row[name]); ok {
			return &v
		}
		return nil
	}
	d.AMServiceEnabled = boolOf("AMServiceEnabled")
	d.AntivirusEnabled = boolOf("AntivirusEnabled")
	d.RealTimeProtectionEnabled = boolOf("RealTimeProtectionEnabled")
	d.OnAccessProtectionEnabled = boolOf("OnAccessProtectionEnabled")
	d.IoavProtectionEnabled = boolOf("IoavProtectionEnabled")
	d.BehaviorMonitorEnabled = boolOf("BehaviorMonitorEnabled")
	d.TamperProtected = boolOf("IsTamperProtected")
	d.AMRunningMode, _ = probe.AsString(row["AMRunningMode"])
	d.AMRunningMode = strings.TrimSpace(d.AMRunningMode)
	if age, ok := probe.AsInt(row["AntivirusSignatureAge"]); ok {
		d.SignatureAgeRaw = &age
		if age == sentinelAge16 || age == sentinelAge32 || age < 0 {
			d.NeverUpdated = true
		}
	}
	if s, ok := probe.AsString(row["AntivirusSignatureLastUpdated"]); ok {
		if t, ok := parseWMITime(s); ok {
			if t.Year() < 1990 {
				d.NeverUpdated = true
			} else {
				d.SignatureLastUpdated = t.UTC().Format(time.RFC3339)
				if !d.NeverUpdated {
					d.SignatureAgeDays = ageDays(now, t)
				}
			}
		}
	}
	if d.SignatureAgeDays == nil && !d.NeverUpdated && d.SignatureAgeRaw != nil {
		d.SignatureAgeDays = ptr(float64(*d.SignatureAgeRaw))
	}
	return d
}

// readCloudSettings reads Defender's cloud protection settings from its
// MSFT_MpPreference rows (err: why they could not be read).
func readCloudSettings(rows []map[string]any, err error) *defenderCloud {
	switch {
	case err != nil:
		return &defenderCloud{Unread: mpPreferenceClass + " could not be read: " + errKind(err)}
	case len(rows) == 0:
		return &defenderCloud{Unread: mpPreferenceClass + " has no row"}
	}
	c := &defenderCloud{}
	if n, ok := probe.AsInt(rows[0]["MAPSReporting"]); ok {
		c.MAPSReporting = &n
	}
	if n, ok := probe.AsInt(rows[0]["SubmitSamplesConsent"]); ok {
		c.SubmitSamplesConsent = &n
	}
	if b, ok := probe.AsBool(rows[0]["DisableBlockAtFirstSeen"]); ok {
		c.BlockAtFirstSeenDisabled = &b
	}
	return c
}

// parseWMITime reads a WMI datetime: the CIM form
// "20261120091500.000000+000" (offset in minutes), RFC 3339, or the
// "/Date(ms)/" form PowerShell's JSON uses.
func parseWMITime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if ms, ok := strings.CutPrefix(s, "/Date("); ok {
		ms, _, _ = strings.Cut(ms, ")")
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.UnixMilli(n).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if len(s) == 25 && s[14] == '.' && (s[21] == '+' || s[21] == '-') {
		t, err := time.Parse("20060102150405", s[:14])
		if err != nil {
			return time.Time{}, false
		}
		off, err := strconv.Atoi(s[22:])
		if err != nil {
			return time.Time{}, false
		}
		if s[21] == '-' {
			off = -off
		}
		return t.Add(-time.Duration(off) * time.Minute).UTC(), true
	}
	return time.Time{}, false
}

// ageDays is now − t in days, rounded to hundredths, never negative.
func ageDays(now, t time.Time) *float64 {
	d := now.Sub(t).Hours() / 24
	if d < 0 {
		d = 0
	}
	d = math.Round(d*100) / 100
	return &d
}

// active reports whether Defender protects in real time: service,
// anti-virus and real-time protection on, and not in passive, EDR block or
// side-by-side passive mode. ok is false when a needed value is missing.
func (d *defenderStatus) active() (active, ok bool) {
	if d.AMServiceEnabled == nil || d.AntivirusEnabled == nil || d.RealTimeProtectionEnabled == nil {
		return false, false
	}
	if !*d.AMServiceEnabled || !*d.AntivirusEnabled || !*d.RealTimeProtectionEnabled {
		return false, true
	}
	return !d.passive(), true
}

// passive reports a running mode other than Normal (older Defender
// versions have no AMRunningMode: they are always Normal).
func (d *defenderStatus) passive() bool {
	m := strings.ToLower(d.AMRunningMode)
	return m != "" && m != "normal"
}
