package firewall

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// IptablesInput is what ParseIptablesS found about the INPUT chain of the
// filter table in `iptables -S`.
type IptablesInput struct {
	// Policy is the INPUT chain's policy: "ACCEPT" or "DROP".
	Policy string
	Rules  int
	// Default is the verdict of the last unconditional DROP/REJECT rule
	// (or of an unconditional jump to a chain ending in one), else the
	// policy; lower case.
	Default    string
	AcceptsAll bool
	Filtering  bool
	// LegacyTablesPresent is true when iptables-nft warned that
	// iptables-legacy tables exist, which it cannot show.
	LegacyTablesPresent bool
	// UFW is true when ufw's chains are present.
	UFW bool
	// Docker is true when Docker's chains are present.
	Docker bool
}

// legacyWarning is what iptables-nft prints (on stderr) when rules were also
// loaded with iptables-legacy.
const legacyWarning = "iptables-legacy tables present"

// ParseIptablesS reads the output of `iptables -S` (stdout and stderr).
func ParseIptablesS(stdout, stderr []byte) (IptablesInput, error) {
	var in IptablesInput
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
			return in, fmt.Errorf("iptables -S: %w: %q", ErrUnrecognised, line)
		}
		switch f[0] {
		case "-P":
			if len(f) != 3 {
				return in, fmt.Errorf("iptables -S: %w: %q", ErrUnrecognised, line)
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
			return in, fmt.Errorf("iptables -S: %w: %q", ErrUnrecognised, line)
		}
	}
	if !sawInput {
		return in, fmt.Errorf("iptables -S: %w: no INPUT policy line", ErrUnrecognised)
	}
	policy := strings.ToLower(in.Policy)
	lookup := func(chain string) []verdictRule { return rules[chain] }
	in.Default, in.AcceptsAll = chainDefault(lookup, "INPUT", policy, 0)
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
// target's own options, or a comment.
func classifyIptablesRule(words []string) verdictRule {
	r := verdictRule{unconditional: true}
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-j" || w == "-g":
			if i+1 >= len(words) {
				r.unconditional = false
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
		case w == "-m" && i+1 < len(words) && words[i+1] == "comment":
			i++
		case w == "--comment":
			i = skipQuoted(words, i+1)
		case strings.HasPrefix(w, "--"):
			takesValue, known := targetOptions[w]
			if !known {
				r.unconditional = false
				continue
			}
			if takesValue {
				i = skipQuoted(words, i+1)
			}
		default:
			r.unconditional = false
		}
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
