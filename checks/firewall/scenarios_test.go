package firewall_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/firewall"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, firewall.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

// TestNoPassWithoutEvidence: no passing scenario still passes once a source
// its verdict used is unreadable, unless another source answered instead.
func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, firewall.Check, "testdata", basis)
}

// Windows Firewall's own sources: each is an alternative to Security
// Center's third-party route, never to another of these.
var windowsFirewallSources = []string{
	`wmi root\StandardCimv2 MSFT_NetFirewallProfile`,
	`wmi root\cimv2 Win32_Service`,
	`reg HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy`,
	`reg HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall`,
	`reg HKLM\SYSTEM\CurrentControlSet\Services\MpsSvc`,
	`reg HKLM\SYSTEM\CurrentControlSet\Services\BFE`,
	`run netsh`,
}

// nftOrIptables is why nft and iptables -S are alternatives.
const nftOrIptables = "nft's ruleset and iptables -S (iptables-nft) show the same kernel rules, and an accept in one table cannot undo another's drop, so INPUT filtering in iptables -S is a pass without nft; the check reads iptables -S when nft does not show the family filtered, which includes nft showing iptables-nft compat matches it cannot judge"

var basis = func() checktest.Basis {
	b := checktest.Basis{
		Informational: map[string]string{
			`wmi root\StandardCimv2 MSFT_NetConnectionProfile`: "only narrows which Windows Firewall profiles are judged to the networks in use; unread, every profile is judged, which is stricter, so losing it can never make a pass",
		},
		Alternatives: []checktest.Alternative{{
			Sources: []string{"run socketfilterfw --getglobalstate", "run system_profiler SPFirewallDataType"},
			Reason:  "both report the macOS Application Firewall's global state (socketfilterfw --getglobalstate, system_profiler's spfirewall_globalstate); the check reads system_profiler when socketfilterfw's answer is not recognised",
		}, {
			Sources: []string{"file /proc/net/if_inet6", "file /proc/sys/net/ipv6/conf/all/disable_ipv6", "run ip6tables -S"},
			Reason:  "IPv6 is settled by either of two routes: the computer has no IPv6 (if_inet6, else disable_ipv6), or ip6tables filters it; the check reads whether IPv6 exists before ip6tables, so a pass by ip6tables has read the IPv6 files too, and a pass by no IPv6 needs no ip6tables",
		}, {
			Sources: []string{"run nft -j list ruleset", "run iptables -S"},
			Reason:  nftOrIptables,
		}, {
			Sources: []string{"run nft -j list ruleset", "run ip6tables -S"},
			Reason:  nftOrIptables,
		}},
	}
	for _, src := range windowsFirewallSources {
		b.Alternatives = append(b.Alternatives, checktest.Alternative{
			Sources: []string{src, `wmi root\SecurityCenter2 FirewallProduct`},
			Reason:  "Windows Firewall and a third-party firewall Security Center reports on are two routes (checks.AnyOf), either of which protects the PC; Security Center is read only when Windows Firewall does not pass, so a pass standing without a Windows Firewall source rests on Security Center's report",
		})
	}
	return b
}()
