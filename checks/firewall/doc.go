// Package firewall checks that a firewall filters incoming connections, so
// other devices on a home or public network cannot reach services on the
// computer during a session.
//
// Sources, per operating system:
//
//   - Linux: nft -j list ruleset. Every base chain of family ip, ip6 or
//     inet with type filter on the input hook is judged: it filters when
//     its policy is drop, or when it ends (directly, or through an
//     unconditional jump) in an unconditional drop or reject, unless an
//     unconditional accept comes first. Any such chain in any table
//     (firewalld, ufw's and Docker's iptables-nft tables, hand-written
//     rules) means incoming connections are filtered. When nothing filters
//     there, iptables -S (policy DROP or a final -j DROP/REJECT, and the
//     iptables-nft warning that iptables-legacy tables exist, which nft
//     cannot show), ufw status verbose (active with default deny/reject
//     incoming) and firewall-cmd --state ("running", or "not running" on
//     stderr with exit status 252). ufw and firewalld decide only when
//     the rules could not be read (not root): the rules have the last word.
//     Nothing installed is a fail; "Operation not permitted" with no other
//     source answering is unknown.
//   - macOS: socketfilterfw --getglobalstate (State 1 on, 2 on and blocking
//     all, 0 off); system_profiler SPFirewallDataType -json
//     (spfirewall_globalstate_*) when that is not recognised; the managed
//     profile /Library/Managed Preferences/com.apple.security.firewall.plist
//     (EnableFirewall); the ALF plist of macOS 14 and earlier as a last
//     resort.
//   - Windows: a third-party firewall registered in root/SecurityCenter2
//     FirewallProduct that is on (productState bits 12-15 of 1 or 3)
//     passes. Otherwise Windows Firewall's profiles from root/StandardCimv2
//     MSFT_NetFirewallProfile (Enabled 1, or 2 "not configured" which is on
//     by default; DefaultInboundAction Allow counts as off), else the
//     registry EnableFirewall DWORDs under SharedAccess\Parameters\
//     FirewallPolicy, with Group Policy values laid over them; the profiles
//     of the networks in use from MSFT_NetConnectionProfile NetworkCategory.
//     When neither is readable, netsh advfirewall show currentprofile, whose
//     state words are localised (ON/OFF, EIN/AUS, Actif/Inactif, ...) and
//     decoded from the console code page.
package firewall
