package lanwatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"net"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Files and command the network identity is read from.
const (
	procRoute = "/proc/net/route"
	procARP   = "/proc/net/arp"
)

// networkIdentity says which network the computer is on, beyond its own
// addresses (which a home and a café can share: both 192.168.1.x): the
// link-layer address of each default gateway, from the kernel's neighbour
// table (Linux: /proc/net/route and /proc/net/arp; macOS: netstat -rn,
// whose routing table lists the gateway's link-layer address), and the
// access points of the connected Wi-Fi interfaces where the probe knows
// them (Windows). "" when none of these can be read (then only the
// agent's address poll tells networks apart, as before).
func networkIdentity(ctx context.Context, p probe.Probe) string {
	var parts []string
	switch p.GOOS() {
	case "linux":
		route, err := p.ReadFile(procRoute)
		if err == nil {
			arp, _ := p.ReadFile(procARP) // unread: the gateways' addresses still count
			parts = linuxGateways(route, arp)
		}
	case "darwin":
		if out, err := p.Run(ctx, probe.CmdNetstat, "-rn", "-f", "inet"); err == nil {
			parts = darwinGateways(out.Stdout)
		}
	}
	if aps, err := probe.WLANAssociations(p); err == nil {
		for _, ap := range aps {
			if ap.BSSID != "" {
				parts = append(parts, "bssid "+strings.ToLower(ap.BSSID))
			}
		}
	}
	slices.Sort(parts)
	return strings.Join(slices.Compact(parts), ";")
}

// linuxGateways lists "iface gateway hwaddr" for each IPv4 default route
// of /proc/net/route (Destination 00000000 with a gateway, the address
// in the kernel's byte order), the link-layer address from /proc/net/arp
// ("?" when the neighbour table has no complete entry for it).
func linuxGateways(route, arp []byte) []string {
	hw := map[string]string{} // "iface ip" -> hwaddr
	for i, line := range lines(arp) {
		f := strings.Fields(line)
		// IP address, HW type, Flags, HW address, Mask, Device; flag
		// 0x2 (ATF_COM): resolved.
		if i == 0 || len(f) < 6 || f[2] == "0x0" || f[3] == "00:00:00:00:00:00" {
			continue
		}
		hw[f[5]+" "+f[0]] = strings.ToLower(f[3])
	}
	var out []string
	for i, line := range lines(route) {
		f := strings.Fields(line)
		// Iface, Destination, Gateway, Flags, …
		if i == 0 || len(f) < 4 || f[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(f[2])
		if err != nil || len(b) != 4 || binary.LittleEndian.Uint32(b) == 0 {
			continue
		}
		gw := net.IPv4(b[3], b[2], b[1], b[0]).String()
		mac, ok := hw[f[0]+" "+gw]
		if !ok {
			mac = "?"
		}
		out = append(out, f[0]+" "+gw+" "+mac)
	}
	return out
}

// darwinGateways lists "netif gateway hwaddr" for each default route of
// `netstat -rn -f inet`, the link-layer address being the Gateway column
// of the gateway's own host route (the ARP entry, flags with L); "?" when
// there is none.
func darwinGateways(out []byte) []string {
	type gateway struct{ ip, netif string }
	var defaults []gateway
	hw := map[gateway]string{}
	for _, line := range lines(out) {
		f := strings.Fields(line)
		// Destination, Gateway, Flags, Netif, [Expire]
		if len(f) < 4 {
			continue
		}
		switch {
		case f[0] == "default":
			defaults = append(defaults, gateway{f[1], f[3]})
		case strings.Contains(f[2], "L") && strings.Count(f[1], ":") == 5:
			hw[gateway{f[0], f[3]}] = strings.ToLower(f[1])
		}
	}
	var parts []string
	for _, g := range defaults {
		mac, ok := hw[g]
		if !ok {
			mac = "?"
		}
		parts = append(parts, g.netif+" "+g.ip+" "+mac)
	}
	return parts
}

func lines(b []byte) []string {
	var out []string
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		out = append(out, s.Text())
	}
	return out
}
