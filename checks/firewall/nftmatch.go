package firewall

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// This file judges the rules of an nftables input chain one condition at a
// time: which packets a rule that accepts (or jumps) lets through. A
// condition that picks out some packets narrows the rule; one every
// outside packet meets (or every TCP or UDP packet) leaves it wide; and
// one SessionGuard has no way to judge from the ruleset alone leaves it
// unsure, so that a chain behind such a rule is never taken for a
// filtering one (a firewall that may let everything in is not a pass).

// condKind is what one condition of a rule does to the packets the rule
// applies to.
type condKind int

const (
	condNarrow condKind = iota // picks out some packets only
	condWide                   // every outside packet, or every TCP or UDP packet, meets it
	condFamily                 // limits an inet rule to one address family
	condIface                  // picks out input interfaces
	condUnsure                 // cannot be judged from the ruleset
)

// condition is one judged condition.
type condition struct {
	kind   condKind
	desc   string   // condWide, condUnsure: the condition as nft shows it, roughly
	family string   // condFamily: "ipv4" or "ipv6"
	ifaces []string // condIface
	// iptables marks a condUnsure that is an iptables-nft compat match
	// (xt): `iptables -S` shows it with its arguments.
	iptables bool
	// everyOutside marks a condWide that every packet from outside meets,
	// whatever its kind, family or state: an input interface other than
	// lo (`iifname != "lo"`, `! -i lo`) or any interface. Not `-p tcp`
	// (every TCP packet) nor an address (one family's).
	everyOutside bool
}

// elemLookup returns the elements of a named set or map of the rule's
// table ("@name" without the @), false when the ruleset does not list it.
type elemLookup func(name string) ([]json.RawMessage, bool)

// Statements that neither match packets nor end them: they count, log,
// or set a mark (a set statement adding an element is one too, see
// rateCondition). A rule whose only conditions are these applies to every
// packet.
var passiveStatements = map[string]bool{"counter": true, "log": true, "comment": true,
	"mangle": true, "notrack": true}

// rateStatements match packets by how many came before, whoever sends
// them: a rate limit (`limit rate 10/second`, `limit rate over …`), a
// quota, or either per key (a meter, or a set statement with a limit:
// `update @s { ip saddr limit rate over 10/second }`). They pick out no
// sender, so a rule accepting under one is as wide as without it; but a
// drop under one drops only the packets over (or under) the rate, never
// every packet.
var rateStatements = map[string]bool{"limit": true, "quota": true, "meter": true, "set": true}

// rateCondition judges a rate statement (rateStatements) as a condition:
// wide, described roughly as nft shows it; false for a set statement
// without a limit or count, which only adds an element.
func rateCondition(name string, val json.RawMessage) (condition, bool) {
	var st struct {
		Rate     json.Number     `json:"rate"`
		Per      string          `json:"per"`
		RateUnit string          `json:"rate_unit"`
		Val      json.Number     `json:"val"`
		ValUnit  string          `json:"val_unit"`
		Inv      bool            `json:"inv"`
		Name     string          `json:"name"`
		Set      string          `json:"set"`
		Stmt     json.RawMessage `json:"stmt"`
	}
	_ = json.Unmarshal(val, &st)
	over := ""
	if st.Inv {
		over = "over "
	}
	desc := name
	switch name {
	case "set":
		if len(st.Stmt) == 0 {
			return condition{}, false
		}
		desc = "update " + st.Set + " { … }"
	case "meter":
		desc = "meter " + st.Name + " { … }"
	case "limit":
		unit := ""
		if st.RateUnit != "" {
			unit = " " + st.RateUnit
		}
		desc = fmt.Sprintf("limit rate %s%s%s/%s", over, st.Rate, unit, st.Per)
	case "quota":
		desc = fmt.Sprintf("quota %s%s %s", over, st.Val, st.ValUnit)
	}
	return condition{kind: condWide, desc: desc}, true
}

type nftMatch struct {
	Op    string          `json:"op"`
	Left  json.RawMessage `json:"left"`
	Right json.RawMessage `json:"right"`
}

type nftLeft struct {
	Meta    *nftKey     `json:"meta"`
	Ct      *nftKey     `json:"ct"`
	Payload *nftPayload `json:"payload"`
	Fib     *struct {
		Result string   `json:"result"`
		Flags  []string `json:"flags"`
	} `json:"fib"`
	Concat []nftLeft `json:"concat"`
}

// nftKey is the key of a meta or ct expression ("iifname", "state").
type nftKey struct {
	Key string `json:"key"`
}

// nftPayload is a header field: protocol "tcp", field "dport".
type nftPayload struct {
	Protocol string `json:"protocol"`
	Field    string `json:"field"`
}

// metaLeft, ctLeft and payloadLeft are the left sides `meta KEY`, `ct
// KEY` and `PROTOCOL FIELD`.
func metaLeft(key string) nftLeft { return nftLeft{Meta: &nftKey{key}} }

func ctLeft(key string) nftLeft { return nftLeft{Ct: &nftKey{key}} }

func payloadLeft(protocol, field string) nftLeft {
	return nftLeft{Payload: &nftPayload{protocol, field}}
}

// name is the left side as nft writes it: "iifname", "ct state", "tcp
// dport", "fib daddr type"; "" for one not recognised.
func (l nftLeft) name() string {
	switch {
	case l.Meta != nil:
		return l.Meta.Key
	case l.Ct != nil:
		return "ct " + l.Ct.Key
	case l.Payload != nil:
		return l.Payload.Protocol + " " + l.Payload.Field
	case l.Fib != nil:
		return "fib " + strings.Join(l.Fib.Flags, " . ") + " " + l.Fib.Result
	case len(l.Concat) > 0:
		names := make([]string, len(l.Concat))
		for i, c := range l.Concat {
			if names[i] = c.name(); names[i] == "" {
				return ""
			}
		}
		return strings.Join(names, " . ")
	}
	return ""
}

// unknownValue stands for a right-hand value that could not be read (a
// named set the ruleset does not list, a concatenation).
const unknownValue = "?"

// rightValues flattens a match's right side: a string, a number, a list,
// an anonymous or named set, a range ("1-65535") or a prefix
// ("0.0.0.0/0"); unknownValue for anything else.
func rightValues(raw json.RawMessage, sets elemLookup) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if name, ok := strings.CutPrefix(s, "@"); ok {
			elems, found := sets(name)
			if !found {
				return []string{unknownValue}
			}
			var out []string
			for _, e := range elems {
				out = append(out, rightValues(e, sets)...)
			}
			return out
		}
		return []string{s}
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return []string{n.String()}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, x := range list {
			out = append(out, rightValues(x, sets)...)
		}
		return out
	}
	var obj struct {
		Concat []json.RawMessage              `json:"concat"`
		Set    json.RawMessage                `json:"set"`
		Range  []json.RawMessage              `json:"range"`
		Elem   *struct{ Val json.RawMessage } `json:"elem"`
		Prefix *struct {
			Addr string `json:"addr"`
			Len  int    `json:"len"`
		} `json:"prefix"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		switch {
		case len(obj.Concat) > 0:
			parts := make([]string, len(obj.Concat))
			for i, c := range obj.Concat {
				v := rightValues(c, sets)
				if len(v) != 1 {
					return []string{unknownValue}
				}
				parts[i] = v[0]
			}
			return []string{strings.Join(parts, " . ")}
		case obj.Set != nil:
			return rightValues(obj.Set, sets)
		case obj.Elem != nil:
			return rightValues(obj.Elem.Val, sets)
		case len(obj.Range) == 2:
			lo, hi := rightValues(obj.Range[0], sets), rightValues(obj.Range[1], sets)
			if len(lo) == 1 && len(hi) == 1 {
				return []string{lo[0] + "-" + hi[0]}
			}
		case obj.Prefix != nil:
			return []string{fmt.Sprintf("%s/%d", obj.Prefix.Addr, obj.Prefix.Len)}
		}
	}
	return []string{unknownValue}
}

// notrackNote is said of a `ct state untracked` condition in a ruleset
// that leaves packets untracked.
const notrackNote = " (a notrack rule leaves packets untracked, and which ones is not judged: they may be any new connection)"

// leavesUntracked reports whether a rule's statements leave packets
// untracked: nft's notrack statement, or iptables-nft's CT target
// (`-j CT --notrack`, whose options the JSON does not give).
func leavesUntracked(expr []json.RawMessage) bool {
	for _, raw := range expr {
		name, val, ok := splitStatement(raw)
		if !ok {
			continue
		}
		var xt struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}
		if name == "notrack" || name == "xt" && json.Unmarshal(val, &xt) == nil && xt.Type == "target" && xt.Name == "CT" {
			return true
		}
	}
	return false
}

// judgeMatch judges one match of a rule; notrack says the ruleset leaves
// some packets untracked (ruleset.Notrack). There a match that picks out
// untracked packets (`ct state untracked`, and not new ones, which are
// wide already) is unsure: a rule untracking every packet would make such
// an accept let everything in, and which packets a notrack rule picks out
// is not judged here.
func judgeMatch(m nftMatch, sets elemLookup, notrack bool) condition {
	var left nftLeft
	_ = json.Unmarshal(m.Left, &left)
	vals := rightValues(m.Right, sets)
	c := judgeValues(left, m.Op, vals)
	if notrack && c.kind == condNarrow && (m.Op == "==" || m.Op == "in") && left.name() == "ct state" && slices.Contains(vals, "untracked") {
		return condition{kind: condUnsure, desc: describeMatch("ct state", m.Op, vals) + notrackNote}
	}
	return c
}

// judgeValues judges the match of left against vals with op.
func judgeValues(left nftLeft, op string, vals []string) condition {
	name := left.name()
	desc := describeMatch(name, op, vals)
	if left.Payload != nil && portProtocols[left.Payload.Protocol] && len(vals) == 1 {
		// "tcp dport >= 1024": the ports as a range.
		if r, ok := portComparison(op, vals[0]); ok {
			op, vals = "==", []string{r}
		}
	}
	eq, ne := op == "==" || op == "in", op == "!="
	if name == "" || slices.Contains(vals, unknownValue) || !eq && !ne {
		return condition{kind: condUnsure, desc: desc}
	}
	if len(left.Concat) > 0 {
		// `ip saddr . tcp dport { 10.0.0.1 . 22 }`: a packet matches
		// when all its parts match one element, so a part whose values
		// narrow narrows the whole. Parts that are each wide may still
		// narrow together: that is not judged.
		if eq {
			for i, part := range left.Concat {
				var partVals []string
				for _, v := range vals {
					if p := strings.Split(v, " . "); len(p) == len(left.Concat) {
						partVals = append(partVals, p[i])
					} else {
						return condition{kind: condUnsure, desc: desc}
					}
				}
				if c := judgeValues(part, op, partVals); c.kind == condNarrow {
					return c
				}
			}
		}
		return condition{kind: condUnsure, desc: desc}
	}
	wide := condition{kind: condWide, desc: desc}
	narrow := condition{kind: condNarrow}
	either := func(isWide bool) condition {
		if isWide {
			return wide
		}
		return narrow
	}
	switch {
	case left.Meta != nil && (name == "iifname" || name == "iif"):
		if ne || slices.Contains(vals, "*") || slices.Contains(vals, `\*`) {
			// != "lo" or != anything: every other interface; every
			// outside packet when only lo is left out, or any interface.
			wide.everyOutside = !ne || !slices.ContainsFunc(vals, func(v string) bool { return v != "lo" })
			return wide
		}
		return condition{kind: condIface, ifaces: vals}
	case left.Meta != nil && (name == "oifname" || name == "oif"):
		// An incoming packet has no output interface.
		return either(ne)
	case left.Meta != nil && name == "nfproto":
		if len(vals) == 1 && (vals[0] == iPv4 || vals[0] == iPv6) {
			fam := vals[0]
			if ne {
				fam = otherFamily(fam)
			}
			return condition{kind: condFamily, family: fam}
		}
	case left.Meta != nil && name == "l4proto", name == "ip protocol", name == "ip6 nexthdr":
		tcpOrUDP := slices.Contains(vals, "tcp") || slices.Contains(vals, "udp")
		if eq {
			if tcpOrUDP {
				return condition{kind: condWide, desc: "l4proto { " + strings.Join(vals, ", ") + " }"}
			}
			return narrow
		}
		return either(!slices.Contains(vals, "tcp") || !slices.Contains(vals, "udp"))
	case name == "ct state":
		return either(eq == slices.Contains(vals, "new"))
	case name == "ct status":
		return either(ne)
	case name == "mark", name == "ct mark":
		// Mark 0 is every packet no rule marked.
		return either(ne || slices.Contains(vals, "0"))
	case left.Meta != nil && name == "pkttype":
		return either(eq == slices.ContainsFunc(vals, isPacketHost))
	case left.Payload != nil && (left.Payload.Field == "saddr" || left.Payload.Field == "daddr") &&
		(left.Payload.Protocol == "ip" || left.Payload.Protocol == "ip6"):
		if ne || slices.Contains(vals, "0.0.0.0/0") || slices.Contains(vals, "::/0") {
			return wide
		}
		if left.Payload.Field == "daddr" && slices.ContainsFunc(vals, func(v string) bool { return !notForThisComputer(v) }) {
			// An incoming packet is addressed to this computer: its own
			// address (any value that is not multicast or loopback) picks
			// out no sender (Linux takes a packet for any
			// of its addresses on any interface).
			return condition{kind: condWide, desc: desc + ownAddressNote}
		}
		if slices.ContainsFunc(vals, isLocalNetwork) {
			// Every device on the network the computer is on, wherever
			// it uses such addresses (a café's Wi-Fi as well as home).
			return condition{kind: condWide, desc: desc + localNetworkNote}
		}
		if left.Payload.Field == "saddr" && slices.ContainsFunc(vals, isHugeNetwork) {
			// 2000::/3 is every IPv6 address on the Internet, a café's
			// devices' own among them.
			return condition{kind: condWide, desc: desc + hugeNetworkNote}
		}
		return narrow
	case left.Payload != nil && (left.Payload.Field == "dport" || left.Payload.Field == "sport") && portProtocols[left.Payload.Protocol]:
		switch n := portsCovered(vals); {
		case ne:
			return wide
		case left.Payload.Field == "sport":
			// Whoever sends picks the source port: "udp sport 53 accept"
			// (letting DNS answers in without connection tracking) lets
			// anyone reach any port by sending from port 53.
			return condition{kind: condWide, desc: desc + sourcePortNote}
		case n == 65535:
			return wide
		case n >= wideRangePorts:
			return condition{kind: condWide, desc: desc + manyPortsNote}
		}
		return narrow
	case left.Payload != nil && (left.Payload.Protocol == "icmp" || left.Payload.Protocol == "icmpv6" || left.Payload.Protocol == "igmp"):
		return narrow
	case left.Fib != nil && left.Fib.Result == "type" && slices.Contains(left.Fib.Flags, "daddr") && eq:
		// "local": every packet addressed to this computer.
		return either(slices.Contains(vals, "local"))
	}
	return condition{kind: condUnsure, desc: desc}
}

// portProtocols are the payload protocols with source and destination ports.
var portProtocols = map[string]bool{"tcp": true, "udp": true, "th": true, "sctp": true, "dccp": true, "udplite": true}

// wideRangePorts is how many ports a rule may accept before it counts as
// open to every program rather than to chosen services: a service's own
// range is small (KDE Connect 51 ports, mosh about 1,000), while what
// opens every port but one, or every port above 1024 as Fedora
// Workstation's firewalld zone does (1025–65535), reaches whatever
// program the person runs, each of which may listen on any port.
const wideRangePorts = 4096

// portComparison writes a comparison with one port (>, >=, <, <=) as the
// range of ports it matches.
func portComparison(op, v string) (string, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 65535 {
		return "", false
	}
	switch op {
	case ">":
		return strconv.Itoa(n+1) + "-65535", n < 65535
	case ">=":
		return strconv.Itoa(n) + "-65535", true
	case "<":
		return "0-" + strconv.Itoa(n-1), n > 0
	case "<=":
		return "0-" + strconv.Itoa(n), true
	}
	return "", false
}

// portsCovered counts the ports from 1 to 65535 that port values ("22",
// "1000-2000", "1025-" and "-1024" as iptables' open-ended "1025:" and
// ":1024", "ssh") cover together.
func portsCovered(vals []string) int {
	type span struct{ lo, hi int }
	var spans []span
	for _, v := range vals {
		lo, hi, isRange := strings.Cut(v, "-")
		switch {
		case !isRange:
			hi = lo
		case lo == "":
			lo = "0"
		case hi == "":
			hi = "65535"
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil {
			spans = append(spans, span{max(l, 1), min(h, 65535)})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.lo - b.lo })
	covered, next := 0, 1 // next: the lowest port not yet counted
	for _, s := range spans {
		lo := max(s.lo, next)
		if s.hi >= lo {
			covered += s.hi - lo + 1
			next = s.hi + 1
		}
	}
	return covered
}

// describeMatch writes a match roughly as nft shows it: `iifname != "lo"`,
// `ct state new`, `tcp dport 1-65535`, `meta mark { 0, 5 }`.
func describeMatch(name, op string, vals []string) string {
	if name == "" {
		name = "an expression"
	}
	quoted := slices.Clone(vals)
	if name == "iifname" || name == "oifname" {
		for i, v := range quoted {
			quoted[i] = strconv.Quote(v)
		}
	}
	v := strings.Join(quoted, ", ")
	if len(quoted) > 1 {
		v = "{ " + v + " }"
	}
	if name == "mark" || name == "pkttype" {
		name = "meta " + name
	}
	if op == "==" || op == "in" {
		return name + " " + v
	}
	return name + " " + op + " " + v
}

// isPacketHost reports whether a packet type names PACKET_HOST, a packet
// addressed to this computer: "host" in nft (which also takes "unicast"),
// "unicast" in `iptables -S` (libxt_pkttype prints PACKET_HOST's first
// name, "unicast", though it also takes "host").
func isPacketHost(v string) bool {
	return strings.EqualFold(v, "host") || strings.EqualFold(v, "unicast")
}

func otherFamily(fam string) string {
	if fam == iPv4 {
		return iPv6
	}
	return iPv4
}

// addrRange reads an address match's range value ("10.0.0.1-10.0.3.254"):
// isRange says whether v is one, parsed whether both its ends are
// addresses.
func addrRange(v string) (a, b netip.Addr, isRange, parsed bool) {
	lo, hi, isRange := strings.Cut(v, "-")
	if !isRange {
		return a, b, false, false
	}
	a, err1 := netip.ParseAddr(lo)
	b, err2 := netip.ParseAddr(hi)
	return a, b, true, err1 == nil && err2 == nil
}

// hugeNetworkNote marks a source match of a large part of the Internet.
const hugeNetworkNote = " (a large part of the Internet)"

// isHugeNetwork reports whether a source address value covers at least a
// /8 of IPv4 (16 million addresses) or a /16 of IPv6: not a network
// someone chose to trust but a large part of the Internet, whose devices
// on any network the computer joins may be among it.
func isHugeNetwork(v string) bool {
	if a, b, isRange, parsed := addrRange(v); isRange {
		if !parsed || a.Is4() != b.Is4() || b.Less(a) {
			return false
		}
		// At least as many addresses as such a prefix holds.
		n := new(big.Int).Sub(new(big.Int).SetBytes(b.AsSlice()), new(big.Int).SetBytes(a.AsSlice()))
		size := uint(24)
		if a.Is6() {
			size = 112
		}
		return n.Add(n, big.NewInt(1)).Cmp(new(big.Int).Lsh(big.NewInt(1), size)) >= 0
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return false
	}
	if p.Addr().Is4() {
		return p.Bits() <= 8
	}
	return p.Bits() <= 16
}

// ownAddressNote marks a destination-address match in an input chain.
const ownAddressNote = " (this computer's own address)"

// notForThisComputer reports whether a destination address value (an
// address, prefix or range) is only multicast, broadcast or loopback:
// packets no other computer can send to this one's own unicast address.
// Anything not read as such counts as this computer's address.
func notForThisComputer(v string) bool {
	special := func(a netip.Addr) bool {
		return a.IsMulticast() || a.IsLoopback() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})
	}
	if a, b, isRange, parsed := addrRange(v); isRange {
		return parsed && special(a) && special(b) &&
			(a.IsMulticast() == b.IsMulticast()) && (a.IsLoopback() == b.IsLoopback())
	}
	if p, err := netip.ParsePrefix(v); err == nil {
		a := p.Masked().Addr()
		// The whole prefix lies in the multicast or loopback block.
		return a.IsMulticast() && p.Bits() >= prefixBits(a, true) || a.IsLoopback() && p.Bits() >= prefixBits(a, false)
	}
	a, err := netip.ParseAddr(v)
	return err == nil && special(a)
}

// prefixBits is how long a prefix must be to lie within the multicast
// (224.0.0.0/4, ff00::/8) or loopback (127.0.0.0/8, ::1/128) block.
func prefixBits(a netip.Addr, multicast bool) int {
	switch {
	case multicast && a.Is4():
		return 4
	case multicast:
		return 8
	case a.Is4():
		return 8
	}
	return 128
}

// sourcePortNote marks a source-port match, which narrows nothing.
const sourcePortNote = " (a source port, which the sender chooses)"

// manyPortsNote marks a port match that is wide for the number of ports it
// opens, not because it opens every one.
const manyPortsNote = " (thousands of ports)"

// localNetworkNote marks a wide address match in a rule's description.
const localNetworkNote = " (a whole local network)"

// localRanges are the address ranges local networks use: private IPv4
// (RFC 1918), link-local IPv4 and IPv6, and IPv6 unique local addresses.
var localRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"),
}

// isLocalNetwork reports whether an address match's value (an address, a
// prefix "192.168.0.0/16" or a range "10.0.0.1-10.0.3.254") takes in a
// whole local network: at least a /24 of IPv4 or a /64 of IPv6 (a network
// of its own, not a few hosts) in a range local networks use. A public
// prefix (an office's) or a single host narrows.
func isLocalNetwork(v string) bool {
	if a, b, isRange, parsed := addrRange(v); isRange {
		if !parsed || a.Is4() != b.Is4() || b.Less(a) {
			return false
		}
		if a.Is4() {
			// At least a /24's worth of hosts (254), overlapping a local range.
			lo4, hi4 := a.As4(), b.As4()
			n := uint64(binary.BigEndian.Uint32(hi4[:])) - uint64(binary.BigEndian.Uint32(lo4[:])) + 1
			return n >= 254 && slices.ContainsFunc(localRanges, func(r netip.Prefix) bool {
				return r.Contains(a) || r.Contains(b) || a.Less(r.Addr()) && r.Addr().Less(b)
			})
		}
		// IPv6: the smallest prefix holding both ends stands for the range.
		bits := a.BitLen()
		for bits > 0 {
			if p, _ := a.Prefix(bits); p.Contains(b) {
				break
			}
			bits--
		}
		p, _ := a.Prefix(bits)
		return wholeLocalNetwork(p)
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		a, aerr := netip.ParseAddr(v)
		if aerr != nil {
			return false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	return wholeLocalNetwork(p.Masked())
}

func wholeLocalNetwork(p netip.Prefix) bool {
	limit := 24
	if p.Addr().Is6() && !p.Addr().Is4In6() {
		limit = 64
	}
	if p.Bits() > limit {
		return false
	}
	return slices.ContainsFunc(localRanges, p.Overlaps)
}
