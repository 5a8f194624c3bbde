package firewall

import (
	"bufio"
	"bytes"
	"fmt"
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
	Filtering bool
	// LegacyTablesPresent is true when iptables-nft warned that
	// iptables-legacy tables exist, which it cannot show.
	LegacyTablesPresent bool
	// UFW is true when ufw's chains are present.
	UFW bool
	// Docker is true when Docker's chains are present.
	Docker bool
}

// legacyWarning is what iptables-nft and ip6tables-nft print (on stderr)
// when rules were also loaded with iptables-legacy ("# Warning:
// iptables-legacy tables present, use iptables-legacy to see them", and
// ip6tables- likewise).
const legacyWarning = "tables-legacy tables present"

// parseIptablesS reads the output of `iptables -S` or `ip6tables -S` (stdout
// and stderr).
func parseIptablesS(stdout, stderr []byte) (iptablesInput, error) {
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
			rules[f[1]] = append(rules[f[1]], classifyIptablesRule(f[2:]))
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
	return in, nil
}

// Options that only qualify a target, not the packets matched.
var targetOptions = map[string]bool{
	"--reject-with": true, "--log-prefix": true, "--log-level": true,
	"--log-tcp-sequence": false, "--log-tcp-options": false, "--log-ip-options": false, "--log-uid": false,
}

// classifyIptablesRule reduces the words after "-A CHAIN" to a verdict rule.
// A rule is unconditional when it has nothing but a target (-j/-g) and the
// target's own options, or a comment; wide when its only conditions are
// ones every outside packet (or every TCP or UDP packet) meets: ! -i lo,
// -i +, -p tcp/udp/all with no port, a NEW connection state, 0.0.0.0/0.
func classifyIptablesRule(words []string) verdictRule {
	r := verdictRule{unconditional: true}
	narrowed, otherNarrowing := false, false
	var wide, ifaces []string
	cond := func(desc string) {
		if desc == "" {
			otherNarrowing = true
		}
		r.unconditional = false
		if desc == "" {
			narrowed = true
			return
		}
		wide = append(wide, desc)
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		switch {
		case w == "-j" || w == "-g":
			if i+1 >= len(words) {
				cond("")
				continue
			}
			i++
			t := words[i]
			switch t {
			case "ACCEPT", "DROP", "REJECT", "RETURN":
				r.verdict = strings.ToLower(t)
			case "LOG", "NFLOG":
				// passive
			default:
				r.verdict, r.target = "jump", t
				if w == "-g" {
					r.verdict = "goto"
				}
			}
		case w == "-m" && next == "comment":
			i++
		case w == "-m" && (next == "tcp" || next == "udp" || next == "state" || next == "conntrack"):
			i++ // loads a match module; its options are the conditions
		case w == "--comment":
			i = skipQuoted(words, i+1)
		case w == "!" && next == "-i" && i+2 < len(words) && words[i+2] == "lo":
			i += 2
			cond("! -i lo")
		case w == "-i" && next == "+":
			i++
			cond("-i +")
		case w == "-i" && next != "":
			i++
			r.unconditional, narrowed = false, true
			ifaces = append(ifaces, next)
		case w == "-p" && (next == "tcp" || next == "udp" || next == "6" || next == "17" || next == "all"):
			i++
			cond("-p " + next)
		case (w == "--state" || w == "--ctstate") && next != "":
			i++
			if containsString(strings.Split(next, ","), "NEW") {
				cond(w + " " + next)
			} else {
				cond("")
			}
		case (w == "-s" || w == "-d") && (next == "0.0.0.0/0" || next == "::/0"):
			i++
			cond(w + " " + next)
		case strings.HasPrefix(w, "--"):
			takesValue, known := targetOptions[w]
			if !known {
				cond("")
				continue
			}
			if takesValue {
				i = skipQuoted(words, i+1)
			}
		default:
			cond("")
		}
	}
	if !narrowed && len(wide) > 0 {
		r.wide = strings.Join(wide, " ")
	}
	if !otherNarrowing {
		r.ifaces = outsideIfaces(ifaces)
	}
	if r.wide != "" {
		r.wide += " -j " + strings.ToUpper(r.verdict)
	}
	return r
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
					pp.Port = next
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
