package firewall

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrUnrecognised marks output a parser does not understand.
var ErrUnrecognised = errors.New("output not recognised")

// InputChain is one nftables base chain on the input hook.
type InputChain struct {
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
	// AcceptsAll is true when an unconditional accept rule comes before
	// that default, so nothing is filtered after all.
	AcceptsAll bool `json:"accepts_all,omitempty"`
	// Filtering is true when the chain drops or rejects incoming packets
	// that no rule allowed.
	Filtering bool `json:"filtering"`
}

// Ruleset is what ParseNftJSON found in `nft -j list ruleset`.
type Ruleset struct {
	// Tables is the number of tables of any family.
	Tables int
	// InputChains are the base chains of family ip, ip6 or inet on the
	// input hook with type filter.
	InputChains []InputChain
	// FrontEnds names the tools whose tables or chains are recognised:
	// "firewalld", "ufw", "docker".
	FrontEnds []string
}

// Filtering reports whether any input chain filters incoming traffic.
func (r Ruleset) Filtering() bool {
	for _, c := range r.InputChains {
		if c.Filtering {
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
		Family string `json:"family"`
		Name   string `json:"name"`
	} `json:"table"`
	Chain *nftChain `json:"chain"`
	Rule  *nftRule  `json:"rule"`
}

// ParseNftJSON reads the output of `nft -j list ruleset`.
func ParseNftJSON(b []byte) (Ruleset, error) {
	var doc struct {
		Nftables []nftObject `json:"nftables"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Ruleset{}, fmt.Errorf("nft JSON: %w: %v", ErrUnrecognised, err)
	}
	if doc.Nftables == nil {
		return Ruleset{}, fmt.Errorf("nft JSON: %w: no \"nftables\" array", ErrUnrecognised)
	}
	var rs Ruleset
	type key struct{ family, table, chain string }
	rules := map[key][]verdictRule{}
	var chains []nftChain
	fronts := map[string]bool{}
	for _, o := range doc.Nftables {
		switch {
		case o.Table != nil:
			rs.Tables++
			if o.Table.Name == "firewalld" {
				fronts["firewalld"] = true
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
			rules[k] = append(rules[k], classifyRule(o.Rule.Expr))
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
		ic := InputChain{Family: c.Family, Table: c.Table, Chain: c.Name, Policy: c.Policy, Rules: len(rules[k])}
		if ic.Policy == "" {
			ic.Policy = "accept" // nft omits nothing, but the kernel default is accept
		}
		lookup := func(chain string) []verdictRule { return rules[key{c.Family, c.Table, chain}] }
		ic.Default, ic.AcceptsAll = chainDefault(lookup, c.Name, ic.Policy, 0)
		ic.Filtering = !ic.AcceptsAll && (ic.Default == "drop" || ic.Default == "reject")
		rs.InputChains = append(rs.InputChains, ic)
	}
	for _, f := range []string{"docker", "firewalld", "ufw"} {
		if fronts[f] {
			rs.FrontEnds = append(rs.FrontEnds, f)
		}
	}
	return rs, nil
}

// verdictRule is a rule reduced to what matters here: whether it matches
// every packet, and its verdict.
type verdictRule struct {
	unconditional bool
	// verdict is "accept", "drop", "reject", "jump", "goto", "return" or
	// "" (no verdict: the packet goes on to the next rule).
	verdict string
	target  string
}

// Statements that neither match packets nor end them.
var passiveStatements = map[string]bool{"counter": true, "log": true, "comment": true}

func classifyRule(expr []json.RawMessage) verdictRule {
	r := verdictRule{unconditional: true}
	for _, raw := range expr {
		var stmt map[string]json.RawMessage
		if err := json.Unmarshal(raw, &stmt); err != nil || len(stmt) != 1 {
			r.unconditional = false
			continue
		}
		for name, val := range stmt {
			switch {
			case passiveStatements[name]:
			case name == "accept" || name == "drop" || name == "reject" || name == "return":
				r.verdict = name
			case name == "jump" || name == "goto":
				var t struct {
					Target string `json:"target"`
				}
				_ = json.Unmarshal(val, &t)
				r.verdict, r.target = name, t.Target
			case name == "xt":
				// iptables-nft compat expressions: targets DROP/REJECT/ACCEPT
				// are verdicts, anything else (matches, unknown) a condition.
				var xt struct {
					Type string `json:"type"`
					Name string `json:"name"`
				}
				_ = json.Unmarshal(val, &xt)
				if xt.Type == "target" {
					switch xt.Name {
					case "REJECT":
						r.verdict = "reject"
						continue
					case "DROP":
						r.verdict = "drop"
						continue
					case "ACCEPT":
						r.verdict = "accept"
						continue
					}
				}
				r.unconditional = false
			default:
				r.unconditional = false
			}
		}
	}
	return r
}

// chainDefault walks a chain's rules and returns the verdict a packet that
// no conditional rule picked out gets, and whether an unconditional accept
// comes first. Unconditional jumps and gotos are followed (a few levels
// deep); a chain that ends without a verdict, or returns some packets
// early, leaves the decision to its caller, and a base chain to its policy.
func chainDefault(lookup func(string) []verdictRule, chain, policy string, depth int) (verdict string, acceptsAll bool) {
	for _, r := range lookup(chain) {
		if !r.unconditional {
			if depth > 0 && r.verdict == "return" {
				// Some packets go back to the calling chain: this
				// chain's final verdict is not every packet's.
				return "", false
			}
			continue
		}
		switch r.verdict {
		case "accept":
			return "accept", true
		case "drop", "reject":
			return r.verdict, false
		case "return":
			return policy, false
		case "jump", "goto":
			if depth >= 8 || r.target == "" {
				continue
			}
			v, all := chainDefault(lookup, r.target, "", depth+1)
			if v != "" || all {
				return v, all
			}
			if r.verdict == "goto" {
				return policy, false
			}
		}
	}
	return policy, false
}
