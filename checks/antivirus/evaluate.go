package antivirus

import (
	"fmt"
	"math"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

const unknownFix = "SessionGuard could not read the anti-virus status. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// Fix texts per OS, for a counsellor.
const (
	winTurnOnFix       = "Open Windows Security > Virus & threat protection, click Manage settings and turn on Real-time protection; then click Check for updates under Protection updates."
	winUpdateFix       = "Open Windows Security > Virus & threat protection > Protection updates and click Check for updates. Make sure the computer is connected to the internet."
	winMissingFix      = "Open Windows Security > Virus & threat protection and turn on Real-time protection. If that is not possible, ask your IT support to install anti-virus on this computer."
	winPassiveFix      = "Microsoft Defender is set to stand aside for another anti-virus, but no other anti-virus is protecting this computer. Ask your IT support to turn the organisation's anti-virus back on, or to switch Microsoft Defender back to normal."
	macGatekeeperFix   = "Open System Settings > Privacy & Security and, under Security, set \"Allow applications from\" to \"App Store and identified developers\". If you cannot change it, ask your IT support."
	macUpdateFix       = "Open System Settings > General > Software Update, click the (i) next to Automatic updates and turn on \"Install Security Responses and system files\". Leave the Mac connected to the internet for a while, then check again."
	macMDATPFix        = "Open Microsoft Defender from the menu bar, turn on Real-time protection and check for updates. If it stays off, ask your IT support."
	linuxMissingFix    = "Ask your IT support to install and turn on anti-virus (for example ClamAV) on this computer."
	linuxNoDBFix       = "ClamAV is installed but has never downloaded its virus definitions. Ask your IT support to set up its automatic updates (the freshclam service) and turn on its background scanner."
	linuxUpdateFix     = "Ask your IT support to make sure the anti-virus updates its virus definitions automatically (for ClamAV: the freshclam update service must be running and able to reach the internet)."
	linuxClamdFix      = "ClamAV only scans when someone asks it to. Ask your IT support to turn on its background scanner (the clamd service) so files are checked automatically."
	linuxMDATPFix      = "Ask your IT support to turn on real-time protection in Microsoft Defender for Endpoint and to check that it updates its definitions."
	mixedBuiltinDefFix = "Microsoft Defender is installed but not protecting. Open Microsoft Defender from the menu bar, turn on Real-time protection and check for updates, or ask your IT support."
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

// best picks the verdict that decides: any pass; else any unknown (it
// might be protecting); else warn; else fail. ok is false for no verdicts.
func best(vs []verdict) (verdict, bool) {
	rank := map[checks.Status]int{checks.Pass: 4, checks.Unknown: 3, checks.Warn: 2, checks.Fail: 1}
	var out verdict
	found := false
	for _, v := range vs {
		if !found || rank[v.status] > rank[out.status] {
			out, found = v, true
		}
	}
	return out, found
}

func missing(pol checks.Policy, summary, fix string) verdict {
	st := pol.AntivirusMissing
	if st != checks.Warn {
		st = checks.Fail
	}
	return verdict{status: st, summary: summary, fix: fix}
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

// Evaluate judges the facts against the policy.
func Evaluate(f Facts, pol checks.Policy) checks.Result {
	maxAge := float64(pol.AntivirusMaxSignatureAgeDays)
	if maxAge <= 0 {
		maxAge = float64(checks.Default().AntivirusMaxSignatureAgeDays)
	}
	switch {
	case f.OS == "windows" && f.Windows != nil:
		return evalWindows(f.Windows, pol, maxAge).result()
	case f.OS == "darwin" && f.Darwin != nil:
		xpMax := float64(pol.XProtectMaxAgeDays)
		if xpMax <= 0 {
			xpMax = float64(checks.Default().XProtectMaxAgeDays)
		}
		return evalDarwin(f.Darwin, xpMax).result()
	case f.OS == "linux" && f.Linux != nil:
		return evalLinux(f.Linux, pol, maxAge).result()
	}
	return unknown("Could not check anti-virus.", "no anti-virus facts for "+f.OS).result()
}

func evalWindows(w *WindowsFacts, pol checks.Policy, maxAge float64) verdict {
	var vs []verdict
	for _, p := range w.SecurityCenter {
		if p.Microsoft && w.Defender != nil {
			continue // judged from Defender's own status below
		}
		vs = append(vs, wscVerdict(p))
	}
	if w.Defender != nil {
		vs = append(vs, defenderVerdict(w.Defender, w.SecurityCenter != nil, maxAge))
	}
	if v, ok := best(vs); ok {
		return v
	}
	switch {
	case w.SecurityCenter != nil:
		return missing(pol, "No anti-virus is registered with Windows Security.", winMissingFix)
	case w.SecurityCenterError == "not_found" && (w.DefenderError == "not_found" || w.DefenderError == ""):
		v := unknown("Could not check anti-virus.", "this Windows has no Security Center (Windows Server) and Microsoft Defender is not installed, so other anti-virus products cannot be seen")
		v.fix = "This looks like a Windows Server, where SessionGuard cannot see anti-virus other than Microsoft Defender. Ask your IT support to confirm which anti-virus protects it."
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

func productName(p WSCProduct) string {
	if strings.TrimSpace(p.Name) == "" {
		return "An anti-virus product"
	}
	return p.Name
}

func wscVerdict(p WSCProduct) verdict {
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
	switch p.State {
	case "on":
		if p.SignaturesUpToDate {
			return verdict{status: checks.Pass, summary: name + " is on and up to date."}
		}
		return verdict{status: checks.Warn, summary: name + " is on but its virus definitions are out of date.", fix: ownFix("update")}
	case "off":
		return verdict{status: checks.Fail, summary: name + " is turned off.", fix: ownFix("on")}
	case "snoozed":
		return verdict{status: checks.Fail, summary: name + " is paused (snoozed) and not protecting.", fix: ownFix("on")}
	case "expired":
		return verdict{status: checks.Fail, summary: name + " has expired and is not protecting.", fix: ownFix("on")}
	default:
		return unknown("Could not read the state of "+name+".", fmt.Sprintf("Security Center productState %d (0x%06X) not recognised", p.ProductState, p.ProductState))
	}
}

func defenderVerdict(d *DefenderStatus, haveWSC bool, maxAge float64) verdict {
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
			return unknown("Microsoft Defender is in "+mode+".", "Defender stands aside for another anti-virus, which this Windows (no Security Center) cannot show")
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

func mdatpVerdict(h *MDATPHealth, fix string) verdict {
	switch h.state() {
	case "active":
		return verdict{status: checks.Pass, summary: "Microsoft Defender for Endpoint is on and up to date."}
	case "outdated":
		return verdict{status: checks.Warn, summary: "Microsoft Defender for Endpoint is on but its definitions are not up to date (" + orDash(h.DefinitionsStatus) + ").", fix: fix}
	case "unhealthy":
		return verdict{status: checks.Warn, summary: "Microsoft Defender for Endpoint reports a problem" + issues(h) + ".", fix: fix}
	case "passive":
		return verdict{status: checks.Fail, summary: "Microsoft Defender for Endpoint is in passive mode and does not block threats.", fix: fix}
	case "off":
		return verdict{status: checks.Fail, summary: "Microsoft Defender for Endpoint real-time protection is off.", fix: fix}
	default:
		return unknown("Could not read Microsoft Defender for Endpoint's state.", "mdatp health did not say whether real-time protection is on and definitions are current")
	}
}

func issues(h *MDATPHealth) string {
	if len(h.HealthIssues) == 0 {
		return ""
	}
	return ": " + strings.Join(h.HealthIssues, ", ")
}

// evalDarwin judges Gatekeeper, XProtect (against xpMax days) and
// Defender for Endpoint.
func evalDarwin(d *DarwinFacts, xpMax float64) verdict {
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
	mv := mdatpVerdict(d.MDATP, macMDATPFix)
	switch {
	case mv.status == checks.Pass && d.Gatekeeper == "disabled":
		return verdict{status: checks.Warn, summary: "Microsoft Defender for Endpoint is on, but Gatekeeper is turned off.", fix: macGatekeeperFix}
	case mv.status == checks.Pass:
		return mv
	case builtin.status == checks.Pass && (mv.status == checks.Warn || mv.status == checks.Fail):
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

func version(d *DarwinFacts) string {
	if d.XProtectVersion == "" {
		return ""
	}
	return " " + d.XProtectVersion
}

func evalLinux(l *LinuxFacts, pol checks.Policy, maxAge float64) verdict {
	var vs []verdict
	if l.MDATP != nil {
		vs = append(vs, mdatpVerdict(l.MDATP, linuxMDATPFix))
	} else if l.MDATPError != "" && l.MDATPError != "not_found" {
		vs = append(vs, unknown("Could not read Microsoft Defender for Endpoint's state.", "mdatp health: "+l.MDATPError))
	}
	if c := l.ClamAV; c != nil {
		vs = append(vs, clamVerdict(c, pol, maxAge))
	}
	if v, ok := best(vs); ok {
		return v
	}
	return missing(pol, "No anti-virus was found on this computer.", linuxMissingFix)
}

func clamVerdict(c *ClamAVFacts, pol checks.Policy, maxAge float64) verdict {
	switch {
	case c.Daily == nil && c.DatabaseError == errNoDatabase.Error():
		return missing(pol, "ClamAV is installed but has no virus definitions, so it cannot find anything.", linuxNoDBFix)
	case c.Daily == nil:
		return unknown("Could not read the age of ClamAV's virus definitions.", "ClamAV database: "+orDash(c.DatabaseError))
	case c.DatabaseAgeDays == nil:
		return unknown("Could not read the age of ClamAV's virus definitions.", "ClamAV database build time not readable")
	case *c.DatabaseAgeDays > maxAge:
		return verdict{status: checks.Warn, summary: "ClamAV's virus definitions are " + days(*c.DatabaseAgeDays) + " old.", fix: linuxUpdateFix}
	case c.ClamdRunning == nil:
		return unknown("ClamAV's definitions are current; whether its background scanner runs could not be read.", "clamd: "+orDash(c.ClamdError))
	case !*c.ClamdRunning:
		return verdict{status: checks.Warn, summary: "ClamAV's definitions are current, but its background scanner (clamd) is not running.", fix: linuxClamdFix}
	default:
		return verdict{status: checks.Pass, summary: "ClamAV is running and its virus definitions are " + days(*c.DatabaseAgeDays) + " old."}
	}
}
