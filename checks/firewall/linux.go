package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Files that tell whether the computer has IPv6 at all.
const (
	ifInet6File     = "/proc/net/if_inet6"
	disableIPv6File = "/proc/sys/net/ipv6/conf/all/disable_ipv6"
	// procNetDev lists the network interfaces of this network namespace
	// (with counters, which are not read).
	procNetDev = "/proc/net/dev"
)

// interfacesOf reads the interface names of /proc/net/dev: after two
// header lines, "  name: counters…" a line.
func interfacesOf(b []byte) []string {
	out := []string{}
	for _, line := range strings.Split(string(b), "\n") {
		name, _, ok := strings.Cut(line, ":")
		if name = strings.TrimSpace(name); ok && name != "" && !strings.Contains(name, "|") {
			out = append(out, name)
		}
	}
	return out
}

// presenceOf reads /proc/net/if_inet6: one address a line, the interface
// name last.
func presenceOf(b []byte) (state, detail string) {
	var ifaces []string
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 6 && fields[5] != "lo" && !containsString(ifaces, fields[5]) {
			ifaces = append(ifaces, fields[5])
		}
	}
	if len(ifaces) > 0 {
		return iPv6Present, "IPv6 addresses on " + strings.Join(ifaces, ", ")
	}
	return iPv6LoopbackOnly, "no IPv6 address outside loopback (" + ifInet6File + ")"
}

// collectLinux asks nftables first; iptables only when no nftables chain
// filters IPv4 (iptables-legacy rules do not show in nft); when none filters
// IPv6, whether the computer has IPv6, and ip6tables only when it may; ufw and
// firewalld only when some family is not filtered (for the fix), so a
// filtering machine costs one command.
func collectLinux(ctx context.Context, p probe.Probe) *linuxFacts {
	f := &linuxFacts{}
	f.Sources = append(f.Sources, nftSource(ctx, p, f))
	if !f.familyFiltered(iPv4) {
		f.Sources = append(f.Sources, iptablesSources(ctx, p, f, iPv4)...)
	}
	if !f.familyFiltered(iPv6) {
		f.IPv6, f.IPv6Detail = ipv6Presence(p)
		if !f.IPv6Absent() {
			f.Sources = append(f.Sources, iptablesSources(ctx, p, f, iPv6)...)
		}
	}
	for _, fam := range []string{iPv4, iPv6} {
		// Published ports show in nft's ruleset, and in the nat table of
		// the iptables that filters, which may be iptables-legacy's (its
		// tables never show in nft). Legacy tables beside the ones read
		// (iptables-nft's warning, or /proc/net/ip_tables_names when nft
		// filters) are read with iptables-legacy: their DNAT forwards
		// packets past nft's input chains.
		switch s := f.source(iptablesName(fam)); {
		case s != nil && isTrue(s.Filtering):
			natPorts(ctx, p, f, fam, iptablesCommand(fam))
			if f.legacyPresent(fam) {
				natPorts(ctx, p, f, fam, legacyCommand(fam))
			}
		case f.familyFiltered(fam) && legacyNatLoaded(p, f, fam):
			natPorts(ctx, p, f, fam, legacyCommand(fam))
		}
	}
	if f.needsInterfaces() {
		if b, err := p.ReadFile(procNetDev); err == nil {
			f.Interfaces = interfacesOf(b)
		} else {
			f.InterfacesError = err.Error()
		}
	}
	if !f.cleanlyFiltered(iPv4) || (!f.cleanlyFiltered(iPv6) && !f.IPv6Absent()) {
		f.Sources = append(f.Sources, ufwSource(ctx, p), firewalldSource(ctx, p))
	}
	return f
}

// ipv6Presence reads whether any interface but lo has an IPv6 address
// (/proc/net/if_inet6), else whether IPv6 is switched off.
func ipv6Presence(p probe.Probe) (state, detail string) {
	b, err := p.ReadFile(ifInet6File)
	if err == nil {
		return presenceOf(b)
	}
	v, err2 := p.ReadFile(disableIPv6File)
	switch {
	case err2 == nil && strings.TrimSpace(string(v)) == "1":
		return iPv6Disabled, "IPv6 is switched off (net.ipv6.conf.all.disable_ipv6 = 1)"
	case errors.Is(err, probe.ErrNotFound) && errors.Is(err2, probe.ErrNotFound):
		return iPv6NotInKernel, "the kernel has no IPv6 (" + ifInet6File + " and " + disableIPv6File + " absent)"
	case err2 == nil:
		return iPv6Unread, err.Error()
	}
	return iPv6Unread, err.Error() + "; " + err2.Error()
}

func nftSource(ctx context.Context, p probe.Probe, f *linuxFacts) source {
	s := source{Name: "nft"}
	out, err := p.Run(ctx, probe.CmdNft, "-j", "list", "ruleset")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	if out.ExitCode != 0 {
		s.State, s.Detail = stateError, fmt.Sprintf("exit status %d: %s", out.ExitCode, firstLine(string(out.Stderr)))
		if nftDenied(out.Stderr) {
			s.State = stateDenied
		}
		return s
	}
	rs, err := parseNftJSON(out.Stdout)
	if err != nil {
		s.State, s.Detail = stateUnrecognised, err.Error()
		return s
	}
	var textFlags map[string][]string
	if len(rs.FlagsUnread) > 0 {
		// Whether a table is dormant, from the text listing (nft 1.0.6's
		// JSON garbles table flags); unread, its chains stay unsure.
		if text, err := p.Run(ctx, probe.CmdNft, "list", "ruleset"); err == nil && text.ExitCode == 0 {
			textFlags = tableFlagsFromText(text.Stdout)
			if again, err := parseNftJSONWith(out.Stdout, textFlags, false); err == nil {
				rs = again
			}
		}
	}
	// Untracked packets picked out where nft shows nothing untracking
	// them: iptables-legacy's raw table, which nft never shows, may.
	if !rs.Notrack && bytes.Contains(out.Stdout, []byte(`"untracked"`)) && legacyUntracks(ctx, p) {
		if again, err := parseNftJSONWith(out.Stdout, textFlags, true); err == nil {
			rs = again
		}
	}
	s.State, s.Filtering = stateRead, boolPtr(rs.Filtering())
	for _, fam := range []string{iPv4, iPv6} {
		if rs.FilteringFamily(fam) {
			s.Filters = append(s.Filters, fam)
		}
	}
	f.InputChains, f.FrontEnds, f.Published = rs.InputChains, rs.FrontEnds, rs.Published
	switch {
	case rs.Tables == 0:
		s.Detail = "empty ruleset"
	case len(rs.InputChains) == 0:
		s.Detail = "no chain on the input hook"
	}
	return s
}

// iptablesSources reads the family's iptables (-S) and, when it does not
// filter but says iptables-legacy tables are present too (rules it cannot
// show), the family's iptables-legacy: the kernel runs both, so either
// may be what filters.
func iptablesSources(ctx context.Context, p probe.Probe, f *linuxFacts, fam string) []source {
	s := iptablesSource(ctx, p, f, fam, iptablesCommand(fam))
	if s.State != stateRead || isTrue(s.Filtering) || !f.legacyPresent(fam) {
		return []source{s}
	}
	return []source{s, iptablesSource(ctx, p, f, fam, legacyCommand(fam))}
}

// iptablesSource reads `cmd -S`, cmd being the family's iptables or its
// iptables-legacy.
func iptablesSource(ctx context.Context, p probe.Probe, f *linuxFacts, fam string, cmd probe.Command) source {
	s := source{Name: cmd.String()}
	out, err := p.Run(ctx, cmd, "-S")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	if out.ExitCode != 0 {
		s.State, s.Detail = stateError, fmt.Sprintf("exit status %d: %s", out.ExitCode, firstLine(string(out.Stderr)))
		if iptablesDenied(out.Stderr) {
			s.State = stateDenied
		}
		return s
	}
	in, err := parseIptablesS(out.Stdout, out.Stderr, "")
	if err == nil && in.MatchesUntracked {
		if untracked := rawUntracked(ctx, p, cmd); untracked != "" {
			in, err = parseIptablesS(out.Stdout, out.Stderr, untracked)
		}
	}
	if err != nil {
		s.State, s.Detail = stateUnrecognised, err.Error()
		return s
	}
	switch {
	case cmd != iptablesCommand(fam):
		// iptables-legacy says nothing of other tables.
	case fam == iPv6:
		f.Legacy6TablesPresent = in.LegacyTablesPresent
	default:
		f.LegacyTablesPresent = in.LegacyTablesPresent
	}
	s.State, s.Filtering = stateRead, boolPtr(in.Filtering)
	s.AcceptsOn = in.AcceptsOn
	s.Detail = "INPUT policy " + in.Policy
	switch {
	case in.AcceptsAll:
		s.Detail += acceptsAllDetail + in.AcceptRule
	case in.UnsureRule != "":
		s.Detail += ", ends in " + in.Default + unsureDetail + in.UnsureRule
	case in.Default != strings.ToLower(in.Policy):
		s.Detail += ", ends in " + in.Default
	}
	addFront := func(front string, ok bool) {
		if ok && !containsString(f.FrontEnds, front) {
			f.FrontEnds = append(f.FrontEnds, front)
		}
	}
	addFront("ufw", in.UFW)
	addFront("docker", in.Docker)
	return s
}

// rawUntracked says, of a family whose rules pick out untracked packets,
// why those may be any new connection: a rule in its raw table leaves
// packets untracked (notrackNote), or that table could not be read
// (rawUnreadNote); "" when nothing is left untracked.
func rawUntracked(ctx context.Context, p probe.Probe, cmd probe.Command) string {
	out, err := p.Run(ctx, cmd, "-t", "raw", "-S")
	switch {
	case err == nil && out.ExitCode != 0 && bytes.Contains(out.Stderr, []byte("Table does not exist")):
		return "" // no raw table (its module not loaded): nothing is left untracked
	case err != nil || out.ExitCode != 0:
		return rawUnreadNote
	}
	notrack, err := parseIptablesRaw(out.Stdout)
	switch {
	case err != nil:
		return rawUnreadNote
	case notrack:
		return notrackNote
	}
	return ""
}

// Files listing the tables of the legacy x_tables backend (ip_tables,
// ip6_tables) in use; absent when its module is not loaded. iptables-nft
// prints its "iptables-legacy tables present" warning when the family's
// file has a line (nft_check_xt_legacy in iptables' nft-shared.c).
const (
	legacyTablesFile  = "/proc/net/ip_tables_names"
	legacy6TablesFile = "/proc/net/ip6_tables_names"
)

// legacyUntracks reports whether an iptables-legacy raw table, loaded
// for either family (its /proc file lists "raw"), leaves packets
// untracked or cannot be read (rawUntracked).
func legacyUntracks(ctx context.Context, p probe.Probe) bool {
	for _, fam := range []string{iPv4, iPv6} {
		if names, err := legacyTables(p, fam); err == nil && !containsString(names, "raw") || errors.Is(err, probe.ErrNotFound) {
			continue // no legacy raw table, or no legacy tables at all
		}
		if rawUntracked(ctx, p, legacyCommand(fam)) != "" {
			return true
		}
	}
	return false
}

// legacyTables lists the iptables-legacy tables of family fam loaded in
// the kernel (its /proc file); ErrNotFound when the backend is not.
func legacyTables(p probe.Probe, fam string) ([]string, error) {
	file := legacyTablesFile
	if fam == iPv6 {
		file = legacy6TablesFile
	}
	b, err := p.ReadFile(file)
	return strings.Fields(string(b)), err
}

// legacyCommand is the iptables-legacy of a family.
func legacyCommand(fam string) probe.Command {
	if fam == iPv6 {
		return probe.CmdIp6tablesLegacy
	}
	return probe.CmdIptablesLegacy
}

// legacyPresent reports whether iptables-legacy tables of family fam were
// seen.
func (f *linuxFacts) legacyPresent(fam string) bool {
	if fam == iPv6 {
		return f.Legacy6TablesPresent
	}
	return f.LegacyTablesPresent
}

// legacyNatLoaded reads which legacy tables of family fam are loaded,
// noting any in the facts, and reports whether the nat table is among
// them. One that cannot be read is noted in NatError (its DNAT rules
// unknown).
func legacyNatLoaded(p probe.Probe, f *linuxFacts, fam string) bool {
	names, err := legacyTables(p, fam)
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return false
	case err != nil:
		f.NatError = append(f.NatError, "which iptables-legacy tables are loaded: "+err.Error())
		return false
	}
	if len(names) > 0 {
		if fam == iPv6 {
			f.Legacy6TablesPresent = true
		} else {
			f.LegacyTablesPresent = true
		}
	}
	return containsString(names, "nat")
}

// natPorts adds the ports `iptables -t nat -S` (ip6tables, or either's
// legacy build) publishes by DNAT. It can only turn a pass into a warn, so
// a failure to read it is noted in NatError and judged no further; only
// the family's own iptables may be missing (then it holds no rules).
func natPorts(ctx context.Context, p probe.Probe, f *linuxFacts, fam string, name probe.Command) {
	out, err := p.Run(ctx, name, "-t", "nat", "-S")
	switch {
	case errors.Is(err, probe.ErrNotFound) && name == iptablesCommand(fam):
		return
	case err != nil:
		f.NatError = append(f.NatError, err.Error())
		return
	case out.ExitCode != 0:
		f.NatError = append(f.NatError, fmt.Sprintf("%s -t nat -S: exit status %d: %s", name, out.ExitCode, firstLine(string(out.Stderr))))
		return
	}
	family := "ip"
	if fam == iPv6 {
		family = "ip6"
	}
	for _, pp := range parseIptablesDNAT(out.Stdout, family) {
		if !containsPort(f.Published, pp) {
			f.Published = append(f.Published, pp)
		}
	}
}

// unsureDetail introduces, in an iptables source's Detail, a rule that
// accepts packets on a condition that cannot be judged.
const unsureDetail = ", but before that accepts packets on a condition that cannot be judged: "

// acceptsAllDetail introduces, in an iptables source's Detail, the rule that
// accepts every outside packet.
const acceptsAllDetail = ", then accepts every outside packet: "

func ufwSource(ctx context.Context, p probe.Probe) source {
	s := source{Name: "ufw"}
	out, err := p.Run(ctx, probe.CmdUfw, "status", "verbose")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	st, err := parseUFWStatus(out.Stdout, out.Stderr)
	switch {
	case err != nil:
		s.State, s.Detail = stateUnrecognised, err.Error()
	case st.NeedsRoot:
		s.State, s.Detail = stateDenied, "ufw needs root to show its status"
	default:
		s.State, s.Active = stateRead, boolPtr(st.Active)
		if st.Active {
			s.Detail = "default incoming: " + st.DefaultIncoming
			s.Filtering = boolPtr(st.DefaultIncoming == "deny" || st.DefaultIncoming == "reject")
		} else {
			s.Filtering = boolPtr(false)
		}
	}
	return s
}

func firewalldSource(ctx context.Context, p probe.Probe) source {
	s := source{Name: "firewalld"}
	out, err := p.Run(ctx, probe.CmdFirewallCmd, "--state")
	if err != nil {
		s.State, s.Detail = failedState(err), err.Error()
		return s
	}
	running, err := parseFirewalldState(out.Stdout, out.Stderr, out.ExitCode)
	if err != nil {
		s.State, s.Detail = stateUnrecognised, err.Error()
		if errors.Is(err, errUnrecognised) && iptablesDenied(out.Stderr) {
			s.State = stateDenied
		}
		return s
	}
	s.State, s.Active = stateRead, boolPtr(running)
	return s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
