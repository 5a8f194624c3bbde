package firewall_test

import (
	"fmt"
	"strings"
)

// The rules Podman's netavark writes for a container's published ports,
// for its two firewall drivers: nftables (the default from Podman 5, one
// inet table "netavark") and iptables (netavark before 2.0). They are
// built here as netavark builds them, so TestLiveNetns loads the very
// shapes the check meets on a computer running Podman.

// netavarkPort is one -p of podman run: -p 8080:80 is {tcp, 8080, 80, 1,
// ""}, -p 9000-9002:9000-9002 is {tcp, 9000, 9000, 3, ""}, -p
// 127.0.0.1:8081:80 has hostIP "127.0.0.1", -p [::]:8080:80 "::".
type netavarkPort struct {
	proto     string
	host, ctr int
	count     int
	hostIP    string
}

// netavarkNet is one subnet of a netavark bridge network, with the
// container's address in it.
type netavarkNet struct {
	id     string // the network's id (only its first 8 characters are used)
	subnet string // "10.88.0.0/16"
	ctr    string // the container's address, "10.88.0.2"
	dns    string // the gateway where aardvark-dns listens, "" for none
}

func (n netavarkNet) v6() bool { return strings.Contains(n.subnet, ":") }

func (n netavarkNet) ipKw() string {
	if n.v6() {
		return "ip6"
	}
	return "ip"
}

// chain is netavark's chain name for the subnet: nv_<id>_<subnet> with
// '.' and ':' replaced, and _dnat for its port forwarding.
func (n netavarkNet) chain() string {
	clean := strings.NewReplacer(".", "_", ":", "-", "/", "_nm").Replace(n.subnet)
	return "nv_" + n.id[:8] + "_" + clean
}

// hostPorts is how netavark matches the host port(s) of p: "8080" or
// "9000-9002" (nft), with sep ":" for iptables.
func (p netavarkPort) hostPorts(sep string) string {
	if p.count > 1 {
		return fmt.Sprintf("%d%s%d", p.host, sep, p.host+p.count-1)
	}
	return fmt.Sprint(p.host)
}

// forFamily says whether netavark writes rules for p in a subnet of this
// family, and the destination address they match ("" for every address).
func (p netavarkPort) forFamily(v6 bool) (bool, string) {
	switch p.hostIP {
	case "":
		return true, ""
	case "0.0.0.0":
		return !v6, ""
	case "::":
		return v6, ""
	}
	return strings.Contains(p.hostIP, ":") == v6, p.hostIP
}

// netavarkNft is the inet netavark table the nftables driver writes for a
// bridge network (bridge) with the subnets nets, and a container in them
// publishing ports: the NETAVARK-HOSTPORT-DNAT chain (reached from
// PREROUTING and OUTPUT by `fib daddr type local`) jumps on the host port
// to the subnet's _dnat chain, which marks the packet for masquerading
// and DNATs each port by a rule of its own (`dnat ip to` / `dnat ip6 to`).
// Chains are written before the rules that jump to them.
func netavarkNft(bridge string, nets []netavarkNet, ports ...netavarkPort) string {
	var b strings.Builder
	chain := func(name, hook string, rules ...string) {
		b.WriteString("\tchain " + name + " {\n")
		if hook != "" {
			b.WriteString("\t\t" + hook + "\n")
		}
		for _, r := range rules {
			b.WriteString("\t\t" + r + "\n")
		}
		b.WriteString("\t}\n")
	}
	var input, forward, postrouting, hostportDNAT []string
	b.WriteString("table inet netavark {\n")
	chain("NETAVARK-HOSTPORT-SETMARK", "", "meta mark set meta mark | 0x00002000")
	chain("NETAVARK-ISOLATION-2", "")
	chain("NETAVARK-ISOLATION-3", "", `oifname "`+bridge+`" drop`, "jump NETAVARK-ISOLATION-2")
	chain("NETAVARK-ISOLATION-1", "")
	for _, n := range nets {
		ip := n.ipKw()
		multicast := "224.0.0.0/4"
		if n.v6() {
			multicast = "ff00::/8"
		}
		chain(n.chain(), "", ip+" daddr "+n.subnet+" accept", ip+" daddr != "+multicast+" masquerade")
		input = append(input, ip+" saddr "+n.subnet+" meta l4proto { tcp, udp } th dport 53 accept")
		forward = append(forward, ip+" daddr "+n.subnet+" ct state established,related accept", ip+" saddr "+n.subnet+" accept")
		postrouting = append(postrouting, ip+" saddr "+n.subnet+" jump "+n.chain())
		if n.dns != "" {
			// aardvark-dns on a port other than 53: inserted first.
			to := n.dns + ":1053"
			if n.v6() {
				to = "[" + n.dns + "]:1053"
			}
			hostportDNAT = append([]string{ip + " daddr " + n.dns + " meta l4proto { tcp, udp } th dport 53 dnat " + ip + " to " + to}, hostportDNAT...)
		}
		var dnat []string
		for _, p := range ports {
			ok, daddr := p.forFamily(n.v6())
			if !ok {
				continue
			}
			cond := ""
			if daddr != "" {
				cond = ip + " daddr " + daddr + " "
			}
			dport := p.proto + " dport " + p.hostPorts("-")
			hostportDNAT = append(hostportDNAT, cond+dport+" jump "+n.chain()+"_dnat")
			dnat = append(dnat, ip+" saddr "+n.subnet+" "+cond+dport+" jump NETAVARK-HOSTPORT-SETMARK")
			if !n.v6() {
				dnat = append(dnat, "ip saddr 127.0.0.1 "+cond+dport+" jump NETAVARK-HOSTPORT-SETMARK")
			}
			for i := range max(p.count, 1) {
				to := fmt.Sprintf("%s:%d", n.ctr, p.ctr+i)
				if n.v6() {
					to = fmt.Sprintf("[%s]:%d", n.ctr, p.ctr+i)
				}
				dnat = append(dnat, fmt.Sprintf("%s%s dport %d ct mark set meta mark | 0x00001000 dnat %s to %s", cond, p.proto, p.host+i, ip, to))
			}
		}
		if len(dnat) > 0 {
			chain(n.chain()+"_dnat", "", dnat...)
		}
	}
	chain("NETAVARK-HOSTPORT-DNAT", "", hostportDNAT...)
	chain("INPUT", "type filter hook input priority filter; policy accept;", input...)
	chain("FORWARD", "type filter hook forward priority filter; policy accept;",
		append([]string{"ct state invalid drop", "ct mark & 0x00001000 == 0x00001000 accept", "jump NETAVARK-ISOLATION-1"}, forward...)...)
	chain("POSTROUTING", "type nat hook postrouting priority srcnat; policy accept;",
		append([]string{"meta mark & 0x00002000 == 0x00002000 masquerade"}, postrouting...)...)
	chain("PREROUTING", "type nat hook prerouting priority dstnat; policy accept;", "fib daddr type local jump NETAVARK-HOSTPORT-DNAT")
	chain("OUTPUT", "type nat hook output priority -100; policy accept;", "fib daddr type local jump NETAVARK-HOSTPORT-DNAT")
	b.WriteString("}\n")
	return b.String()
}

// netavarkIptables are the commands the iptables driver runs (cmd is
// iptables or ip6tables, as the subnet's family) for a bridge network
// with the subnet n, hashed to hash, and a container in it publishing
// ports: NETAVARK_INPUT (DNS from the containers) first in INPUT,
// NETAVARK_FORWARD, and in the nat table NETAVARK-HOSTPORT-DNAT (reached
// from PREROUTING and OUTPUT for local addresses) jumping on the host
// port to NETAVARK-DN-<hash>, whose DNAT rule covers a whole port range
// (--to-destination 10.88.0.2:9000-9002/9000).
func netavarkIptables(cmd, hash string, n netavarkNet, ports ...netavarkPort) [][]string {
	dn := "NETAVARK-DN-" + hash
	nat := func(args ...string) []string { return append([]string{cmd, "-t", "nat"}, args...) }
	out := [][]string{
		{cmd, "-N", "NETAVARK_INPUT"},
		{cmd, "-N", "NETAVARK_FORWARD"},
		{cmd, "-I", "INPUT", "1", "-m", "comment", "--comment", "netavark firewall rules", "-j", "NETAVARK_INPUT"},
		{cmd, "-I", "FORWARD", "1", "-m", "comment", "--comment", "netavark firewall rules", "-j", "NETAVARK_FORWARD"},
		{cmd, "-A", "NETAVARK_INPUT", "-p", "udp", "-s", n.subnet, "--dport", "53", "-j", "ACCEPT"},
		{cmd, "-A", "NETAVARK_INPUT", "-p", "tcp", "-s", n.subnet, "--dport", "53", "-j", "ACCEPT"},
		{cmd, "-A", "NETAVARK_FORWARD", "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"},
		{cmd, "-A", "NETAVARK_FORWARD", "-d", n.subnet, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
		{cmd, "-A", "NETAVARK_FORWARD", "-s", n.subnet, "-j", "ACCEPT"},
		nat("-N", "NETAVARK-"+hash),
		nat("-A", "NETAVARK-"+hash, "-d", n.subnet, "-j", "ACCEPT"),
		nat("-N", "NETAVARK-HOSTPORT-SETMARK"),
		nat("-A", "NETAVARK-HOSTPORT-SETMARK", "-j", "MARK", "--set-xmark", "0x2000/0x2000"),
		nat("-N", "NETAVARK-HOSTPORT-MASQ"),
		nat("-A", "NETAVARK-HOSTPORT-MASQ", "-j", "MASQUERADE", "-m", "comment", "--comment", "netavark portfw masq mark", "-m", "mark", "--mark", "0x2000/0x2000"),
		nat("-I", "POSTROUTING", "1", "-j", "NETAVARK-HOSTPORT-MASQ"),
		nat("-A", "POSTROUTING", "-s", n.subnet, "-j", "NETAVARK-"+hash),
		nat("-N", dn),
		nat("-N", "NETAVARK-HOSTPORT-DNAT"),
		nat("-A", "PREROUTING", "-j", "NETAVARK-HOSTPORT-DNAT", "-m", "addrtype", "--dst-type", "LOCAL"),
		nat("-A", "OUTPUT", "-j", "NETAVARK-HOSTPORT-DNAT", "-m", "addrtype", "--dst-type", "LOCAL"),
	}
	localhost := "127.0.0.1"
	if n.v6() {
		localhost = "::1"
		// IPv4's masquerade keeps "! -d 224.0.0.0/4"; IPv6's the same for ff00::/8.
		out = append(out, nat("-A", "NETAVARK-"+hash, "!", "-d", "ff00::/8", "-j", "MASQUERADE"))
	} else {
		out = append(out, nat("-A", "NETAVARK-"+hash, "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE"))
	}
	if n.dns != "" {
		to := n.dns + ":1053"
		if n.v6() {
			to = "[" + n.dns + "]:1053"
		}
		for _, proto := range []string{"udp", "tcp"} {
			out = append(out, nat("-I", "NETAVARK-HOSTPORT-DNAT", "1", "-j", "DNAT", "-d", n.dns, "-p", proto, "--dport", "53", "--to-destination", to))
		}
	}
	for _, p := range ports {
		ok, daddr := p.forFamily(n.v6())
		if !ok {
			continue
		}
		hp := p.hostPorts(":")
		var d []string
		if daddr != "" {
			d = []string{"-d", daddr}
		}
		ctr := n.ctr
		if n.v6() {
			ctr = "[" + ctr + "]"
		}
		ctrPort := fmt.Sprint(p.ctr)
		if p.count > 1 {
			ctrPort = fmt.Sprintf("%d-%d/%d", p.ctr, p.ctr+p.count-1, p.host)
		}
		out = append(out,
			nat("-A", "NETAVARK-HOSTPORT-DNAT", "-j", dn, "-p", p.proto, "--dport", hp, "-m", "comment", "--comment", "dnat name: podman id: 5e2f0c9d7a41"),
			nat(append([]string{"-A", dn, "-j", "NETAVARK-HOSTPORT-SETMARK", "-s", n.subnet, "-p", p.proto, "--dport", hp}, d...)...),
			nat(append([]string{"-A", dn, "-j", "NETAVARK-HOSTPORT-SETMARK", "-s", localhost, "-p", p.proto, "--dport", hp}, d...)...),
			nat(append([]string{"-A", dn, "-j", "DNAT", "-p", p.proto, "--to-destination", ctr + ":" + ctrPort, "--destination-port", hp}, d...)...))
	}
	return out
}

// Podman's networks: its default (podman0, IPv4 only) and a dual-stack
// network (podman1), with aardvark-dns on port 1053 of its gateways.
var (
	podman4 = netavarkNet{id: "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9", subnet: "10.88.0.0/16", ctr: "10.88.0.2"}
	dual4   = netavarkNet{id: "d7322dfb1a5e0c8c3c6a0e1f1b9e7f2a4c5d6e7f8091a2b3c4d5e6f708192a3b", subnet: "10.89.3.0/24", ctr: "10.89.3.2", dns: "10.89.3.1"}
	dual6   = netavarkNet{id: dual4.id, subnet: "fd10:88:a::/64", ctr: "fd10:88:a::2", dns: "fd10:88:a::1"}
)

// netavarkHash names the iptables driver's chains of a network.
const netavarkHash = "1D8721804F16F"

// Published ports: -p 8080:80, -p 9000-9002:9000-9002, -p 5353:5353/udp,
// -p [::]:8080:80 and -p 127.0.0.1:8081:80.
var (
	web       = netavarkPort{proto: "tcp", host: 8080, ctr: 80, count: 1}
	portRange = netavarkPort{proto: "tcp", host: 9000, ctr: 9000, count: 3}
	mdns      = netavarkPort{proto: "udp", host: 5353, ctr: 5353, count: 1}
	web6      = netavarkPort{proto: "tcp", host: 8080, ctr: 80, count: 1, hostIP: "::"}
	local     = netavarkPort{proto: "tcp", host: 8081, ctr: 80, count: 1, hostIP: "127.0.0.1"}
)

// podmanNft is an input chain that filters (ssh only) beside netavark's
// table.
func podmanNft(table string) liveSetup {
	s := inputRules("ct state established,related accept", `iif "lo" accept`, "tcp dport 22 accept")
	s.Rules += table
	return s
}
