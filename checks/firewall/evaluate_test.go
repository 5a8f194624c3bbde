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
	tests := []struct {
		name        string
		f           Facts
		want        checks.Status
		fixContains string
	}{
		{"no facts", Facts{OS: "plan9"}, checks.Unknown, "could not tell"},
		{"linux nft drop chain", Facts{OS: "linux", Linux: &LinuxFacts{
			Sources:     []Source{src("nft", StateRead, yes, nil)},
			InputChains: []InputChain{{Family: "inet", Table: "filter", Chain: "input", Policy: "drop", Default: "drop", Filtering: true}},
		}}, checks.Pass, ""},
		{"linux iptables reject", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateNotInstalled, nil, nil), src("iptables", StateRead, yes, nil)}}}, checks.Pass, ""},
		{"linux empty ruleset", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateRead, no, nil), src("iptables", StateRead, no, nil),
			src("ufw", StateNotInstalled, nil, nil), src("firewalld", StateNotInstalled, nil, nil)}}}, checks.Fail, "sudo ufw enable"},
		{"linux ruleset open but ufw says deny", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateRead, no, nil), src("iptables", StateRead, no, nil),
			src("ufw", StateRead, yes, yes)}}}, checks.Fail, "Docker"},
		{"linux ruleset open, firewalld running", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateRead, no, nil), src("firewalld", StateRead, nil, yes)}}}, checks.Fail, "Docker"},
		{"linux denied, ufw active deny", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateDenied, nil, nil), src("iptables", StateDenied, nil, nil), src("ufw", StateRead, yes, yes)}}}, checks.Pass, ""},
		{"linux denied, firewalld running", Facts{OS: "linux", Linux: &LinuxFacts{Sources: []Source{
			src("nft", StateDenied, nil, nil), src("firewalld", StateRead, nil, yes)}}}, checks.Pass, ""},
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
		{"win no profiles", Facts{OS: "windows", Windows: &WindowsFacts{Errors: []string{"denied"}}}, checks.Unknown, "Windows Security"},
		{"win active on, other off", Facts{OS: "windows", Windows: &WindowsFacts{
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
		{"win unknown network, some off", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfileDomain, Enabled: no}, {Name: ProfilePrivate, Enabled: yes}, {Name: ProfilePublic, Enabled: yes}}}}, checks.Warn, "every network type"},
		{"win inbound allowed", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfilePublic, Enabled: yes, InboundAllowed: true}}, ActiveProfiles: []string{ProfilePublic}}}, checks.Fail, "block incoming"},
		{"win state unread", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfilePublic}}, ActiveProfiles: []string{ProfilePublic}}}, checks.Unknown, "Windows Security"},
		{"win active names unknown to profiles", Facts{OS: "windows", Windows: &WindowsFacts{
			Profiles: []Profile{{Name: ProfilePublic, Enabled: yes}}, ActiveProfiles: []string{"Current"}}}, checks.Pass, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.f, checks.Default())
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
