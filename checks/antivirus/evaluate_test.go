package antivirus

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func TestEvaluate(t *testing.T) {
	yes, no := new(true), new(false)
	age := func(d float64) *float64 { return &d }
	defender := func(mode string, rtp *bool, days *float64) *defenderStatus {
		return &defenderStatus{AMServiceEnabled: yes, AntivirusEnabled: yes, RealTimeProtectionEnabled: rtp, AMRunningMode: mode, SignatureAgeDays: days, TamperProtected: yes}
	}
	one, two := int64(1), int64(2)
	zero := int64(0)
	cloudOn := &defenderCloud{MAPSReporting: &two, SubmitSamplesConsent: &one, BlockAtFirstSeenDisabled: no} // Windows 11's defaults
	tamperOff := defender("Normal", yes, age(0.5))
	tamperOff.TamperProtected = no
	defOff := wscProduct{Name: "Windows Defender", ProductState: 393472, State: "off", SignaturesUpToDate: true, Microsoft: true}
	defOn := wscProduct{Name: "Windows Defender", ProductState: 397568, State: "on", SignaturesUpToDate: true, Microsoft: true}
	noExclusions := &defenderExclusions{Folder: "~"}
	eset := wscProduct{Name: "ESET Security", ProductState: 266240, State: "on", SignaturesUpToDate: true, ProductExe: `C:\Program Files\ESET\ESET Security\ecmds.exe`, ReportingRunning: yes}
	esetAt := func(ts, state string, running *bool) wscProduct {
		p := eset
		p.Timestamp, p.State, p.ReportingRunning = ts, state, running
		return p
	}
	esetOldAgent := wscProduct{Name: "ESET Security", ProductState: 266240, State: "on", SignaturesUpToDate: true}
	esetNotRunning := esetAt("", "on", no)
	esetUnread := esetAt("", "on", nil)
	esetUnread.ReportingUnread = "the process list, to see whether its program runs, could not be read: access_denied"
	clam := func(days float64, running *bool) *clamAVFacts {
		return &clamAVFacts{DatabaseDir: defaultClamDBDir, Daily: &cvdInfo{Version: 27830, BuildTime: "2026-11-20T07:41:00Z", Source: "header"}, DatabaseAgeDays: age(days), ClamdInstalled: true, ClamdRunning: running}
	}
	onAccess := func(c *clamAVFacts, clamonacc *bool) *clamAVFacts {
		c.OnAccessIncludePaths = []string{"/home"}
		c.OnAccessPrevention = true
		c.ClamonaccRunning = clamonacc
		if clamonacc == nil {
			c.ClamonaccError = "process list: unavailable"
		}
		if clamonacc != nil && *clamonacc {
			c.OnAccess = &onAccessFacts{Config: "/etc/clamav/clamd.conf", Folder: "~"}
		}
		return c
	}
	gap := func(oa onAccessFacts) *clamAVFacts {
		c := onAccess(clam(2, yes), yes)
		c.OnAccess = &oa
		return c
	}
	confDenied := func(c *clamAVFacts) *clamAVFacts {
		c.ClamdConf, c.ClamdConfError = "/etc/clamav/clamd.conf", "access_denied"
		return c
	}
	edr := func(id string, running *bool, status string) endpointFacts {
		p := productByID(id)
		e := endpointFacts{Product: id, Name: p.Name, Installed: true, Running: running, Status: status}
		if running != nil && *running {
			e.Agent = p.Dirs[0] + "/" + p.Agents[0]
		}
		if status == "" && p.Status != nil {
			e.StatusError = "falconctl: access_denied"
		}
		return e
	}
	bitdefender := func(contentDays *float64, contentErr string) endpointFacts {
		e := edr("bitdefender", yes, statusProtecting)
		e.StatusDetail, e.ContentAgeDays, e.ContentError = "Antimalware status: On", contentDays, contentErr
		return e
	}
	linux := func(c *clamAVFacts, es ...endpointFacts) facts {
		return facts{OS: "linux", Linux: &linuxFacts{ClamAV: c, MDATPError: "not_found", Endpoint: es}}
	}
	mdatpLinux := func(h *mdatpHealth) facts {
		return facts{OS: "linux", Linux: &linuxFacts{MDATP: h}}
	}
	warnPolicy := checks.Catalogue{Check}.Default()
	warnPolicy = warnPolicy.With("antivirus_missing", checks.Warn)
	strict := checks.Catalogue{Check}.Default()
	strict = strict.With("antivirus_max_signature_age_days", 1)

	tests := []struct {
		name    string
		f       facts
		pol     checks.Policy
		want    checks.Status
		summary string // substring
		fix     string // substring
	}{
		{"windows defender current", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: noExclusions, DefenderCloud: cloudOn}}, checks.Catalogue{Check}.Default(), checks.Pass, "Microsoft Defender is on", ""},
		{"windows defender current, tamper protection off", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: tamperOff, DefenderExclusions: noExclusions, DefenderCloud: cloudOn}}, checks.Catalogue{Check}.Default(), checks.Warn, "tamper protection is off", "Tamper Protection"},
		{"windows defender current, cloud protection off", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: noExclusions, DefenderCloud: &defenderCloud{MAPSReporting: &zero, SubmitSamplesConsent: &one, BlockAtFirstSeenDisabled: no}}}, checks.Catalogue{Check}.Default(), checks.Warn, "cloud-delivered protection is off", "Cloud-delivered protection"},
		{"windows defender current, block at first sight off", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: noExclusions, DefenderCloud: &defenderCloud{MAPSReporting: &two, SubmitSamplesConsent: &one, BlockAtFirstSeenDisabled: yes}}}, checks.Catalogue{Check}.Default(), checks.Warn, "block at first sight is turned off", "Automatic sample submission"},
		{"windows defender current, samples never sent", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: noExclusions, DefenderCloud: &defenderCloud{MAPSReporting: &two, SubmitSamplesConsent: &two, BlockAtFirstSeenDisabled: no}}}, checks.Catalogue{Check}.Default(), checks.Warn, "automatic sample submission is off", "Automatic sample submission"},
		{"windows defender current, older agent without cloud settings", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: noExclusions}}, checks.Catalogue{Check}.Default(), checks.Unknown, "tamper protection and cloud protection", ""},
		{"windows defender current, cloud settings unread", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: noExclusions, DefenderCloud: &defenderCloud{Unread: "MSFT_MpPreference could not be read: access_denied"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "tamper protection and cloud protection", ""},
		{"windows defender 7 days is still current", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(7)), DefenderExclusions: noExclusions, DefenderCloud: cloudOn}}, checks.Catalogue{Check}.Default(), checks.Pass, "up to date", ""},
		{"windows defender 1.5 days under a 1-day policy", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(1.5))}}, strict, checks.Warn, "1 day old", "Check for updates"},
		{"windows WSC says on but Defender says real-time off", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", no, age(0.5))}}, checks.Catalogue{Check}.Default(), checks.Fail, "real-time protection is off", "Real-time protection"},
		{"windows passive Defender beside ESET", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOff, eset}, Defender: defender("Passive Mode", no, age(0.5))}}, checks.Catalogue{Check}.Default(), checks.Pass, "ESET Security is on", ""},
		{"windows EDR block mode alone", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOff}, Defender: defender("EDR Block Mode", no, age(0.5))}}, checks.Catalogue{Check}.Default(), checks.Fail, "passive mode (EDR Block Mode)", "IT support"},
		{"windows Defender status unreadable, WSC Defender on: tamper protection unread", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, DefenderError: "access_denied", DefenderExclusions: noExclusions, DefenderCloud: cloudOn}}, checks.Catalogue{Check}.Default(), checks.Unknown, "tamper protection", ""},
		{"windows WSC Defender on, exclusions over the home", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, DefenderError: "access_denied", DefenderExclusions: &defenderExclusions{Folder: "~", Paths: 1, Gaps: []exclusionGap{{Kind: "home", Value: "~"}}}}}, checks.Catalogue{Check}.Default(), checks.Warn, "your whole user folder", "Add or remove exclusions"},
		{"windows WSC Defender on, exclusions unread", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, DefenderError: "access_denied", DefenderExclusions: &defenderExclusions{Unread: "access_denied"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"windows old signatures stand beside unread exclusions", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(1.5)), DefenderExclusions: &defenderExclusions{Unread: "access_denied"}}}, strict, checks.Warn, "1 day old", "Check for updates"},
		{"windows old signatures and an excluded extension", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(1.5)), DefenderExclusions: &defenderExclusions{Extensions: 1, Gaps: []exclusionGap{{Kind: "extension", Value: ".pdf"}}}}}, strict, checks.Warn, "1 day old. Also, its exclusions leave files unscanned: every .pdf file.", "Add or remove exclusions"},
		{"windows exclusion with an unknown variable", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, age(0.5)), DefenderExclusions: &defenderExclusions{Paths: 1, Unresolved: []string{`%ONEDRIVE%\x`}}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"windows ESET on, Defender's exclusions unread, passive", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOff, eset}, Defender: defender("Passive Mode", no, age(0.5)), DefenderExclusions: &defenderExclusions{Unread: "access_denied"}}}, checks.Catalogue{Check}.Default(), checks.Pass, "ESET Security is on", ""},
		{"windows third party on, older agent's facts", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOff, esetOldAgent}, Defender: defender("Passive Mode", no, age(0.5))}}, checks.Catalogue{Check}.Default(), checks.Unknown, "could not confirm that it runs", "reinstall it"},
		{"windows third party on, its program not running", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOff, esetNotRunning}, Defender: defender("Passive Mode", no, age(0.5))}}, checks.Catalogue{Check}.Default(), checks.Unknown, "its program is not running", "reinstall it"},
		{"windows third party on, process list unread", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{esetUnread}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "could not confirm that it runs", "reinstall it"},
		{"windows stale on row beside the newer off row", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{esetAt("2025-03-03T09:00:00Z", "on", yes), esetAt("2026-10-30T07:12:44Z", "off", yes)}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Fail, "ESET Security is turned off", "Open ESET Security"},
		{"windows newer on row beside a stale off row", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{esetAt("2026-10-30T07:12:44Z", "on", yes), esetAt("2025-03-03T09:00:00Z", "off", yes)}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Pass, "ESET Security is on", ""},
		{"windows duplicate rows disagree without timestamps", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{esetAt("", "on", yes), esetAt("", "off", yes)}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "more than once", "old entry"},
		{"windows duplicate rows disagree on one timestamp", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{esetAt("2026-10-30T07:12:44Z", "on", yes), esetAt("2026-10-30T07:12:44Z", "off", yes)}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "more than once", "old entry"},
		{"windows duplicate rows alike without timestamps", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{esetAt("", "on", yes), esetAt("", "on", yes)}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Pass, "ESET Security is on", ""},
		{"windows snoozed third party", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{{Name: "Avast Antivirus", ProductState: 270336, State: "snoozed", SignaturesUpToDate: true}}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Fail, "paused", "Open Avast Antivirus"},
		{"windows unrecognised beats fail", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOff, {Name: "X", State: "unrecognised"}}, DefenderError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not read the state of X", ""},
		{"windows nothing registered, policy warn", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{}, DefenderError: "not_found"}}, warnPolicy, checks.Warn, "No anti-virus", "Real-time protection"},
		{"windows server by product type, no Security Center, no Defender", facts{OS: "windows", Windows: &windowsFacts{SecurityCenterError: "not_found", DefenderError: "not_found", Edition: "server"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not check", "Windows Server"},
		{"windows client without Security Center is not a server", facts{OS: "windows", Windows: &windowsFacts{SecurityCenterError: "not_found", DefenderError: "not_found", Edition: "workstation"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not check", "wscsvc"},
		{"windows edition unread without Security Center", facts{OS: "windows", Windows: &windowsFacts{SecurityCenterError: "not_found", DefenderError: "not_found", EditionError: "ProductType: access_denied"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not check", "wscsvc"},
		{"windows Defender age unknown", facts{OS: "windows", Windows: &windowsFacts{SecurityCenter: []wscProduct{defOn}, Defender: defender("Normal", yes, nil)}}, checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},

		{"mac builtin current", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "enabled", XProtectVersion: "5322", XProtectAgeDays: age(0.4)}}, checks.Catalogue{Check}.Default(), checks.Pass, "updated less than a day ago", ""},
		// Apple ships XProtect every one to four weeks: 20 days is not stale.
		{"mac XProtect 20 days", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "enabled", XProtectAgeDays: age(20)}}, checks.Catalogue{Check}.Default(), checks.Pass, "20 days ago", ""},
		{"mac XProtect 45 days", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "enabled", XProtectAgeDays: age(45)}}, checks.Catalogue{Check}.Default(), checks.Warn, "45 days ago", "Install Security Responses"},
		{"mac gatekeeper off", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "disabled", XProtectAgeDays: age(1)}}, checks.Catalogue{Check}.Default(), checks.Fail, "Gatekeeper is turned off", "Privacy & Security"},
		{"mac spctl missing", facts{OS: "darwin", Darwin: &darwinFacts{GatekeeperError: "not_found", XProtectAgeDays: age(1)}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Gatekeeper", ""},
		{"mac mdatp active, spctl unreadable", facts{OS: "darwin", Darwin: &darwinFacts{GatekeeperError: "access_denied", XProtectAgeDays: age(1), MDATP: &mdatpHealth{RealTimeProtectionEnabled: yes, PassiveMode: no, Healthy: yes, DefinitionsStatus: "up_to_date"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Gatekeeper", ""},
		{"mac mdatp outdated, gatekeeper off", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "disabled", MDATP: &mdatpHealth{RealTimeProtectionEnabled: yes, PassiveMode: no, Healthy: yes, DefinitionsStatus: "out_of_date"}}}, checks.Catalogue{Check}.Default(), checks.Warn, "not up to date", "Microsoft Defender"},

		{"linux clamd only (no on-access) is a warning", linux(clam(2, yes)), checks.Catalogue{Check}.Default(), checks.Warn, "only scans files when asked", "OnAccessIncludePath"},
		{"linux clamd and clamonacc", linux(onAccess(clam(2, yes), yes)), checks.Catalogue{Check}.Default(), checks.Pass, "clamonacc", ""},
		{"linux clamonacc skips the person's account", linux(gap(onAccessFacts{Folder: "~", Gap: gapAccountExcluded})), checks.Catalogue{Check}.Default(), checks.Warn, "skips every file your account opens", "OnAccessExcludeUname"},
		{"linux clamonacc excludes the home", linux(gap(onAccessFacts{Folder: "~", Gap: gapExcluded, GapPath: "~"})), checks.Catalogue{Check}.Default(), checks.Warn, "it skips your home folder: OnAccessExcludePath ~ leaves it out", "OnAccessExcludePath"},
		{"linux clamonacc excludes Downloads", linux(gap(onAccessFacts{Folder: "~", Gap: gapExcludedInside, GapPath: "~/Downloads"})), checks.Catalogue{Check}.Default(), checks.Warn, "skips ~/Downloads in your home folder", ""},
		{"linux clamonacc without DDD", linux(gap(onAccessFacts{Folder: "/home", Gap: gapTopOnly, GapPath: "/home"})), checks.Catalogue{Check}.Default(), checks.Warn, "only watches the files directly in /home", "OnAccessDisableDDD no"},
		{"linux clamonacc ignores the include beside a mount", linux(gap(onAccessFacts{Folder: "~", Gap: gapIncludeIgnored, GapPath: "/home"})), checks.Catalogue{Check}.Default(), checks.Warn, "with OnAccessMountPath set, it ignores OnAccessIncludePath /home", "OnAccessIncludePath /home"},
		{"linux clamonacc refuses /", linux(gap(onAccessFacts{Folder: "~", Gap: gapRootRefused, GapPath: "/"})), checks.Catalogue{Check}.Default(), checks.Warn, "refuses to watch /", ""},
		{"linux clamonacc watches elsewhere", linux(gap(onAccessFacts{Folder: "~", Gap: gapNotIncluded})), checks.Catalogue{Check}.Default(), checks.Warn, "does not watch your home folder", "OnAccessIncludePath /home"},
		{"linux clamonacc mounts unread", linux(gap(onAccessFacts{Folder: "~", Unread: "the mount table (/proc/self/mounts)"})), checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"linux clamonacc watching only a -W list", linux(func() *clamAVFacts {
			c := gap(onAccessFacts{Folder: "~", WatchListPaths: []string{"/home"}})
			c.OnAccessIncludePaths = nil
			return c
		}()), checks.Catalogue{Check}.Default(), checks.Pass, "clamonacc", ""},
		{"linux clamonacc only reports (OnAccessPrevention off)", linux(func() *clamAVFacts {
			c := onAccess(clam(2, yes), yes)
			c.OnAccessPrevention = false
			return c
		}()), checks.Catalogue{Check}.Default(), checks.Warn, "only reports threats: it does not stop an infected file from being opened (OnAccessPrevention is off in /etc/clamav/clamd.conf)", "OnAccessPrevention yes"},
		{"linux clamonacc watching a mount cannot block", linux(func() *clamAVFacts {
			c := onAccess(clam(2, yes), yes)
			c.OnAccessIncludePaths, c.OnAccessMountPaths = nil, []string{"/"}
			return c
		}()), checks.Catalogue{Check}.Default(), checks.Warn, "watches whole disks (OnAccessMountPath)", "instead of OnAccessMountPath"},
		{"linux clamonacc's own config unreadable", linux(gap(onAccessFacts{Config: "/srv/onacc.conf", ConfigError: "access_denied"})), checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"linux clamonacc console user unread", linux(gap(onAccessFacts{Unread: "who is at the screen: unavailable"})), checks.Catalogue{Check}.Default(), checks.Unknown, "whether it watches your files", ""},
		{"linux clamonacc from an older agent", linux(func() *clamAVFacts { c := onAccess(clam(2, yes), yes); c.OnAccess = nil; return c }()), checks.Catalogue{Check}.Default(), checks.Unknown, "which folders it watches was not told", ""},
		{"linux on-access set, clamonacc not running", linux(onAccess(clam(2, yes), no)), checks.Catalogue{Check}.Default(), checks.Warn, "clamonacc) is not running", "clamav-clamonacc"},
		{"linux on-access set, process list unreadable", linux(onAccess(clam(2, yes), nil)), checks.Catalogue{Check}.Default(), checks.Unknown, "on-access scanner", ""},
		{"linux clamd.conf unreadable", linux(confDenied(clam(2, yes))), checks.Catalogue{Check}.Default(), checks.Unknown, "as they are opened", ""},
		{"linux clamd.conf unreadable, clamd known stopped", linux(confDenied(clam(2, no))), checks.Catalogue{Check}.Default(), checks.Warn, "clamd) is not running", ""},
		{"linux falcon running, rfm false", linux(nil, edr("falcon", yes, statusProtecting)), checks.Catalogue{Check}.Default(), checks.Pass, "CrowdStrike Falcon is running", ""},
		{"linux falcon in RFM", linux(nil, edr("falcon", yes, statusNotProtecting)), checks.Catalogue{Check}.Default(), checks.Fail, "reduced functionality mode", "reduced functionality"},
		{"linux falcon running, rfm unreadable", linux(nil, edr("falcon", yes, "")), checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"linux falcon installed, not running", linux(nil, edr("falcon", no, "")), checks.Catalogue{Check}.Default(), checks.Fail, "not running", "falcon-sensor service"},
		{"linux falcon installed, process list unreadable", linux(nil, edr("falcon", nil, "")), checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"linux sophos running (no status tool)", linux(nil, edr("sophos", yes, "")), checks.Catalogue{Check}.Default(), checks.Warn, "cannot read whether its protection is on", "real-time protection is on"},
		{"linux RFM falcon beside running S1", linux(nil, edr("falcon", yes, statusNotProtecting), edr("sentinelone", yes, statusProtecting)), checks.Catalogue{Check}.Default(), checks.Pass, "SentinelOne", ""},
		{"linux bitdefender content current", linux(nil, bitdefender(age(2), "")), checks.Catalogue{Check}.Default(), checks.Pass, "security content was updated 2 days ago", ""},
		{"linux bitdefender content 94 days old", linux(nil, bitdefender(age(94.1), "")), checks.Catalogue{Check}.Default(), checks.Warn, "last updated 94 days ago", "update its security content"},
		{"linux bitdefender content date unreadable", linux(nil, bitdefender(nil, `bduitool get ps: no "Last security content update" line`)), checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"linux bitdefender, older agent's facts", linux(nil, bitdefender(nil, "")), checks.Catalogue{Check}.Default(), checks.Unknown, "could not be read", ""},
		{"linux agent name, program unreadable", linux(nil, endpointFacts{Product: "falcon", Name: "CrowdStrike Falcon", Running: no, NameOnly: []string{"falcon-sensor (pid 1312)"}}), checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"linux nothing, process list and /opt unreadable", facts{OS: "linux", Linux: &linuxFacts{MDATPError: "not_found", ProcessesError: "access_denied", OptError: "access_denied"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "endpoint security", ""},
		{"linux nothing, process list unreadable, no /opt", facts{OS: "linux", Linux: &linuxFacts{MDATPError: "not_found", ProcessesError: "access_denied", OptError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Fail, "No anti-virus", ""},
		{"linux mdatp healthy false", mdatpLinux(&mdatpHealth{Healthy: no, HealthIssues: []string{"license expired"}, RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "up_to_date"}), checks.Catalogue{Check}.Default(), checks.Fail, "not healthy: license expired", "healthy: true"},
		{"linux mdatp rtp unavailable", mdatpLinux(&mdatpHealth{Healthy: no, RealTimeProtectionUnavailable: true}), checks.Catalogue{Check}.Default(), checks.Fail, "unavailable", "real_time_protection_enabled"},
		{"linux mdatp current under the policy's age", mdatpLinux(&mdatpHealth{Healthy: yes, RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "up_to_date", DefinitionsMinutesAgo: new(int64(7 * 24 * 60))}), checks.Catalogue{Check}.Default(), checks.Pass, "up to date", ""},
		{"linux mdatp up_to_date but older than the policy", mdatpLinux(&mdatpHealth{Healthy: yes, RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "up_to_date", DefinitionsMinutesAgo: new(int64(2 * 24 * 60))}), strict, checks.Warn, "definitions are 2 days old", "mdatp definitions update"},
		{"linux mdatp definitions age unread", mdatpLinux(&mdatpHealth{Healthy: yes, RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "up_to_date"}), checks.Catalogue{Check}.Default(), checks.Unknown, "age of its virus definitions", ""},
		{"mac mdatp 30 days old, gatekeeper on, XProtect current", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "enabled", XProtectAgeDays: age(1), MDATP: &mdatpHealth{RealTimeProtectionEnabled: yes, PassiveMode: no, Healthy: yes, DefinitionsStatus: "up_to_date", DefinitionsMinutesAgo: new(int64(30 * 24 * 60))}}}, checks.Catalogue{Check}.Default(), checks.Warn, "30 days old", ""},
		{"mac mdatp 30 days old, gatekeeper off", facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "disabled", MDATP: &mdatpHealth{RealTimeProtectionEnabled: yes, PassiveMode: no, Healthy: yes, DefinitionsStatus: "up_to_date", DefinitionsMinutesAgo: new(int64(30 * 24 * 60))}}}, checks.Catalogue{Check}.Default(), checks.Warn, "30 days old", "check for updates"},
		{"linux mdatp healthy unread", mdatpLinux(&mdatpHealth{RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "up_to_date"}), checks.Catalogue{Check}.Default(), checks.Unknown, "Defender for Endpoint", ""},
		{"linux mdatp unreadable beside clamd only", facts{OS: "linux", Linux: &linuxFacts{ClamAV: clam(2, yes), MDATPError: "access_denied"}}, checks.Catalogue{Check}.Default(), checks.Warn, "only scans files when asked", ""},
		{"linux clamav 8 days old", facts{OS: "linux", Linux: &linuxFacts{ClamAV: clam(8, yes), MDATPError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Warn, "8 days old", "freshclam"},
		{"linux clamav without clamd", facts{OS: "linux", Linux: &linuxFacts{ClamAV: clam(2, no), MDATPError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Warn, "clamd", "clamonacc"},
		{"linux clamav no database, policy warn", facts{OS: "linux", Linux: &linuxFacts{ClamAV: &clamAVFacts{DatabaseError: errNoDatabase.Error()}, MDATPError: "not_found"}}, warnPolicy, checks.Warn, "no virus definitions", "freshclam"},
		{"linux mdatp outdated beats clamav off", facts{OS: "linux", Linux: &linuxFacts{ClamAV: &clamAVFacts{DatabaseError: errNoDatabase.Error()}, MDATP: &mdatpHealth{RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "out_of_date"}}}, checks.Catalogue{Check}.Default(), checks.Warn, "Defender for Endpoint is on", "Microsoft Defender for Endpoint"},
		{"linux mdatp unhealthy for definitions only is outdated", mdatpLinux(&mdatpHealth{Healthy: no, HealthIssues: []string{"definitions out of date"}, RealTimeProtectionEnabled: yes, PassiveMode: no, DefinitionsStatus: "out_of_date"}), checks.Catalogue{Check}.Default(), checks.Warn, "not up to date", ""},
		{"linux nothing", facts{OS: "linux", Linux: &linuxFacts{MDATPError: "not_found"}}, checks.Catalogue{Check}.Default(), checks.Fail, "No anti-virus", "for example ClamAV"},
		{"no facts", facts{OS: "plan9"}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not check", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(tt.f, tt.pol)
			if r.Status != tt.want {
				t.Fatalf("status = %s, want %s (%s)", r.Status, tt.want, r.Summary)
			}
			if !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tt.summary)
			}
			switch {
			case r.Status == checks.Pass && r.Fix != "":
				t.Errorf("pass with a fix: %q", r.Fix)
			case r.Status != checks.Pass && r.Fix == "":
				t.Error("no fix for a non-passing status")
			case !strings.Contains(r.Fix, tt.fix):
				t.Errorf("fix %q does not contain %q", r.Fix, tt.fix)
			}
			if (r.Status == checks.Unknown) != (r.Reason != "") {
				t.Errorf("reason %q with status %s", r.Reason, r.Status)
			}
		})
	}
}

// TestXProtectAgeFromPolicy: XProtect is judged against
// xprotect_max_age_days, not the Windows/ClamAV signature age.
func TestXProtectAgeFromPolicy(t *testing.T) {
	age := 20.0
	f := facts{OS: "darwin", Darwin: &darwinFacts{Gatekeeper: "enabled", XProtectVersion: "5296", XProtectAgeDays: &age}}
	pol := checks.Catalogue{Check}.Default()
	if r := evaluate(f, pol); r.Status != checks.Pass {
		t.Errorf("20 days under the default 30: %s (%s)", r.Status, r.Summary)
	}
	pol = pol.With("xprotect_max_age_days", 14)
	if r := evaluate(f, pol); r.Status != checks.Warn {
		t.Errorf("20 days over a 14-day policy: %s (%s)", r.Status, r.Summary)
	}
}
