// Package firewall checks that a firewall filters incoming connections, so
// other devices on a home or public network cannot reach services on the
// computer during a session.
//
// Sources, per operating system:
//
//   - Linux: IPv4 and IPv6 are judged apart and both must be filtered
//     (checks.AllOf). nft -j list ruleset: every base chain of type filter
//     on the input hook is judged for the families its table covers (ip
//     IPv4, ip6 IPv6, inet both; bridge, arp and netdev neither): it
//     filters a family when its policy is drop, or when it ends (directly,
//     or through an unconditional jump) in an unconditional drop or
//     reject, unless a rule accepting every outside packet comes first: no
//     condition at all, or only conditions every outside packet meets
//     (iifname != "lo", iifname "*", meta l4proto tcp/udp with no port,
//     ports covering 1-65535, any != on a port or address, ct state new,
//     0.0.0.0/0 or ::/0, a whole local network — a source or destination
//     in the private, link-local or unique-local ranges and at least a /24
//     (IPv4) or /64 (IPv6), since every device on a Wi-Fi using those
//     addresses, a café's too, is in it — meta mark 0, meta pkttype host,
//     fib daddr type local; a rate limit narrows nothing), or a jump or goto on such
//     conditions to a chain that accepts everything. A drop or reject under
//     a rate limit, quota or meter (`limit rate over 100/second drop`,
//     iptables' -m limit) drops only some packets: it ends nothing. Under
//     policy accept, a base chain's conditional return (or its conditional
//     goto to a chain that ends without a verdict) hands what it picks out
//     to the policy: it is judged as an accept. Every condition is
//     judged narrowing, wide or unsure: named sets are looked up, a
//     verdict map is one rule for each element, and a rule that no
//     condition narrows but one cannot be judged from the ruleset (tcp
//     flags, a concatenation whose parts are each wide, a packet queued to
//     a program, an iptables-nft compat match, whose arguments nft -j does
//     not show) makes the chain not count as filtering: the verdict is
//     unknown and names the rule, unless iptables -S, which shows compat
//     matches whole, judges the same rules. A dormant table (flags
//     dormant) runs none of its chains: they filter nothing (nft 1.0.6's
//     JSON prints table flags as stray text; then `nft list ruleset`, the
//     text listing, says which tables are dormant, and unread they are
//     unsure). meta nfproto limits an inet rule to its family. A rule accepting everything on an input interface
//     (`iifname "wlp2s0" accept`, or a jump there to a chain that accepts
//     everything: firewalld's trusted zone) makes the chain not filter
//     when the interface reaches outside: the interfaces are then read
//     from /proc/net/dev (lo and container or VM bridges by name do not).
//     A Tailscale tunnel (tailscale0) does, but what tailscaled's
//     ts-input chain accepts over it is the tailnet's, let in by access
//     controls this check cannot read: a chain filtering everything else
//     warns, naming it, unless another chain filters the tunnel too.
//     `ct state untracked` picks out nothing unless a rule leaves packets
//     untracked (notrack, iptables-nft's CT target): then it is unsure,
//     since which packets that rule untracks is not judged.
//     One filtering chain is enough: every base chain sees every packet.
//     When no chain filters IPv4, iptables -S (policy DROP or a final
//     DROP/REJECT, its conditions judged the same way: -j ACCEPT, ! -i lo,
//     -i +, -p tcp/udp with no port, --dport/--dports covering every port,
//     --state NEW, 0.0.0.0/0, --dst-type LOCAL, --mark 0x0, --pkt-type
//     unicast (PACKET_HOST, also written host) are wide, an option not known here unsure; and the iptables-nft
//     warning that iptables-legacy tables exist, which nft cannot show). When none filters IPv6, whether the computer has IPv6
//     (/proc/net/if_inet6: an address on an interface other than lo; else
//     net.ipv6.conf.all.disable_ipv6; both absent is a kernel without
//     IPv6), and when it may, ip6tables -S likewise. A computer without
//     IPv6 needs only IPv4 filtered, and the facts say so. ufw status
//     verbose and firewall-cmd --state are read when a family is not
//     filtered, for the wording and the fix, which names the installed
//     tool (ufw, firewalld, the nftables service) or how to install one;
//     they never pass on their own: with the rules unreadable (not root)
//     the verdict is unknown. DNAT rules in the ruleset (Docker through
//     iptables-nft, Podman's netavark) publish ports to containers through
//     FORWARD, bypassing the input chains: ports published to every address
//     turn a pass into a warn that names them. iptables -t nat -S (and
//     ip6tables) gives them too, for a family those filter (an
//     iptables-legacy build's tables never show in nft); and where legacy
//     tables are loaded beside what was read (iptables-nft's warning, or,
//     when nft filters, a "nat" line in /proc/net/ip_tables_names or
//     ip6_tables_names), iptables-legacy -t nat -S (ip6tables-legacy). A nat
//     table that cannot be read is a warn too.
//   - macOS: socketfilterfw --getglobalstate (State 1 on, 2 on and blocking
//     all, 0 off); system_profiler SPFirewallDataType -json
//     (spfirewall_globalstate_*) when that is not recognised; the managed
//     profile /Library/Managed Preferences/com.apple.security.firewall.plist
//     (EnableFirewall); the ALF plist as a last resort, counted only when
//     SystemVersion.plist's ProductVersion says macOS 14 or earlier (macOS
//     15 no longer keeps the settings in a property list; a version
//     unread, or facts without it, leave the plist's state unknown).
//   - Windows: two routes, either of which protects (checks.AnyOf).
//     Windows Firewall needs both (checks.AllOf) its services running,
//     MpsSvc and BFE (root/cimv2 Win32_Service State and StartMode; else
//     the registry Start value under Services\<name>, where 4 is disabled
//     and anything else leaves the running state unknown unless netsh
//     answered, which it does only while MpsSvc runs), and its profiles on:
//     root/StandardCimv2 MSFT_NetFirewallProfile (Enabled 1, or 2 "not
//     configured" which is on by default; DefaultInboundAction Allow counts
//     as off), else the registry EnableFirewall DWORDs under
//     SharedAccess\Parameters\FirewallPolicy (a value that exists but
//     cannot be read leaves its profile unknown), with the organisation's
//     values laid over them: Group Policy's and device management's
//     (FirewallPolicy\Mdm, Intune's Firewall CSP), the one that protects
//     less taken where both are set (their precedence is not documented),
//     and for Private and Public the legacy Administrative Template's
//     Standard Profile (WindowsFirewall\StandardProfile, which Windows
//     applies to both, KB947229) where it protects less (EnableFirewall 0,
//     DoNotAllowExceptions 0),
//     each read on its own (DefaultInboundAction Allow without
//     EnableFirewall still counts), one that cannot be read unknown; the profiles of the networks in use from
//     MSFT_NetConnectionProfile NetworkCategory. A profile whose
//     DisabledInterfaceAliases (MSFT_NetFirewallProfile; the adapters its
//     firewall does not apply to at all, INetFwPolicy2::ExcludedInterfaces)
//     names an adapter in use on its network (the connection's
//     InterfaceAlias) fails, a Hyper-V virtual switch ("vEthernet (WSL)")
//     only noted unless Windows finds the Internet through it
//     (IPv4Connectivity or IPv6Connectivity 4: an external switch); the registry and netsh fallbacks cannot read those
//     exclusions, so they never pass (unknown). A profile that is on and
//     blocks by default still fails when an enabled inbound allow rule it
//     enforces filters nothing (winrules.go): the rules are the values of
//     the local, Store-app (AppIso), Group Policy and MDM FirewallRules
//     keys, listed whole (probe.RegistryValueLister), and a rule narrowed
//     to a program, service, app package, protocol other than TCP/UDP,
//     fewer than 4,096 local ports, chosen remote hosts (not a whole local
//     network or a large part of the Internet) or authenticated peers
//     lets in only what it names; fields the check does not know narrow
//     nothing. A store that cannot be read, or holds a value that is not a
//     rule, leaves the profile unknown. Profiles blocking even allowed
//     apps (AllowInboundRules false, DoNotAllowExceptions, Intune's
//     Shielded) enforce no rule, and AllowLocalPolicyMerge 0 (Group
//     Policy's or Intune's) drops the local and app stores, unless a
//     policy explicitly lets the rules count (the less protective reading
//     again); only stores a judged profile enforces are read. When
//     neither the profiles' WMI class nor the registry is readable,
//     netsh advfirewall show currentprofile, whose state words are
//     localised (ON/OFF, EIN/AUS, Actif/Inactif, ...) and decoded from the
//     console code page, with the same policies laid over it (every
//     profile's, least protective, for a profile named in a language not
//     recognised). Only when Windows Firewall does not pass, a
//     third-party firewall registered in root/SecurityCenter2
//     FirewallProduct that is on (its productState decoded by
//     checks/internal/wsc, as the anti-virus check's; off, snoozed,
//     expired and unrecognised states are not on) passes; Security Center unreadable leaves the verdict unknown rather
//     than fail.
package firewall
