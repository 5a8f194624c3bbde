package firewall

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
)

func TestClassifyRuleWide(t *testing.T) {
	tests := []struct {
		expr string
		wide string // "" when the rule narrows
	}{
		{`[{"match": {"op": "!=", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"accept": null}]`, `iifname != "lo" accept`},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": {"set": ["tcp", "udp"]}}}, {"accept": null}]`, "l4proto { tcp, udp } accept"},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"counter": null}, {"accept": null}]`, "l4proto { tcp } accept"},
		{`[{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "new"}}, {"accept": null}]`, "ct state new accept"},
		{`[{"match": {"op": "!=", "left": {"ct": {"key": "state"}}, "right": "invalid"}}, {"accept": null}]`, "ct state != invalid accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "0.0.0.0", "len": 0}}}}, {"accept": null}]`, "ip saddr 0.0.0.0/0 accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "::", "len": 0}}}}, {"accept": null}]`, "ip6 saddr ::/0 accept"},
		// Narrowing rules.
		{`[{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "iif"}}, "right": "lo"}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": {"set": ["icmp", "ipv6-icmp"]}}}, {"accept": null}]`, ""},
		// A whole local network is every device on the network the
		// computer is on (a café's Wi-Fi uses these addresses too); a
		// host, a few hosts or a public network narrow.
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "192.168.1.0", "len": 24}}}}, {"accept": null}]`, "ip saddr 192.168.1.0/24 (a whole local network) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"set": [{"prefix": {"addr": "10.0.0.0", "len": 8}}, {"prefix": {"addr": "192.168.0.0", "len": 16}}]}}}, {"accept": null}]`, "ip saddr { 10.0.0.0/8, 192.168.0.0/16 } (a whole local network) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"range": ["192.168.1.1", "192.168.1.254"]}}}, {"accept": null}]`, "ip saddr 192.168.1.1-192.168.1.254 (a whole local network) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "fe80::", "len": 10}}}}, {"accept": null}]`, "ip6 saddr fe80::/10 (a whole local network) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "fd00::", "len": 8}}}}, {"accept": null}]`, "ip6 saddr fd00::/8 (a whole local network) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "192.168.1.0", "len": 24}}}}, {"accept": null}]`, "ip daddr 192.168.1.0/24 (this computer's own address) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "192.168.1.10"}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "192.168.1.16", "len": 28}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"range": ["192.168.1.10", "192.168.1.20"]}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"range": ["192.168.0.255", "192.168.1.0"]}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "203.0.113.0", "len": 24}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "224.0.0.251"}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "<", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 1024}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "2001:db8::", "len": 32}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "198.51.100.0", "len": 24}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "fe80::1", "len": 128}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "192.168.1.0", "len": 24}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 445}}, {"accept": null}]`, ""},
		// Every port, every unmarked packet, every packet for this host:
		// wide (all taken from nft -j list ruleset).
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"range": [1, 65535]}}}, {"accept": null}]`, "tcp dport 1-65535 accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "th", "field": "dport"}}, "right": {"set": [{"range": [0, 1023]}, {"range": [1024, 65535]}]}}}, {"accept": null}]`, "th dport { 0-1023, 1024-65535 } accept"},
		{`[{"match": {"op": "!=", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]`, "tcp dport != 22 accept"},
		// In an input chain the destination is this computer: its own
		// address picks out no sender; multicast and loopback do.
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "203.0.113.7"}}, {"accept": null}]`, "ip daddr 203.0.113.7 (this computer's own address) accept"},
		// Every IPv6 address on the Internet, a café's devices' among them.
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "2000::", "len": 3}}}}, {"accept": null}]`, "ip6 saddr 2000::/3 (a large part of the Internet) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "64.0.0.0", "len": 2}}}}, {"accept": null}]`, "ip saddr 64.0.0.0/2 (a large part of the Internet) accept"},
		// A comparison with a port is the range it matches.
		{`[{"match": {"op": ">=", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 1024}}, {"accept": null}]`, "tcp dport >= 1024 (thousands of ports) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"set": ["224.0.0.251", "192.168.1.20"]}}}, {"accept": null}]`, "ip daddr { 224.0.0.251, 192.168.1.20 } (this computer's own address) accept"},
		// A source port narrows nothing: the sender picks it.
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "sport"}}, "right": 53}}, {"accept": null}]`, "udp sport 53 (a source port, which the sender chooses) accept"},
		// Every port but one, and every port above 1024 (Fedora
		// Workstation's firewalld zone): open to whatever program runs.
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"range": [2, 65535]}}}, {"accept": null}]`, "tcp dport 2-65535 (thousands of ports) accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": {"range": [1025, 65535]}}}, {"accept": null}]`, "udp dport 1025-65535 (thousands of ports) accept"},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 0}}, {"accept": null}]`, "meta mark 0 accept"},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "pkttype"}}, "right": "host"}}, {"accept": null}]`, "meta pkttype host accept"},
		{`[{"match": {"op": "==", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"accept": null}]`, "fib daddr type local accept"},
		{`[{"match": {"op": "!=", "left": {"meta": {"key": "iifname"}}, "right": "eth0"}}, {"accept": null}]`, `iifname != "eth0" accept`},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"jump": {"target": "allowall"}}]`, "l4proto { tcp } jump allowall"},
		// A rate limit or a mark set narrows nothing.
		{`[{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "new"}}, {"limit": {"rate": 10, "burst": 5, "per": "second"}}, {"accept": null}]`, "ct state new limit rate 10/second accept"},
		// A drop under a rate, a quota or a per-source meter drops only
		// some packets: it is no unconditional drop.
		{`[{"limit": {"rate": 10, "burst": 5, "per": "second", "inv": true}}, {"drop": null}]`, "limit rate over 10/second drop"},
		{`[{"quota": {"val": 100, "val_unit": "mbytes", "inv": true}}, {"drop": null}]`, "quota over 100 mbytes drop"},
		{`[{"meter": {"key": {"payload": {"protocol": "ip", "field": "saddr"}}, "stmt": {"limit": {"rate": 10, "burst": 5, "per": "second", "inv": true}}, "size": 65535, "name": "m"}}, {"drop": null}]`, "meter m { … } drop"},
		{`[{"set": {"op": "update", "elem": {"payload": {"protocol": "ip", "field": "saddr"}}, "set": "@s", "stmt": [{"limit": {"rate": 10, "burst": 5, "per": "second", "inv": true}}]}}, {"drop": null}]`, "update @s { … } drop"},
		// Narrowing.
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, {"range": [1000, 2000]}]}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"range": [1714, 1764]}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "224.0.0.251"}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "<", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 1024}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "2001:db8::", "len": 32}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "198.51.100.0", "len": 24}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "daddr"}}, "right": {"prefix": {"addr": "ff02::", "len": 16}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "127.0.0.0", "len": 8}}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "sport"}}, "right": 67}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 68}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 5}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "oifname"}}, "right": "eth0"}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "==", "left": {"concat": [{"payload": {"protocol": "ip", "field": "saddr"}}, {"payload": {"protocol": "tcp", "field": "dport"}}]}, "right": {"set": [{"concat": ["10.0.0.1", 22]}]}}}, {"accept": null}]`, ""},
		{`[{"match": {"op": "in", "left": {"payload": {"protocol": "tcp", "field": "flags"}}, "right": "syn"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}}, {"accept": null}]`, ""},
	}
	for _, tc := range tests {
		var expr []json.RawMessage
		if err := json.Unmarshal([]byte(tc.expr), &expr); err != nil {
			t.Fatal(err)
		}
		if got := classifyRule(expr, noSets, false)[0].wide; got != tc.wide {
			t.Errorf("%s: wide %q, want %q", tc.expr, got, tc.wide)
		}
	}
}

// TestClassifyRuleUnsure: a rule that no condition narrows but one cannot
// be judged from the ruleset is unsure, never wide or narrowing.
func TestClassifyRuleUnsure(t *testing.T) {
	tests := []struct{ expr, unsure string }{
		{`[{"match": {"op": "in", "left": {"payload": {"protocol": "tcp", "field": "flags"}}, "right": "syn"}}, {"accept": null}]`, "tcp flags syn accept"},
		{`[{"match": {"op": "==", "left": {"&": [{"payload": {"protocol": "tcp", "field": "flags"}}, ["fin", "syn", "rst", "ack"]]}, "right": "syn"}}, {"accept": null}]`, "an expression syn accept"},
		{`[{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@unlisted"}}, {"accept": null}]`, "tcp dport ? accept"},
		{`[{"match": {"op": ">=", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "10.0.0.1"}}, {"accept": null}]`, "ip saddr >= 10.0.0.1 accept"},
		{`[{"queue": {"num": 0}}]`, "queue (a program decides)"},
		{`[{"vmap": {"key": {"meta": {"key": "l4proto"}}, "data": "@unlisted"}}]`, "vmap @unlisted accept"},
		{`[{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "wlan0"}}, {"match": {"op": "in", "left": {"payload": {"protocol": "tcp", "field": "flags"}}, "right": "syn"}}, {"accept": null}]`, `iifname "wlan0" tcp flags syn accept`},
	}
	for _, tc := range tests {
		var expr []json.RawMessage
		if err := json.Unmarshal([]byte(tc.expr), &expr); err != nil {
			t.Fatal(err)
		}
		r := classifyRule(expr, noSets, false)[0]
		if r.unsure != tc.unsure || r.wide != "" || r.unconditional || len(r.ifaces) > 0 {
			t.Errorf("%s: %+v, want unsure %q", tc.expr, r, tc.unsure)
		}
	}
}

// TestVerdictMapRules: a verdict map is one rule an element, named maps
// and sets looked up in the rule's table.
func TestVerdictMapRules(t *testing.T) {
	doc := `{"nftables": [{"table": {"family": "inet", "name": "f", "handle": 1}},
	{"set": {"family": "inet", "name": "few", "table": "f", "type": "inet_service", "handle": 4, "elem": [22, 443]}},
	{"map": {"family": "inet", "name": "vm", "table": "f", "type": "inet_proto", "handle": 5, "map": "verdict", "elem": [["icmp", {"accept": null}]]}},
	{"chain": {"family": "inet", "table": "f", "name": "in", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
	{"rule": {"family": "inet", "table": "f", "chain": "in", "handle": 2, "expr": [{"vmap": {"key": {"ct": {"key": "state"}}, "data": {"set": [["invalid", {"drop": null}], ["established", {"accept": null}], ["related", {"accept": null}]]}}}]}},
	{"rule": {"family": "inet", "table": "f", "chain": "in", "handle": 3, "expr": [{"vmap": {"key": {"meta": {"key": "l4proto"}}, "data": "@vm"}}]}},
	{"rule": {"family": "inet", "table": "f", "chain": "in", "handle": 4, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": "@few"}}, {"accept": null}]}}]}`
	rs, err := parseNftJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !rs.Filtering() || len(rs.InputChains) != 1 || rs.InputChains[0].UnsureRule != "" {
		t.Errorf("ct state vmap, a named verdict map and a named set, all narrowing: want filtering, got %+v", rs.InputChains)
	}
	open := strings.Replace(doc, `["icmp", {"accept": null}]`, `["icmp", {"accept": null}], ["udp", {"accept": null}]`, 1)
	if rs, err = parseNftJSON([]byte(open)); err != nil {
		t.Fatal(err)
	}
	if rs.Filtering() || !rs.InputChains[0].AcceptsAll || rs.InputChains[0].AcceptRule != "l4proto { udp } accept" {
		t.Errorf("udp : accept in the named verdict map: want every UDP packet accepted, got %+v", rs.InputChains)
	}
}

// TestUnsureRuleIsNotFiltering: a chain whose drop comes after a rule
// that may accept everything counts as filtering neither family, and the
// check says unknown, naming the rule.
func TestUnsureRuleIsNotFiltering(t *testing.T) {
	doc := `{"nftables": [{"table": {"family": "inet", "name": "f", "handle": 1}},
	{"chain": {"family": "inet", "table": "f", "name": "in", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
	{"rule": {"family": "inet", "table": "f", "chain": "in", "handle": 2, "expr": [{"match": {"op": "in", "left": {"payload": {"protocol": "tcp", "field": "flags"}}, "right": "syn"}}, {"accept": null}]}}]}`
	rs, err := parseNftJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := rs.InputChains[0]
	if rs.FilteringFamily(iPv4) || rs.FilteringFamily(iPv6) || c.UnsureRule != "tcp flags syn accept" || len(c.UnsureFor) != 2 {
		t.Fatalf("want an unsure chain for both families, got %+v", c)
	}
	f := linuxFacts{InputChains: rs.InputChains, IPv6: iPv6Present, Sources: []source{{Name: "nft", State: stateRead, Filtering: boolPtr(false)}}}
	r := evaluateLinux(f)
	if r.Status != checks.Unknown || !strings.Contains(r.Fix, "tcp flags syn accept") {
		t.Errorf("got %s: %s (fix %q)", r.Status, r.Summary, r.Fix)
	}
}

// TestCoversManyPorts: ports and ranges, in any order, overlapping or
// touching, open to every program (wideRangePorts or more) or to chosen
// services.
func TestCoversManyPorts(t *testing.T) {
	for vals, want := range map[string]bool{
		"1-65535": true, "0-65535": true, "22,1-21,23-65535": true, "1-40000,30000-65535": true,
		"2-65535": true, "1-65534": true, "1-1000,1002-65535": true, // every port but one
		"1025-65535": true, "1025-": true, "1024-49151": true, // Fedora Workstation's zone; iptables' 1025:
		"22": false, "1714-1764": false, "60000-61000": false, "5900-5909,3389": false, "-1024": false,
		"1000-2000,1500-3000,3001-5095": true, "1000-2000,1500-3000,3001-5094": false, // 4,096 ports: the bound
		"ssh": false, "": false,
	} {
		if got := portsCovered(strings.Split(vals, ",")) >= wideRangePorts; got != want {
			t.Errorf("%q: %v, want %v", vals, got, want)
		}
	}
}

// TestIsHugeNetwork: a /8 of IPv4 or a /16 of IPv6, as prefixes or
// ranges, is a large part of the Internet.
func TestIsHugeNetwork(t *testing.T) {
	for v, want := range map[string]bool{
		"0.0.0.0/1": true, "17.0.0.0/8": true, "17.0.0.0/9": false, "2000::/3": true, "2a00::/16": true, "2a00::/17": false,
		"1.0.0.0-1.255.255.255": true, "1.0.0.0-1.255.255.254": false, "2000::-2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff": true,
		"198.51.100.7": false, "junk": false, "9.0.0.0-1.0.0.0": false,
	} {
		if got := isHugeNetwork(v); got != want {
			t.Errorf("isHugeNetwork(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestNfprotoLimitsInetRule(t *testing.T) {
	doc := `{"nftables": [{"table": {"family": "inet", "name": "f", "handle": 1}},
	{"chain": {"family": "inet", "table": "f", "name": "in", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
	{"rule": {"family": "inet", "table": "f", "chain": "in", "handle": 2, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "nfproto"}}, "right": "ipv6"}}, {"accept": null}]}}]}`
	rs, err := parseNftJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !rs.FilteringFamily(iPv4) || rs.FilteringFamily(iPv6) {
		t.Errorf("meta nfproto ipv6 accept: want IPv4 filtered and IPv6 open, got %+v", rs.InputChains)
	}
}

func TestClassifyIptablesRuleWide(t *testing.T) {
	tests := []struct {
		rule string
		wide string
	}{
		{"! -i lo -j ACCEPT", "! -i lo -j ACCEPT"},
		{"-p tcp -j ACCEPT", "-p tcp -j ACCEPT"},
		{"-p udp -m udp -j ACCEPT", "-p udp -j ACCEPT"},
		{"-m conntrack --ctstate NEW -j ACCEPT", "--ctstate NEW -j ACCEPT"},
		{"-s 0.0.0.0/0 -j ACCEPT", "-s 0.0.0.0/0 -j ACCEPT"},
		{"-i + -j ACCEPT", "-i + -j ACCEPT"},
		{"-i lo -j ACCEPT", ""},
		{"-p tcp -m tcp --dport 22 -j ACCEPT", ""},
		{"-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", ""},
		{"-p icmp -j ACCEPT", ""},
		{"-s 192.168.1.0/24 -j ACCEPT", "-s 192.168.1.0/24 (a whole local network) -j ACCEPT"},
		{"-s 192.168.1.10/32 -j ACCEPT", ""},
		{"-s 192.168.1.0/24 -p tcp -m tcp --dport 445 -j ACCEPT", ""},
		// Every port, every packet for this host, every unmarked packet,
		// everything under a rate: wide (as iptables -S prints them).
		{"-p tcp -m tcp --dport 1:65535 -j ACCEPT", "-p tcp --dport 1:65535 -j ACCEPT"},
		{"-p tcp -m multiport --dports 1:65535 -j ACCEPT", "-p tcp --dports 1:65535 -j ACCEPT"},
		{"-p udp -m multiport --dports 0:1023,1024:65535 -j ACCEPT", "-p udp --dports 0:1023,1024:65535 -j ACCEPT"},
		{"-p tcp -m tcp ! --dport 22 -j ACCEPT", "-p tcp ! --dport 22 -j ACCEPT"},
		{"-m addrtype --dst-type LOCAL -j ACCEPT", "--dst-type LOCAL -j ACCEPT"},
		{"-m pkttype --pkt-type unicast -j ACCEPT", "--pkt-type unicast -j ACCEPT"},
		{"-m pkttype --pkt-type host -j ACCEPT", "--pkt-type host -j ACCEPT"},
		{"-m pkttype ! --pkt-type broadcast -j ACCEPT", "! --pkt-type broadcast -j ACCEPT"},
		{"-m mark --mark 0x0 -j ACCEPT", "--mark 0x0 -j ACCEPT"},
		{"! -s 10.0.0.0/8 -j ACCEPT", "! -s 10.0.0.0/8 -j ACCEPT"},
		{"-p tcp -m conntrack --ctstate NEW -m limit --limit 10/sec --limit-burst 20 -j ACCEPT", "-p tcp --ctstate NEW --limit 10/sec -j ACCEPT"},
		{"-m limit --limit 50/sec -j DROP", "--limit 50/sec -j DROP"},
		{"-p tcp -j ufw-user-input", "-p tcp -j ufw-user-input"},
		// Narrowing.
		{"-p tcp -m multiport --dports 22,80,1000:2000 -j ACCEPT", ""},
		{"-m addrtype --dst-type BROADCAST -j ACCEPT", ""},
		{"-m pkttype --pkt-type multicast -j ACCEPT", ""},
		{"-m pkttype ! --pkt-type unicast -j ACCEPT", ""},
		{"-m mark --mark 0x1 -j ACCEPT", ""},
		{"-p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT", ""},
		{"-m conntrack ! --ctstate NEW -j ACCEPT", ""},
	}
	for _, tc := range tests {
		if got, _ := classifyIptablesRule(strings.Fields(tc.rule), ""); got.wide != tc.wide {
			t.Errorf("%q: wide %q, want %q", tc.rule, got.wide, tc.wide)
		}
	}
}

// TestClassifyIptablesRuleUnsure: options not known here, or a packet
// handed to a program, leave an otherwise unnarrowed rule unsure.
func TestClassifyIptablesRuleUnsure(t *testing.T) {
	for rule, want := range map[string]string{
		"-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT": "--tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT",
		"-m recent --rcheck --seconds 60 -j ACCEPT":               "--rcheck --seconds 60 -j ACCEPT",
		"-j NFQUEUE --queue-num 0":                                "-j NFQUEUE --queue-num 0 (a program decides)",
		"-p tcp -m tcp --dport 22 --tcp-flags SYN SYN -j ACCEPT":  "",
	} {
		r, _ := classifyIptablesRule(strings.Fields(rule), "")
		if r.unsure != want || r.wide != "" || r.unconditional {
			t.Errorf("%q: %+v, want unsure %q", rule, r, want)
		}
	}
}

// TestClassifyIptablesEveryOutside: a rule whose conditions every outside
// packet meets (! -i lo, -i +) is unconditional for those packets; one
// every TCP packet, or all but one interface's, meets is not.
func TestClassifyIptablesEveryOutside(t *testing.T) {
	for rule, want := range map[string]bool{
		"! -i lo -j RETURN":                      true,
		"-i + -j DROP":                           true,
		"! -i lo -m comment --comment x -j DROP": true,
		"! -i eth0 -j RETURN":                    false,
		"-p tcp -j RETURN":                       false,
		"! -i lo -p tcp -j RETURN":               false,
		"! -i lo -m limit --limit 5/sec -j DROP": false,
		"-s 0.0.0.0/0 -j DROP":                   false,
	} {
		if r, _ := classifyIptablesRule(strings.Fields(rule), ""); r.everyOutside != want {
			t.Errorf("%q: everyOutside %v, want %v (%+v)", rule, r.everyOutside, want, r)
		}
	}
}

// TestClassifyIptablesUntracked: a rule picking out untracked packets
// (--ctstate or --state UNTRACKED) narrows where nothing is left
// untracked, and is unsure, saying why, where something may be; the
// rule's other conditions still narrow it, and a negated or other state
// picks out no untracked packet.
func TestClassifyIptablesUntracked(t *testing.T) {
	for _, tc := range []struct {
		rule, unsure string
		picks        bool
	}{
		{"-m conntrack --ctstate UNTRACKED -j ACCEPT", "--ctstate UNTRACKED" + notrackNote + " -j ACCEPT", true},
		{"-m state --state RELATED,ESTABLISHED,UNTRACKED -j ACCEPT", "--state RELATED,ESTABLISHED,UNTRACKED" + notrackNote + " -j ACCEPT", true},
		{"-p tcp -m tcp --dport 22 -m conntrack --ctstate UNTRACKED -j ACCEPT", "", true},
		{"-m conntrack ! --ctstate UNTRACKED -j DROP", "", false},
		{"-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "", false},
	} {
		r, picks := classifyIptablesRule(strings.Fields(tc.rule), notrackNote)
		if r.unsure != tc.unsure || picks != tc.picks {
			t.Errorf("%q, some packets untracked: unsure %q, picks untracked %v; want %q, %v", tc.rule, r.unsure, picks, tc.unsure, tc.picks)
		}
		if r, _ := classifyIptablesRule(strings.Fields(tc.rule), ""); r.unsure != "" {
			t.Errorf("%q, nothing untracked: unsure %q", tc.rule, r.unsure)
		}
	}
}

// TestParseIptablesRaw: a raw table leaves packets untracked with a
// CT --notrack or NOTRACK rule, whichever packets it picks out.
func TestParseIptablesRaw(t *testing.T) {
	for out, want := range map[string]bool{
		"-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n":                                                 false,
		"-P PREROUTING ACCEPT\n-A PREROUTING -j CT --notrack\n":                                    true,
		"-P PREROUTING ACCEPT\n-A PREROUTING -p udp -m udp --dport 53 -j NOTRACK\n":                true,
		"-P PREROUTING ACCEPT\n-N helpers\n-A helpers -p tcp -j CT --helper ftp\n":                 false,
		"# Warning: iptables-legacy tables present\n-P OUTPUT ACCEPT\n-A OUTPUT -j CT --notrack\n": true,
	} {
		if got, err := parseIptablesRaw([]byte(out)); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", out, got, err, want)
		}
	}
	if _, err := parseIptablesRaw([]byte("Chain PREROUTING (policy ACCEPT)\n")); !errors.Is(err, errUnrecognised) {
		t.Errorf("iptables -L output: %v, want errUnrecognised", err)
	}
}

func TestPublishedPorts(t *testing.T) {
	// Docker through iptables-nft, as `nft -j list ruleset` shows it
	// (recorded in a network namespace).
	doc := `{"nftables": [{"table": {"family": "ip", "name": "nat", "handle": 1}},
	{"chain": {"family": "ip", "table": "nat", "name": "DOCKER", "handle": 1}},
	{"rule": {"family": "ip", "table": "nat", "chain": "DOCKER", "handle": 4, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "docker0"}}, {"counter": {"packets": 0, "bytes": 0}}, {"return": null}]}},
	{"rule": {"family": "ip", "table": "nat", "chain": "DOCKER", "handle": 5, "expr": [{"match": {"op": "!=", "left": {"meta": {"key": "iifname"}}, "right": "docker0"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 8080}}, {"counter": {"packets": 0, "bytes": 0}}, {"xt": {"type": "target", "name": "DNAT"}}]}},
	{"rule": {"family": "ip", "table": "nat", "chain": "DOCKER", "handle": 6, "expr": [{"match": {"op": "!=", "left": {"meta": {"key": "iifname"}}, "right": "docker0"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "127.0.0.1"}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 5432}}, {"counter": {"packets": 0, "bytes": 0}}, {"xt": {"type": "target", "name": "DNAT"}}]}},
	{"rule": {"family": "inet", "table": "netavark", "chain": "nv_hostport", "handle": 7, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 5353}}, {"dnat": {"family": "ip", "addr": "10.88.0.2", "port": 5353}}]}}]}`
	rs, err := parseNftJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []pubPort{
		{Family: "ip", Proto: "tcp", Port: "8080", EveryAddress: true},
		{Family: "ip", Proto: "tcp", Port: "5432", EveryAddress: false},
		{Family: "inet", Proto: "udp", Port: "5353", EveryAddress: true},
	}
	if len(rs.Published) != len(want) {
		t.Fatalf("published %+v, want %+v", rs.Published, want)
	}
	for i := range want {
		if rs.Published[i] != want[i] {
			t.Errorf("published[%d] = %+v, want %+v", i, rs.Published[i], want[i])
		}
	}
	if got, n := publishedEverywhere(rs.Published); strings.Join(got, ",") != "tcp 8080,udp 5353" || n != 2 {
		t.Errorf("published everywhere %v, %d ports", got, n)
	}
	ranges := []pubPort{{"ip", "tcp", "9000-9002", true}, {"ip6", "tcp", "9000-9002", true}, {"ip", "tcp", "22,80", true}, {"ip", "tcp", "8080", false}, {"ip", "udp", "x", true}}
	if got, n := publishedEverywhere(ranges); strings.Join(got, ",") != "tcp 9000-9002,tcp 22,80,udp x" || n != 6 {
		t.Errorf("published everywhere %v, %d ports; want 6", got, n)
	}
}

func TestScrubIfInet6(t *testing.T) {
	in := []byte("2a0211112222333344445555666677 03 40 00 00 wlp0s20f3\nfe800000000000001a2b3cfffe4d5e6f 03 40 20 80 wlp0s20f3\n00000000000000000000000000000001 01 80 10 80       lo\n")
	out := scrub(ifInet6File, nil, in)
	if strings.Contains(string(out), "1a2b3c") || strings.Contains(string(out), "2a02") {
		t.Errorf("address left in %q", out)
	}
	if state, detail := presenceOf(out); state != iPv6Present || !strings.Contains(detail, "wlp0s20f3") {
		t.Errorf("scrubbed file reads %s %q", state, detail)
	}
	if got := scrub("nft", []string{"-j", "list", "ruleset"}, in); string(got) != string(in) {
		t.Error("Scrub changed a command's output")
	}
}

func TestInterfaceAccepts(t *testing.T) {
	tests := []struct {
		rule   string
		ifaces string
	}{
		{"-i wlp2s0 -j ACCEPT", "wlp2s0"},
		{"-i wl+ -m conntrack --ctstate NEW -j ACCEPT", "wl+"},
		{"-i lo -j ACCEPT", ""},
		{"-i eth0 -p tcp -m tcp --dport 22 -j ACCEPT", ""},
	}
	for _, tc := range tests {
		if r, _ := classifyIptablesRule(strings.Fields(tc.rule), ""); strings.Join(r.ifaces, ",") != tc.ifaces {
			t.Errorf("%q: ifaces %q, want %q", tc.rule, r.ifaces, tc.ifaces)
		}
	}
	f := linuxFacts{Interfaces: []string{"docker0", "enp0s31f6", "lo", "veth1a2b", "wlp0s20f3"}}
	for _, tc := range []struct {
		accepts []string
		open    string
	}{
		{[]string{"docker0", "veth1a2b"}, ""},
		{[]string{"wl*"}, "wlp0s20f3"},
		{[]string{"en+", "docker0"}, "enp0s31f6"},
	} {
		open, known := f.outsideAccepted(tc.accepts)
		if !known || strings.Join(open, ",") != tc.open {
			t.Errorf("accepts on %v: open %v (known %v), want %q", tc.accepts, open, known, tc.open)
		}
	}
	if _, known := (&linuxFacts{}).outsideAccepted([]string{"wlp2s0"}); known {
		t.Error("interfaces unread, yet whether wlp2s0 reaches outside is known")
	}
}

func TestParseIptablesDNAT(t *testing.T) {
	nat := "-P PREROUTING ACCEPT\n-N DOCKER\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n" +
		"-A DOCKER -i docker0 -j RETURN\n" +
		"-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\n" +
		"-A DOCKER -d 127.0.0.1/32 ! -i docker0 -p tcp -m tcp --dport 6379 -j DNAT --to-destination 172.17.0.3:6379\n" +
		"-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n"
	got := parseIptablesDNAT([]byte(nat), "ip")
	want := []pubPort{{Family: "ip", Proto: "tcp", Port: "8080", EveryAddress: true}, {Family: "ip", Proto: "tcp", Port: "6379"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestNatUnreadIsWarn(t *testing.T) {
	yes := true
	f := linuxFacts{
		Sources:  []source{{Name: "nft", State: stateNotInstalled}, {Name: "iptables", State: stateRead, Filtering: &yes}, {Name: "ip6tables", State: stateRead, Filtering: &yes}},
		NatError: []string{"iptables -t nat -S: access denied"},
	}
	if r := evaluateLinux(f); r.Status != "warn" || !strings.Contains(r.Fix, "containers") {
		t.Errorf("nat unread: %s %q", r.Status, r.Fix)
	}
}

// TestDormantTables: a dormant table's chains filter nothing. nft 1.0.6
// (Debian 12) prints a table's flags in JSON as stray text, so the text
// listing says which tables are dormant; without it, such a table's
// chains are unsure. Real output of nft 1.0.6 in a network namespace.
func TestDormantTables(t *testing.T) {
	for raw, want := range map[string][2]bool{
		``: {false, true}, `"dormant"`: {true, true}, `["dormant", "owner"]`: {true, true}, `"owner"`: {false, true},
		`"f"`: {false, false}, `"Lester Gooch #5"`: {false, false},
	} {
		if dormant, known := tableFlags(json.RawMessage(raw)); dormant != want[0] || known != want[1] {
			t.Errorf("flags %s: dormant %v known %v, want %v", raw, dormant, known, want)
		}
	}
	for _, tc := range []struct {
		name      string
		filtering bool
	}{{"dormant_only_nft106", false}, {"dormant_table_nft106", true}} {
		doc := checktest.ReadParserData(t, "nft/"+tc.name+".json")
		rs, err := parseNftJSON(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rs.FlagsUnread, "inet f") || rs.InputChains[0].UnsureRule == "" || rs.InputChains[0].Dormant {
			t.Errorf("%s without the text listing: %+v, flags unread %v", tc.name, rs.InputChains, rs.FlagsUnread)
		}
		flags := tableFlagsFromText(checktest.ReadParserData(t, "nft/"+tc.name+".txt"))
		if !slices.Equal(flags["inet f"], []string{"dormant"}) || flags["inet g"] != nil {
			t.Errorf("%s: flags from the text listing %v", tc.name, flags)
		}
		if rs, err = parseNftJSONWith(doc, flags, false); err != nil {
			t.Fatal(err)
		}
		if !rs.InputChains[0].Dormant || len(rs.InputChains[0].Filters) > 0 || rs.Filtering() != tc.filtering {
			t.Errorf("%s with the text listing: %+v", tc.name, rs.InputChains)
		}
		if tc.filtering {
			continue
		}
		f := linuxFacts{InputChains: rs.InputChains, IPv6: iPv6Present, Sources: []source{{Name: "nft", State: stateRead, Filtering: boolPtr(false)}}}
		if r := evaluateLinux(f); r.Status != checks.Fail || !strings.Contains(r.Summary, "inet f is dormant") {
			t.Errorf("%s: %s %q", tc.name, r.Status, r.Summary)
		}
	}
}

// TestUnreadFlagsNotLeftToIptables: when a table's flags are unread, its
// chains' doubt is not one iptables -S may settle, even if the rest of
// the doubt is an iptables-nft compat match (iptables lists a dormant
// table's rules as if they ran).
func TestUnreadFlagsNotLeftToIptables(t *testing.T) {
	doc := `{"nftables": [{"table": {"family": "ip", "name": "filter", "handle": 1, "flags": "f"}},
	{"chain": {"family": "ip", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
	{"rule": {"family": "ip", "table": "filter", "chain": "INPUT", "handle": 2, "expr": [{"xt": {"type": "match", "name": "conntrack"}}, {"accept": null}]}}]}`
	rs, err := parseNftJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if c := rs.InputChains[0]; len(c.UnsureFor) != 1 || c.UnsureIptables {
		t.Errorf("flags unread and an xt match: %+v, want unsure and not left to iptables", c)
	}
}
