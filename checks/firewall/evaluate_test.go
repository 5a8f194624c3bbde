package firewall

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func src(name, state string, filtering, active *bool) Source {
	return Source{Name: name, State: state, Filtering: filtering, Active: active}
}

func TestEvaluate(t *testing.T) {
	yes, no := ptr(true), ptr(false)
	running := []Service{{Name: "MpsSvc", State: "Running", StartMode: "Auto", Source: "wmi"}, {Name: "BFE", State: "Running", StartMode: "Auto", Source: "wmi"}}
	onProfiles := []Profile{{Name: "Domain", Enabled: yes}, {Name: "Private", Enabled: yes}, {Name: "Public", Enabled: yes}}
	tests := []struct {
		name        string
		f           Facts
		want        checks.Status
		fixContains string
	}{
		{"no facts", Facts{OS: "plan9"}, checks.Unknown, "could not tell"},
		{"linux nft drop chain", Facts{OS: "linux", Linux: &LinuxFacts{
			Sources:     []Source{src("nft", StateRead, yes, nil)},
			InputChains: []InputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{IPv4, IPv6}}},
		}}, checks.Pass, ""},
		{"linux nft ip chain only, IPv6 present", Facts{OS: "linux", Linux: &LinuxFacts{
			Sources:     []Source{src("nft", StateRead, no, nil), src("ip6tables", StateRead, no, nil), src("ufw", StateNotInstalled, nil, nil), src("firewalld", StateNotInstalled, nil, nil)},
			InputChains: []InputChain{{Family: "ip", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{IPv4}}},
			IPv6:        IPv6Present,
		}}, checks.Fail, "inet"},
		{"linux nft ip chain only, no IPv6", Facts{OS: "linux", Linux: &LinuxFacts{
			Sources:     []Source{src("nft", StateRead, no, nil), src("ip6tables", StateRead, no, nil)},
			InputChains: []InputChain{{Family: "ip", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{IPv4}}},
			IPv6:        IPv6Disabled,
		}}, checks.Pass, ""},
		{"linux nft ip chain only, IPv6 unread", Facts{OS: "linux", Linux: &LinuxFacts{
			Sources:     []Source{src("nft", StateRead, no, nil), src("ip6tables", StateRead, no, nil)},
			InputChains: []InputChain{{Family: "ip", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true, Filters: []string{IPv4}}},
			IPv6:        IPv6Unread,
		}}, checks.Unknown, "IT support"},
		{"linux drop policy, accept-all rule", Facts{OS: "linux", Linux: &LinuxFacts{
			Sources:     []Source{src("nft", StateRead, no, nil), src("iptables", StateRead, no, nil), src("ip6tables", StateRead, no, nil)},
			InputChains: []InputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "drop", Default: "accept", AcceptsAll: true, AcceptRule: `iifname != "lo" accept`}},
			IPv6:        IPv6Present,
		}}, checks.Fail, `iifname != "lo" accept`},
		{"linux iptables and ip6tables reject", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateNotInstalled, nil, nil), src("iptables", StateRead, yes, nil), src("ip6tables", StateRead, yes, nil)}}}, checks.Pass, ""},
		{"linux iptables reject, ip6tables accept", Facts{OS: "linux", Linux: &LinuxFacts{IPv6: IPv6Present, Sources: []Source{
			src("nft", StateNotInstalled, nil, nil), src("iptables", StateRead, yes, nil), src("ip6tables", StateRead, no, nil)}}}, checks.Fail, "IPv4"},
		{"linux empty ruleset", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateRead, no, nil), src("iptables", StateRead, no, nil),
			src("ufw", StateNotInstalled, nil, nil), src("firewalld", StateNotInstalled, nil, nil)}}}, checks.Fail, "systemctl enable --now nftables"},
		{"linux ruleset open but ufw says deny", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateRead, no, nil), src("iptables", StateRead, no, nil),
			src("ufw", StateRead, yes, yes)}}}, checks.Fail, "Docker"},
		{"linux ruleset open, firewalld running", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateRead, no, nil), src("firewalld", StateRead, nil, yes)}}}, checks.Fail, "Docker"},
		{"linux denied, ufw active deny", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateDenied, nil, nil), src("iptables", StateDenied, nil, nil), src("ufw", StateRead, yes, yes)}}}, checks.Unknown, "root"},
		{"linux denied, firewalld running", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateDenied, nil, nil), src("firewalld", StateRead, nil, yes)}}}, checks.Unknown, "root"},
		{"linux denied, firewalld not running", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateDenied, nil, nil), src("iptables", StateDenied, nil, nil),
			src("ufw", StateNotInstalled, nil, nil), src("firewalld", StateRead, nil, no)}}}, checks.Unknown, "root"},
		{"linux nothing installed", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateNotInstalled, nil, nil), src("iptables", StateNotInstalled, nil, nil),
			src("ufw", StateNotInstalled, nil, nil), src("firewalld", StateNotInstalled, nil, nil)}}}, checks.Fail, "sudo ufw enable"},
		{"linux tools missing, ufw inactive", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateNotInstalled, nil, nil), src("iptables", StateNotInstalled, nil, nil),
			src("ufw", StateRead, no, no), src("firewalld", StateNotInstalled, nil, nil)}}}, checks.Fail, "sudo ufw enable"},
		{"linux unrecognised", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateUnrecognised, nil, nil), src("iptables", StateNotInstalled, nil, nil)}}}, checks.Unknown, "IT support"},
		{"linux legacy hidden", Facts{OS: "linux", Linux: &LinuxFacts{LegacyTablesPresent: true, Sources: []Source{
			src("nft", StateRead, no, nil), src("iptables", StateRead, no, nil)}}}, checks.Unknown, "older way"},

		{"mac on", Facts{OS: "darwin", Darwin: &DarwinFacts{GlobalState: ptr(1)}}, checks.Pass, ""},
		{"mac block all", Facts{OS: "darwin", Darwin: &DarwinFacts{GlobalState: ptr(2)}}, checks.Pass, ""},
		{"mac off", Facts{OS: "darwin", Darwin: &DarwinFacts{GlobalState: ptr(0)}}, checks.Fail, "System Settings > Network > Firewall"},
		{"mac off by profile", Facts{OS: "darwin", Darwin: &DarwinFacts{GlobalState: ptr(0), ManagedEnable: no}}, checks.Fail, "organisation"},
		{"mac off, profile says on", Facts{OS: "darwin", Darwin: &DarwinFacts{GlobalState: ptr(0), ManagedEnable: yes}}, checks.Fail, "System Settings"},
		{"mac profile only", Facts{OS: "darwin", Darwin: &DarwinFacts{ManagedEnable: yes}}, checks.Pass, ""},
		{"mac nothing", Facts{OS: "darwin", Darwin: &DarwinFacts{ManagedEnable: no}}, checks.Unknown, "System Settings"},
		{"mac bad state", Facts{OS: "darwin", Darwin: &DarwinFacts{GlobalState: ptr(7)}}, checks.Unknown, ""},

		{"win third party on", Facts{OS: "windows", Windows: &WindowsFacts{ThirdParty: []Product{{Name: "X", Enabled: true}},
			Profiles: []Profile{{Name: ProfilePublic, Enabled: no}}, ActiveProfiles: []string{ProfilePublic}}}, checks.Pass, ""},
		{"win profiles on, MpsSvc stopped", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, Services: []Service{
			{Name: "MpsSvc", State: "Stopped", StartMode: "Manual", Source: "wmi"}, running[1]}}}, checks.Fail, "service back on"},
		{"win profiles on, BFE disabled in registry", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, Services: []Service{
			{Name: "MpsSvc", StartMode: "Auto", Source: "registry"}, {Name: "BFE", StartMode: "Disabled", Source: "registry"}}}}, checks.Fail, "service back on"},
		{"win profiles on, services from registry only", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, Services: []Service{
			{Name: "MpsSvc", StartMode: "Auto", Source: "registry"}, {Name: "BFE", StartMode: "Auto", Source: "registry"}}}}, checks.Unknown, "Windows Security"},
		{"win netsh on, services from registry", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, ProfilesSource: "netsh", Services: []Service{
			{Name: "MpsSvc", StartMode: "Auto", Source: "registry"}, {Name: "BFE", StartMode: "Auto", Source: "registry"}}}}, checks.Pass, ""},
		{"win profiles on, services running", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, Services: running}}, checks.Pass, ""},
		{"win MpsSvc stopped, third party on", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, Services: []Service{
			{Name: "MpsSvc", State: "Stopped", StartMode: "Disabled", Source: "wmi"}, running[1]}, ThirdParty: []Product{{Name: "X", Enabled: true}}}}, checks.Pass, ""},
		{"win MpsSvc stopped, Security Center unread", Facts{OS: "windows", Windows: &WindowsFacts{Profiles: onProfiles, SecurityCenter: "unread", Services: []Service{
			{Name: "MpsSvc", State: "Stopped", StartMode: "Disabled", Source: "wmi"}, running[1]}}}, checks.Unknown, "Windows Security"},
		{"win no profiles", Facts{OS: "windows", Windows: &WindowsFacts{Errors: []string{"denied"}}}, checks.Unknown, "Windows Security"},
		{"win active on, other off", Facts{OS: "windows", Windows: &WindowsFacts{Services: running,
			Profiles:       []Profile{{Name: ProfileDomain, Enabled: no}, {Name: ProfilePrivate, Enabled: yes}, {Name: ProfilePublic, Enabled: no}},
			ActiveProfiles: []string{ProfilePrivate}}}, checks.Pass, ""},
		{"win active off", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles:       []Profile{{Name: ProfilePrivate, Enabled: yes}, {Name: ProfilePublic, Enabled: no}},
			ActiveProfiles: []string{ProfilePublic}}}, checks.Fail, "network you are on"},
		{"win two active, one off", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles:       []Profile{{Name: ProfilePrivate, Enabled: yes}, {Name: ProfilePublic, Enabled: no}},
			ActiveProfiles: []string{ProfilePrivate, ProfilePublic}}}, checks.Fail, "network you are on"},
		{"win policy off", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles:       []Profile{{Name: ProfilePublic, Enabled: no, GroupPolicy: true}},
			ActiveProfiles: []string{ProfilePublic}}}, checks.Fail, "organisation"},
		{"win unknown network, all off", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfileDomain, Enabled: no}, {Name: ProfilePrivate, Enabled: no}, {Name: ProfilePublic, Enabled: no}}}}, checks.Fail, "every network type"},
		{"win unknown network, some off", Facts{OS: "windows", Windows: &WindowsFacts{Services: running,
			Profiles: []Profile{{Name: ProfileDomain, Enabled: no}, {Name: ProfilePrivate, Enabled: yes}, {Name: ProfilePublic, Enabled: yes}}}}, checks.Warn, "every network type"},
		{"win inbound allowed", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfilePublic, Enabled: yes, InboundAllowed: true}}, ActiveProfiles: []string{ProfilePublic}}}, checks.Fail, "block incoming"},
		{"win state unread", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfilePublic}}, ActiveProfiles: []string{ProfilePublic}}}, checks.Unknown, "Windows Security"},
		{"win active names unknown to profiles", Facts{OS: "windows", Windows: &WindowsFacts{Services: running,
			Profiles: []Profile{{Name: ProfilePublic, Enabled: yes}}, ActiveProfiles: []string{"Current"}}}, checks.Pass, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.f, checks.Catalogue{Check}.Default())
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
