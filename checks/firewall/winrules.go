package firewall

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sessionguard/sessionguard/checks/internal/winfw"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// unreadStores names the stores that could not be read, for a person.
func (r *inboundRules) unreadStores() string {
	titles := make([]string, len(r.Unread))
	for i, name := range r.Unread {
		titles[i] = winfw.StoreNamed(name).Title
	}
	return "the firewall's rules (" + strings.Join(titles, ", ") + ")"
}

// inboundRules is what the rule stores say about incoming connections.
type inboundRules struct {
	// Read is how many rules were read, of every kind.
	Read int `json:"read"`
	// Open are the enabled inbound allow rules that filter nothing.
	Open []openRule `json:"open,omitempty"`
	// Unread names the stores that could not be read, or that hold a
	// value this check cannot read as a rule (which may be one that lets
	// everyone in); the reasons are in the facts' errors.
	Unread []string `json:"unread,omitempty"`
}

// openRule is an enabled inbound rule that allows incoming connections
// without a program, service, app, protocol, port, address or
// authentication that would narrow them, or whose only narrowing is one a
// café's network passes (a whole local network, thousands of ports).
type openRule struct {
	Store string `json:"store"`
	ID    string `json:"id"`
	// Name is the rule's name as the firewall shows it (a resource
	// reference such as "@FirewallAPI.dll,-28775" for Windows' own).
	Name string `json:"name,omitempty"`
	// Profiles are the profiles the rule applies to; nil for all.
	Profiles []string `json:"profiles,omitempty"`
	// Note says why a rule with a restriction still lets everyone in.
	Note string `json:"note,omitempty"`
}

// label names the rule for a person: its own name when it has one a
// person can read, else its id.
func (r openRule) label() string {
	if r.Name != "" && !strings.HasPrefix(r.Name, "@") {
		return fmt.Sprintf("%q", r.Name)
	}
	return fmt.Sprintf("%q", r.ID)
}

// follows reports whether profile p lets the allow rules in store s count:
// not when it blocks even allowed apps, nor the PC's own rules where
// policy merges none.
func (p profile) follows(s winfw.Store) bool {
	return !p.RulesIgnored && !(p.LocalRulesIgnored && s.Local)
}

// enforces reports whether profile p is on, blocks by default and
// enforces the rules in store s.
func (p profile) enforces(s winfw.Store) bool {
	return isTrue(p.Enabled) && !p.InboundAllowed && p.follows(s)
}

// appliesTo reports whether the rule is enforced for profile p.
func (r openRule) appliesTo(p profile) bool {
	return p.follows(winfw.StoreNamed(r.Store)) && (r.Profiles == nil || slices.Contains(r.Profiles, p.Name))
}

// maxRuleName bounds a rule name kept in the facts.
const maxRuleName = 100

// collectRules reads the rule stores that matter: those a judged profile
// (see judgedProfiles) that is on, blocks by default and follows rules
// enforces. Nil when no profile is such.
func collectRules(p probe.Probe, f *windowsFacts) *inboundRules {
	judged, _ := judgedProfiles(*f)
	var rules *inboundRules
	for _, s := range winfw.Stores {
		if !slices.ContainsFunc(judged, func(pr profile) bool { return pr.enforces(s) }) {
			continue
		}
		if rules == nil {
			rules = &inboundRules{}
		}
		store, err := winfw.ReadStore(p, s)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil:
			rules.Unread = append(rules.Unread, s.Name)
			f.Errors = append(f.Errors, err.Error())
		}
		for _, id := range slices.Sorted(maps.Keys(store)) {
			r := store[id]
			rules.Read++
			if note, open := isOpenRule(r); open {
				name := r.First("name")
				if utf8.RuneCountInString(name) > maxRuleName {
					name = string([]rune(name)[:maxRuleName]) + "…"
				}
				rules.Open = append(rules.Open, openRule{Store: s.Name, ID: id, Name: name, Profiles: r.Profiles(), Note: note})
			}
		}
	}
	return rules
}

// isOpenRule reports whether a rule lets incoming connections in without
// filtering them: enabled, inbound, allowing, and not narrowed to a
// program (other than System or svchost.exe), service or Store app, to a protocol other than TCP or UDP, to
// a few ports, to chosen remote addresses, or to authenticated peers.
// Fields this check does not know never count as narrowing, so an unknown
// restriction can only make a rule look open that is not (a false fail),
// never the reverse. note says why a restricted rule still counts.
func isOpenRule(f winfw.Rule) (note string, open bool) {
	if !f.AllowsIn() {
		return "", false
	}
	for _, name := range []string{"apppkgid", "security", "security2", "security2_9", "ruauth", "rmauth"} {
		if f.First(name) != "" {
			return "", false
		}
	}
	if svc := f.First("svc"); svc != "" && svc != "*" {
		return "", false
	}
	if app := f.First("app"); app != "" && !hostsManyListeners(app) {
		return "", false
	}
	if proto := f.First("protocol"); proto != "" && proto != "6" && proto != "17" && proto != "256" {
		return "", false // ICMP, GRE, IPv6-in-IPv4: one protocol, not every connection
	}
	if ports := f.All("lport", "lport2_10", "lport2_20"); len(ports) > 0 && !slices.ContainsFunc(ports, winfw.IsAny) {
		// A keyword (RPC, IPHTTPS, Teredo, mDNS, …) names the few ports
		// one Windows feature uses, and counts as none here.
		if portsCovered(ports) < wideRangePorts {
			return "", false
		}
		note = manyPortsNote
	}
	if addrs := f.All("ra4", "ra6", "ra42", "ra62"); len(addrs) > 0 {
		wide, why := false, ""
		for _, a := range addrs {
			if w, ok := wideRemoteAddress(a); ok {
				wide, why = true, w
				break
			}
		}
		if !wide {
			return "", false
		}
		note += why
	}
	return note, true
}

// hostsManyListeners reports whether a rule's program is one that listens
// for many services, so naming it narrows nothing: System (the kernel:
// file sharing, and every service behind HTTP.sys) and svchost.exe (which
// hosts most Windows services; a rule naming one service through Svc
// narrows).
func hostsManyListeners(app string) bool {
	return strings.EqualFold(app, "System") || winfw.IsServiceHost(app)
}

// wideRemoteAddress reports whether a remote address value takes in
// everyone a café's network holds: any address, a whole local network
// ("LocalSubnet", a private range), a large part of the Internet, or the
// keywords for the Internet and the intranet. The keywords for this
// network's own DNS, DHCP and WINS servers and gateway narrow.
func wideRemoteAddress(v string) (note string, wide bool) {
	if winfw.IsAny(v) {
		return "", true
	}
	switch strings.ToLower(v) {
	case "localsubnet":
		return localNetworkNote, true
	case "dns", "dhcp", "wins", "defaultgateway":
		return "", false
	}
	if v == "" || (v[0] < '0' || v[0] > '9') && !strings.Contains(v, ":") {
		return " (the " + v + " addresses)", true // Internet, Intranet, …: many hosts
	}
	v = prefixOfMask(v)
	switch {
	case isLocalNetwork(v):
		return localNetworkNote, true
	case isHugeNetwork(v):
		return hugeNetworkNote, true
	}
	return "", false
}

// prefixOfMask writes "192.168.1.0/255.255.255.0" as "192.168.1.0/24";
// anything else is returned as it is.
func prefixOfMask(v string) string {
	addr, mask, ok := strings.Cut(v, "/")
	if !ok || !strings.Contains(mask, ".") {
		return v
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return v
	}
	b := m.As4()
	bits := 0
	for _, x := range b {
		for i := 7; i >= 0 && x&(1<<i) != 0; i-- {
			bits++
		}
		if x != 0xff {
			break
		}
	}
	return fmt.Sprintf("%s/%d", addr, bits)
}

// openFor returns the first open rule enforced for profile p, and whether
// a store that could not be read leaves p's rules unknown. Nil rules (not
// read, as for a profile that is off) say nothing.
func (r *inboundRules) openFor(p profile) (*openRule, bool) {
	if r == nil {
		return nil, false
	}
	for i := range r.Open {
		if r.Open[i].appliesTo(p) {
			return &r.Open[i], false
		}
	}
	return nil, slices.ContainsFunc(r.Unread, func(store string) bool { return p.follows(winfw.StoreNamed(store)) })
}

// fix says how to remove the rule: the person's own rules in wf.msc,
// their organisation's through IT support.
func (r openRule) fix() string {
	if winfw.StoreNamed(r.Store).Local {
		return fmt.Sprintf(fixWinRule, r.label())
	}
	return fmt.Sprintf(fixWinRuleOrg, r.label())
}

// describe says which rule it is and why it counts, for a summary.
func (r openRule) describe() string {
	s := "rule " + r.label()
	switch r.Store {
	case "group_policy":
		s += " set by Group Policy"
	case "mdm":
		s += " set by your organisation's device management"
	}
	return s + r.Note
}
