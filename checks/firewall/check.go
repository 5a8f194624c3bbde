package firewall

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "firewall"

// Check is the firewall check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Firewall",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlFirewalls}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
}

// facts are the raw observations.
type facts struct {
	OS      string        `json:"os"`
	Linux   *linuxFacts   `json:"linux,omitempty"`
	Darwin  *darwinFacts  `json:"darwin,omitempty"`
	Windows *windowsFacts `json:"windows,omitempty"`
}

// Source states.
const (
	stateRead         = "read"
	stateNotInstalled = "not_installed"
	stateDenied       = "access_denied"
	stateUnrecognised = "unrecognised"
	stateError        = "error"
)

// source is what one Linux source said.
type source struct {
	// Name is "nft", "iptables", "ip6tables", "ufw" or "firewalld".
	Name string `json:"name"`
	// State is read, not_installed, access_denied, unrecognised or error.
	State string `json:"state"`
	// Filtering is whether this source shows incoming connections being
	// filtered (nil when it was not read); for nft, of both families.
	Filtering *bool `json:"filtering,omitempty"`
	// Filters are, for nft, the families ("ipv4", "ipv6") some input
	// chain filters.
	Filters []string `json:"filters,omitempty"`
	// AcceptsOn are, for iptables and ip6tables, the interfaces on which
	// INPUT accepts every packet before its default.
	AcceptsOn []string `json:"accepts_on,omitempty"`
	// Active is, for ufw and firewalld, whether the service is on.
	Active *bool `json:"active,omitempty"`
	// Detail is a short note: the default incoming policy, or why the
	// source could not be read.
	Detail string `json:"detail,omitempty"`
}

// linuxFacts is what was seen on Linux.
type linuxFacts struct {
	Sources []source `json:"sources"`
	// InputChains are nftables base chains on the input hook.
	InputChains []inputChain `json:"input_chains,omitempty"`
	// FrontEnds are the tools recognised from the ruleset's tables and
	// chains (docker, firewalld, ufw).
	FrontEnds []string `json:"front_ends,omitempty"`
	// LegacyTablesPresent is true when iptables-nft warned that rules
	// were loaded with iptables-legacy, or /proc/net/ip_tables_names (read
	// when nft filters IPv4) lists tables; Legacy6TablesPresent the same
	// of IPv6.
	LegacyTablesPresent  bool `json:"legacy_tables_present,omitempty"`
	Legacy6TablesPresent bool `json:"legacy6_tables_present,omitempty"`
	// IPv6 says whether the computer can be reached over IPv6, read only
	// when no rule filters IPv6: "present" (an address on an interface
	// other than lo), "loopback_only" (no address outside lo),
	// "disabled" (net.ipv6.conf.all.disable_ipv6 = 1), "not_in_kernel"
	// (no /proc/net/if_inet6 and no IPv6 sysctls: ipv6.disable=1), or
	// "unread"; IPv6Detail says what was read or why not.
	IPv6       string `json:"ipv6,omitempty"`
	IPv6Detail string `json:"ipv6_detail,omitempty"`
	// Published are ports DNAT rules (Docker, Podman) publish to
	// containers: such packets are forwarded, never meeting the input
	// chains.
	Published []pubPort `json:"published_ports,omitempty"`
	// NatError says why an iptables nat table (read for published ports
	// where iptables filters, and iptables-legacy's where its tables are
	// loaded) could not be read.
	NatError []string `json:"nat_error,omitempty"`
	// Interfaces are the network interfaces (/proc/net/dev), read only
	// when a filtering chain accepts everything on some interfaces, to
	// tell whether those reach outside; InterfacesError says why they
	// could not be read.
	Interfaces      []string `json:"interfaces,omitempty"`
	InterfacesError string   `json:"interfaces_error,omitempty"`
}

// Interface name prefixes of container and virtual-machine bridges and
// links, which do not reach the outside network themselves. Anything else
// but lo (Ethernet, Wi-Fi, mobile broadband, VPN tunnels) does.
var internalIfacePrefixes = []string{"docker", "br-", "veth", "virbr", "vnet", "podman", "cni", "flannel", "cali", "cilium", "lxc", "lxd", "vboxnet", "vmnet", "kube", "weave"}

// isTailnet reports whether an interface is a Tailscale tunnel (tailscaled's
// default name): what arrives over it is from the tailnet's devices, let in
// or not by the tailnet's access controls.
func isTailnet(name string) bool { return strings.HasPrefix(name, "tailscale") }

// ifaceMatches reports whether an interface name matches a rule's
// interface: a name, or a wildcard ("wl*" in nftables, "wl+" in iptables).
func ifaceMatches(pattern, name string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(name, p)
	}
	if p, ok := strings.CutSuffix(pattern, "+"); ok {
		return strings.HasPrefix(name, p)
	}
	return pattern == name
}

// outsideAccepted returns the interfaces reaching outside on which
// everything is accepted (those of list, matched against Interfaces);
// known is false when that cannot be told (interfaces unread).
func (f *linuxFacts) outsideAccepted(list []string) (open []string, known bool) {
	if len(list) == 0 {
		return nil, true
	}
	if f.Interfaces == nil {
		return nil, false
	}
	for _, name := range f.Interfaces {
		if name == "lo" || hasAnyPrefix(name, internalIfacePrefixes) {
			continue
		}
		for _, pat := range list {
			if ifaceMatches(pat, name) && !containsString(open, name) {
				open = append(open, name)
			}
		}
	}
	return open, true
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// cleanlyFiltered reports whether a rule source filters family fam without
// accepting everything on an interface that reaches outside (or one that
// may: interfaces unread).
func (f *linuxFacts) cleanlyFiltered(fam string) bool {
	for _, c := range f.InputChains {
		if open, known := f.outsideAccepted(c.AcceptsOn); c.FiltersFamily(fam) && known && len(open) == 0 {
			return true
		}
	}
	s := f.source(iptablesName(fam))
	if s == nil || !isTrue(s.Filtering) {
		return false
	}
	open, known := f.outsideAccepted(s.AcceptsOn)
	return known && len(open) == 0
}

// needsInterfaces reports whether a filtering chain or iptables source
// accepts everything on some interface, so the interfaces must be read.
func (f *linuxFacts) needsInterfaces() bool {
	for _, c := range f.InputChains {
		if len(c.Filters) > 0 && len(c.AcceptsOn) > 0 {
			return true
		}
	}
	for _, s := range f.Sources {
		if isTrue(s.Filtering) && len(s.AcceptsOn) > 0 {
			return true
		}
	}
	return false
}

// IPv6 presence states.
const (
	iPv6Present      = "present"
	iPv6LoopbackOnly = "loopback_only"
	iPv6Disabled     = "disabled"
	iPv6NotInKernel  = "not_in_kernel"
	iPv6Unread       = "unread"
)

// IPv6Absent reports whether the computer cannot be reached over IPv6.
func (f *linuxFacts) IPv6Absent() bool {
	switch f.IPv6 {
	case iPv6LoopbackOnly, iPv6Disabled, iPv6NotInKernel:
		return true
	}
	return false
}

// familyFiltered reports whether a rule source shows incoming packets of
// family fam filtered.
func (f *linuxFacts) familyFiltered(fam string) bool {
	for _, c := range f.InputChains {
		if c.FiltersFamily(fam) {
			return true
		}
	}
	s := f.source(iptablesName(fam))
	return s != nil && isTrue(s.Filtering)
}

// iptablesName is the iptables command of a family.
func iptablesName(fam string) string { return iptablesCommand(fam).String() }

// iptablesCommand is the iptables of a family (ip6tables for IPv6).
func iptablesCommand(fam string) probe.Command {
	if fam == iPv6 {
		return probe.CmdIp6tables
	}
	return probe.CmdIptables
}

// iptablesOf returns the family's iptables source and its iptables-legacy
// one (read only when iptables said legacy tables are present); nil when
// not read.
func (f *linuxFacts) iptablesOf(fam string) (ipt, legacy *source) {
	return f.source(iptablesName(fam)), f.source(legacyCommand(fam).String())
}

func (f *linuxFacts) source(name string) *source {
	for i := range f.Sources {
		if f.Sources[i].Name == name {
			return &f.Sources[i]
		}
	}
	return nil
}

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS()}
	switch p.GOOS() {
	case "linux":
		f.Linux = collectLinux(ctx, p)
	case "darwin":
		f.Darwin = collectDarwin(ctx, p)
	case "windows":
		f.Windows = collectWindows(ctx, p)
	default:
		return f, fmt.Errorf("the firewall is not checked on %s", p.GOOS())
	}
	return f, nil
}

// failedState classifies the error of a probe call.
func failedState(err error) string {
	switch {
	case errors.Is(err, probe.ErrNotFound):
		return stateNotInstalled
	case errors.Is(err, probe.ErrAccessDenied):
		return stateDenied
	default:
		return stateError
	}
}

func boolPtr(b bool) *bool { return &b }
