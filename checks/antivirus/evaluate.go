package antivirus

import (
	"fmt"
	"math"
	"path"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/wsc"
)

const unknownFix = "SessionGuard could not read the anti-virus status. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// Fix texts per OS, for a counsellor.
const (
	winTurnOnFix           = "Open Windows Security > Virus & threat protection, click Manage settings and turn on Real-time protection; then click Check for updates under Protection updates."
	winUpdateFix           = "Open Windows Security > Virus & threat protection > Protection updates and click Check for updates. Make sure the computer is connected to the internet."
	winMissingFix          = "Open Windows Security > Virus & threat protection and turn on Real-time protection. If that is not possible, ask your IT support to install anti-virus on this computer."
	winPassiveFix          = "Microsoft Defender is set to stand aside for another anti-virus, but no other anti-virus is protecting this computer. Ask your IT support to turn the organisation's anti-virus back on, or to switch Microsoft Defender back to normal."
	macGatekeeperFix       = "Open System Settings > Privacy & Security and, under Security, set \"Allow applications from\" to \"App Store and identified developers\". If you cannot change it, ask your IT support."
	macUpdateFix           = "Open System Settings > General > Software Update, click the (i) next to Automatic updates and turn on \"Install Security Responses and system files\". Leave the Mac connected to the internet for a while, then check again."
	macMDATPFix            = "Open Microsoft Defender from the menu bar, turn on Real-time protection and check for updates. If it stays off, ask your IT support."
	macMDATPUpdateFix      = "Open Microsoft Defender from the menu bar and check for updates, with the Mac connected to the internet. If its virus definitions stay old, ask your IT support."
	linuxMissingFix        = "Ask your IT support to install and turn on anti-virus (for example ClamAV) on this computer."
	linuxNoDBFix           = "ClamAV is installed but has never downloaded its virus definitions. Ask your IT support to set up its automatic updates (the freshclam service) and turn on its background scanner."
	linuxUpdateFix         = "Ask your IT support to make sure the anti-virus updates its virus definitions automatically (for ClamAV: the freshclam update service must be running and able to reach the internet)."
	linuxClamdFix          = "ClamAV only scans when someone asks it to. Ask your IT support to turn on its on-access scanning: start clamd (the clamav-daemon or clamd@scan service), set OnAccessIncludePath (for example /home) in clamd.conf, and start clamonacc (the clamav-clamonacc service), so files are checked as they are opened."
	linuxOnAccessGapFix    = "Ask your IT support to make ClamAV's on-access scanner watch the folders people keep their files in: OnAccessIncludePath /home in clamd.conf (with OnAccessDisableDDD no, its default, so the folders inside are watched too), or OnAccessMountPath for the disk /home is on; no OnAccessExcludePath over a person's folder and no OnAccessExcludeUname or OnAccessExcludeUID for a person's account; then restart clamonacc."
	linuxOnAccessFix       = "ClamAV only scans files when a program asks it to: on-access scanning is not set up, so nothing checks files as they are downloaded or opened. Ask your IT support to turn it on: keep clamd running (the clamav-daemon or clamd@scan service), set OnAccessIncludePath (for example /home) or OnAccessMountPath in clamd.conf, and start clamonacc (the clamav-clamonacc service)."
	linuxPreventionFix     = "ClamAV only reports infected files; it does not stop them being opened. Ask your IT support to set OnAccessPrevention yes in clamd.conf and restart clamonacc (the clamav-clamonacc service)."
	linuxMountPreventFix   = "ClamAV only reports infected files on a disk it watches whole; it does not stop them being opened. Ask your IT support to watch the folders people keep their files in with OnAccessIncludePath (for example /home) instead of OnAccessMountPath in clamd.conf, set OnAccessPrevention yes, and restart clamonacc (the clamav-clamonacc service)."
	linuxClamonaccFix      = "ClamAV is set up to check files as they are opened, but its on-access scanner (clamonacc) is not running. Ask your IT support to start it (the clamav-clamonacc service) and make it start at boot."
	linuxMDATPFix          = "Ask your IT support to turn on real-time protection in Microsoft Defender for Endpoint (mdatp health must say healthy: true and real_time_protection_enabled: true) and to check that it updates its definitions."
	linuxMDATPUpdateFix    = "Ask your IT support to make Microsoft Defender for Endpoint update its virus definitions (mdatp definitions update) and to check that its automatic updates can reach Microsoft."
	winServerFix           = "This is a Windows Server, where SessionGuard cannot see anti-virus other than Microsoft Defender. Ask your IT support to confirm which anti-virus protects it."
	winNoWSCFix            = "Windows Security Center does not answer on this computer, so SessionGuard cannot see which anti-virus protects it. Restart the computer; if it stays unknown, ask your IT support to check the Security Center service (wscsvc) and which anti-virus is installed."
	winPartOffFix          = "Part of Microsoft Defender's protection is turned off, usually by a policy or a setting your IT support made. Ask them to turn it back on (Group Policy: Microsoft Defender Antivirus > Real-time Protection)."
	winExclusionsFix       = "Open Windows Security > Virus & threat protection > Manage settings > Add or remove exclusions, and remove the exclusions named here (leave only ones your IT support gave you for a program, and never your own folders, a whole drive, common file types or a web browser). If you cannot, ask your IT support."
	winTurnOnSettingsFix   = "Open Windows Security > Virus & threat protection > Manage settings and turn on %s. If a setting is greyed out or turns itself off again, ask your IT support."
	winExclusionsHiddenFix = "Windows shows Microsoft Defender's exclusions only to administrators. Use Check again in the SessionGuard tray (the SessionGuard service can read them), or run sessionguard check from a terminal opened as administrator."
	mixedBuiltinDefFix     = "Microsoft Defender is installed but not protecting. Open Microsoft Defender from the menu bar, turn on Real-time protection and check for updates, or ask your IT support."
)

// verdict is the judgement of one product.
type verdict struct {
	status  checks.Status
	summary string
	fix     string
	reason  string
}

func (v verdict) result() checks.Result {
	r := checks.Result{Status: v.status, Summary: v.summary}
	if v.status != checks.Pass && v.status != checks.NotApplicable {
		r.Fix = v.fix
		if r.Fix == "" {
			r.Fix = unknownFix
		}
	}
	if v.status == checks.Unknown {
		r.Reason = v.reason
		if r.Reason == "" {
			r.Reason = "the anti-virus state was not recognised"
		}
	}
	return r
}

// best combines products any one of which protects (checks.AnyOf): any
// pass; else any warn; else any unknown (it might be protecting); else
// fail. ok is false for no verdicts.
func best(vs []verdict) (verdict, bool) {
	if len(vs) == 0 {
		return verdict{}, false
	}
	rs := make([]checks.Result, len(vs))
	for i, v := range vs {
		rs[i] = v.result()
	}
	r := checks.AnyOf(rs...)
	return verdict{status: r.Status, summary: r.Summary, fix: r.Fix, reason: r.Reason}, true
}

func missing(pol checks.Policy, summary, fix string) verdict {
	return verdict{status: missingSetting.Of(pol), summary: summary, fix: fix}
}

func unknown(summary, reason string) verdict {
	return verdict{status: checks.Unknown, summary: summary, fix: unknownFix, reason: reason}
}

func days(d float64) string {
	n := int(math.Floor(d))
	if n == 0 {
		return "less than a day"
	}
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// evaluate judges the facts against the policy.
func evaluate(f facts, pol checks.Policy) checks.Result {
	maxAge := float64(maxSignatureAgeSetting.Of(pol))
	switch {
	case f.OS == "windows" && f.Windows != nil:
		return evalWindows(f.Windows, pol, maxAge).result()
	case f.OS == "darwin" && f.Darwin != nil:
		xpMax := float64(xProtectMaxAgeSetting.Of(pol))
		return evalDarwin(f.Darwin, xpMax, maxAge).result()
	case f.OS == "linux" && f.Linux != nil:
		return evalLinux(f.Linux, pol, maxAge)
	}
	return unknown("Could not check anti-virus.", "no anti-virus facts for "+f.OS).result()
}

func evalWindows(w *windowsFacts, pol checks.Policy, maxAge float64) verdict {
	current, vs := currentProducts(w.SecurityCenter)
	for _, p := range current {
		if p.Microsoft && w.Defender != nil {
			continue // judged from Defender's own status below
		}
		v := wscVerdict(p)
		if p.Microsoft {
			v = withDefenderSettings(v, w)
		}
		vs = append(vs, v)
	}
	if w.Defender != nil {
		vs = append(vs, withDefenderSettings(defenderVerdict(w.Defender, w.SecurityCenter != nil, maxAge), w))
	}
	if v, ok := best(vs); ok {
		return v
	}
	server := w.Edition == "server" || w.Edition == "domain_controller"
	switch {
	case w.SecurityCenter != nil:
		return missing(pol, "No anti-virus is registered with Windows Security.", winMissingFix)
	case w.SecurityCenterError == "not_found" && server && (w.DefenderError == "not_found" || w.DefenderError == ""):
		v := unknown("Could not check anti-virus.", "this Windows Server has no Security Center and Microsoft Defender is not installed, so other anti-virus products cannot be seen")
		v.fix = winServerFix
		return v
	case w.SecurityCenterError == "not_found" && w.Edition == "workstation":
		v := unknown("Could not check anti-virus.", "Windows Security Center (root/SecurityCenter2) is missing on this Windows, which is not a server edition; Microsoft Defender: "+orDash(w.DefenderError))
		v.fix = winNoWSCFix
		return v
	case w.SecurityCenterError == "not_found":
		v := unknown("Could not check anti-virus.", "Windows Security Center (root/SecurityCenter2) is missing and the Windows edition could not be read ("+orDash(w.EditionError)+"); Microsoft Defender: "+orDash(w.DefenderError))
		v.fix = winNoWSCFix
		return v
	default:
		return unknown("Could not check anti-virus.", fmt.Sprintf("Security Center: %s; Microsoft Defender: %s", orDash(w.SecurityCenterError), orDash(w.DefenderError)))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// currentProducts keeps, of the Security Center rows of one product (the
// same name and product program), only the newest by timestamp: a product
// that updated or reinstalled itself can leave its old row behind, frozen
// at "on, up to date", beside the current one. Rows of one product whose
// newest cannot be told (a timestamp missing, unreadable or shared) are
// kept as one when they say the same, else judged unknown.
func currentProducts(ps []wscProduct) (current []wscProduct, unsure []verdict) {
	var keys []string
	groups := map[string][]wscProduct{}
	for _, p := range ps {
		k := strings.ToLower(strings.TrimSpace(p.Name)) + "\x00" + strings.ToLower(p.ProductExe)
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], p)
	}
	for _, k := range keys {
		g := groups[k]
		if newest, ok := newestRow(g); ok {
			current = append(current, newest)
			continue
		}
		if sameJudgement(g) {
			current = append(current, g[0])
			continue
		}
		name := productName(g[0])
		v := unknown("Windows Security lists "+name+" more than once, in different states, and which entry is current could not be told.",
			fmt.Sprintf("%d Security Center entries for %s disagree and their timestamps do not tell the newest", len(g), name))
		v.fix = "Open " + name + " and check that its protection is on. If Windows Security still lists it twice, reinstall " + name + " or ask your IT support to remove the old entry."
		unsure = append(unsure, v)
	}
	return current, unsure
}

// newestRow is the row with the latest timestamp; ok is false when a row
// has none readable or two share the latest.
func newestRow(g []wscProduct) (wscProduct, bool) {
	if len(g) == 1 {
		return g[0], true
	}
	var newest wscProduct
	var latest time.Time
	tie := false
	for _, p := range g {
		t, err := time.Parse(time.RFC3339, p.Timestamp)
		if err != nil {
			return wscProduct{}, false
		}
		switch {
		case t.After(latest):
			newest, latest, tie = p, t, false
		case t.Equal(latest):
			tie = true
		}
	}
	return newest, !tie
}

// sameJudgement: every row says the same state, definitions and owner.
func sameJudgement(g []wscProduct) bool {
	for _, p := range g[1:] {
		if p.State != g[0].State || p.SignaturesUpToDate != g[0].SignaturesUpToDate || p.Microsoft != g[0].Microsoft ||
			p.ReportingUnread != g[0].ReportingUnread || !sameBool(p.ReportingRunning, g[0].ReportingRunning) {
			return false
		}
	}
	return true
}

func sameBool(a, b *bool) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func productName(p wscProduct) string {
	if strings.TrimSpace(p.Name) == "" {
		return "An anti-virus product"
	}
	return p.Name
}

func wscVerdict(p wscProduct) verdict {
	name := productName(p)
	ownFix := func(what string) string {
		if p.Microsoft {
			if what == "update" {
				return winUpdateFix
			}
			return winTurnOnFix
		}
		if what == "update" {
			return "Open " + name + " and run its update (often \"Update now\" or \"Check for updates\"). If it will not update, ask your IT support."
		}
		return "Open " + name + " and turn its protection back on (or renew its licence). If you cannot, ask your IT support."
	}
	switch wsc.State(p.State) {
	case wsc.On:
		if !p.SignaturesUpToDate {
			return verdict{status: checks.Warn, summary: name + " is on but its virus definitions are out of date.", fix: ownFix("update")}
		}
		if v, judged := reportingVerdict(p, name); judged {
			return v
		}
		if !p.Microsoft {
			// SessionGuard reads no status of its own from another
			// vendor's product: the pass is the product's word.
			return verdict{status: checks.Pass, summary: name + " is on and up to date, as " + name + " itself reports to Windows Security (its program is running)."}
		}
		return verdict{status: checks.Pass, summary: name + " is on and up to date."}
	case wsc.Off:
		return verdict{status: checks.Fail, summary: name + " is turned off.", fix: ownFix("on")}
	case wsc.Snoozed:
		return verdict{status: checks.Fail, summary: name + " is paused (snoozed) and not protecting.", fix: ownFix("on")}
	case wsc.Expired:
		return verdict{status: checks.Fail, summary: name + " has expired and is not protecting.", fix: ownFix("on")}
	default:
		return unknown("Could not read the state of "+name+".", fmt.Sprintf("Security Center productState %d (0x%06X) not recognised", p.ProductState, p.ProductState))
	}
}

// reportingVerdict judges another vendor's product that Security Center
// lists as on and up to date by whether the program reporting that runs:
// judged is false when it runs (the product's own report then stands) or
// the product is Microsoft's.
func reportingVerdict(p wscProduct, name string) (v verdict, judged bool) {
	if p.Microsoft || p.ReportingRunning != nil && *p.ReportingRunning {
		return verdict{}, false
	}
	summary := "Windows Security lists " + name + " as on, but SessionGuard could not confirm that it runs."
	reason := p.ReportingUnread
	switch {
	case p.ReportingRunning != nil:
		summary = "Windows Security lists " + name + " as on, but its program is not running."
		reason = name + " is listed as on but its program (" + p.ReportingExe + ") is not running: it may have been uninstalled, or the entry left behind by an update"
	case reason == "":
		reason = "an older agent's facts: whether " + name + "'s program runs was not read"
	}
	v = unknown(summary, reason)
	v.fix = "Open " + name + " and check that its protection is on. If it will not open or is no longer installed, reinstall it (or ask your IT support to remove what is left of it), so that Windows Security shows the anti-virus that really protects this computer."
	return v, true
}

func defenderVerdict(d *defenderStatus, haveWSC bool, maxAge float64) verdict {
	active, ok := d.active()
	switch {
	case !ok:
		return unknown("Could not read Microsoft Defender's state.", "MSFT_MpComputerStatus lacks AMServiceEnabled, AntivirusEnabled or RealTimeProtectionEnabled")
	case d.passive() && d.AMServiceEnabled != nil && *d.AMServiceEnabled:
		mode := "passive mode"
		if !strings.EqualFold(d.AMRunningMode, "Passive Mode") {
			mode += " (" + d.AMRunningMode + ")"
		}
		if !haveWSC {
			return unknown("Microsoft Defender is in "+mode+".", "Defender stands aside for another anti-virus, which Windows cannot show without Security Center")
		}
		return verdict{status: checks.Fail, summary: "Microsoft Defender is in " + mode + " and no other anti-virus is on.", fix: winPassiveFix}
	case !active:
		return verdict{status: checks.Fail, summary: "Microsoft Defender real-time protection is off.", fix: winTurnOnFix}
	case d.NeverUpdated:
		return verdict{status: checks.Warn, summary: "Microsoft Defender is on but its virus definitions have never been updated.", fix: winUpdateFix}
	case d.SignatureAgeDays == nil:
		return unknown("Microsoft Defender is on; the age of its virus definitions could not be read.", "MSFT_MpComputerStatus has no AntivirusSignatureAge or AntivirusSignatureLastUpdated")
	case *d.SignatureAgeDays > maxAge:
		return verdict{status: checks.Warn, summary: "Microsoft Defender is on but its virus definitions are " + days(*d.SignatureAgeDays) + " old.", fix: winUpdateFix}
	default:
		return verdict{status: checks.Pass, summary: "Microsoft Defender is on and its virus definitions are up to date."}
	}
}

// withDefenderSettings judges what Defender on (v passes or warns) leaves
// unscanned or unguarded: a part of real-time protection turned off,
// exclusions over the person's files, tamper protection or cloud
// protection off. A failure from them fails; a gap makes a pass a warning
// (a warning already there stands, with the gap added); any of them that
// could not be read makes a pass unknown.
func withDefenderSettings(v verdict, w *windowsFacts) verdict {
	if v.status != checks.Pass && v.status != checks.Warn {
		return v
	}
	var parts []string // what Defender on leaves undone
	fix := ""
	if d := w.Defender; d != nil {
		if d.OnAccessProtectionEnabled != nil && !*d.OnAccessProtectionEnabled {
			return verdict{status: checks.Fail, summary: "Microsoft Defender is on, but it does not check files as they are opened or saved (on-access protection is off).", fix: winPartOffFix}
		}
		if d.IoavProtectionEnabled != nil && !*d.IoavProtectionEnabled {
			parts, fix = append(parts, "it does not scan downloaded files and email attachments"), winPartOffFix
		}
		if d.BehaviorMonitorEnabled != nil && !*d.BehaviorMonitorEnabled {
			parts, fix = append(parts, "its behaviour monitoring is off"), winPartOffFix
		}
	}
	part, partFix, settingsUnread := tamperAndCloud(w)
	if part != "" {
		parts, fix = append(parts, part), strings.TrimSpace(fix+" "+partFix)
	}
	var unread string
	switch ex := w.DefenderExclusions; {
	case ex == nil:
		unread = "Defender's exclusions were not read"
	case ex.Unread != "":
		unread = ex.Unread
	case len(ex.Gaps) > 0:
		parts = append(parts, "its exclusions leave files unscanned: "+gapList(ex))
		fix = strings.TrimSpace(fix + " " + winExclusionsFix)
	case len(ex.Unresolved) > 0:
		unread = "Defender excludes " + strings.Join(ex.Unresolved, ", ") + ", which names an environment variable SessionGuard cannot resolve as Defender does"
	}
	if len(parts) > 0 {
		if v.status == checks.Pass {
			return verdict{status: checks.Warn, summary: "Microsoft Defender is on, but " + strings.Join(parts, "; ") + ".", fix: fix}
		}
		return verdict{status: checks.Warn, summary: v.summary + " Also, " + strings.Join(parts, "; ") + ".", fix: v.fix + " " + fix}
	}
	if unread != "" && v.status == checks.Pass {
		u := unknown("Microsoft Defender is on; whether it skips your files could not be read.", unread)
		if unread == exclusionsHidden {
			u.fix = winExclusionsHiddenFix
		}
		return u
	}
	if settingsUnread != "" && v.status == checks.Pass {
		return unknown("Microsoft Defender is on; whether its tamper protection and cloud protection are on could not be read.", settingsUnread)
	}
	return v
}

// tamperAndCloud says what of tamper protection and cloud protection
// Defender on goes without (part, with its fix), or why that could not be
// told (unread). Tamper protection stops other programs turning
// Defender's real-time protection off; cloud protection (and with it block
// at first sight) is what Microsoft recommends on. Windows 11 turns both on
// by default.
func tamperAndCloud(w *windowsFacts) (part, fix, unread string) {
	var off, turnOn, why []string
	switch d := w.Defender; {
	case d == nil || d.TamperProtected == nil:
		why = append(why, "whether Defender's tamper protection is on (MSFT_MpComputerStatus IsTamperProtected) was not read")
	case !*d.TamperProtected:
		off, turnOn = append(off, "its tamper protection is off, so other programs can switch its protection off"), append(turnOn, "Tamper Protection")
	}
	switch c := w.DefenderCloud; {
	case c == nil:
		why = append(why, "Defender's cloud protection settings were not read (an older agent)")
	case c.Unread != "":
		why = append(why, "Defender's cloud protection settings: "+c.Unread)
	case c.MAPSReporting == nil:
		why = append(why, "whether Defender's cloud protection is on (MAPSReporting) was not read")
	case *c.MAPSReporting == 0:
		off, turnOn = append(off, "its cloud-delivered protection is off"), append(turnOn, "Cloud-delivered protection", "Automatic sample submission")
	case c.BlockAtFirstSeenDisabled != nil && *c.BlockAtFirstSeenDisabled:
		off, turnOn = append(off, "its block at first sight is turned off"), append(turnOn, "Cloud-delivered protection", "Automatic sample submission")
	case c.SubmitSamplesConsent != nil && (*c.SubmitSamplesConsent == 0 || *c.SubmitSamplesConsent == 2):
		// Block at first sight works only with samples sent
		// automatically (1 safe samples, 3 all samples).
		off, turnOn = append(off, "its automatic sample submission is off, which block at first sight needs"), append(turnOn, "Automatic sample submission")
	case c.BlockAtFirstSeenDisabled == nil || c.SubmitSamplesConsent == nil:
		why = append(why, "whether Defender's block at first sight is on (DisableBlockAtFirstSeen, SubmitSamplesConsent) was not read")
	}
	if len(off) > 0 {
		return strings.Join(off, "; "), fmt.Sprintf(winTurnOnSettingsFix, andList(turnOn)), ""
	}
	return "", "", strings.Join(why, "; ")
}

// andList joins names as "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// gapList names the exclusion gaps for a person.
func gapList(ex *defenderExclusions) string {
	var out []string
	for _, g := range ex.Gaps {
		switch g.Kind {
		case "home":
			switch {
			case ex.Folder != "~":
				out = append(out, "every person's folder ("+g.Value+")")
			case g.Value == "~":
				out = append(out, "your whole user folder")
			default:
				out = append(out, g.Value+", which holds your user folder")
			}
		case "inside":
			out = append(out, "the folder "+g.Value)
		case "extension":
			out = append(out, "every ."+strings.TrimLeft(g.Value, "*.")+" file")
		case "process":
			out = append(out, "files opened by "+g.Value)
		}
	}
	return strings.Join(out, ", ")
}

// mdatpFixes are the fixes for Defender for Endpoint on one OS: turning
// its protection on, and updating its definitions.
type mdatpFixes struct{ on, update string }

var (
	linuxMDATPFixes = mdatpFixes{on: linuxMDATPFix, update: linuxMDATPUpdateFix}
	macMDATPFixes   = mdatpFixes{on: macMDATPFix, update: macMDATPUpdateFix}
)

// mdatpVerdict judges Defender for Endpoint, its definitions against
// maxAge days: definitions_status up_to_date does not say how old they
// are.
func mdatpVerdict(h *mdatpHealth, fixes mdatpFixes, maxAge float64) verdict {
	switch h.state() {
	case "active":
		if h.DefinitionsMinutesAgo == nil {
			return unknown("Microsoft Defender for Endpoint is on; the age of its virus definitions could not be read.", "mdatp health has no definitions_updated_minutes_ago")
		}
		if age := float64(*h.DefinitionsMinutesAgo) / (24 * 60); age > maxAge {
			return verdict{status: checks.Warn, summary: "Microsoft Defender for Endpoint is on but its virus definitions are " + days(age) + " old.", fix: fixes.update}
		}
		return verdict{status: checks.Pass, summary: "Microsoft Defender for Endpoint is on and up to date."}
	case "outdated":
		return verdict{status: checks.Warn, summary: "Microsoft Defender for Endpoint is on but its definitions are not up to date (" + orDash(h.DefinitionsStatus) + ").", fix: fixes.update}
	case "unhealthy":
		return verdict{status: checks.Fail, summary: "Microsoft Defender for Endpoint is not healthy" + issues(h) + ", so it is not protecting.", fix: fixes.on}
	case "passive":
		return verdict{status: checks.Fail, summary: "Microsoft Defender for Endpoint is in passive mode and does not block threats.", fix: fixes.on}
	case "off":
		if h.RealTimeProtectionUnavailable || (h.RealTimeProtectionAvailable != nil && !*h.RealTimeProtectionAvailable) {
			return verdict{status: checks.Fail, summary: "Microsoft Defender for Endpoint real-time protection is unavailable" + issues(h) + ", so it is not protecting.", fix: fixes.on}
		}
		return verdict{status: checks.Fail, summary: "Microsoft Defender for Endpoint real-time protection is off.", fix: fixes.on}
	default:
		return unknown("Could not read Microsoft Defender for Endpoint's state.", "mdatp health did not say whether real-time protection is on and definitions are current")
	}
}

func issues(h *mdatpHealth) string {
	if len(h.HealthIssues) == 0 {
		return ""
	}
	return ": " + strings.Join(h.HealthIssues, ", ")
}

// evalDarwin judges Gatekeeper, XProtect (against xpMax days) and
// Defender for Endpoint (its definitions against maxAge days).
func evalDarwin(d *darwinFacts, xpMax, maxAge float64) verdict {
	var builtin verdict
	switch d.Gatekeeper {
	case "enabled":
		switch {
		case d.XProtectAgeDays == nil:
			builtin = unknown("Gatekeeper is on; when XProtect was last updated could not be read.", "XProtect update date: "+orDash(d.XProtectError))
		case *d.XProtectAgeDays > xpMax:
			builtin = verdict{status: checks.Warn, summary: "Gatekeeper is on but XProtect" + version(d) + " was last updated " + days(*d.XProtectAgeDays) + " ago.", fix: macUpdateFix}
		default:
			builtin = verdict{status: checks.Pass, summary: "Gatekeeper is on and XProtect" + version(d) + " was updated " + days(*d.XProtectAgeDays) + " ago."}
		}
	case "disabled":
		builtin = verdict{status: checks.Fail, summary: "Gatekeeper is turned off, so apps are not checked for malware before they open.", fix: macGatekeeperFix}
	case "unrecognised":
		builtin = unknown("Could not read whether Gatekeeper is on.", "spctl --status output not recognised")
	default:
		builtin = unknown("Could not read whether Gatekeeper is on.", "spctl --status: "+orDash(d.GatekeeperError))
	}
	if d.MDATP == nil {
		if d.MDATPError != "" && d.MDATPError != "not_found" && builtin.status != checks.Pass {
			v, _ := best([]verdict{builtin, unknown("Could not read Microsoft Defender for Endpoint's state.", "mdatp health: "+d.MDATPError)})
			return v
		}
		return builtin
	}
	mv := mdatpVerdict(d.MDATP, macMDATPFixes, maxAge)
	switch {
	case mv.status == checks.Pass && d.Gatekeeper == "disabled":
		return verdict{status: checks.Warn, summary: "Microsoft Defender for Endpoint is on, but Gatekeeper is turned off.", fix: macGatekeeperFix}
	case mv.status == checks.Pass && d.Gatekeeper != "enabled":
		// Gatekeeper off turns this pass into a warning: unread, it is
		// not a pass.
		return unknown("Microsoft Defender for Endpoint is on; whether Gatekeeper is on could not be read.", builtin.reason)
	case mv.status == checks.Pass:
		return mv
	case builtin.status == checks.Pass && mv.status == checks.Warn:
		return verdict{status: checks.Warn, summary: builtin.summary[:len(builtin.summary)-1] + "; " + lowerFirst(mv.summary), fix: mv.fix}
	case builtin.status == checks.Pass && mv.status == checks.Fail:
		return verdict{status: checks.Warn, summary: builtin.summary[:len(builtin.summary)-1] + ", but " + lowerFirst(mv.summary), fix: mixedBuiltinDefFix}
	}
	v, _ := best([]verdict{builtin, mv})
	return v
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "Microsoft") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func version(d *darwinFacts) string {
	if d.XProtectVersion == "" {
		return ""
	}
	return " " + d.XProtectVersion
}

func evalLinux(l *linuxFacts, pol checks.Policy, maxAge float64) checks.Result {
	var routes []checks.Result
	if l.MDATP != nil {
		routes = append(routes, mdatpVerdict(l.MDATP, linuxMDATPFixes, maxAge).result())
	} else if l.MDATPError != "" && l.MDATPError != "not_found" {
		routes = append(routes, unknown("Could not read Microsoft Defender for Endpoint's state.", "mdatp health: "+l.MDATPError).result())
	}
	if c := l.ClamAV; c != nil {
		routes = append(routes, clamVerdict(c, pol, maxAge).result())
	}
	for _, e := range l.Endpoint {
		routes = append(routes, endpointVerdict(e, maxAge).result())
	}
	if len(routes) > 0 {
		return checks.AnyOf(routes...)
	}
	if l.ProcessesError != "" && l.OptError != "" && l.OptError != "not_found" {
		return unknown("Could not tell whether an endpoint security product runs.", "process list: "+l.ProcessesError+"; /opt: "+l.OptError).result()
	}
	return missing(pol, "No anti-virus was found on this computer.", linuxMissingFix).result()
}

// endpointVerdict judges one endpoint product; the security content of
// one whose tool tells its age is held to maxAge days.
func endpointVerdict(e endpointFacts, maxAge float64) verdict {
	prod := productByID(e.Product)
	startFix := "Ask your IT support to start " + e.Name + " (the " + prod.Service + " service), make sure it starts at boot and that it shows this computer as protected in its console."
	switch {
	case e.Running == nil:
		return unknown("Could not tell whether "+e.Name+" is running.", e.Name+" is installed; the process list could not be read")
	case !*e.Running && len(e.NameOnly) > 0:
		return unknown("Could not tell whether "+e.Name+" is running.", "the program of "+strings.Join(e.NameOnly, ", ")+" could not be read, so whether it is "+e.Name+"'s agent from "+strings.Join(prod.Dirs, " or ")+" is unknown")
	case !*e.Running:
		return verdict{status: checks.Fail, summary: e.Name + " is installed, but its agent is not running, so it is not protecting.", fix: startFix}
	case prod.Status == nil:
		// Running is its state, but not whether its protection is on
		// (a product can run with real-time protection turned off), and
		// SessionGuard reads no status tool of this one: never a plain
		// pass, and not a fail that would stop an organisation's managed
		// computers.
		return verdict{status: checks.Warn,
			summary: e.Name + " is running (" + path.Base(e.Agent) + "); SessionGuard cannot read whether its protection is on.",
			fix:     "Open " + e.Name + " (or ask your IT support) and check that its real-time protection is on for this computer."}
	case e.Status == statusProtecting && prod.ContentAge && e.ContentAgeDays == nil:
		reason := e.ContentError
		if reason == "" {
			reason = "an older agent's facts: when its security content was last updated was not read"
		}
		return unknown(e.Name+" is running and protecting; when its security content was last updated could not be read.", reason)
	case e.Status == statusProtecting && prod.ContentAge && *e.ContentAgeDays > maxAge:
		return verdict{status: checks.Warn, summary: e.Name + " is running, but its security content was last updated " + days(*e.ContentAgeDays) + " ago.",
			fix: "Ask your IT support to make " + e.Name + " update its security content (from its management console) and to check that this computer can reach its update servers."}
	case e.Status == statusProtecting && prod.ContentAge:
		return verdict{status: checks.Pass, summary: e.Name + " is running and protecting (" + e.StatusDetail + "), and its security content was updated " + days(*e.ContentAgeDays) + " ago."}
	case e.Status == statusProtecting:
		return verdict{status: checks.Pass, summary: e.Name + " is running and protecting (" + e.StatusDetail + ")."}
	case e.Status == statusNotProtecting && e.Product == "falcon":
		return verdict{status: checks.Fail, summary: "CrowdStrike Falcon is in reduced functionality mode (" + e.StatusDetail + "), so it is not protecting.", fix: "Ask your IT support to bring CrowdStrike Falcon out of reduced functionality mode (usually a sensor update for this computer's kernel)."}
	case e.Status == statusNotProtecting:
		return verdict{status: checks.Fail, summary: e.Name + " is running but not protecting (" + e.StatusDetail + ").", fix: "Ask your IT support to turn " + e.Name + "'s protection back on."}
	default:
		return unknown(e.Name+" is running; whether it is protecting could not be read.", orDash(e.StatusError))
	}
}

func productByID(id string) endpointProduct {
	for _, p := range endpointProducts {
		if p.ID == id {
			return p
		}
	}
	return endpointProduct{ID: id, Name: id, Service: id}
}

func clamVerdict(c *clamAVFacts, pol checks.Policy, maxAge float64) verdict {
	onAccess := len(c.OnAccessIncludePaths)+len(c.OnAccessMountPaths) > 0 || c.OnAccess != nil && len(c.OnAccess.WatchListPaths) > 0
	switch {
	case c.Daily == nil && c.DatabaseError == errNoDatabase.Error():
		return missing(pol, "ClamAV is installed but has no virus definitions, so it cannot find anything.", linuxNoDBFix)
	case c.Daily == nil:
		return unknown("Could not read the age of ClamAV's virus definitions.", "ClamAV database: "+orDash(c.DatabaseError))
	case c.DatabaseAgeDays == nil:
		return unknown("Could not read the age of ClamAV's virus definitions.", "ClamAV database build time not readable")
	case *c.DatabaseAgeDays > maxAge:
		return verdict{status: checks.Warn, summary: "ClamAV's virus definitions are " + days(*c.DatabaseAgeDays) + " old.", fix: linuxUpdateFix}
	case c.ClamdRunning != nil && !*c.ClamdRunning:
		return verdict{status: checks.Warn, summary: "ClamAV's definitions are current, but it only scans when asked: its scanner (clamd) is not running.", fix: linuxClamdFix}
	case c.ClamdConfError != "":
		return unknown("ClamAV's definitions are current; whether it scans files as they are opened could not be read.", c.ClamdConf+": "+c.ClamdConfError)
	case c.OnAccess != nil && c.OnAccess.ConfigError != "":
		return unknown("ClamAV's definitions are current; what its on-access scanner watches could not be read.", "clamonacc's configuration "+c.OnAccess.Config+": "+c.OnAccess.ConfigError)
	case !onAccess:
		return verdict{status: checks.Warn, summary: "ClamAV only scans files when asked: on-access scanning (clamonacc) is not set up in " + orDash(c.ClamdConf) + ".", fix: linuxOnAccessFix}
	case c.ClamdRunning == nil:
		return unknown("ClamAV's definitions are current; whether its scanner runs could not be read.", "clamd: "+orDash(c.ClamdError))
	case c.ClamonaccRunning == nil:
		return unknown("ClamAV's definitions are current; whether its on-access scanner runs could not be read.", "clamonacc: "+orDash(c.ClamonaccError))
	case !*c.ClamonaccRunning:
		return verdict{status: checks.Warn, summary: "ClamAV is set up to scan files as they are opened, but its on-access scanner (clamonacc) is not running.", fix: linuxClamonaccFix}
	case c.OnAccess == nil:
		return unknown("ClamAV's on-access scanner runs; which folders it watches was not told.", "an older agent's facts: the folders clamonacc watches were not judged")
	case c.OnAccess.Unread != "":
		return unknown("ClamAV's on-access scanner runs; whether it watches your files could not be read.", c.OnAccess.Unread)
	case c.OnAccess.Gap != gapNone:
		return verdict{status: checks.Warn, summary: onAccessGapSummary(c.OnAccess), fix: linuxOnAccessGapFix}
	case len(c.OnAccessMountPaths) > 0:
		// clamonacc asks fanotify for permission events (which let it
		// block) only with OnAccessPrevention yes and no
		// OnAccessMountPath at all.
		return verdict{status: checks.Warn, summary: "ClamAV's on-access scanner runs, but it only reports threats: it watches whole disks (OnAccessMountPath), where it cannot stop an infected file from being opened.", fix: linuxMountPreventFix}
	case !c.OnAccessPrevention:
		return verdict{status: checks.Warn, summary: "ClamAV's on-access scanner runs, but it only reports threats: it does not stop an infected file from being opened (OnAccessPrevention is off in " + orDash(c.OnAccess.Config) + ").", fix: linuxPreventionFix}
	default:
		return verdict{status: checks.Pass, summary: "ClamAV scans files as they are opened (clamonacc) and its virus definitions are " + days(*c.DatabaseAgeDays) + " old."}
	}
}

// onAccessGapSummary says in plain words what clamonacc leaves out of the
// person's folder.
func onAccessGapSummary(oa *onAccessFacts) string {
	folder := "your home folder"
	if oa.Folder != "~" {
		folder = "the home folders in " + oa.Folder
	}
	const lead = "ClamAV's on-access scanner runs, but "
	switch oa.Gap {
	case gapAccountExcluded:
		return lead + "it skips every file your account opens (OnAccessExcludeUname or OnAccessExcludeUID names it)."
	case gapExcluded:
		return lead + "it skips " + folder + ": OnAccessExcludePath " + oa.GapPath + " leaves it out."
	case gapExcludedInside:
		return lead + "it skips " + oa.GapPath + " in " + folder + " (OnAccessExcludePath)."
	case gapTopOnly:
		return lead + "it only watches the files directly in " + oa.GapPath + ", not the folders inside it, so files in " + folder + " are not scanned (OnAccessDisableDDD is on)."
	case gapIncludeIgnored:
		return lead + "it does not watch " + folder + ": with OnAccessMountPath set, it ignores OnAccessIncludePath " + oa.GapPath + " and watches only disks that do not hold it."
	case gapRootRefused:
		return lead + "it refuses to watch / through OnAccessIncludePath (only OnAccessMountPath / watches it), so " + folder + " is not watched."
	default:
		return lead + "it does not watch " + folder + ": no watched folder or disk holds it."
	}
}
