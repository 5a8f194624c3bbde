package firewall_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/firewall"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/internal/netnstest"
)

// childEnv marks the re-executed test binary running inside a fresh network
// namespace; its value is the path of the liveSetup (JSON) to apply.
const childEnv = "SESSIONGUARD_FIREWALL_NETNS_CHILD"

const statusPrefix = "FIREWALL_STATUS="

// liveSetup is what the child applies before it runs the check.
type liveSetup struct {
	// Rules is an nft ruleset loaded with nft -f ("" for none).
	Rules string `json:"rules"`
	// Commands run in order (iptables, ip6tables, ip).
	Commands [][]string `json:"commands"`
}

// ipv6Link gives the namespace an IPv6 address outside loopback (a new
// namespace has only lo, down): one end of a veth pair, so the computer
// "has IPv6" and an unfiltered IPv6 is a real opening.
var ipv6Link = [][]string{
	{"ip", "link", "add", "sg0", "type", "veth", "peer", "name", "sg1"},
	{"ip", "link", "set", "sg0", "up"},
	{"ip", "-6", "addr", "add", "fd00:5e55::1/64", "dev", "sg0", "nodad"},
}

// inputRules is an inet table whose input chain drops what its rules do
// not accept, beside a chain "allowall" that accepts everything.
func inputRules(rules ...string) liveSetup {
	return liveSetup{Rules: "table inet f {\n\tchain allowall {\n\t\taccept\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\t" +
		strings.Join(rules, "\n\t\t") + "\n\t}\n}\n"}
}

// firewalldZones is firewalld's shape (1.x, nftables): filter_INPUT
// jumps to filter_INPUT_ZONES, which sends packets arriving on iface by
// goto to the public zone (ssh only) and everything else to the default
// zone (filter_IN_public or filter_IN_trusted), then rejects what comes
// back.
func firewalldZones(iface, defaultZone string) string {
	return "table inet fw {\n\tchain filter_IN_public {\n\t\ttcp dport 22 accept\n\t}\n\tchain filter_IN_trusted {\n\t\taccept\n\t}\n" +
		"\tchain filter_INPUT_ZONES {\n\t\tiifname \"" + iface + "\" goto filter_IN_public\n\t\tgoto " + defaultZone + "\n\t}\n" +
		"\tchain filter_INPUT {\n\t\ttype filter hook input priority 10; policy accept;\n\t\tct state established,related accept\n\t\tiifname \"lo\" accept\n\t\tjump filter_INPUT_ZONES\n\t\treject with icmpx admin-prohibited\n\t}\n}\n"
}

// tailscaleInput is what tailscaled (iptables mode) adds in front of a
// filtering INPUT chain, with its tunnel: its ts-input chain returns the
// ChromeOS VM range, drops the rest of its address range arriving on
// other interfaces, and accepts everything arriving over the tunnel.
func tailscaleInput(cmd, own, chromeOS, cgnat string) [][]string {
	return [][]string{
		{cmd, "-N", "ts-input"},
		{cmd, "-A", "ts-input", "-s", own, "-i", "lo", "-j", "ACCEPT"},
		{cmd, "-A", "ts-input", "-s", chromeOS, "!", "-i", "tailscale0", "-j", "RETURN"},
		{cmd, "-A", "ts-input", "-s", cgnat, "!", "-i", "tailscale0", "-j", "DROP"},
		{cmd, "-A", "ts-input", "-i", "tailscale0", "-j", "ACCEPT"},
		{cmd, "-A", "ts-input", "-p", "udp", "-m", "udp", "--dport", "41641", "-j", "ACCEPT"},
		{cmd, "-I", "INPUT", "1", "-j", "ts-input"},
	}
}

// tailscaleRules are tailscaleInput for IPv4 and IPv6, with tailscaled's
// address ranges.
var tailscaleRules = concat(tailscaleInput("iptables", "100.101.102.103", "100.115.92.0/23", "100.64.0.0/10"),
	tailscaleInput("ip6tables", "fd7a:115c:a1e0::1", "fd7a:115c:a1e0:ab12::/64", "fd7a:115c:a1e0::/48"))

// tailscaleLink is a tunnel (tun) named as Tailscale's, up.
var tailscaleLink = [][]string{{"ip", "tuntap", "add", "tailscale0", "mode", "tun"}, {"ip", "link", "set", "tailscale0", "up"}}

func iptablesDrop(cmd string) [][]string {
	return [][]string{
		{cmd, "-P", "INPUT", "DROP"},
		{cmd, "-A", "INPUT", "-i", "lo", "-j", "ACCEPT"},
		{cmd, "-A", "INPUT", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
		{cmd, "-A", "INPUT", "-p", "tcp", "-m", "tcp", "--dport", "22", "-j", "ACCEPT"},
	}
}

func concat(lists ...[][]string) [][]string {
	var out [][]string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestLiveNetns runs the check against real nftables and iptables rules,
// each set loaded in a network namespace of its own (unshare -n), so the
// host's ruleset is never touched.
func TestLiveNetns(t *testing.T) {
	unshare := netnstest.Unshare(t, "the test loads nftables and iptables rules in a network namespace it creates with unshare -n")
	live := live.New()
	if _, err := live.Resolve(probe.CmdNft); err != nil {
		t.Skipf("nft is not installed (apt install nftables): %v", err)
	}
	const (
		inetDrop = "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t}\n}\n"
		ipDrop   = "table ip filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t}\n}\n"
		ip6Drop  = "table ip6 filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t}\n}\n"
	)
	tests := []struct {
		name  string
		setup liveSetup
		// needs are commands the setup runs besides nft.
		needs []string
		want  checks.Status
		// ports, for a warn about published ports, are ports the
		// summary must list ("tcp 8080"); it may list others, but
		// none twice. portCount, when set, is how many it must say
		// they are (a range is each of its ports).
		ports     []string
		portCount int
	}{
		{name: "empty ruleset", setup: liveSetup{Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		{name: "input policy drop", setup: liveSetup{Rules: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n"}, want: checks.Pass},
		{name: "input policy accept, no rules", setup: liveSetup{Rules: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n"}, want: checks.Fail},
		{name: "accept policy ending in reject", setup: liveSetup{Rules: "table inet fw {\n\tchain in {\n\t\ttype filter hook input priority 10; policy accept;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t\treject with icmpx admin-prohibited\n\t}\n}\n"}, want: checks.Pass},
		{name: "drop on output only", setup: liveSetup{Rules: "table ip filter {\n\tchain output {\n\t\ttype filter hook output priority 0; policy drop;\n\t}\n}\n", Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		{name: "ip-only drop, IPv6 open", setup: liveSetup{Rules: ipDrop, Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		{name: "ip-only drop, no IPv6 address", setup: liveSetup{Rules: ipDrop}, want: checks.Pass},
		{name: "inet drop, IPv6 present", setup: liveSetup{Rules: inetDrop, Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Pass},
		{name: "ip and ip6 drop, IPv6 present", setup: liveSetup{Rules: ipDrop + ip6Drop, Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Pass},
		{name: "drop policy then iifname != lo accept", setup: liveSetup{Rules: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tiif \"lo\" accept\n\t\tiifname != \"lo\" accept\n\t}\n}\n", Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		{name: "drop policy, everything accepted on the uplink", setup: liveSetup{Rules: "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tiif \"lo\" accept\n\t\tiifname \"sg0\" accept\n\t}\n}\n", Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		// Rules that let everything in through what the check once took
		// for narrowing conditions, and their narrowing look-alikes.
		{name: "every port accepted", setup: inputRules("tcp dport 1-65535 accept", "udp dport 0-65535 accept"), want: checks.Fail},
		{name: "every port accepted, two protocols at once", setup: inputRules("meta l4proto { tcp, udp } th dport 0-65535 accept"), want: checks.Fail},
		{name: "every port accepted through a named set", setup: liveSetup{Rules: "table inet f {\n\tset ports {\n\t\ttype inet_service; flags interval;\n\t\telements = { 1-65535 }\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\ttcp dport @ports accept\n\t}\n}\n"}, want: checks.Fail},
		// Fedora Workstation's firewalld zone: ssh, and every port above 1024.
		{name: "every port above 1024 accepted", setup: inputRules("tcp dport 22 accept", "udp dport 1025-65535 accept", "tcp dport 1025-65535 accept"), want: checks.Fail},
		{name: "everything for this computer's own address accepted", setup: inputRules("ip daddr 10.254.0.1 accept", "ip6 daddr fd00:5e5::1 accept"), want: checks.Fail},
		{name: "mDNS multicast accepted", setup: inputRules("ip daddr 224.0.0.251 accept", "ip6 daddr ff02::fb accept"), want: checks.Pass},
		{name: "every IPv6 address on the Internet accepted", setup: inputRules("ip6 saddr 2000::/3 accept"), want: checks.Fail},
		{name: "one company's IPv6 network accepted", setup: inputRules("ip6 saddr 2001:db8::/32 tcp dport 22 accept", "ip6 saddr 2001:db8::/32 accept"), want: checks.Pass},
		{name: "whatever comes from port 53 accepted", setup: inputRules("udp sport 53 accept"), want: checks.Fail},
		{name: "DHCP answers: from port 67 to port 68", setup: inputRules("udp sport 67 udp dport 68 accept"), want: checks.Pass},
		{name: "every port from 1024 up accepted by a comparison", setup: inputRules("tcp dport >= 1024 accept"), want: checks.Fail},
		{name: "a service's own port range accepted", setup: inputRules("tcp dport 1714-1764 accept", "udp dport 1714-1764 accept"), want: checks.Pass},
		{name: "two ports accepted through a named set", setup: liveSetup{Rules: "table inet f {\n\tset few {\n\t\ttype inet_service;\n\t\telements = { 22, 443 }\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\ttcp dport @few accept\n\t}\n}\n"}, want: checks.Pass},
		{name: "verdict map sends TCP and UDP to an accepting chain", setup: inputRules("meta l4proto vmap { tcp : goto allowall, udp : goto allowall }"), want: checks.Fail},
		{name: "TCP jumps to an accepting chain", setup: inputRules("meta l4proto tcp jump allowall"), want: checks.Fail},
		{name: "ct state verdict map, lo and ssh", setup: inputRules("ct state vmap { established : accept, related : accept, invalid : drop }", "iif lo accept", "tcp dport 22 accept"), want: checks.Pass},
		{name: "every unmarked packet accepted", setup: inputRules("meta mark 0 accept"), want: checks.Fail},
		{name: "every packet for this computer accepted", setup: inputRules("fib daddr type local accept"), want: checks.Fail},
		{name: "a rate limit accepts everything under it", setup: inputRules("limit rate 10/second accept"), want: checks.Fail},
		// A drop under a rate limit, a quota or a meter drops only some
		// packets; the rest go on to the policy or the next rule.
		{name: "accept policy, a rate-limited drop last", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tct state established,related accept\n\t\tiif \"lo\" accept\n\t\tlimit rate over 100/second drop\n\t}\n}\n"}, want: checks.Fail},
		{name: "accept policy, a drop over a quota last", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tquota over 100 mbytes drop\n\t}\n}\n"}, want: checks.Fail},
		{name: "a per-source meter's drop, then accept", setup: inputRules("meter flood { ip saddr limit rate over 10/second } drop", "accept"), want: checks.Fail},
		{name: "everything from a whole local network accepted", setup: inputRules("ip saddr 192.168.0.0/16 accept", "ip6 saddr fe80::/10 accept"), want: checks.Fail},
		{name: "one host of the local network accepted", setup: inputRules("ip saddr 192.168.1.10 accept", "ip saddr 192.168.1.0/24 tcp dport 445 accept"), want: checks.Pass},
		// A base chain's return, or the end of a chain reached by goto,
		// hands the packet to the chain's policy.
		{name: "accept policy, every outside packet returned before the drop", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tiif \"lo\" accept\n\t\tiifname != \"lo\" return\n\t\tdrop\n\t}\n}\n"}, want: checks.Fail},
		{name: "accept policy, TCP and UDP sent by goto to a chain without a verdict", setup: liveSetup{Rules: "table inet f {\n\tchain services {\n\t\ttcp dport 22 accept\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tmeta l4proto { tcp, udp } goto services\n\t\tdrop\n\t}\n}\n"}, want: checks.Fail},
		// firewalld's zones: a goto that ends without a verdict in a
		// chain jumped to goes back to the base chain; the default zone's
		// goto after it still counts.
		{name: "firewalld zones, an interface in public, the default zone trusted", setup: liveSetup{Rules: firewalldZones("sg1", "filter_IN_trusted")}, want: checks.Fail},
		{name: "firewalld zones, an interface and the default zone public", setup: liveSetup{Rules: firewalldZones("sg1", "filter_IN_public")}, want: checks.Pass},
		{name: "drop policy, every outside packet returned", setup: inputRules("tcp dport 22 accept", "iifname != \"lo\" return"), want: checks.Pass},
		// A chain jumped to that returns some packets goes on with the
		// rest.
		{name: "a chain that returns port 22 and accepts the rest", setup: liveSetup{Rules: "table inet f {\n\tchain allbut22 {\n\t\ttcp dport 22 return\n\t\taccept\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tjump allbut22\n\t}\n}\n"}, want: checks.Fail},
		{name: "a chain that returns port 22 and drops the rest", setup: liveSetup{Rules: "table inet f {\n\tchain only22 {\n\t\ttcp dport 22 return\n\t\tdrop\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tjump only22\n\t\taccept\n\t}\n}\n"}, want: checks.Pass},
		{name: "a chain that returns a local network and accepts the rest", setup: liveSetup{Rules: "table inet f {\n\tchain notlan {\n\t\tip saddr 10.0.0.0/8 return\n\t\taccept\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tjump notlan\n\t}\n}\n"}, want: checks.Fail},
		{name: "a chain that returns an interface's packets and accepts the rest", setup: liveSetup{Rules: "table inet f {\n\tchain notsg1 {\n\t\tiifname \"sg1\" return\n\t\taccept\n\t}\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tjump notsg1\n\t}\n}\n"}, want: checks.Fail},
		// Untracked packets are those a notrack rule leaves so: without
		// one, none arrive; behind one that untracks everything, every
		// new connection is untracked.
		{name: "untracked packets accepted, nothing untracked", setup: inputRules("ct state established,related accept", "ct state untracked accept"), want: checks.Pass},
		// iptables-legacy's raw table never shows in nft.
		{name: "untracked packets accepted, iptables-legacy's raw table untracks everything", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\tct state untracked accept\n\t}\n}\n",
			Commands: [][]string{{"iptables-legacy", "-t", "raw", "-A", "PREROUTING", "-j", "CT", "--notrack"}}}, needs: []string{"iptables-legacy"}, want: checks.Unknown},
		{name: "untracked packets accepted, iptables-legacy's raw table untracks nothing", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\tct state untracked accept\n\t}\n}\n",
			Commands: [][]string{{"iptables-legacy", "-t", "raw", "-S"}}}, needs: []string{"iptables-legacy"}, want: checks.Pass},
		{name: "untracked packets accepted, everything untracked", setup: liveSetup{Rules: "table inet raw {\n\tchain pre {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t\tnotrack\n\t}\n}\n" +
			"table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established,related accept\n\t\tct state untracked accept\n\t}\n}\n"}, want: checks.Unknown},
		{name: "TCP flags cannot be judged", setup: inputRules("tcp flags syn accept"), want: checks.Unknown},
		{name: "TCP flags and a port", setup: inputRules("tcp flags syn tcp dport 22 accept"), want: checks.Pass},
		// A dormant table's chains do not run (nft 1.0.6 garbles the flag
		// in JSON: the check reads the text listing).
		{name: "the filtering table is dormant", setup: liveSetup{Rules: "table inet f {\n\tflags dormant\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n"}, want: checks.Fail},
		{name: "a dormant table beside a filtering one", setup: liveSetup{Rules: "table inet f {\n\tflags dormant\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t}\n}\n" + inetDrop}, want: checks.Pass},
		{name: "iptables drop, ip6tables accept", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"))}, needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables and ip6tables drop", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"))}, needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Pass},
		// A rule every outside packet meets (an input interface other
		// than lo) is, for those packets, unconditional: its return hands
		// them all back, its drop drops them all. One that every TCP
		// packet, or every packet but one interface's, meets is not.
		{name: "jumped chain returns every outside packet, then accepts (loopback only)", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tjump lo_only\n\t}\n\tchain lo_only {\n\t\tiifname != \"lo\" return\n\t\taccept\n\t}\n}\n"}, want: checks.Pass},
		{name: "policy accept, everything but loopback dropped", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tct state established,related accept\n\t\tiifname != \"lo\" drop\n\t}\n}\n"}, want: checks.Pass},
		{name: "jumped chain returns all but one uplink's packets, then accepts", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tjump c\n\t}\n\tchain c {\n\t\tiifname != \"sg0\" return\n\t\taccept\n\t}\n}\n", Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		{name: "jumped chain returns every TCP packet, then accepts", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tjump c\n\t}\n\tchain c {\n\t\tmeta l4proto tcp return\n\t\taccept\n\t}\n}\n"}, want: checks.Fail},
		{name: "policy accept, outside IPv4 dropped only", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tmeta nfproto ipv4 iifname != \"lo\" drop\n\t}\n}\n", Commands: ipv6Link}, needs: []string{"ip"}, want: checks.Fail},
		{name: "policy accept, outside packets over a rate dropped", setup: liveSetup{Rules: "table inet f {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\tiifname != \"lo\" limit rate over 10/second drop\n\t}\n}\n"}, want: checks.Fail},
		{name: "iptables jumped chain returns ! -i lo, then accepts", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("ip6tables"), [][]string{{"iptables", "-P", "INPUT", "DROP"}, {"iptables", "-N", "LO_ONLY"},
			{"iptables", "-A", "INPUT", "-j", "LO_ONLY"}, {"iptables", "-A", "LO_ONLY", "!", "-i", "lo", "-j", "RETURN"}, {"iptables", "-A", "LO_ONLY", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Pass},
		{name: "iptables jumped chain returns ! -i sg0, then accepts", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("ip6tables"), [][]string{{"iptables", "-P", "INPUT", "DROP"}, {"iptables", "-N", "C"},
			{"iptables", "-A", "INPUT", "-j", "C"}, {"iptables", "-A", "C", "!", "-i", "sg0", "-j", "RETURN"}, {"iptables", "-A", "C", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		// Rules loaded with iptables-legacy, which iptables-nft only warns
		// of: read with iptables-legacy -S.
		{name: "iptables-legacy drop, behind iptables-nft's warning", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables-legacy"), iptablesDrop("ip6tables-legacy"))},
			needs: []string{"ip", "iptables-legacy", "ip6tables-legacy"}, want: checks.Pass},
		{name: "iptables-legacy drop, then everything accepted", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables-legacy"), iptablesDrop("ip6tables-legacy"),
			[][]string{{"iptables-legacy", "-A", "INPUT", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables-legacy", "ip6tables-legacy"}, want: checks.Fail},
		{name: "iptables-legacy drop for IPv4 only", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables-legacy"))},
			needs: []string{"ip", "iptables-legacy"}, want: checks.Fail},
		{name: "iptables-legacy drop, untracked accepted, legacy raw untracks everything", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables-legacy"), iptablesDrop("ip6tables-legacy"),
			[][]string{{"iptables-legacy", "-A", "INPUT", "-m", "conntrack", "--ctstate", "UNTRACKED", "-j", "ACCEPT"}, {"iptables-legacy", "-t", "raw", "-A", "PREROUTING", "-j", "CT", "--notrack"}})},
			needs: []string{"ip", "iptables-legacy", "ip6tables-legacy"}, want: checks.Unknown},
		// Tailscale in front of a filtering INPUT: everything arriving
		// over its tunnel is let in, and who may send it is set by the
		// tailnet's access controls, which the check cannot read.
		{name: "tailscale's ts-input before an iptables drop", setup: liveSetup{Commands: concat(ipv6Link, tailscaleLink, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			tailscaleRules)},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Warn},
		{name: "tailscale's ts-input before an iptables drop, and a port Podman publishes", setup: liveSetup{Commands: concat(ipv6Link, tailscaleLink, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			tailscaleRules, netavarkIptables("iptables", netavarkHash, podman4, web))},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Warn, ports: []string{"tcp 8080"}, portCount: 1},
		{name: "tailscale's ts-input, and an nftables chain that drops what arrives over it too", setup: liveSetup{Rules: inetDrop, Commands: concat(ipv6Link, tailscaleLink, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			tailscaleRules)},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Pass},
		{name: "tailscale's ts-input, and everything accepted on the uplink too", setup: liveSetup{Commands: concat(ipv6Link, tailscaleLink, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-i", "sg0", "-j", "ACCEPT"}},
			tailscaleRules)},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables drop, every port accepted through multiport", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "1:65535", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables drop, every port above 1024 accepted (open-ended range)", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"ip6tables", "-A", "INPUT", "-p", "udp", "--dport", "1025:", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables drop, whatever comes from port 80 accepted", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-p", "tcp", "--sport", "80", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables drop, everything for this computer accepted", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"ip6tables", "-A", "INPUT", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables drop, everything from the local network accepted", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-s", "192.168.1.0/24", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables drop, TCP flags cannot be judged", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-p", "tcp", "--tcp-flags", "SYN,RST,ACK", "SYN", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Unknown},
		// Read by iptables -S, which does not show the raw table: a
		// rule there may leave every packet untracked.
		{name: "iptables drop, untracked accepted, nothing untracked", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "UNTRACKED", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Pass},
		{name: "iptables drop, untracked accepted, everything untracked", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-m", "conntrack", "--ctstate", "UNTRACKED", "-j", "ACCEPT"}, {"iptables", "-t", "raw", "-A", "PREROUTING", "-j", "CT", "--notrack"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Unknown},
		{name: "ip6tables drop, untracked accepted by state, everything untracked", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"ip6tables", "-A", "INPUT", "-m", "state", "--state", "UNTRACKED", "-j", "ACCEPT"}, {"ip6tables", "-t", "raw", "-A", "PREROUTING", "-j", "NOTRACK"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Unknown},
		{name: "iptables drop, ports through multiport", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "22,443", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Pass},
		{name: "iptables accept policy, TCP returned before the drop", setup: liveSetup{Commands: concat(ipv6Link,
			[][]string{{"iptables", "-A", "INPUT", "-p", "tcp", "-j", "RETURN"}, {"iptables", "-A", "INPUT", "-j", "DROP"}}, iptablesDrop("ip6tables"))},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		{name: "iptables accept policy, a rate-limited drop last", setup: liveSetup{Commands: concat(ipv6Link,
			[][]string{{"iptables", "-A", "INPUT", "-m", "limit", "--limit", "50/sec", "-j", "DROP"}, {"ip6tables", "-A", "INPUT", "-m", "limit", "--limit", "50/sec", "-j", "DROP"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
		// Podman's netavark, nftables driver: ports published to every
		// address, past a filtering input chain.
		{name: "netavark nftables, -p 8080:80", setup: podmanNft(netavarkNft("podman0", []netavarkNet{podman4}, web)), want: checks.Warn, ports: []string{"tcp 8080"}},
		{name: "netavark nftables, -p 9000-9002:9000-9002", setup: podmanNft(netavarkNft("podman0", []netavarkNet{podman4}, portRange)), want: checks.Warn, ports: []string{"tcp 9000", "tcp 9001", "tcp 9002"}},
		{name: "netavark nftables, dual stack, -p 8080:80 -p 9000-9002:9000-9002 -p 5353:5353/udp", setup: podmanNft(netavarkNft("podman1", []netavarkNet{dual4, dual6}, web, portRange, mdns)),
			want: checks.Warn, ports: []string{"tcp 8080", "tcp 9000", "tcp 9001", "tcp 9002", "udp 5353"}, portCount: 5},
		{name: "netavark nftables, IPv6 only, -p [::]:8080:80", setup: podmanNft(netavarkNft("podman1", []netavarkNet{dual4, dual6}, web6)), want: checks.Warn, ports: []string{"tcp 8080"}},
		{name: "netavark nftables, -p 127.0.0.1:8081:80 and aardvark-dns off port 53", setup: podmanNft(netavarkNft("podman1", []netavarkNet{dual4, dual6}, local)), want: checks.Pass},
		// Podman's netavark, iptables driver (netavark before 2.0), in
		// iptables-nft and iptables-legacy. Where iptables filters, its
		// nat table is read too: iptables -S names the range 9000:9002,
		// nft's view of the same rule 9000-9002, and the summary lists
		// it once, as three ports. Where nft filters, iptables-nft's DNAT shows only
		// in nft's JSON, as an xt target.
		{name: "netavark iptables, -p 8080:80 -p 9000-9002:9000-9002, iptables drop", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			netavarkIptables("iptables", netavarkHash, podman4, web, portRange))},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Warn, ports: []string{"tcp 8080", "tcp 9000-9002"}, portCount: 4},
		{name: "netavark iptables, dual stack, -p 8080:80 -p 9000-9002:9000-9002, iptables drop", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			netavarkIptables("iptables", netavarkHash, dual4, web, portRange), netavarkIptables("ip6tables", netavarkHash, dual6, web, portRange))},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Warn, ports: []string{"tcp 8080", "tcp 9000-9002"}, portCount: 4},
		{name: "netavark iptables, IPv6 only, -p [::]:8080:80, nftables inet drop", setup: liveSetup{Rules: inetDrop, Commands: concat(ipv6Link,
			netavarkIptables("iptables", netavarkHash, dual4, web6), netavarkIptables("ip6tables", netavarkHash, dual6, web6))},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Warn, ports: []string{"tcp 8080"}},
		{name: "netavark iptables, -p 127.0.0.1:8081:80 and aardvark-dns off port 53, iptables drop", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			netavarkIptables("iptables", netavarkHash, dual4, local), netavarkIptables("ip6tables", netavarkHash, dual6, local))},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Pass},
		{name: "netavark iptables-legacy, dual stack, -p 8080:80 -p 9000-9002:9000-9002, nftables inet drop", setup: liveSetup{Rules: inetDrop, Commands: concat(ipv6Link,
			netavarkIptables("iptables-legacy", netavarkHash, dual4, web, portRange), netavarkIptables("ip6tables-legacy", netavarkHash, dual6, web, portRange))},
			needs: []string{"ip", "iptables-legacy", "ip6tables-legacy"}, want: checks.Warn, ports: []string{"tcp 8080", "tcp 9000-9002"}, portCount: 4},
		{name: "iptables drop then ! -i lo accept", setup: liveSetup{Commands: concat(ipv6Link, iptablesDrop("iptables"), iptablesDrop("ip6tables"),
			[][]string{{"iptables", "-A", "INPUT", "!", "-i", "lo", "-j", "ACCEPT"}, {"ip6tables", "-A", "INPUT", "!", "-i", "lo", "-j", "ACCEPT"}})},
			needs: []string{"ip", "iptables", "ip6tables"}, want: checks.Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range tc.needs {
				if _, err := exec.LookPath(cmd); err != nil {
					t.Skipf("%s is not installed (apt install iproute2 iptables): %v", cmd, err)
				}
			}
			spec, err := json.Marshal(tc.setup)
			if err != nil {
				t.Fatal(err)
			}
			specFile := filepath.Join(t.TempDir(), "setup.json")
			if err := os.WriteFile(specFile, spec, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := netnstest.Command(t.Context(), unshare, "^TestLiveNetnsChild$", childEnv+"="+specFile, "GORACE=atexit_sleep_ms=0").CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			got, summary := "", ""
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if s, ok := strings.CutPrefix(line, statusPrefix); ok {
					got = s
				}
				if _, s, ok := strings.Cut(line, "summary: "); ok {
					summary, _, _ = strings.Cut(s, "; reason: ")
					t.Log(s)
				}
			}
			if checks.Status(got) != tc.want {
				t.Fatalf("status %q, want %q; child output:\n%s", got, tc.want, out)
			}
			if len(tc.ports) > 0 {
				i := strings.LastIndex(summary, ": ")
				listed := strings.Split(strings.TrimSuffix(summary[i+1:], "."), ", ")
				for j := range listed {
					listed[j] = strings.TrimSpace(listed[j])
				}
				for _, p := range tc.ports {
					if i < 0 || !slices.Contains(listed, p) {
						t.Fatalf("summary %q does not list the port %q; child output:\n%s", summary, p, out)
					}
				}
				if slices.Sort(listed); len(slices.Compact(listed)) != len(strings.Split(summary[i+1:], ", ")) {
					t.Errorf("summary %q lists a port twice", summary)
				}
				n := fmt.Sprintf("%d ports are", tc.portCount)
				if tc.portCount == 1 {
					n = "1 port is"
				}
				if tc.portCount > 0 && !strings.Contains(summary, n) {
					t.Errorf("summary %q does not say %q", summary, n)
				}
			}
		})
	}
}

// TestLiveNetnsChild is the part of TestLiveNetns that runs inside the new
// network namespace; on its own it does nothing.
func TestLiveNetnsChild(t *testing.T) {
	specFile, ok := os.LookupEnv(childEnv)
	if !ok {
		t.Skip("runs only as the child of TestLiveNetns")
	}
	b, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	var setup liveSetup
	if err := json.Unmarshal(b, &setup); err != nil {
		t.Fatal(err)
	}
	if setup.Rules != "" {
		rulesFile := filepath.Join(t.TempDir(), "rules.nft")
		if err := os.WriteFile(rulesFile, []byte(setup.Rules), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.CommandContext(t.Context(), "nft", "-f", rulesFile).CombinedOutput(); err != nil {
			t.Fatalf("nft -f: %v: %s", err, out)
		}
	}
	for _, c := range setup.Commands {
		if out, err := exec.CommandContext(t.Context(), c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
	r := firewall.Check.Run(t.Context(), live.New(), checks.Catalogue{firewall.Check}.Default())
	t.Logf("summary: %s; reason: %s; facts: %s", r.Summary, r.Reason, r.Facts)
	os.Stdout.WriteString("\n" + statusPrefix + string(r.Status) + "\n")
}
