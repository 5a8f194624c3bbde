package firewall

import (
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

// Fix texts, written for a counsellor.
const (
	unknownFix = "SessionGuard could not tell whether the firewall is on. Try \"Check again\"; if it stays unknown, ask your IT support to confirm the firewall is on and send them an evidence bundle (sessionguard evidence record)."

	fixLinuxOff      = "Turn on the firewall: open a terminal and run 'sudo ufw enable', or ask your IT support."
	fixLinuxRoot     = "Reading the firewall rules needs administrator (root) rights. Make sure the SessionGuard service is running (it runs as root), or run 'sudo sessionguard check', or ask your IT support to confirm the firewall is on."
	fixLinuxLegacy   = "Some firewall rules on this computer were set up in an older way SessionGuard cannot read. Ask your IT support to confirm the firewall is on (for example with 'sudo ufw enable')."
	fixLinuxFrontEnd = "A firewall program is on, but its rules let incoming connections in (another program, such as Docker, may have changed them). Restart the computer and check again; if it still fails, ask your IT support to check the firewall settings."
	fixLinuxUnknown  = "SessionGuard could not read the firewall settings. Ask your IT support to confirm the firewall is on (for example with 'sudo ufw enable')."

	fixMacOff     = "Open System Settings > Network > Firewall and turn it on (on older Macs: System Preferences > Security & Privacy > Firewall > Turn On Firewall), then check again."
	fixMacManaged = "Your organisation's settings for this Mac turn the firewall off, so you cannot turn it on yourself. Ask your IT support to turn the firewall on."
	fixMacUnknown = "SessionGuard could not read the firewall setting. Open System Settings > Network > Firewall and make sure it is on, then check again; if it stays unknown, ask your IT support."

	fixWinOff      = "Open Windows Security > Firewall & network protection and turn on the firewall for the network you are on (it is marked \"active\"), then check again."
	fixWinOffAll   = "Open Windows Security > Firewall & network protection and turn on the firewall for every network type (Domain, Private and Public), then check again."
	fixWinInbound  = "The firewall is on but set to let every incoming connection in. Ask your IT support to set it back to block incoming connections that are not allowed (the Windows default)."
	fixWinPolicy   = "Your organisation's settings for this PC turn the firewall off, so you cannot turn it on yourself. Ask your IT support to turn the firewall on."
	fixWinUnknown  = "SessionGuard could not read the firewall settings. Open Windows Security > Firewall & network protection and make sure the firewall is on, then check again; if it stays unknown, ask your IT support."
	fixWinSomeOff  = "Open Windows Security > Firewall & network protection and turn on the firewall for every network type that shows as off, then check again."
	summaryUnknown = "Could not tell whether the firewall is on."
)

// Evaluate judges the facts. The policy has no firewall settings yet.
func Evaluate(f Facts, _ checks.Policy) checks.Result {
	switch {
	case f.Linux != nil:
		return evaluateLinux(*f.Linux)
	case f.Darwin != nil:
		return evaluateDarwin(*f.Darwin)
	case f.Windows != nil:
		return evaluateWindows(*f.Windows)
	}
	return unknown(summaryUnknown, unknownFix, fmt.Sprintf("no firewall facts for %q", f.OS))
}

func unknown(summary, fix, reason string) checks.Result {
	return checks.Result{Status: checks.Unknown, Summary: summary, Fix: fix, Reason: reason}
}

func pass(summary string) checks.Result {
	return checks.Result{Status: checks.Pass, Summary: summary}
}

func fail(summary, fix string) checks.Result {
	return checks.Result{Status: checks.Fail, Summary: summary, Fix: fix}
}

func isTrue(b *bool) bool { return b != nil && *b }

func evaluateLinux(f LinuxFacts) checks.Result {
	for _, c := range f.InputChains {
		if c.Filtering {
			return pass(fmt.Sprintf("The firewall blocks incoming connections (nftables %s %s %s %ss what no rule allows).", c.Family, c.Table, c.Chain, c.Default))
		}
	}
	if s := f.source("iptables"); s != nil && isTrue(s.Filtering) {
		return pass("The firewall blocks incoming connections (iptables " + s.Detail + ").")
	}

	// ufw and firewalld only decide when the rules themselves could not be
	// read: when they could, they have the last word (ufw can say "active"
	// while another tool reset its INPUT policy).
	rulesetRead, allMissing := false, true
	var unread []string
	denied := false
	for _, s := range f.Sources {
		if s.State != StateNotInstalled {
			allMissing = false
		}
		switch s.State {
		case StateRead:
			if s.Name == "nft" || s.Name == "iptables" {
				rulesetRead = true
			}
		case StateNotInstalled:
		default:
			denied = denied || s.State == StateDenied
			unread = append(unread, s.Name+": "+s.State+orEmpty(": ", s.Detail))
		}
	}
	fw, ufw := f.source("firewalld"), f.source("ufw")
	switch {
	case rulesetRead && f.LegacyTablesPresent:
		return unknown(summaryUnknown, fixLinuxLegacy, "iptables-nft reports rules loaded with iptables-legacy, which were not read; nothing else filters incoming connections")
	case rulesetRead:
		switch {
		case fw != nil && isTrue(fw.Active):
			return fail("firewalld is running but its rules let incoming connections in.", fixLinuxFrontEnd)
		case ufw != nil && isTrue(ufw.Active):
			return fail("ufw is on but its rules let incoming connections in.", fixLinuxFrontEnd)
		}
		return fail("No firewall is blocking incoming connections.", fixLinuxOff)
	case ufw != nil && isTrue(ufw.Filtering):
		return pass("The firewall (ufw) is on and blocks incoming connections.")
	case fw != nil && isTrue(fw.Active):
		return pass("The firewall (firewalld) is running.")
	case allMissing:
		return fail("No firewall is installed (no nftables, iptables, ufw or firewalld).", fixLinuxOff)
	case len(unread) == 0:
		// The rule tools are missing and the front-ends that answered
		// are off.
		return fail("No firewall is on.", fixLinuxOff)
	case denied:
		return unknown("Could not read the firewall rules without administrator rights.", fixLinuxRoot, strings.Join(unread, "; "))
	default:
		return unknown(summaryUnknown, fixLinuxUnknown, strings.Join(unread, "; "))
	}
}

func orEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func evaluateDarwin(f DarwinFacts) checks.Result {
	if f.GlobalState != nil {
		switch *f.GlobalState {
		case ALFBlockAll:
			return pass("The firewall is on and blocks all incoming connections.")
		case ALFOn:
			return pass("The firewall is on.")
		case ALFOff:
			if f.ManagedEnable != nil && !*f.ManagedEnable {
				return fail("The firewall is off, set by your organisation's profile.", fixMacManaged)
			}
			return fail("The firewall is off.", fixMacOff)
		}
	}
	if isTrue(f.ManagedEnable) {
		return pass("The firewall is turned on by your organisation's configuration profile.")
	}
	reason := strings.Join(f.Errors, "; ")
	if reason == "" {
		reason = "no firewall state source answered"
	}
	return unknown(summaryUnknown, fixMacUnknown, reason)
}

func evaluateWindows(f WindowsFacts) checks.Result {
	var offProducts []string
	for _, p := range f.ThirdParty {
		if p.Enabled {
			return pass(fmt.Sprintf("A firewall (%s) is on.", productName(p)))
		}
		offProducts = append(offProducts, productName(p))
	}
	if len(f.Profiles) == 0 {
		reason := strings.Join(f.Errors, "; ")
		if reason == "" {
			reason = "no firewall profile could be read"
		}
		return unknown(summaryUnknown, fixWinUnknown, reason)
	}
	judged := f.Profiles
	activeKnown := false
	if len(f.ActiveProfiles) > 0 {
		var act []Profile
		for _, p := range f.Profiles {
			if containsString(f.ActiveProfiles, p.Name) {
				act = append(act, p)
			}
		}
		if len(act) > 0 {
			judged, activeKnown = act, true
		}
	}
	var on, off, open, unread []string
	policyOff := false
	for _, p := range judged {
		switch {
		case p.Enabled == nil:
			unread = append(unread, p.Name)
		case !*p.Enabled:
			off = append(off, p.Name)
			policyOff = policyOff || p.GroupPolicy
		case p.InboundAllowed:
			open = append(open, p.Name)
		default:
			on = append(on, p.Name)
		}
	}
	third := ""
	if len(offProducts) > 0 {
		third = " " + strings.Join(offProducts, ", ") + " is registered but off."
	}
	networks := func(names []string) string {
		if activeKnown {
			return "the " + strings.Join(names, " and ") + " network you are on"
		}
		return strings.Join(names, ", ") + " networks"
	}
	switch {
	case len(off) > 0 && (activeKnown || len(on)+len(open)+len(unread) == 0):
		fix := fixWinOff
		if policyOff {
			fix = fixWinPolicy
		} else if !activeKnown {
			fix = fixWinOffAll
		}
		return fail("Windows Firewall is off for "+networks(off)+"."+third, fix)
	case len(open) > 0 && (activeKnown || len(on)+len(unread) == 0):
		return fail("Windows Firewall is on but lets all incoming connections in for "+networks(open)+".", fixWinInbound)
	case len(unread) > 0:
		return unknown(summaryUnknown, fixWinUnknown, "the firewall state of "+strings.Join(unread, ", ")+" could not be read")
	case len(off) > 0 || len(open) > 0:
		// Which network the PC is on is not known, and only some
		// profiles are off.
		return checks.Result{Status: checks.Warn,
			Summary: "Windows Firewall is off for " + strings.Join(append(off, open...), ", ") + " networks (on for " + strings.Join(on, ", ") + ").",
			Fix:     fixWinSomeOff}
	}
	return pass("Windows Firewall is on for " + networks(on) + ".")
}

func productName(p Product) string {
	if p.Name == "" {
		return "a third-party firewall"
	}
	return p.Name
}
