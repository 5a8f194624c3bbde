package firewall

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func src(name, state string, filtering, active *bool) source {
	return source{Name: name, State: state, Filtering: filtering, Active: active}
}

func TestEvaluate(t *testing.T) {
	yes, no := ptr(true), ptr(false)
	running := []service{{Name: "MpsSvc", State: "Running", StartMode: "Auto", Source: "wmi"}, {Name: "BFE", State: "Running", StartMode: "Auto", Source: "wmi"}}
	onProfiles := []profile{{Name: "Domain", Enabled: yes}, {Name: "Private", Enabled: yes}, {Name: "Public", Enabled: yes}}
	tests := []struct {
		name        string
		f           facts
		want        checks.Status
		fixContains string
	}{
		{"no facts", facts{OS: "plan9"}, checks.Unknown, "could not tell"},
		{"linux nft drop chain", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, yes, nil)},
			InputChains: []inputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{iPv4, iPv6}}},
		}}, checks.Pass, ""},
		{"linux nft ip chain only, IPv6 present", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, no, nil), src("ip6tables", stateRead, no, nil), src("ufw", stateNotInstalled, nil, nil), src("firewalld", stateNotInstalled, nil, nil)},
			InputChains: []inputChain{{Family: "ip", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{iPv4}}},
			IPv6:        iPv6Present,
		}}, checks.Fail, "inet"},
		{"linux nft ip chain only, no IPv6", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, no, nil), src("ip6tables", stateRead, no, nil)},
			InputChains: []inputChain{{Family: "ip", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{iPv4}}},
			IPv6:        iPv6Disabled,
		}}, checks.Pass, ""},
		{"linux nft ip chain only, IPv6 unread", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, no, nil), src("ip6tables", stateRead, no, nil)},
			InputChains: []inputChain{{Family: "ip", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{iPv4}}},
			IPv6:        iPv6Unread,
		}}, checks.Unknown, "IT support"},
		{"linux drop policy, accept-all rule", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, no, nil), src("iptables", stateRead, no, nil), src("ip6tables", stateRead, no, nil)},
			InputChains: []inputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "drop", Default: "accept", AcceptsAll: true, AcceptRule: `iifname != "lo" accept`}},
			IPv6:        iPv6Present,
		}}, checks.Fail, `iifname != "lo" accept`},
		{"linux Fedora Workstation's zone: every port above 1024", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, no, nil), src("iptables", stateRead, no, nil), src("ip6tables", stateRead, no, nil)},
			InputChains: []inputChain{{Family: "inet", Table: "firewalld", Chain: "filter_INPUT", Policy: "accept", Default: "accept", AcceptsAll: true, AcceptRule: "tcp dport 1025-65535" + manyPortsNote + " accept"}},
			IPv6:        iPv6Present,
		}}, checks.Fail, "firewall-cmd --set-default-zone=public"},
		{"linux DNS answers let in by source port", facts{OS: "linux", Linux: &linuxFacts{
			Sources:     []source{src("nft", stateRead, no, nil), src("iptables", stateRead, no, nil), src("ip6tables", stateRead, no, nil)},
			InputChains: []inputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "drop", Default: "accept", AcceptsAll: true, AcceptRule: "udp sport 53" + sourcePortNote + " accept"}},
			IPv6:        iPv6Present,
		}}, checks.Fail, "ct state established,related accept"},
		{"linux iptables and ip6tables reject", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateNotInstalled, nil, nil), src("iptables", stateRead, yes, nil), src("ip6tables", stateRead, yes, nil)}}}, checks.Pass, ""},
		{"linux iptables reject, ip6tables accept", facts{OS: "linux", Linux: &linuxFacts{IPv6: iPv6Present, Sources: []source{
			src("nft", stateNotInstalled, nil, nil), src("iptables", stateRead, yes, nil), src("ip6tables", stateRead, no, nil)}}}, checks.Fail, "IPv4"},
		{"linux empty ruleset", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateRead, no, nil), src("iptables", stateRead, no, nil),
			src("ufw", stateNotInstalled, nil, nil), src("firewalld", stateNotInstalled, nil, nil)}}}, checks.Fail, "systemctl enable --now nftables"},
		{"linux ruleset open but ufw says deny", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateRead, no, nil), src("iptables", stateRead, no, nil),
			src("ufw", stateRead, yes, yes)}}}, checks.Fail, "Docker"},
		{"linux ruleset open, firewalld running", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateRead, no, nil), src("firewalld", stateRead, nil, yes)}}}, checks.Fail, "Docker"},
		{"linux denied, ufw active deny", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateDenied, nil, nil), src("iptables", stateDenied, nil, nil), src("ufw", stateRead, yes, yes)}}}, checks.Unknown, "root"},
		{"linux denied, firewalld running", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateDenied, nil, nil), src("firewalld", stateRead, nil, yes)}}}, checks.Unknown, "root"},
		{"linux denied, firewalld not running", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateDenied, nil, nil), src("iptables", stateDenied, nil, nil),
			src("ufw", stateNotInstalled, nil, nil), src("firewalld", stateRead, nil, no)}}}, checks.Unknown, "root"},
		{"linux nothing installed", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateNotInstalled, nil, nil), src("iptables", stateNotInstalled, nil, nil),
			src("ufw", stateNotInstalled, nil, nil), src("firewalld", stateNotInstalled, nil, nil)}}}, checks.Fail, "sudo ufw enable"},
		{"linux tools missing, ufw inactive", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateNotInstalled, nil, nil), src("iptables", stateNotInstalled, nil, nil),
			src("ufw", stateRead, no, no), src("firewalld", stateNotInstalled, nil, nil)}}}, checks.Fail, "sudo ufw enable"},
		{"linux unrecognised", facts{OS: "linux", Linux: &linuxFacts{Sources: []source{
			src("nft", stateUnrecognised, nil, nil), src("iptables", stateNotInstalled, nil, nil)}}}, checks.Unknown, "IT support"},
		{"linux legacy hidden", facts{OS: "linux", Linux: &linuxFacts{LegacyTablesPresent: true, Sources: []source{
			src("nft", stateRead, no, nil), src("iptables", stateRead, no, nil)}}}, checks.Unknown, "older way"},

		{"mac on", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(1)}}, checks.Pass, ""},
		{"mac block all", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(2)}}, checks.Pass, ""},
		{"mac ALF plist, macOS 14", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(1), Source: "alf_plist", MacOSVersion: "14.6.1"}}, checks.Pass, ""},
		{"mac ALF plist, macOS 10.15", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(0), Source: "alf_plist", MacOSVersion: "10.15.7"}}, checks.Fail, ""},
		{"mac ALF plist, macOS 15", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(1), Source: "alf_plist", MacOSVersion: "15.0"}}, checks.Unknown, ""},
		{"mac ALF plist, macOS 26", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(0), Source: "alf_plist", MacOSVersion: "26.1"}}, checks.Unknown, ""},
		{"mac ALF plist, version unread (older agent)", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(1), Source: "alf_plist"}}, checks.Unknown, ""},
		{"mac ALF plist stale, profile enables", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(0), Source: "alf_plist", MacOSVersion: "15.1", ManagedEnable: yes}}, checks.Pass, ""},
		{"mac off", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(0)}}, checks.Fail, "System Settings > Network > Firewall"},
		{"mac off by profile", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(0), ManagedEnable: no}}, checks.Fail, "organisation"},
		{"mac off, profile says on", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(0), ManagedEnable: yes}}, checks.Fail, "System Settings"},
		{"mac profile only", facts{OS: "darwin", Darwin: &darwinFacts{ManagedEnable: yes}}, checks.Pass, ""},
		{"mac nothing", facts{OS: "darwin", Darwin: &darwinFacts{ManagedEnable: no}}, checks.Unknown, "System Settings"},
		{"mac bad state", facts{OS: "darwin", Darwin: &darwinFacts{GlobalState: ptr(7)}}, checks.Unknown, ""},

		{"win third party on", facts{OS: "windows", Windows: &windowsFacts{ThirdParty: []product{{Name: "X", Enabled: true}},
			Profiles: []profile{{Name: profilePublic, Enabled: no}}, ActiveProfiles: []string{profilePublic}}}, checks.Pass, ""},
		{"win profiles on, MpsSvc stopped", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, Services: []service{
			{Name: "MpsSvc", State: "Stopped", StartMode: "Manual", Source: "wmi"}, running[1]}}}, checks.Fail, "service back on"},
		{"win profiles on, BFE disabled in registry", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, Services: []service{
			{Name: "MpsSvc", StartMode: "Auto", Source: "registry"}, {Name: "BFE", StartMode: "Disabled", Source: "registry"}}}}, checks.Fail, "service back on"},
		{"win profiles on, services from registry only", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, Services: []service{
			{Name: "MpsSvc", StartMode: "Auto", Source: "registry"}, {Name: "BFE", StartMode: "Auto", Source: "registry"}}}}, checks.Unknown, "Windows Security"},
		{"win netsh on, services from registry", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, ProfilesSource: "netsh", Services: []service{
			{Name: "MpsSvc", StartMode: "Auto", Source: "registry"}, {Name: "BFE", StartMode: "Auto", Source: "registry"}}}}, checks.Unknown, ""},
		{"win profiles on, services running", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, Services: running, ExclusionsRead: true}}, checks.Pass, ""},
		{"win profiles on, exclusions unread (older agent)", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, Services: running}}, checks.Unknown, ""},
		{"win adapter in use excluded", facts{OS: "windows", Windows: &windowsFacts{Services: running, ExclusionsRead: true,
			Profiles:       []profile{{Name: profilePublic, Enabled: yes, ExcludedAdapters: []string{"Ethernet", "wi-fi"}}},
			ActiveProfiles: []string{profilePublic}, Connections: []connection{{Adapter: "Wi-Fi", Profile: profilePublic}}}}, checks.Fail, "network adapter"},
		{"win adapter excluded on another profile", facts{OS: "windows", Windows: &windowsFacts{Services: running, ExclusionsRead: true,
			Profiles:       []profile{{Name: profilePrivate, Enabled: yes, ExcludedAdapters: []string{"Wi-Fi"}}, {Name: profilePublic, Enabled: yes}},
			ActiveProfiles: []string{profilePublic}, Connections: []connection{{Adapter: "Wi-Fi", Profile: profilePublic}}}}, checks.Pass, ""},
		{"win virtual switch excluded", facts{OS: "windows", Windows: &windowsFacts{Services: running, ExclusionsRead: true,
			Profiles:       []profile{{Name: profilePublic, Enabled: yes, ExcludedAdapters: []string{"vEthernet (WSL)"}}},
			ActiveProfiles: []string{profilePublic}, Connections: []connection{{Adapter: "vEthernet (WSL)", Profile: profilePublic}}}}, checks.Pass, ""},
		{"win external virtual switch excluded", facts{OS: "windows", Windows: &windowsFacts{Services: running, ExclusionsRead: true,
			Profiles:       []profile{{Name: profilePublic, Enabled: yes, ExcludedAdapters: []string{"vEthernet (External)"}}},
			ActiveProfiles: []string{profilePublic}, Connections: []connection{{Adapter: "vEthernet (External)", Profile: profilePublic, ReachesInternet: true}}}}, checks.Fail, ""},
		{"win adapter excluded, adapters in use unread", facts{OS: "windows", Windows: &windowsFacts{Services: running, ExclusionsRead: true,
			Profiles: []profile{{Name: profilePublic, Enabled: yes, ExcludedAdapters: []string{"Wi-Fi"}}}}}, checks.Unknown, ""},
		{"win MpsSvc stopped, third party on", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, Services: []service{
			{Name: "MpsSvc", State: "Stopped", StartMode: "Disabled", Source: "wmi"}, running[1]}, ThirdParty: []product{{Name: "X", Enabled: true}}}}, checks.Pass, ""},
		{"win MpsSvc stopped, Security Center unread", facts{OS: "windows", Windows: &windowsFacts{Profiles: onProfiles, SecurityCenter: "unread", Services: []service{
			{Name: "MpsSvc", State: "Stopped", StartMode: "Disabled", Source: "wmi"}, running[1]}}}, checks.Unknown, "Windows Security"},
		{"win no profiles", facts{OS: "windows", Windows: &windowsFacts{Errors: []string{"denied"}}}, checks.Unknown, "Windows Security"},
		{"win active on, other off", facts{OS: "windows", Windows: &windowsFacts{Services: running,
			Profiles:       []profile{{Name: profileDomain, Enabled: no}, {Name: profilePrivate, Enabled: yes}, {Name: profilePublic, Enabled: no}},
			ActiveProfiles: []string{profilePrivate}, ExclusionsRead: true}}, checks.Pass, ""},
		{"win active off", facts{OS: "windows", Windows: &windowsFacts{
			Profiles:       []profile{{Name: profilePrivate, Enabled: yes}, {Name: profilePublic, Enabled: no}},
			ActiveProfiles: []string{profilePublic}}}, checks.Fail, "network you are on"},
		{"win two active, one off", facts{OS: "windows", Windows: &windowsFacts{
			Profiles:       []profile{{Name: profilePrivate, Enabled: yes}, {Name: profilePublic, Enabled: no}},
			ActiveProfiles: []string{profilePrivate, profilePublic}}}, checks.Fail, "network you are on"},
		{"win policy off", facts{OS: "windows", Windows: &windowsFacts{
			Profiles:       []profile{{Name: profilePublic, Enabled: no, GroupPolicy: true}},
			ActiveProfiles: []string{profilePublic}}}, checks.Fail, "organisation"},
		{"win unknown network, all off", facts{OS: "windows", Windows: &windowsFacts{
			Profiles: []profile{{Name: profileDomain, Enabled: no}, {Name: profilePrivate, Enabled: no}, {Name: profilePublic, Enabled: no}}}}, checks.Fail, "every network type"},
		{"win unknown network, some off", facts{OS: "windows", Windows: &windowsFacts{Services: running,
			Profiles: []profile{{Name: profileDomain, Enabled: no}, {Name: profilePrivate, Enabled: yes}, {Name: profilePublic, Enabled: yes}}}}, checks.Warn, "every network type"},
		{"win inbound allowed", facts{OS: "windows", Windows: &windowsFacts{
			Profiles: []profile{{Name: profilePublic, Enabled: yes, InboundAllowed: true}}, ActiveProfiles: []string{profilePublic}}}, checks.Fail, "block incoming"},
		{"win state unread", facts{OS: "windows", Windows: &windowsFacts{
			Profiles: []profile{{Name: profilePublic}}, ActiveProfiles: []string{profilePublic}}}, checks.Unknown, "Windows Security"},
		{"win active names unknown to profiles", facts{OS: "windows", Windows: &windowsFacts{Services: running,
			Profiles: []profile{{Name: profilePublic, Enabled: yes}}, ActiveProfiles: []string{"Current"}, ExclusionsRead: true}}, checks.Pass, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := evaluate(tc.f, checks.Catalogue{Check}.Default())
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s: %+v", r.Status, tc.want, r)
			}
			if r.Summary == "" || strings.Contains(r.Summary, "\n") {
				t.Errorf("summary %q is not one line", r.Summary)
			}
			if r.Status != checks.Pass && r.Fix == "" {
				t.Errorf("no fix for %s", r.Status)
			}
			if r.Status == checks.Pass && (r.Fix != "" || r.Reason != "") {
				t.Errorf("pass with fix/reason: %+v", r)
			}
			if r.Status == checks.Unknown && r.Reason == "" {
				t.Errorf("unknown without reason")
			}
			if !strings.Contains(strings.ToLower(r.Fix), strings.ToLower(tc.fixContains)) {
				t.Errorf("fix %q does not mention %q", r.Fix, tc.fixContains)
			}
		})
	}
}
