package firewall

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

// Fix texts, written for a counsellor.
const (
	unknownFix = "SessionGuard could not tell whether the firewall is on. Try \"Check again\"; if it stays unknown, ask your IT support to confirm the firewall is on and send them an evidence bundle (sessionguard evidence record)."

	fixLinuxOff         = "Turn on the firewall (ufw): open a terminal and run 'sudo ufw enable', or ask your IT support."
	fixLinuxFirewalld   = "Turn on the firewall (firewalld): open a terminal and run 'sudo systemctl enable --now firewalld', or ask your IT support."
	fixLinuxNftables    = "Turn on the firewall (nftables): put rules with an input chain whose policy is drop in /etc/nftables.conf (Debian's default file is a start), then run 'sudo systemctl enable --now nftables'; or ask your IT support."
	fixLinuxInstall     = "No firewall program is installed. Install one and turn it on: on Ubuntu or Debian open a terminal and run 'sudo apt install ufw' then 'sudo ufw enable' (on Fedora: 'sudo dnf install firewalld' then 'sudo systemctl enable --now firewalld'); or ask your IT support."
	fixLinuxUFWIPv6     = "ufw is not filtering IPv6: set IPV6=yes in /etc/default/ufw, then run 'sudo ufw disable' and 'sudo ufw enable'; or ask your IT support."
	fixLinuxNftFamily   = "The nftables rules filter one address family only: use an 'inet' table (IPv4 and IPv6) for the input chain in /etc/nftables.conf, then run 'sudo systemctl restart nftables'; or ask your IT support."
	fixLinuxFamily      = "The firewall filters one address family (IPv4 or IPv6) only. Ask your IT support to filter both (with ip6tables rules as well as iptables ones, or an nftables 'inet' table)."
	fixLinuxAcceptAll   = "The firewall is on, but one of its rules lets every incoming connection in (%s). Ask your IT support to remove that rule, then check again."
	fixLinuxAcceptLocal = "The firewall is on, but one of its rules lets in every connection from a whole local network (%s): on any Wi-Fi that uses those addresses, a café's as well as home, every device there can reach this computer. Ask your IT support to replace it with rules for just the services needed (for example one port from one printer or file server), then check again."
	fixLinuxAcceptPorts = "The firewall is on, but one of its rules lets in connections on thousands of ports (%s): any program that listens on one of them can be reached by every device on the same network. On Fedora this is the 'FedoraWorkstation' firewalld zone: open a terminal and run 'sudo firewall-cmd --set-default-zone=public'. Otherwise ask your IT support to replace the rule with ones for just the ports needed, then check again."
	fixLinuxAcceptSport = "The firewall is on, but one of its rules lets in whatever is sent from a given source port (%s): the sender chooses its source port, so anyone can reach every port of this computer that way. Such rules are usually meant to let answers in (to DNS or web requests); ask your IT support to replace them with 'ct state established,related accept' (or '-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'), then check again."
	fixLinuxAcceptOn    = "The firewall lets in every incoming connection arriving on %s (a rule accepts everything on that network connection). Ask your IT support to remove that rule, then check again."
	fixLinuxTailnet     = "Tailscale lets every device its access controls allow connect to this computer, on any port; SessionGuard cannot read those controls, so this stays a warning while Tailscale is connected. Ask whoever runs your Tailscale network to allow only the connections this computer needs, or turn on Tailscale's 'Block incoming connections' (in a terminal: 'sudo tailscale set --shields-up')."
	fixLinuxTrustedZone = "firewalld lets in every incoming connection arriving on %s: that network connection is in a zone that accepts everything (such as 'trusted'). Open a terminal and run 'sudo firewall-cmd --get-active-zones' to see it; move the connection to the 'public' zone (for example 'sudo firewall-cmd --permanent --zone=public --change-interface=NAME', then 'sudo firewall-cmd --reload'), or ask your IT support."
	fixLinuxNatUnread   = "SessionGuard could not read whether containers (Docker or Podman) publish ports that the firewall does not filter. If you run containers, stop them before the session; otherwise try \"Check again\", or ask your IT support."
	fixLinuxPublished   = "Containers (Docker or Podman) publish ports to every network this computer is on, and the firewall does not filter them. Stop those containers before the session (docker ps shows them), or publish them on this computer only ('-p 127.0.0.1:8080:80'); or ask your IT support."
	fixLinuxRoot        = "Reading the firewall rules needs administrator (root) rights. Make sure the SessionGuard service is running (it runs as root), or run 'sudo sessionguard check', or ask your IT support to confirm the firewall is on."
	fixLinuxLegacy      = "Some firewall rules on this computer were set up in an older way SessionGuard cannot read. Ask your IT support to confirm the firewall is on (for example with 'sudo ufw enable')."
	fixLinuxFrontEnd    = "A firewall program is on, but its rules let incoming connections in (another program, such as Docker, may have changed them). Restart the computer and check again; if it still fails, ask your IT support to check the firewall settings."
	fixLinuxUnknown     = "SessionGuard could not read the firewall settings. Ask your IT support to confirm the firewall is on (for example with 'sudo ufw enable')."
	fixLinuxDormant     = "The firewall's rules are loaded but switched off: the nftables table %s is marked dormant, so its rules do not run. Reload the firewall (\"sudo systemctl restart nftables\" loads /etc/nftables.conf again), or ask your IT support."
	fixLinuxUnsureRule  = "The firewall is on, but SessionGuard cannot tell what one of its rules lets in (%s): it may let every incoming connection in. Ask your IT support to check that rule; a rule that names ports or addresses (such as 'tcp dport 22 accept') can be checked."

	fixMacOff     = "Open System Settings > Network > Firewall and turn it on (on older Macs: System Preferences > Security & Privacy > Firewall > Turn On Firewall), then check again."
	fixMacManaged = "Your organisation's settings for this Mac turn the firewall off, so you cannot turn it on yourself. Ask your IT support to turn the firewall on."
	fixMacUnknown = "SessionGuard could not read the firewall setting. Open System Settings > Network > Firewall and make sure it is on, then check again; if it stays unknown, ask your IT support."

	fixWinOff      = "Open Windows Security > Firewall & network protection and turn on the firewall for the network you are on (it is marked \"active\"), then check again."
	fixWinOffAll   = "Open Windows Security > Firewall & network protection and turn on the firewall for every network type (Domain, Private and Public), then check again."
	fixWinInbound  = "The firewall is on but set to let every incoming connection in. Ask your IT support to set it back to block incoming connections that are not allowed (the Windows default)."
	fixWinPolicy   = "Your organisation's settings for this PC turn the firewall off, so you cannot turn it on yourself. Ask your IT support to turn the firewall on."
	fixWinUnknown  = "SessionGuard could not read the firewall settings. Open Windows Security > Firewall & network protection and make sure the firewall is on, then check again; if it stays unknown, ask your IT support."
	fixWinService  = "The Windows Defender Firewall service is turned off, so the firewall settings protect nothing. Ask your IT support to turn the Windows Defender Firewall service back on (and the Base Filtering Engine service it needs), then restart the PC and check again."
	fixWinRule     = "Open \"Windows Defender Firewall with Advanced Security\" (search the Start menu for wf.msc) as an administrator, choose Inbound Rules, find the rule %s and disable it, or limit it to the program and port that need it (ask your IT support if you did not add it), then check again."
	fixWinRuleOrg  = "Your organisation's settings for this PC add the firewall rule %s, so you cannot change it yourself. Ask your IT support to remove it or limit it to the program and port that need it."
	fixWinExcluded = "Windows Firewall is set to leave the network adapter you are using unprotected. Ask your IT support to remove it from the firewall's excluded adapters (as an administrator, in PowerShell: Set-NetFirewallProfile -All -DisabledInterfaceAliases NotConfigured), then check again."
	fixWinSomeOff  = "Open Windows Security > Firewall & network protection and turn on the firewall for every network type that shows as off, then check again."
	summaryUnknown = "Could not tell whether the firewall is on."
)

// evaluate judges the facts. The policy has no firewall settings yet.
func evaluate(f facts, _ checks.Policy) checks.Result {
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

// evaluateLinux judges IPv4 and IPv6 apart (checks.AllOf): the computer is
// protected only when incoming packets of both families are filtered, or
// the family is absent (no IPv6). Containers' published ports, which bypass
// the input chains, turn a pass into a warn, and are said beside another
// warning (Tailscale's).
func evaluateLinux(f linuxFacts) checks.Result {
	v4, by4 := linuxFamily(f, iPv4)
	v6, by6 := linuxFamily(f, iPv6)
	r := checks.AllOf(v4, v6)
	switch r.Status {
	case checks.Pass:
		switch {
		case v6.Status == checks.NotApplicable:
			r.Summary = fmt.Sprintf("The firewall blocks incoming connections (%s); this computer has no IPv6 (%s).", by4, f.IPv6Detail)
		case by4 == by6:
			r.Summary = fmt.Sprintf("The firewall blocks incoming IPv4 and IPv6 connections (%s).", by4)
		default:
			r.Summary = fmt.Sprintf("The firewall blocks incoming IPv4 connections (%s) and IPv6 connections (%s).", by4, by6)
		}
	case checks.Warn:
		// A warning of its own (Tailscale): published ports are said
		// beside it, not hidden behind it.
	default:
		return r
	}
	if len(f.NatError) > 0 {
		// Published ports are graded warn, so not knowing them is too.
		return warnBeside(r, " Whether containers publish ports past it could not be read ("+strings.Join(f.NatError, "; ")+").", fixLinuxNatUnread)
	}
	if ports, count := publishedEverywhere(f.Published); len(ports) > 0 {
		n := fmt.Sprintf("%d ports are", count)
		if count == 1 {
			n = "1 port is"
		}
		return warnBeside(r, " But "+n+" published by containers (Docker or Podman) to every address, which the firewall does not filter: "+strings.Join(ports, ", ")+".", fixLinuxPublished)
	}
	return r
}

// warnBeside turns r (a pass or a warning) into a warning that also says
// sentence, with fix after r's own.
func warnBeside(r checks.Result, sentence, fix string) checks.Result {
	if r.Status == checks.Warn && r.Fix != "" {
		fix = r.Fix + " " + fix
	}
	return checks.Result{Status: checks.Warn, Summary: r.Summary + sentence, Fix: fix}
}

// publishedEverywhere lists the ports published to every address, once
// each whatever the family ("tcp 8080", "tcp 9000-9002"), and how many
// ports they are (a range is each of its ports).
func publishedEverywhere(list []pubPort) ([]string, int) {
	var out []string
	count := 0
	for _, p := range list {
		s := p.Proto + " " + p.Port
		if p.EveryAddress && !containsString(out, s) {
			out = append(out, s)
			count += portsIn(p.Port)
		}
	}
	return out, count
}

// portsIn is how many ports a published port names: "8080" one,
// "9000-9002" three, "22,80" two; one for anything else.
func portsIn(port string) int {
	n := 0
	for _, part := range strings.Split(port, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		from, err1 := strconv.Atoi(lo)
		to, err2 := strconv.Atoi(hi)
		switch {
		case isRange && err1 == nil && err2 == nil && from <= to:
			n += to - from + 1
		default:
			n++
		}
	}
	return n
}

func familyName(fam string) string {
	if fam == iPv6 {
		return "IPv6"
	}
	return "IPv4"
}

// linuxFamily judges one family: pass when an nftables input chain covering
// it, or its iptables command, filters; not applicable for IPv6 on a
// computer without IPv6; fail when the rules were read and nothing filters;
// unknown when they could not be read. by names what filters.
func linuxFamily(f linuxFacts, fam string) (checks.Result, string) {
	name := familyName(fam)
	// A chain that filters but accepts everything arriving on an
	// interface that reaches outside does not filter that network.
	var openOn, openIfaces, uncertain, unsureRules, compatUnread []string
	// tailnetBy is the first chain that filters everything but what
	// arrives over a Tailscale tunnel (tailnetIfaces), which it lets in:
	// the family is filtered but for the tailnet, unless another chain
	// filters that too.
	var tailnetBy string
	var tailnetIfaces []string
	judge := func(what string, acceptsOn []string) bool {
		open, known := f.outsideAccepted(acceptsOn)
		tailnet := slices.DeleteFunc(slices.Clone(open), func(i string) bool { return !isTailnet(i) })
		open = slices.DeleteFunc(open, isTailnet)
		switch {
		case known && len(open) == 0 && len(tailnet) > 0:
			if tailnetBy == "" {
				tailnetBy, tailnetIfaces = what, tailnet
			}
		case !known:
			uncertain = append(uncertain, fmt.Sprintf("%s accepts everything arriving on %s, and the network interfaces could not be listed (%s)", what, strings.Join(acceptsOn, ", "), f.InterfacesError))
		case len(open) > 0:
			openOn = append(openOn, what)
			for _, i := range open {
				if !containsString(openIfaces, i) {
					openIfaces = append(openIfaces, i)
				}
			}
		default:
			return true
		}
		return false
	}
	for _, c := range f.InputChains {
		what := fmt.Sprintf("nftables %s %s %s", c.Family, c.Table, c.Chain)
		if c.FiltersFamily(fam) {
			if judge(what, c.AcceptsOn) {
				by := fmt.Sprintf("%s %ss what no rule allows", what, c.Default)
				return pass(by), by
			}
		} else if containsString(c.UnsureFor, fam) {
			ipt := f.source(iptablesName(fam))
			switch {
			case !c.UnsureIptables:
				unsureRules = append(unsureRules, fmt.Sprintf("%s: %s", what, c.UnsureRule))
			case ipt == nil || ipt.State != stateRead:
				// iptables -S shows these rules whole, but was not read.
				state := "not run"
				if ipt != nil {
					state = ipt.State + orEmpty(": ", ipt.Detail)
				}
				compatUnread = append(compatUnread, fmt.Sprintf("%s has iptables-nft rules whose matches only %s -S shows (%s), and that could not be read (%s)",
					what, iptablesName(fam), c.UnsureRule, state))
			}
			// Else iptables -S, read, judges the same rules below.
		}
	}
	ipt, leg := f.iptablesOf(fam)
	for _, s := range []*source{ipt, leg} {
		if s != nil && isTrue(s.Filtering) && judge(s.Name+" INPUT", s.AcceptsOn) {
			by := s.Name + " " + s.Detail
			return pass(by), by
		}
	}
	if tailnetBy != "" {
		ifs := strings.Join(tailnetIfaces, ", ")
		return checks.Result{Status: checks.Warn,
			Summary: fmt.Sprintf("The firewall blocks incoming %s connections, except every one arriving over Tailscale (%s, %s): who on the Tailscale network may connect to this computer is set by that network's access controls, which SessionGuard cannot read.", name, ifs, tailnetBy),
			Fix:     fixLinuxTailnet}, ""
	}
	for _, s := range []*source{ipt, leg} {
		if s != nil && s.State == stateRead {
			if _, rule, ok := strings.Cut(s.Detail, unsureDetail); ok {
				unsureRules = append(unsureRules, s.Name+" INPUT: "+rule)
			}
		}
	}
	if fam == iPv6 && f.IPv6Absent() {
		return checks.Result{Status: checks.NotApplicable, Summary: "This computer has no IPv6: " + f.IPv6Detail + "."}, ""
	}
	switch {
	case len(openOn) > 0:
		ifs := strings.Join(openIfaces, ", ")
		fix := fmt.Sprintf(fixLinuxAcceptOn, ifs)
		if fw := f.source("firewalld"); fw != nil && isTrue(fw.Active) {
			fix = fmt.Sprintf(fixLinuxTrustedZone, ifs)
		}
		return fail(fmt.Sprintf("The firewall is on, but lets in every incoming connection arriving on %s (%s).", ifs, strings.Join(openOn, "; ")), fix), ""
	case len(uncertain) > 0:
		return unknown(summaryUnknown, fixLinuxUnknown, strings.Join(uncertain, "; ")), ""
	case len(compatUnread) > 0:
		fix := fixLinuxUnknown
		if ipt != nil && ipt.State == stateDenied {
			fix = fixLinuxRoot
		}
		return unknown(summaryUnknown, fix, strings.Join(compatUnread, "; ")), ""
	case len(unsureRules) > 0:
		return unknown("Could not tell whether the firewall lets incoming connections in: a rule accepts packets on a condition SessionGuard cannot judge.",
			fmt.Sprintf(fixLinuxUnsureRule, strings.Join(unsureRules, "; ")),
			"the input chain drops what no rule allows, but before that a rule accepts packets on a condition that cannot be judged from the ruleset: "+strings.Join(unsureRules, "; ")), ""
	}
	nft := f.source("nft")
	rulesRead := (nft != nil && nft.State == stateRead) || (ipt != nil && ipt.State == stateRead)
	legacy := f.LegacyTablesPresent
	if fam == iPv6 {
		legacy = f.Legacy6TablesPresent
	}
	var unread []string
	denied := false
	for _, s := range []*source{nft, ipt} {
		if s != nil && s.State != stateRead && s.State != stateNotInstalled {
			denied = denied || s.State == stateDenied
			unread = append(unread, s.Name+": "+s.State+orEmpty(": ", s.Detail))
		}
	}
	switch {
	case rulesRead && legacy && (leg == nil || leg.State != stateRead):
		why := "which were not read"
		if leg != nil {
			why = "which could not be read (" + leg.Name + ": " + leg.State + orEmpty(": ", leg.Detail) + ")"
		}
		return unknown(summaryUnknown, fixLinuxLegacy, fmt.Sprintf("%s reports %s rules loaded with %s-legacy, %s; nothing else filters incoming %s connections", ipt.Name, name, ipt.Name, why, name)), ""
	case fam == iPv6 && (rulesRead || len(unread) == 0) && f.IPv6 != iPv6Present:
		// Nothing filters IPv6; whether the computer has it decides.
		reason := "nothing filters incoming IPv6 connections, and whether this computer has IPv6 could not be read"
		if f.IPv6Detail != "" {
			reason += ": " + f.IPv6Detail
		}
		return unknown(summaryUnknown, fixLinuxUnknown, reason), ""
	case rulesRead:
		return linuxOpen(f, fam), ""
	case len(unread) == 0:
		// Neither nft nor the family's iptables is installed.
		if installedFrontEnd(f) == "" {
			return fail("No firewall is installed (no nftables, iptables, ufw or firewalld).", fixLinuxInstall), ""
		}
		return fail("No firewall is on.", linuxFix(f, fam, "")), ""
	}
	reason := strings.Join(unread, "; ")
	for _, s := range f.Sources {
		if (s.Name == "ufw" || s.Name == "firewalld") && isTrue(s.Active) {
			reason = s.Name + " is on, but its rules could not be read: " + reason
		}
	}
	if denied {
		return unknown("Could not read the firewall rules without administrator rights.", fixLinuxRoot, reason), ""
	}
	return unknown(summaryUnknown, fixLinuxUnknown, reason), ""
}

// linuxOpen is the fail of a family whose rules were read and filter
// nothing.
func linuxOpen(f linuxFacts, fam string) checks.Result {
	name := familyName(fam)
	accepting := ""
	for _, c := range f.InputChains {
		if c.Covers(fam) && c.AcceptsAll {
			accepting = fmt.Sprintf("nftables %s %s %s: %s", c.Family, c.Table, c.Chain, c.AcceptRule)
			break
		}
	}
	ipt, leg := f.iptablesOf(fam)
	for _, s := range []*source{ipt, leg} {
		if accepting == "" && s != nil && s.State == stateRead {
			if _, rule, ok := strings.Cut(s.Detail, acceptsAllDetail); ok {
				accepting = s.Name + " INPUT: " + rule
			}
		}
	}
	if accepting != "" {
		fix := fixLinuxAcceptAll
		switch {
		case strings.Contains(accepting, localNetworkNote):
			fix = fixLinuxAcceptLocal
		case strings.Contains(accepting, manyPortsNote):
			fix = fixLinuxAcceptPorts
		case strings.Contains(accepting, sourcePortNote):
			fix = fixLinuxAcceptSport
		}
		return fail(fmt.Sprintf("The firewall is on, but a rule lets incoming connections in without filtering them (%s).", accepting), fmt.Sprintf(fix, accepting))
	}
	for _, c := range f.InputChains {
		if c.Covers(fam) && c.Dormant {
			table := c.Family + " " + c.Table
			return fail(fmt.Sprintf("The firewall's rules are switched off: nftables table %s is dormant, so nothing filters incoming %s connections.", table, name), fmt.Sprintf(fixLinuxDormant, table))
		}
	}
	other := iPv4
	if fam == iPv4 {
		other = iPv6
	}
	onlyOther := f.familyFiltered(other)
	fw, ufw := f.source("firewalld"), f.source("ufw")
	switch {
	case onlyOther:
		return fail(fmt.Sprintf("The firewall filters %s but lets every incoming %s connection in.", familyName(other), name), linuxFix(f, fam, "family"))
	case fw != nil && isTrue(fw.Active):
		return fail("firewalld is running but its rules let incoming connections in.", fixLinuxFrontEnd)
	case ufw != nil && isTrue(ufw.Active):
		return fail("ufw is on but its rules let incoming connections in.", fixLinuxFrontEnd)
	}
	return fail("No firewall is blocking incoming connections.", linuxFix(f, fam, ""))
}

// installedFrontEnd names the firewall program installed: "ufw",
// "firewalld", "nftables" (the nft command alone), or "".
func installedFrontEnd(f linuxFacts) string {
	for _, name := range []string{"ufw", "firewalld", "nft"} {
		if s := f.source(name); s != nil && s.State != stateNotInstalled {
			if name == "nft" {
				return "nftables"
			}
			return name
		}
	}
	return ""
}

// linuxFix tells how to turn the firewall on with the program that is
// installed, or how to install one. what is "family" when only the other
// family is filtered.
func linuxFix(f linuxFacts, fam, what string) string {
	tool := installedFrontEnd(f)
	if what == "family" {
		switch tool {
		case "ufw":
			if fam == iPv6 {
				return fixLinuxUFWIPv6
			}
		case "nftables":
			return fixLinuxNftFamily
		}
		return fixLinuxFamily
	}
	switch tool {
	case "ufw":
		return fixLinuxOff
	case "firewalld":
		return fixLinuxFirewalld
	case "nftables":
		return fixLinuxNftables
	}
	return fixLinuxInstall
}

func orEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func evaluateDarwin(f darwinFacts) checks.Result {
	if f.GlobalState != nil && f.Source == "alf_plist" && !alfPlistCounts(f.MacOSVersion) {
		// macOS 15 and later keep a stale com.apple.alf.plist, if any;
		// facts from an older agent lack the version.
		version := "macOS version unread"
		if f.MacOSVersion != "" {
			version = "macOS " + f.MacOSVersion
		}
		f.GlobalState = nil
		f.Errors = append(slices.Clone(f.Errors), fmt.Sprintf("%s holds the firewall's state only up to macOS %d (%s)", alfPlist, lastALFPlistMacOS, version))
	}
	if f.GlobalState != nil {
		switch *f.GlobalState {
		case alfBlockAll:
			return pass("The firewall is on and blocks all incoming connections.")
		case alfOn:
			return pass("The firewall is on.")
		case alfOff:
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

// evaluateWindows judges two routes, either of which protects the PC
// (checks.AnyOf): Windows Firewall, and a third-party firewall Security
// Center reports on.
func evaluateWindows(f windowsFacts) checks.Result {
	return checks.AnyOf(windowsFirewallRoute(f), thirdPartyRoute(f))
}

// thirdPartyRoute passes when Security Center reports a third-party
// firewall on; unknown when Security Center could not be read.
func thirdPartyRoute(f windowsFacts) checks.Result {
	for _, p := range f.ThirdParty {
		if p.Enabled {
			return pass(fmt.Sprintf("A firewall (%s) is on.", productName(p)))
		}
	}
	if f.SecurityCenter == "unread" {
		return unknown(summaryUnknown, fixWinUnknown, "Security Center's list of firewalls could not be read, so a third-party firewall may be on")
	}
	return checks.Result{Status: checks.NotApplicable, Summary: "No third-party firewall is on."}
}

// windowsFirewallRoute needs both (checks.AllOf) the profiles of the
// networks in use on, and the services that make them work running.
func windowsFirewallRoute(f windowsFacts) checks.Result {
	return checks.AllOf(windowsProfiles(f), windowsServices(f))
}

// windowsServices: MpsSvc and BFE running. Win32_Service tells State; the
// registry fallback only the start type, so a service it shows disabled
// fails and one it shows enabled is running only if netsh answered (netsh
// advfirewall works only while MpsSvc runs, and MpsSvc only with BFE).
func windowsServices(f windowsFacts) checks.Result {
	var failed, unread []string
	failSummary := ""
	for _, name := range firewallServices {
		label := serviceLabel(name)
		var s *service
		for i := range f.Services {
			if f.Services[i].Name == name {
				s = &f.Services[i]
			}
		}
		switch {
		case f.ProfilesSource == "netsh" && (s == nil || (s.StartMode != "Disabled" && s.State != "Stopped")):
			// netsh advfirewall answered: MpsSvc, and so BFE, run.
		case s == nil:
			unread = append(unread, "the state of the "+label+" could not be read")
		case s.StartMode == "Disabled":
			failed = append(failed, name)
			if failSummary == "" {
				failSummary = "The " + label + " is disabled, so Windows Firewall protects nothing whatever its settings say."
			}
		case s.Source == "wmi" && s.State == "Stopped":
			failed = append(failed, name)
			if failSummary == "" {
				failSummary = "The " + label + " is stopped, so Windows Firewall protects nothing whatever its settings say."
			}
		case s.Source == "wmi" && s.State == "Running":
		case s.Source == "wmi":
			unread = append(unread, fmt.Sprintf("the %s is %q, neither running nor stopped", label, s.State))
		case s.Source == "missing":
			unread = append(unread, "Win32_Service does not list the "+label)
		default:
			unread = append(unread, fmt.Sprintf("whether the %s is running could not be read (start type %s)", label, s.StartMode))
		}
	}
	switch {
	case len(failed) > 0:
		return fail(failSummary, fixWinService)
	case len(unread) > 0:
		return unknown(summaryUnknown, fixWinUnknown, strings.Join(unread, "; "))
	}
	return pass("The Windows Defender Firewall service is running.")
}

func serviceLabel(name string) string {
	if name == serviceBFE {
		return "Base Filtering Engine service (BFE), which Windows Defender Firewall needs,"
	}
	return "Windows Defender Firewall service (MpsSvc)"
}

// windowsProfiles judges the profiles of the networks in use (every
// profile when that is not known).
func windowsProfiles(f windowsFacts) checks.Result {
	var offProducts []string
	for _, p := range f.ThirdParty {
		if !p.Enabled {
			offProducts = append(offProducts, productName(p))
		}
	}
	if len(f.Profiles) == 0 {
		reason := strings.Join(f.Errors, "; ")
		if reason == "" {
			reason = "no firewall profile could be read"
		}
		return unknown(summaryUnknown, fixWinUnknown, reason)
	}
	judged, activeKnown := judgedProfiles(f)
	var on, off, open, ruled, unread, rulesUnread, excluded, virtual []string
	var rule *openRule // the first rule that lets everyone in on a judged profile
	policyOff := false
	for _, p := range judged {
		r, unreadRules := f.InboundRules.openFor(p)
		switch {
		case p.Enabled == nil || p.InboundUnread:
			unread = append(unread, p.Name)
		case !*p.Enabled:
			off = append(off, p.Name)
			policyOff = policyOff || p.GroupPolicy
		case len(f.excludedInUse(p)) > 0:
			for _, a := range f.excludedInUse(p) {
				excluded = append(excluded, fmt.Sprintf("%q (%s network)", a, p.Name))
			}
		case p.InboundAllowed:
			open = append(open, p.Name)
		case r != nil:
			ruled = append(ruled, p.Name)
			if rule == nil {
				rule = r
			}
		case unreadRules:
			rulesUnread = append(rulesUnread, p.Name)
		default:
			on = append(on, p.Name)
		}
		for _, a := range p.ExcludedAdapters {
			if isVirtualSwitch(a) && !containsString(virtual, a) {
				virtual = append(virtual, a)
			}
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
	case len(excluded) > 0:
		return fail("Windows Firewall is on, but set not to apply at all to the network adapter you are using: "+strings.Join(excluded, ", ")+".", fixWinExcluded)
	case len(open) > 0 && (activeKnown || len(on)+len(unread) == 0):
		return fail("Windows Firewall is on but lets all incoming connections in for "+networks(open)+".", fixWinInbound)
	case len(ruled) > 0 && (activeKnown || len(on)+len(unread)+len(rulesUnread) == 0):
		return fail(fmt.Sprintf("Windows Firewall is on, but a rule lets incoming connections in without filtering them on %s: %s.", networks(ruled), rule.describe()), rule.fix())
	case len(unread)+len(rulesUnread) > 0:
		var reasons []string
		if len(unread) > 0 {
			reasons = append(reasons, "the firewall state of "+strings.Join(unread, ", ")+" could not be read")
		}
		if len(rulesUnread) > 0 {
			reasons = append(reasons, fmt.Sprintf("the firewall is on for %s, but %s could not be read, so one of them may let every incoming connection in",
				strings.Join(rulesUnread, ", "), f.InboundRules.unreadStores()))
		}
		return unknown(summaryUnknown, fixWinUnknown, strings.Join(reasons, "; "))
	case len(ruled) > 0 && len(off)+len(open) == 0:
		return checks.Result{Status: checks.Warn,
			Summary: fmt.Sprintf("A firewall rule lets incoming connections in without filtering them on %s networks (%s); the firewall blocks them on %s networks.", strings.Join(ruled, ", "), rule.describe(), strings.Join(on, ", ")),
			Fix:     rule.fix()}
	case len(off) > 0 || len(open) > 0:
		// Which network the PC is on is not known, and only some
		// profiles are off.
		return checks.Result{Status: checks.Warn,
			Summary: "Windows Firewall is off for " + strings.Join(append(off, open...), ", ") + " networks (on for " + strings.Join(on, ", ") + ").",
			Fix:     fixWinSomeOff}
	case !f.ExclusionsRead:
		return unknown(summaryUnknown, fixWinUnknown, "the firewall is on for "+strings.Join(on, ", ")+
			", but whether it is set not to apply to some network adapters (Set-NetFirewallProfile -DisabledInterfaceAliases) could not be read ("+
			firewallProfileCls+" was not read)")
	case f.Connections == nil && slices.ContainsFunc(judged, func(p profile) bool { return len(p.ExcludedAdapters) > 0 }):
		return unknown(summaryUnknown, fixWinUnknown, "the firewall is set not to apply to some network adapters, and which adapter is in use could not be read ("+connectionProfile+")")
	}
	note := ""
	if len(virtual) > 0 {
		note = " It is set not to apply to the virtual network " + strings.Join(virtual, ", ") + ", which links this PC to its own virtual machines and does not reach the Internet."
	}
	return pass("Windows Firewall is on for " + networks(on) + "." + note)
}

// excludedInUse are the adapters in use on p's networks that p's firewall
// does not apply to, a virtual switch (vEthernet) that does not reach the
// Internet aside (an external switch bound to the Wi-Fi or Ethernet
// adapter carries the PC's own traffic and does).
func (f windowsFacts) excludedInUse(p profile) []string {
	var out []string
	for _, c := range f.Connections {
		if c.Profile != p.Name || isVirtualSwitch(c.Adapter) && !c.ReachesInternet {
			continue
		}
		if slices.ContainsFunc(p.ExcludedAdapters, func(a string) bool { return strings.EqualFold(a, c.Adapter) }) {
			out = append(out, c.Adapter)
		}
	}
	return out
}

// isVirtualSwitch reports whether an adapter is a Hyper-V virtual switch
// ("vEthernet (WSL)", "vEthernet (Default Switch)").
func isVirtualSwitch(adapter string) bool {
	return strings.HasPrefix(strings.ToLower(adapter), "vethernet (")
}

// judgedProfiles are the profiles of the networks in use, when those are
// known (activeKnown), else every profile.
func judgedProfiles(f windowsFacts) (judged []profile, activeKnown bool) {
	var act []profile
	for _, p := range f.Profiles {
		if containsString(f.ActiveProfiles, p.Name) {
			act = append(act, p)
		}
	}
	if len(act) > 0 {
		return act, true
	}
	return f.Profiles, false
}

func productName(p product) string {
	if p.Name == "" {
		return "a third-party firewall"
	}
	return p.Name
}
