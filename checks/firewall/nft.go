package firewall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// errUnrecognised marks output a parser does not understand.
var errUnrecognised = errors.New("output not recognised")

// inputChain is one nftables base chain on the input hook.
type inputChain struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Chain  string `json:"chain"`
	// Policy is the chain's policy: "accept" or "drop".
	Policy string `json:"policy"`
	Rules  int    `json:"rules"`
	// Default is what happens to a packet no rule picked out: the verdict
	// of the last unconditional drop/reject rule (or of an unconditional
	// jump/goto to a chain ending in one), else the policy.
	Default string `json:"default"`
	// AcceptsAll is true when a rule that accepts every outside packet
	// (no condition at all, or only conditions every outside packet meets:
	// iifname != "lo", l4proto tcp/udp with no port, ct state new,
	// 0.0.0.0/0) comes before that default, so nothing is filtered after
	// all.
	AcceptsAll bool `json:"accepts_all,omitempty"`
	// AcceptRule describes that rule ("iifname != lo accept").
	AcceptRule string `json:"accept_rule,omitempty"`
	// AcceptsOn are the interfaces (names, or wildcards "wl*") on which
	// the chain accepts every packet before its default: `iifname
	// "wlp2s0" accept`, or firewalld's trusted zone on an interface.
	AcceptsOn []string `json:"accepts_on,omitempty"`
	// Filtering is true when the chain drops or rejects incoming packets
	// that no rule allowed, for every family it covers.
	Filtering bool `json:"filtering"`
	// Filters are the families ("ipv4", "ipv6") whose incoming packets
	// the chain filters: an ip chain covers IPv4 only, ip6 IPv6 only,
	// inet both.
	Filters []string `json:"filters,omitempty"`
	// UnsureRule describes a rule before the chain's drop or reject that
	// accepts (or jumps to a chain that accepts) packets on a condition
	// that cannot be judged from the ruleset (`tcp flags syn accept`): it
	// may let every outside packet in, so the families in UnsureFor are
	// not counted as filtered.
	UnsureRule string   `json:"unsure_rule,omitempty"`
	UnsureFor  []string `json:"unsure_for,omitempty"`
	// Dormant is true when the chain's table is dormant (flags dormant):
	// its chains do not run, so it filters nothing whatever its rules.
	Dormant bool `json:"dormant,omitempty"`
	// UnsureIptables is true when every such doubt is an iptables-nft
	// compat match, which `iptables -S` shows whole: then its judgement
	// of the same rules stands.
	UnsureIptables bool `json:"unsure_iptables,omitempty"`
}

// Address families.
const (
	iPv4 = "ipv4"
	iPv6 = "ipv6"
)

// familiesOf returns the families an nftables table family covers on the
// host's input hook.
func familiesOf(nftFamily string) []string {
	switch nftFamily {
	case "ip":
		return []string{iPv4}
	case "ip6":
		return []string{iPv6}
	case "inet":
		return []string{iPv4, iPv6}
	}
	return nil
}

// Covers reports whether the chain sees packets of family fam.
func (c inputChain) Covers(fam string) bool { return containsString(familiesOf(c.Family), fam) }

// FiltersFamily reports whether the chain filters packets of family fam.
func (c inputChain) FiltersFamily(fam string) bool { return containsString(c.Filters, fam) }

// pubPort is a port that a DNAT rule sends on to another address (a
// container): Docker and Podman publish ports this way, in the nat table's
// prerouting path, so the packets go through FORWARD and never meet the
// input hook's filter.
type pubPort struct {
	Family string `json:"family"`
	Proto  string `json:"proto"`
	Port   string `json:"port"`
	// EveryAddress is true when the rule matches any destination address
	// of this computer (Docker's default, -p 8080:80), false when it is
	// limited to one (-p 127.0.0.1:8080:80).
	EveryAddress bool `json:"every_address"`
}

// ruleset is what parseNftJSON found in `nft -j list ruleset`.
type ruleset struct {
	// Tables is the number of tables of any family.
	Tables int
	// InputChains are the base chains of family ip, ip6 or inet on the
	// input hook with type filter.
	InputChains []inputChain
	// FrontEnds names the tools whose tables or chains are recognised:
	// "firewalld", "ufw", "docker", "podman".
	FrontEnds []string
	// Published are the ports DNAT rules publish (containers).
	Published []pubPort
	// FlagsUnread are the tables ("inet filter") whose flags nft's JSON
	// did not give readably (nft 1.0.6, Debian 12's, prints a table's
	// flags as stray text): whether they are dormant comes from `nft
	// list ruleset` (tableFlagsFromText) or stays unknown.
	FlagsUnread []string
	// Notrack says a rule leaves packets untracked (a notrack statement,
	// or iptables-nft's CT target): `ct state untracked` may then be
	// any new connection (see untracked).
	Notrack bool
}

// tableFlags is what a table's flags in nft's JSON say: dormant (its
// chains do not run), and whether they were read (known flags only).
func tableFlags(raw json.RawMessage) (dormant, known bool) {
	if len(raw) == 0 {
		return false, true
	}
	var list []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		list = []string{one}
	} else if json.Unmarshal(raw, &list) != nil {
		return false, false
	}
	return judgeTableFlags(list)
}

// judgeTableFlags says whether flags make a table dormant, and whether
// each flag is one known here.
func judgeTableFlags(list []string) (dormant, known bool) {
	for _, f := range list {
		switch f {
		case "dormant":
			dormant = true
		case "owner", "persist":
		default:
			return false, false
		}
	}
	return dormant, true
}

// tableFlagsFromText reads the "flags" line of each table in `nft list
// ruleset`: "inet filter" → its flags ("dormant").
func tableFlagsFromText(b []byte) map[string][]string {
	out := map[string][]string{}
	table := ""
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		switch {
		case len(f) == 4 && f[0] == "table" && f[3] == "{":
			table = f[1] + " " + f[2]
			out[table] = nil
		case len(f) >= 2 && f[0] == "flags" && table != "" && !strings.HasPrefix(line, "\t\t"):
			for _, fl := range strings.Split(strings.Join(f[1:], ""), ",") {
				out[table] = append(out[table], strings.TrimSpace(fl))
			}
		case len(f) == 1 && f[0] == "}" && !strings.HasPrefix(line, "\t"):
			table = ""
		}
	}
	return out
}

// Filtering reports whether incoming traffic of every family is filtered
// by some input chain.
func (r ruleset) Filtering() bool {
	return r.FilteringFamily(iPv4) && r.FilteringFamily(iPv6)
}

// FilteringFamily reports whether some input chain filters incoming packets
// of family fam. Every base chain on the hook sees every packet (an accept
// in one does not skip the others), so one filtering chain is enough.
func (r ruleset) FilteringFamily(fam string) bool {
	for _, c := range r.InputChains {
		if c.FiltersFamily(fam) {
			return true
		}
	}
	return false
}

type nftChain struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Hook   string `json:"hook"`
	Policy string `json:"policy"`
}

type nftRule struct {
	Family string            `json:"family"`
	Table  string            `json:"table"`
	Chain  string            `json:"chain"`
	Expr   []json.RawMessage `json:"expr"`
}

type nftObject struct {
	Metainfo *json.RawMessage `json:"metainfo"`
	Table    *struct {
		Family string          `json:"family"`
		Name   string          `json:"name"`
		Flags  json.RawMessage `json:"flags"`
	} `json:"table"`
	Chain *nftChain `json:"chain"`
	Rule  *nftRule  `json:"rule"`
	Set   *nftSet   `json:"set"`
	Map   *nftSet   `json:"map"`
}

// nftSet is a named set or map: its elements are values (a set) or
// [value, verdict] pairs (a verdict map).
type nftSet struct {
	Family string            `json:"family"`
	Table  string            `json:"table"`
	Name   string            `json:"name"`
	Elem   []json.RawMessage `json:"elem"`
}

// parseNftJSON reads the output of `nft -j list ruleset`.
func parseNftJSON(b []byte) (ruleset, error) { return parseNftJSONWith(b, nil, false) }

// parseNftJSONWith is parseNftJSON given the tables' flags as `nft list
// ruleset` gave them ("inet filter" → flags), for those the JSON did not
// give readably (nil when there are none), and whether something the
// ruleset does not show leaves packets untracked (iptables-legacy's raw
// table, see legacyUntracks): Notrack then, whatever the ruleset holds.
func parseNftJSONWith(b []byte, textFlags map[string][]string, notrack bool) (ruleset, error) {
	var doc struct {
		Nftables []nftObject `json:"nftables"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return ruleset{}, fmt.Errorf("nft JSON: %w: %w", errUnrecognised, err)
	}
	if doc.Nftables == nil {
		return ruleset{}, fmt.Errorf("nft JSON: %w: no \"nftables\" array", errUnrecognised)
	}
	rs := ruleset{Notrack: notrack}
	type key struct{ family, table, chain string }
	named := map[key][]json.RawMessage{}
	for _, o := range doc.Nftables {
		for _, set := range []*nftSet{o.Set, o.Map} {
			if set != nil {
				named[key{set.Family, set.Table, set.Name}] = set.Elem
			}
		}
	}
	// Rules are classified only when a chain is judged (an input chain,
	// or one it jumps to): forward, output and NAT chains never are.
	raw := map[key][][]json.RawMessage{}
	classified := map[key][]verdictRule{}
	rulesOf := func(k key) []verdictRule {
		if r, ok := classified[k]; ok {
			return r
		}
		sets := func(name string) ([]json.RawMessage, bool) {
			elems, ok := named[key{k.family, k.table, name}]
			return elems, ok
		}
		var out []verdictRule
		for _, expr := range raw[k] {
			out = append(out, classifyRule(expr, sets, rs.Notrack)...)
		}
		classified[k] = out
		return out
	}
	var chains []nftChain
	fronts := map[string]bool{}
	dormant := map[string]bool{}
	for _, o := range doc.Nftables {
		switch {
		case o.Table != nil:
			rs.Tables++
			name := o.Table.Family + " " + o.Table.Name
			isDormant, known := tableFlags(o.Table.Flags)
			if text := textFlags[name]; !known && len(text) > 0 {
				// The JSON shows flags; a text listing that shows none
				// for the table leaves them unread.
				isDormant, known = judgeTableFlags(text)
			}
			dormant[name] = isDormant
			if !known {
				rs.FlagsUnread = append(rs.FlagsUnread, name)
			}
			switch o.Table.Name {
			case "firewalld":
				fronts["firewalld"] = true
			case "netavark":
				fronts["podman"] = true
			}
		case o.Chain != nil:
			chains = append(chains, *o.Chain)
			switch name := o.Chain.Name; {
			case strings.HasPrefix(name, "ufw-") || strings.HasPrefix(name, "ufw6-"):
				fronts["ufw"] = true
			case strings.HasPrefix(name, "DOCKER"):
				fronts["docker"] = true
			}
		case o.Rule != nil:
			k := key{o.Rule.Family, o.Rule.Table, o.Rule.Chain}
			raw[k] = append(raw[k], o.Rule.Expr)
			rs.Notrack = rs.Notrack || leavesUntracked(o.Rule.Expr)
			if pp, ok := publishedPort(o.Rule.Family, o.Rule.Expr); ok && !containsPort(rs.Published, pp) {
				rs.Published = append(rs.Published, pp)
			}
		}
	}
	for _, c := range chains {
		if c.Hook != "input" || c.Type != "filter" {
			continue
		}
		switch c.Family {
		case "ip", "ip6", "inet":
		default:
			continue
		}
		k := key{c.Family, c.Table, c.Name}
		ic := inputChain{Family: c.Family, Table: c.Table, Chain: c.Name, Policy: c.Policy, Rules: len(rulesOf(k))}
		if ic.Policy == "" {
			ic.Policy = "accept" // nft omits nothing, but the kernel default is accept
		}
		if dormant[c.Family+" "+c.Table] {
			// A dormant table's chains do not run: they filter nothing.
			ic.Dormant, ic.Default = true, "dormant"
			rs.InputChains = append(rs.InputChains, ic)
			continue
		}
		lookup := func(chain string) []verdictRule { return rulesOf(key{c.Family, c.Table, chain}) }
		covers := familiesOf(c.Family)
		for _, fam := range covers {
			d := chainDefault(lookup, c.Name, ic.Policy, fam, 0)
			if fam == covers[0] || (ic.Default != "drop" && ic.Default != "reject") || d.acceptsAll {
				// The chain's summary is its most open family's.
				ic.Default, ic.AcceptsAll, ic.AcceptRule = d.verdict, d.acceptsAll, d.rule
			}
			for _, i := range d.acceptsOn {
				if !containsString(ic.AcceptsOn, i) {
					ic.AcceptsOn = append(ic.AcceptsOn, i)
				}
			}
			if slices.Contains(rs.FlagsUnread, c.Family+" "+c.Table) {
				// Not iptables' to settle: iptables -S lists a dormant
				// table's rules as if they ran.
				if d.unsure == "" {
					d.unsure = "the table's flags, which say whether its chains run (dormant), could not be read"
				}
				d.unsureNative = true
			}
			switch {
			case d.acceptsAll || d.verdict != "drop" && d.verdict != "reject":
			case d.unsure != "":
				if ic.UnsureRule == "" {
					ic.UnsureRule, ic.UnsureIptables = d.unsure, true
				}
				ic.UnsureFor = append(ic.UnsureFor, fam)
				ic.UnsureIptables = ic.UnsureIptables && !d.unsureNative
			default:
				ic.Filters = append(ic.Filters, fam)
			}
		}
		ic.Filtering = len(ic.Filters) == len(covers)
		rs.InputChains = append(rs.InputChains, ic)
	}
	for _, f := range []string{"docker", "firewalld", "podman", "ufw"} {
		if fronts[f] {
			rs.FrontEnds = append(rs.FrontEnds, f)
		}
	}
	return rs, nil
}

// verdictRule is a rule reduced to what matters here: whether it matches
// every packet (or every outside packet), and its verdict.
type verdictRule struct {
	unconditional bool
	// everyOutside marks a rule all of whose conditions every outside
	// packet meets (condition.everyOutside): for the packets this check
	// is about, it is unconditional.
	everyOutside bool
	// wide describes a rule that has conditions, all of which every
	// outside packet (or every TCP or UDP packet) meets: `iifname != "lo"`,
	// `meta l4proto { tcp, udp }`, `ct state new`, `ip saddr 0.0.0.0/0`
	// (with its verdict: `iifname != "lo" accept`). Empty when some
	// condition narrows the rule.
	wide string
	// unsure describes a rule none of whose conditions narrows it but
	// some of which cannot be judged from the ruleset (`tcp flags syn`, a
	// named set the ruleset does not list, a packet queued to a program):
	// it may let every outside packet in.
	unsure string
	// unsureNative is true when something unsure is not an iptables-nft
	// compat match (condition.iptables), which `iptables -S` would judge.
	unsureNative bool
	// nfproto limits the rule to one family ("ipv4", "ipv6") in an inet
	// chain (`meta nfproto ipv4`); empty for both.
	nfproto string
	// ifaces are the input interfaces (names, or wildcards "wl*") a rule
	// whose only narrowing condition is its interface applies to:
	// `iifname "wlp2s0" accept`, firewalld's `iifname "wlp2s0" goto
	// filter_IN_trusted`. lo is left out.
	ifaces []string
	// verdict is "accept", "drop", "reject", "jump", "goto", "return" or
	// "" (no verdict: the packet goes on to the next rule).
	verdict string
	target  string
}

// matches reports whether the rule applies to packets of family fam at all.
func (r verdictRule) matches(fam string) bool { return r.nfproto == "" || r.nfproto == fam }

// classifyRule reduces a rule to what chainDefault needs. A rule ending in
// a verdict map (`meta l4proto vmap { tcp : accept, udp : jump x }`)
// becomes one rule for each of the map's elements.
func classifyRule(expr []json.RawMessage, sets elemLookup, notrack bool) []verdictRule {
	var b ruleBuilder
	for _, raw := range expr {
		name, val, ok := splitStatement(raw)
		if !ok {
			b.conds = append(b.conds, condition{kind: condUnsure, desc: "a statement not recognised"})
			continue
		}
		{
			switch {
			case rateStatements[name]:
				if c, ok := rateCondition(name, val); ok {
					b.conds = append(b.conds, c)
				}
			case passiveStatements[name]:
			case name == "accept" || name == "drop" || name == "reject" || name == "return":
				b.verdict = name
			case name == "jump" || name == "goto":
				b.verdict, b.target = name, jumpTarget(val)
			case name == "queue":
				// A program decides: it may accept anything.
				b.conds = append(b.conds, condition{kind: condUnsure, desc: "queue"})
				b.verdict, b.shown = "accept", queuedShown
			case name == "match":
				var m nftMatch
				_ = json.Unmarshal(val, &m)
				b.conds = append(b.conds, judgeMatch(m, sets, notrack))
			case name == "vmap":
				return b.verdictMap(val, sets, notrack)
			case name == "xt":
				// iptables-nft compat expressions: targets DROP/REJECT/ACCEPT
				// are verdicts, anything else (matches, unknown) a
				// condition. The JSON names an xt match without its
				// arguments (conntrack, multiport, addrtype…), so it
				// cannot be judged here; `iptables -S` shows the same
				// rule whole, and judges it (see UnsureIptables).
				var xt struct {
					Type string `json:"type"`
					Name string `json:"name"`
				}
				_ = json.Unmarshal(val, &xt)
				if v, ok := xtVerdicts[xt.Name]; ok && xt.Type == "target" {
					b.verdict = v
					continue
				}
				b.conds = append(b.conds, condition{kind: condUnsure, desc: "xt " + xt.Type + " " + xt.Name, iptables: true})
			default:
				b.conds = append(b.conds, condition{kind: condUnsure, desc: name})
			}
		}
	}
	return []verdictRule{b.rule()}
}

// queuedShown ends the description of a rule that hands packets to a
// program (nft queue, iptables NFQUEUE).
const queuedShown = "(a program decides)"

// xtVerdicts are the iptables-nft targets that are verdicts.
var xtVerdicts = map[string]string{"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject"}

func jumpTarget(val json.RawMessage) string {
	var t struct {
		Target string `json:"target"`
	}
	_ = json.Unmarshal(val, &t)
	return t.Target
}

// ruleBuilder gathers a rule's conditions and verdict.
type ruleBuilder struct {
	conds           []condition
	verdict, target string
	// shown is how a description ends (the verdict as the rule writes
	// it); verdict and target when empty.
	shown string
}

// verdictMap expands `KEY vmap { V1 : VERDICT1, … }` (or a named verdict
// map) into one rule for each element: the conditions so far, KEY == V,
// and that element's verdict. A map the ruleset does not list is a rule
// that may accept anything.
func (b ruleBuilder) verdictMap(val json.RawMessage, sets elemLookup, notrack bool) []verdictRule {
	var vm struct {
		Key  json.RawMessage `json:"key"`
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(val, &vm)
	// with is the rule of one element: the conditions so far and c.
	with := func(c condition, verdict, target string) verdictRule {
		r := b
		r.conds = append(slices.Clone(b.conds), c)
		r.verdict, r.target = verdict, target
		return r.rule()
	}
	var elems []json.RawMessage
	var name string
	var anon struct {
		Set []json.RawMessage `json:"set"`
	}
	switch {
	case json.Unmarshal(vm.Data, &name) == nil && strings.HasPrefix(name, "@"):
		var ok bool
		if elems, ok = sets(strings.TrimPrefix(name, "@")); !ok {
			return []verdictRule{with(condition{kind: condUnsure, desc: "vmap " + name}, "accept", "")}
		}
	case json.Unmarshal(vm.Data, &anon) == nil:
		elems = anon.Set
	}
	var out []verdictRule
	for _, e := range elems {
		var pair []json.RawMessage
		var verdict map[string]json.RawMessage
		if json.Unmarshal(e, &pair) != nil || len(pair) != 2 || json.Unmarshal(pair[1], &verdict) != nil || len(verdict) != 1 {
			out = append(out, with(condition{kind: condUnsure, desc: "a verdict map element not recognised"}, "accept", ""))
			continue
		}
		for v, arg := range verdict {
			target := ""
			if v == "jump" || v == "goto" {
				target = jumpTarget(arg)
			}
			m := nftMatch{Op: "==", Left: vm.Key, Right: pair[0]}
			out = append(out, with(judgeMatch(m, sets, notrack), v, target))
		}
	}
	return out
}

// rule makes the verdictRule: unconditional without conditions; narrowing
// when some condition narrows it (an interface other than lo with nothing
// else narrowing is kept as ifaces); else unsure when some condition
// cannot be judged; else wide when it has conditions, all wide.
func (b ruleBuilder) rule() verdictRule {
	r := verdictRule{unconditional: true, verdict: b.verdict, target: b.target}
	var wide, unsure, ifaces []string
	narrows, byIface, native, everyOutside := false, false, false, true
	for _, c := range b.conds {
		if c.kind == condFamily {
			r.nfproto = c.family // narrows to a family, which chainDefault handles
			continue
		}
		r.unconditional = false
		switch c.kind {
		case condNarrow:
			narrows = true
		case condIface:
			byIface = true
			ifaces = append(ifaces, c.ifaces...)
		case condWide:
			wide = append(wide, c.desc)
			everyOutside = everyOutside && c.everyOutside
		case condUnsure:
			unsure = append(unsure, c.desc)
			native = native || !c.iptables
		}
	}
	verdict := b.shown
	if verdict == "" {
		verdict = strings.TrimSpace(b.verdict + " " + b.target)
	}
	outside := outsideIfaces(ifaces)
	switch {
	case narrows, byIface && len(outside) == 0:
		// Some condition picks out a part of the traffic (on lo only, at
		// most): what the rule accepts is filtered.
	case len(unsure) > 0:
		if byIface {
			unsure = append([]string{describeMatch("iifname", "==", outside)}, unsure...)
		}
		r.unsure, r.unsureNative = strings.Join(unsure, " ")+" "+verdict, native
	case byIface:
		r.ifaces = outside
	case len(wide) > 0:
		r.wide = strings.Join(wide, " ") + " " + verdict
		r.everyOutside = everyOutside
	}
	return r
}

// outsideIfaces leaves lo out of a rule's interfaces.
func outsideIfaces(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "lo" {
			out = append(out, s)
		}
	}
	return out
}

// splitStatement reads a statement, a JSON object of one member
// ({"match": {…}}), as its name and value; false when it is not one. nft
// writes the name without escapes, so the name is cut out by hand and
// only the value is checked (it must be one whole JSON value: a second
// member after it would not be); anything else goes through
// encoding/json.
func splitStatement(raw json.RawMessage) (string, json.RawMessage, bool) {
	b := bytes.TrimSpace(raw)
	if len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' {
		inner := bytes.TrimSpace(b[1 : len(b)-1])
		if len(inner) > 0 && inner[0] == '"' {
			if end := bytes.IndexByte(inner[1:], '"'); end >= 0 && bytes.IndexByte(inner[1:end+1], '\\') < 0 {
				rest := bytes.TrimSpace(inner[end+2:])
				if len(rest) > 0 && rest[0] == ':' {
					if val := bytes.TrimSpace(rest[1:]); json.Valid(val) {
						return string(inner[1 : end+1]), json.RawMessage(val), true
					}
				}
			}
		}
	}
	var stmt map[string]json.RawMessage
	if err := json.Unmarshal(raw, &stmt); err != nil || len(stmt) != 1 {
		return "", nil, false
	}
	for name, val := range stmt {
		return name, val, true
	}
	return "", nil, false
}

// publishedPort recognises a DNAT rule that sends a destination port on to
// another address: Docker's `iifname != "docker0" tcp dport 8080 dnat to
// 172.17.0.2:80` (an xt DNAT target through iptables-nft), Podman's
// netavark `dnat ip to …`.
func publishedPort(family string, expr []json.RawMessage) (pubPort, bool) {
	pp := pubPort{Family: family, EveryAddress: true}
	hasDNAT := false
	for _, raw := range expr {
		if bytes.Contains(raw, []byte(`"dnat"`)) || bytes.Contains(raw, []byte(`"DNAT"`)) {
			hasDNAT = true
		}
	}
	if !hasDNAT {
		return pp, false // most rules: skip decoding them again
	}
	dnat := false
	for _, raw := range expr {
		var stmt map[string]json.RawMessage
		if json.Unmarshal(raw, &stmt) != nil {
			continue
		}
		if _, ok := stmt["dnat"]; ok {
			dnat = true
		}
		if v, ok := stmt["xt"]; ok {
			var xt struct {
				Type string `json:"type"`
				Name string `json:"name"`
			}
			_ = json.Unmarshal(v, &xt)
			dnat = dnat || (xt.Type == "target" && xt.Name == "DNAT")
		}
		v, ok := stmt["match"]
		if !ok {
			continue
		}
		var m nftMatch
		var left nftLeft
		if json.Unmarshal(v, &m) != nil || json.Unmarshal(m.Left, &left) != nil || left.Payload == nil {
			continue
		}
		switch left.Payload.Field {
		case "dport":
			if m.Op == "==" || m.Op == "in" {
				pp.Proto, pp.Port = left.Payload.Protocol, strings.Join(rightValues(m.Right, noSets), ",")
			}
		case "daddr":
			if m.Op == "==" || m.Op == "in" {
				pp.EveryAddress = false
			}
		}
	}
	if pp.Proto == "th" || pp.Proto == "" {
		pp.Proto = "tcp/udp"
	}
	return pp, dnat && pp.Port != ""
}

// noSets looks up no named set: a port published through one is shown as
// "?".
func noSets(string) ([]json.RawMessage, bool) { return nil, false }

func containsPort(list []pubPort, p pubPort) bool {
	for _, x := range list {
		if x == p {
			return true
		}
	}
	return false
}

// chainVerdict is what chainDefault found.
type chainVerdict struct {
	verdict    string
	acceptsAll bool
	// rule describes the rule that accepts every outside packet.
	rule string
	// acceptsOn are the interfaces on which every packet is accepted
	// before the default (`iifname "wlp2s0" accept`, or a jump or goto on
	// that interface to a chain that accepts everything).
	acceptsOn []string
	// unsure describes the first rule before the verdict that accepts, or
	// jumps to a chain that accepts, packets on a condition that cannot
	// be judged (verdictRule.unsure); unsureNative when some such rule's
	// doubt is not an iptables-nft compat match.
	unsure       string
	unsureNative bool
}

// chainDefault walks a chain's rules for packets of family fam and returns
// the verdict a packet that no narrowing rule picked out gets, whether a
// rule accepting every outside packet comes first, and the interfaces on
// which everything is accepted. Unconditional jumps and gotos are followed
// (a few levels deep). A return, or a goto to a chain that ends without a
// verdict, sends packets back: in a base chain to its policy (so under
// policy accept it is judged as an accept on the same conditions:
// `iifname != "lo" return` lets everyone in), else to the calling chain.
// One that picks out some packets (`tcp dport 22 return`) is judged as a
// narrow accept is, and one on a wider condition (an interface, a kind of
// packet, a condition that cannot be judged) leaves the decision on the
// chain's final drop to its caller; either way the walk goes on with the
// rest, whose accept still counts. A chain that ends without a verdict
// leaves the decision to its caller too, and a base chain to its policy.
func chainDefault(lookup func(string) []verdictRule, chain, policy, fam string, depth int) chainVerdict {
	var on []string
	unsure, native := "", false
	noteUnsure := func(desc string, isNative bool) {
		if unsure == "" {
			unsure = desc
		}
		native = native || isNative
	}
	// partial is set once some packets that no narrowing condition picks
	// out have gone back to the calling chain.
	partial := false
	done := func(v chainVerdict) chainVerdict {
		if partial && !v.acceptsAll {
			v.verdict = ""
		}
		v.acceptsOn = append(on, v.acceptsOn...)
		if unsure != "" {
			v.unsure = unsure
		}
		v.unsureNative = v.unsureNative || native
		return v
	}
	// target is what the chain a conditional jump or goto leads to does.
	target := func(r verdictRule) (chainVerdict, bool) {
		if depth >= 8 || r.target == "" || r.verdict != "jump" && r.verdict != "goto" {
			return chainVerdict{}, false
		}
		return chainDefault(lookup, r.target, "", fam, depth+1), true
	}
	for _, r := range lookup(chain) {
		if !r.matches(fam) {
			continue
		}
		if !r.unconditional && !r.everyOutside {
			narrow := r.wide == "" && r.unsure == "" && len(r.ifaces) == 0
			var v chainVerdict
			jumps := false
			if !narrow {
				v, jumps = target(r)
			}
			switch {
			case r.wide != "" && r.verdict == "accept":
				return done(chainVerdict{verdict: "accept", acceptsAll: true, rule: r.wide})
			case r.wide != "" && jumps:
				// Every outside packet of a kind goes to a chain: what
				// that chain accepts for all, or on an interface, or
				// may accept, is accepted here (its drop is not: the
				// packets of other kinds go on).
				if v.acceptsAll {
					return done(chainVerdict{verdict: "accept", acceptsAll: true, rule: r.wide + ": " + v.rule})
				}
				on = append(on, v.acceptsOn...)
				if v.unsure != "" {
					noteUnsure(r.wide+": "+v.unsure, v.unsureNative)
				}
			case r.unsure != "" && r.verdict == "accept":
				noteUnsure(r.unsure, r.unsureNative)
			case r.unsure != "" && jumps:
				if v.acceptsAll || len(v.acceptsOn) > 0 || v.unsure != "" {
					noteUnsure(r.unsure, r.unsureNative || v.unsureNative)
				}
			case len(r.ifaces) > 0 && r.verdict == "accept":
				on = append(on, r.ifaces...)
			case len(r.ifaces) > 0 && jumps && v.acceptsAll:
				on = append(on, r.ifaces...)
			}
			// What a return picks out, or a goto sends to a chain that
			// ends without a verdict, leaves this chain: a base chain's
			// policy takes it, else the chain that jumped here.
			leaves := r.verdict == "return" || jumps && r.verdict == "goto" && v.verdict == "" && !v.acceptsAll
			switch {
			case !leaves || narrow:
				// Some packets only, as a narrow accept: the rest go on
				// (in a jumped-to chain too: `tcp dport 22 return` then
				// `accept` accepts every other packet).
			case depth == 0 && policy == "accept":
				shown := strings.TrimSpace(r.wide+" "+r.unsure) + ", then the chain's policy accept"
				switch {
				case r.wide != "":
					return done(chainVerdict{verdict: "accept", acceptsAll: true, rule: shown})
				case r.unsure != "":
					noteUnsure(shown, r.unsureNative)
				default:
					on = append(on, r.ifaces...)
				}
			case depth > 0:
				// Packets on an interface, of a kind, or on a condition
				// that cannot be judged go back to the calling chain,
				// the rest go on here: this chain's final drop is not
				// theirs.
				partial = true
			}
			continue
		}
		// Unconditional, or so for every outside packet.
		switch r.verdict {
		case "accept":
			shown := "accept"
			if r.wide != "" {
				shown = r.wide
			}
			return done(chainVerdict{verdict: "accept", acceptsAll: true, rule: shown})
		case "drop", "reject":
			return done(chainVerdict{verdict: r.verdict})
		case "return":
			return done(chainVerdict{verdict: policy})
		case "jump", "goto":
			v, ok := target(r)
			if !ok {
				continue
			}
			if v.verdict != "" || v.acceptsAll {
				return done(v)
			}
			on = append(on, v.acceptsOn...)
			if v.unsure != "" {
				noteUnsure(v.unsure, v.unsureNative)
			}
			if r.verdict == "goto" {
				return done(chainVerdict{verdict: policy})
			}
		}
	}
	return done(chainVerdict{verdict: policy})
}
