package firewall

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// iptablesInput is what parseIptablesS found about the INPUT chain of the
// filter table in `iptables -S`.
type iptablesInput struct {
	// Policy is the INPUT chain's policy: "ACCEPT" or "DROP".
	Policy string
	Rules  int
	// Default is the verdict of the last unconditional DROP/REJECT rule
	// (or of an unconditional jump to a chain ending in one), else the
	// policy; lower case.
	Default    string
	AcceptsAll bool
	// AcceptRule describes the rule that accepts every outside packet
	// ("! -i lo -j ACCEPT").
	AcceptRule string
	// AcceptsOn are the interfaces on which INPUT accepts every packet
	// before its default ("-i wlp2s0 -j ACCEPT"; "wl+" a wildcard).
	AcceptsOn []string
	// UnsureRule describes a rule before the default that accepts (or
	// jumps to a chain that accepts) packets on a condition that cannot
	// be judged ("--tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT"): INPUT then
	// does not count as filtering.
	UnsureRule string
	Filtering  bool
	// LegacyTablesPresent is true when iptables-nft warned that
	// iptables-legacy tables exist, which it cannot show.
	LegacyTablesPresent bool
	// UFW is true when ufw's chains are present.
	UFW bool
	// Docker is true when Docker's chains are present.
	Docker bool
	// MatchesUntracked is true when a rule picks out untracked packets
	// (--ctstate or --state UNTRACKED): which they are is in the raw
	// table, which -S does not show (see parseIptablesRaw).
	MatchesUntracked bool
}

// legacyWarning is what iptables-nft and ip6tables-nft print (on stderr)
// when rules were also loaded with iptables-legacy ("# Warning:
// iptables-legacy tables present, use iptables-legacy to see them", and
// ip6tables- likewise).
const legacyWarning = "tables-legacy tables present"

// parseIptablesS reads the output of `iptables -S` or `ip6tables -S` (stdout
// and stderr). untracked is said of a rule picking out untracked packets
// where some may be (see classifyIptablesRule); "" where none are.
func parseIptablesS(stdout, stderr []byte, untracked string) (iptablesInput, error) {
	var in iptablesInput
	in.LegacyTablesPresent = bytes.Contains(stdout, []byte(legacyWarning)) || bytes.Contains(stderr, []byte(legacyWarning))
	rules := map[string][]verdictRule{}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sawInput := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return in, fmt.Errorf("iptables -S: %w: %q", errUnrecognised, line)
		}
		switch f[0] {
		case "-P":
			if len(f) != 3 {
				return in, fmt.Errorf("iptables -S: %w: %q", errUnrecognised, line)
			}
			if f[1] == "INPUT" {
				in.Policy, sawInput = f[2], true
			}
		case "-N":
			switch {
			case strings.HasPrefix(f[1], "ufw-"):
				in.UFW = true
			case strings.HasPrefix(f[1], "DOCKER"):
				in.Docker = true
			}
		case "-A":
			r, picksUntracked := classifyIptablesRule(f[2:], untracked)
			rules[f[1]] = append(rules[f[1]], r)
			in.MatchesUntracked = in.MatchesUntracked || picksUntracked
			if f[1] == "INPUT" {
				in.Rules++
			}
		default:
			return in, fmt.Errorf("iptables -S: %w: %q", errUnrecognised, line)
		}
	}
	if !sawInput {
		return in, fmt.Errorf("iptables -S: %w: no INPUT policy line", errUnrecognised)
	}
	policy := strings.ToLower(in.Policy)
	lookup := func(chain string) []verdictRule { return rules[chain] }
	d := chainDefault(lookup, "INPUT", policy, "", 0)
	in.Default, in.AcceptsAll, in.AcceptRule, in.AcceptsOn = d.verdict, d.acceptsAll, d.rule, d.acceptsOn
	in.Filtering = !in.AcceptsAll && (in.Default == "drop" || in.Default == "reject")
	if in.Filtering && d.unsure != "" {
		in.Filtering, in.UnsureRule = false, d.unsure
	}
	return in, nil
}

// Options that only qualify a target, not the packets matched, and
// whether each takes a value.
var targetOptions = map[string]bool{
	"--reject-with": true, "--log-prefix": true, "--log-level": true,
	"--log-tcp-sequence": false, "--log-tcp-options": false, "--log-ip-options": false, "--log-uid": false,
}

// Options that neither match packets nor narrow what a rule accepts, with
// a value each: the burst of a rate limit (--limit, which is judged as
// nft's limit statement is: wide).
var passiveOptions = map[string]bool{"--limit-burst": true}

// classifyIptablesRule reduces the words after "-A CHAIN" to a verdict
// rule, judging each condition as classifyRule does an nftables one:
// narrowing (-p icmp, --dport 22, -s 192.168.1.0/24, --ctstate
// RELATED,ESTABLISHED), wide (! -i lo, -i +, -p tcp with no port,
// --dport 1:65535, --ctstate NEW, 0.0.0.0/0, --dst-type LOCAL, --mark
// 0x0, --pkt-type unicast or host, --limit, any negated address or port),
// or unsure (an option not known here, --tcp-flags). Untracked packets
// (--ctstate UNTRACKED) are those a raw table rule leaves untracked:
// with untracked "" there are none, and picking them out narrows; else
// which they are is not judged (they may be any new connection), and the
// condition is unsure, untracked saying why. It also reports whether the
// rule picks out untracked packets.
func classifyIptablesRule(words []string, untracked string) (verdictRule, bool) {
	var b ruleBuilder
	not, queued, picksUntracked := false, false, false
	judge := func(isWide bool, desc string) {
		if isWide {
			b.conds = append(b.conds, condition{kind: condWide, desc: desc})
		} else {
			b.conds = append(b.conds, condition{kind: condNarrow})
		}
	}
	// judgeAs judges a condition as the nftables match it is
	// (judgeValues), described in iptables' words.
	judgeAs := func(left nftLeft, negated bool, vals []string, desc string) {
		op := "=="
		if negated {
			op = "!="
		}
		c := judgeValues(left, op, vals)
		if c.kind != condNarrow {
			// iptables' own words, with judgeValues' note kept.
			note := ""
			for _, n := range []string{localNetworkNote, manyPortsNote, sourcePortNote, ownAddressNote, hugeNetworkNote} {
				if strings.HasSuffix(c.desc, n) {
					note = n
				}
			}
			c.desc = desc + note
		}
		b.conds = append(b.conds, c)
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		desc := w + " " + next
		if not {
			desc = "! " + desc
		}
		negated := not
		not = false
		switch {
		case w == "!":
			not = true
		case w == "-j" || w == "-g":
			if next == "" {
				b.conds = append(b.conds, condition{kind: condUnsure, desc: w})
				continue
			}
			i++
			switch next {
			case "ACCEPT", "DROP", "REJECT", "RETURN":
				b.verdict = strings.ToLower(next)
			case "LOG", "NFLOG":
				// passive
			case "NFQUEUE", "QUEUE":
				// A program decides: it may accept anything.
				b.conds = append(b.conds, condition{kind: condUnsure, desc: desc})
				b.verdict, queued = "accept", true
			default:
				b.verdict, b.target = "jump", next
				if w == "-g" {
					b.verdict = "goto"
				}
			}
		case w == "-m" && next != "":
			i++ // loads a match module; its options are the conditions
		case w == "--comment":
			i = skipQuoted(words, i+1)
		case (w == "-i" || w == "--in-interface") && next != "":
			i++
			switch {
			case negated || next == "+":
				// ! -i lo and -i + take in every outside packet.
				b.conds = append(b.conds, condition{kind: condWide, desc: desc, everyOutside: next == "+" || next == "lo"})
			default:
				b.conds = append(b.conds, condition{kind: condIface, ifaces: []string{next}})
			}
		case (w == "-o" || w == "--out-interface") && next != "":
			i++
			judgeAs(metaLeft("oifname"), negated, []string{next}, desc)
		case (w == "-p" || w == "--protocol") && next != "":
			i++
			every := next == "all" || next == "0"
			tcpOrUDP := every || slices.Contains([]string{"tcp", "udp", "6", "17"}, next)
			judge(negated && !every || !negated && tcpOrUDP, desc)
		case (w == "-s" || w == "--source") && next != "":
			i++
			judgeAs(payloadLeft("ip", "saddr"), negated, []string{next}, desc)
		case (w == "-d" || w == "--destination") && next != "":
			i++
			judgeAs(payloadLeft("ip", "daddr"), negated, []string{next}, desc)
		case (w == "--dport" || w == "--sport" || w == "--destination-port" || w == "--source-port" ||
			w == "--dports" || w == "--sports" || w == "--ports") && next != "":
			i++
			field := "dport"
			if w == "--sport" || w == "--source-port" || w == "--sports" {
				field = "sport"
			}
			judgeAs(payloadLeft("th", field), negated, strings.Split(strings.ReplaceAll(next, ":", "-"), ","), desc)
		case (w == "--state" || w == "--ctstate" || w == "--ctstatus") && next != "":
			i++
			key := "state"
			if w == "--ctstatus" {
				key = "status"
			}
			vals := strings.Split(strings.ToLower(next), ",")
			judgeAs(ctLeft(key), negated, vals, desc)
			if key == "state" && !negated && slices.Contains(vals, "untracked") {
				picksUntracked = true
				if c := &b.conds[len(b.conds)-1]; untracked != "" && c.kind == condNarrow {
					*c = condition{kind: condUnsure, desc: desc + untracked}
				}
			}
		case (w == "--icmp-type" || w == "--icmpv6-type") && next != "":
			i++
			judgeAs(payloadLeft("icmp", "type"), negated, []string{next}, desc)
		case w == "--dst-type" && next != "":
			i++
			judge(slices.Contains(strings.Split(next, ","), "LOCAL") != negated, desc)
		case w == "--pkt-type" && next != "":
			i++
			judgeAs(metaLeft("pkttype"), negated, []string{next}, desc)
		case w == "--mark" && next != "":
			i++
			value, _, _ := strings.Cut(next, "/")
			if n, err := strconv.ParseUint(strings.TrimPrefix(value, "0x"), 16, 32); err == nil {
				value = strconv.FormatUint(n, 10)
			}
			judgeAs(metaLeft("mark"), negated, []string{value}, desc)
		case w == "--limit" && next != "":
			// Picks out no sender, but a DROP under it drops only the
			// packets under the rate (rateStatements).
			i++
			judge(true, desc)
		case passiveOptions[w]:
			i++
		case strings.HasPrefix(w, "--"):
			if takesValue, known := targetOptions[w]; known {
				if takesValue {
					i = skipQuoted(words, i+1)
				}
				continue
			}
			// Not known here: its values are the words up to the next
			// option.
			shown := []string{w}
			if negated {
				shown = []string{"!", w}
			}
			for i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") && words[i+1] != "!" {
				i++
				shown = append(shown, words[i])
			}
			b.conds = append(b.conds, condition{kind: condUnsure, desc: strings.Join(shown, " ")})
		default:
			b.conds = append(b.conds, condition{kind: condUnsure, desc: w})
		}
	}
	switch {
	case queued:
		b.shown = queuedShown
	case b.target != "":
		b.shown = map[string]string{"jump": "-j ", "goto": "-g "}[b.verdict] + b.target
	default:
		b.shown = "-j " + strings.ToUpper(b.verdict)
	}
	return b.rule(), picksUntracked
}

// skipQuoted returns the index of the last word of the (possibly quoted,
// space-containing) value that starts at words[i].
func skipQuoted(words []string, i int) int {
	if i >= len(words) {
		return i
	}
	if !strings.HasPrefix(words[i], `"`) || (len(words[i]) > 1 && strings.HasSuffix(words[i], `"`)) {
		return i
	}
	for j := i + 1; j < len(words); j++ {
		if strings.HasSuffix(words[j], `"`) {
			return j
		}
	}
	return len(words) - 1
}

// parseIptablesDNAT reads `iptables -t nat -S` (or ip6tables) for the ports
// DNAT rules publish: Docker's "-A DOCKER ! -i docker0 -p tcp -m tcp
// --dport 8080 -j DNAT --to-destination 172.17.0.2:80", limited to one
// address with "-d 127.0.0.1/32". family is "ip" or "ip6".
func parseIptablesDNAT(stdout []byte, family string) []pubPort {
	var out []pubPort
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "-A" {
			continue
		}
		pp := pubPort{Family: family, EveryAddress: true}
		dnat := false
		for i := 2; i < len(f); i++ {
			next := ""
			if i+1 < len(f) {
				next = f[i+1]
			}
			switch f[i] {
			case "-j":
				dnat = next == "DNAT"
			case "-p":
				pp.Proto = next
			case "--dport", "--dports":
				if i > 0 && f[i-1] != "!" {
					// iptables writes a range 9000:9002; nft, and the
					// summary, 9000-9002.
					pp.Port = strings.ReplaceAll(next, ":", "-")
				}
			case "-d":
				if i > 0 && f[i-1] != "!" {
					pp.EveryAddress = false
				}
			}
		}
		if pp.Proto == "" {
			pp.Proto = "tcp/udp"
		}
		if dnat && pp.Port != "" && !containsPort(out, pp) {
			out = append(out, pp)
		}
	}
	return out
}

// rawUnreadNote is said of an UNTRACKED match when the raw table, where
// packets are left untracked, could not be read.
const rawUnreadNote = " (the raw table, where packets are left untracked, could not be read: they may be any new connection)"

// parseIptablesRaw reads `iptables -t raw -S` (or ip6tables'): whether a
// rule leaves packets untracked (`-j CT --notrack`, the older `-j
// NOTRACK`), whichever packets it picks out.
func parseIptablesRaw(stdout []byte) (bool, error) {
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "-P", "-N":
		case "-A":
			at := slices.Index(f, "-j")
			if at >= 0 && at+1 < len(f) && (f[at+1] == "NOTRACK" || f[at+1] == "CT" && slices.Contains(f[at+2:], "--notrack")) {
				return true, nil
			}
		default:
			return false, fmt.Errorf("iptables -t raw -S: %w: %q", errUnrecognised, sc.Text())
		}
	}
	return false, sc.Err()
}
