package firewall

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/internal/macfw"
)

func TestParseNftJSON(t *testing.T) {
	tests := []struct {
		file       string
		wantErr    bool
		tables     int
		chains     int
		filtering  bool
		def        string // Default of the first input chain
		acceptsAll bool
		fronts     []string
		// unsureIptables: iptables-nft compat matches (xt) in accepting
		// rules, which only iptables -S shows whole.
		unsureIptables bool
	}{
		{file: "nft/empty_netns.json", tables: 0, chains: 0},
		{file: "nft/legacy_only_empty.json", tables: 0, chains: 0},
		{file: "nft/policy_drop.json", tables: 1, chains: 1, filtering: true, def: "drop"},
		{file: "nft/accept_empty.json", tables: 1, chains: 1, def: "accept"},
		{file: "nft/debian_workstation.json", tables: 1, chains: 1, filtering: true, def: "drop"},
		{file: "nft/firewalld.json", tables: 1, chains: 1, filtering: true, def: "reject", fronts: []string{"firewalld"}},
		{file: "nft/output_only_drop.json", tables: 1, chains: 1, def: "accept"},
		{file: "nft/accept_then_drop_rule.json", tables: 1, chains: 1, filtering: true, def: "drop"},
		{file: "nft/drop_with_accept_all.json", tables: 1, chains: 1, def: "accept", acceptsAll: true},
		{file: "nft/ip6_only.json", tables: 1, chains: 1, filtering: true, def: "drop"},
		{file: "nft/netdev_and_nat.json", tables: 2, chains: 0},
		{file: "nft/jump_to_drop_chain.json", tables: 1, chains: 1, filtering: true, def: "drop"},
		{file: "nft/ufw_iptables_nft.json", tables: 1, chains: 1, def: "drop", fronts: []string{"ufw"}, unsureIptables: true},
		{file: "nft/docker_iptables_nft.json", tables: 2, chains: 1, def: "accept", fronts: []string{"docker"}},
		{file: "nft/rhel_reject_iptables_nft.json", tables: 1, chains: 1, def: "reject", unsureIptables: true},
		{file: "nft/ufw_docker_iptables_nft.json", tables: 2, chains: 1, def: "accept", fronts: []string{"docker", "ufw"}},
		{file: "nft/text_not_json.txt", wantErr: true},
		{file: "nft/denied_stderr.txt", wantErr: true},
		{file: "nft/json_not_compiled_stderr.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			rs, err := parseNftJSON(checktest.ReadOptionalParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if !errors.Is(err, errUnrecognised) {
					t.Errorf("err = %v, want ErrUnrecognised", err)
				}
				return
			}
			if rs.Tables != tc.tables || len(rs.InputChains) != tc.chains {
				t.Errorf("tables %d chains %d, want %d %d: %+v", rs.Tables, len(rs.InputChains), tc.tables, tc.chains, rs.InputChains)
			}
			if got := rs.FilteringFamily(iPv4) || rs.FilteringFamily(iPv6); got != tc.filtering {
				t.Errorf("filtering some family = %v, want %v: %+v", got, tc.filtering, rs.InputChains)
			}
			if tc.chains > 0 {
				c := rs.InputChains[0]
				if c.Default != tc.def || c.AcceptsAll != tc.acceptsAll || c.UnsureIptables != tc.unsureIptables {
					t.Errorf("chain %+v, want default %q acceptsAll %v unsureIptables %v", c, tc.def, tc.acceptsAll, tc.unsureIptables)
				}
			}
			if len(rs.FrontEnds) != len(tc.fronts) {
				t.Fatalf("front ends %v, want %v", rs.FrontEnds, tc.fronts)
			}
			for i := range tc.fronts {
				if rs.FrontEnds[i] != tc.fronts[i] {
					t.Errorf("front ends %v, want %v", rs.FrontEnds, tc.fronts)
				}
			}
		})
	}
}

func TestParseIptablesS(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		wantErr        bool
		policy         string
		def            string
		filtering      bool
		legacy, ufw    bool
		docker         bool
	}{
		{stdout: "iptables/ufw.txt", policy: "DROP", def: "drop", filtering: true, ufw: true},
		{stdout: "iptables/legacy_ufw.txt", policy: "DROP", def: "drop", filtering: true, ufw: true},
		{stdout: "iptables/docker.txt", policy: "ACCEPT", def: "accept", docker: true},
		// Docker's rules restored over ufw's reset the INPUT policy to ACCEPT:
		// ufw's chains return local traffic, so nothing is filtered.
		{stdout: "iptables/ufw_docker.txt", policy: "ACCEPT", def: "accept", ufw: true, docker: true},
		{stdout: "iptables/rhel_reject.txt", policy: "ACCEPT", def: "reject", filtering: true},
		{stdout: "iptables/empty_accept.txt", policy: "ACCEPT", def: "accept"},
		{stdout: "iptables/accept_policy_comment_drop.txt", policy: "ACCEPT", def: "drop", filtering: true},
		{stdout: "iptables/drop_policy_accept_all.txt", policy: "DROP", def: "accept"},
		{stdout: "iptables/legacy_warning_stdout.txt", stderr: "iptables/legacy_warning_stderr.txt", policy: "ACCEPT", def: "accept", legacy: true},
		{stdout: "iptables/list_not_S.txt", wantErr: true},
		{stderr: "iptables/denied_stderr.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.stdout+tc.stderr, func(t *testing.T) {
			in, err := parseIptablesS(checktest.ReadOptionalParserData(t, tc.stdout), checktest.ReadOptionalParserData(t, tc.stderr), "")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if !errors.Is(err, errUnrecognised) {
					t.Errorf("err = %v, want ErrUnrecognised", err)
				}
				return
			}
			if in.Policy != tc.policy || in.Default != tc.def || in.Filtering != tc.filtering {
				t.Errorf("got policy %q default %q filtering %v, want %q %q %v", in.Policy, in.Default, in.Filtering, tc.policy, tc.def, tc.filtering)
			}
			if in.LegacyTablesPresent != tc.legacy || in.UFW != tc.ufw || in.Docker != tc.docker {
				t.Errorf("legacy %v ufw %v docker %v, want %v %v %v", in.LegacyTablesPresent, in.UFW, in.Docker, tc.legacy, tc.ufw, tc.docker)
			}
		})
	}
}

func TestDeniedDetection(t *testing.T) {
	if !nftDenied(checktest.ReadOptionalParserData(t, "nft/denied_stderr.txt")) {
		t.Error("nft denial not recognised")
	}
	if nftDenied(checktest.ReadOptionalParserData(t, "nft/json_not_compiled_stderr.txt")) {
		t.Error("missing JSON support taken for a denial")
	}
	if !iptablesDenied(checktest.ReadOptionalParserData(t, "iptables/denied_stderr.txt")) {
		t.Error("iptables denial not recognised")
	}
	if iptablesDenied(checktest.ReadOptionalParserData(t, "iptables/legacy_warning_stderr.txt")) {
		t.Error("legacy warning taken for a denial")
	}
}

func TestParseUFWStatus(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		wantErr        bool
		want           ufwStatus
	}{
		{stdout: "ufw/active_deny.txt", want: ufwStatus{Active: true, DefaultIncoming: "deny"}},
		{stdout: "ufw/active_reject_no_logging.txt", want: ufwStatus{Active: true, DefaultIncoming: "reject"}},
		{stdout: "ufw/active_allow_incoming.txt", want: ufwStatus{Active: true, DefaultIncoming: "allow"}},
		{stdout: "ufw/inactive.txt", want: ufwStatus{}},
		{stderr: "ufw/needs_root_stderr.txt", want: ufwStatus{NeedsRoot: true}},
		{stderr: "ufw/init_error.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.stdout+tc.stderr, func(t *testing.T) {
			got, err := parseUFWStatus(checktest.ReadOptionalParserData(t, tc.stdout), checktest.ReadOptionalParserData(t, tc.stderr))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseFirewalldState(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		exit           int
		running        bool
		wantErr        bool
	}{
		{stdout: "firewalld/running_stdout.txt", exit: 0, running: true},
		{stderr: "firewalld/not_running_stderr.txt", exit: 252},
		{stderr: "firewalld/not_running_stderr.txt", exit: 1, wantErr: true},
		{stderr: "firewalld/polkit_denied_stderr.txt", exit: 1, wantErr: true},
		{stdout: "firewalld/running_stdout.txt", exit: 252, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.stdout+tc.stderr, func(t *testing.T) {
			got, err := parseFirewalldState(checktest.ReadOptionalParserData(t, tc.stdout), checktest.ReadOptionalParserData(t, tc.stderr), tc.exit)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.running {
				t.Errorf("running = %v, want %v", got, tc.running)
			}
		})
	}
}

// stateCase is a captured file and the number a parser reads from it, or
// that it fails on it.
type stateCase struct {
	file    string
	want    int
	wantErr bool
}

// runStateCases runs parse on each case's file in a subtest named prefix
// and the file; what names the number in failure messages.
func runStateCases(t *testing.T, prefix, what string, parse func([]byte) (int, error), cases []stateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(prefix+tc.file, func(t *testing.T) {
			got, err := parse(checktest.ReadOptionalParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("%s = %d, want %d", what, got, tc.want)
			}
		})
	}
}

func TestParseSocketFilterFW(t *testing.T) {
	stdout := func(b []byte) (int, error) { return macfw.ParseGlobalState(b, nil) }
	runStateCases(t, "", "state", stdout, []stateCase{
		{file: "socketfilterfw/enabled_state1.txt", want: alfOn},
		{file: "socketfilterfw/disabled_state0.txt", want: alfOff},
		{file: "socketfilterfw/block_all_state2.txt", want: alfBlockAll},
		{file: "socketfilterfw/blocking_all_text.txt", want: alfBlockAll},
		{file: "socketfilterfw/enabled_no_number.txt", want: alfOn},
		{file: "socketfilterfw/must_be_root.txt", wantErr: true},
		{file: "socketfilterfw/empty.txt", wantErr: true},
	})
}

func TestParseSPFirewall(t *testing.T) {
	runStateCases(t, "", "state", parseSPFirewall, []stateCase{
		{file: "system_profiler/macos15_on_limit.json", want: alfOn},
		{file: "system_profiler/macos15_off_allow_all.json", want: alfOff},
		{file: "system_profiler/block_all.json", want: alfBlockAll},
		{file: "system_profiler/unknown_state.json", wantErr: true},
		{file: "system_profiler/empty_list.json", wantErr: true},
		{file: "system_profiler/not_json.txt", wantErr: true},
	})
}

func ptr[T any](v T) *T { return &v }

func TestParsePlists(t *testing.T) {
	managed := []struct {
		file             string
		enable, blockAll *bool
		wantErr          bool
	}{
		{file: "plist/managed_enabled.xml.plist", enable: ptr(true), blockAll: ptr(false)},
		{file: "plist/managed_disabled.xml.plist", enable: ptr(false)},
		{file: "plist/managed_stealth_only.xml.plist"},
		{file: "plist/managed_block_all.binary.plist", enable: ptr(true), blockAll: ptr(true)},
		{file: "plist/garbage.txt", wantErr: true},
	}
	eq := func(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	for _, tc := range managed {
		t.Run(tc.file, func(t *testing.T) {
			m, err := parseManagedFirewallPlist(checktest.ReadOptionalParserData(t, tc.file))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !eq(m.EnableFirewall, tc.enable) || !eq(m.BlockAllIncoming, tc.blockAll) {
				t.Errorf("got enable %v blockAll %v", m.EnableFirewall, m.BlockAllIncoming)
			}
		})
	}
	runStateCases(t, "alf/", "globalstate", parseALFPlist, []stateCase{
		{file: "plist/alf_globalstate1.xml.plist", want: 1},
		{file: "plist/alf_globalstate0.xml.plist", want: 0},
		{file: "plist/alf_globalstate2.binary.plist", want: 2},
		{file: "plist/managed_enabled.xml.plist", wantErr: true},
		{file: "plist/garbage.txt", wantErr: true},
	})
}

func TestParseNetshProfiles(t *testing.T) {
	type want struct {
		name           string
		enabled        bool
		inboundAllowed bool
	}
	tests := []struct {
		file    string
		want    []want
		wantErr bool
	}{
		{file: "netsh/en_public_on.txt", want: []want{{profilePublic, true, false}}},
		{file: "netsh/en_private_off.txt", want: []want{{profilePrivate, false, false}}},
		{file: "netsh/en_public_allow_inbound.txt", want: []want{{profilePublic, true, true}}},
		{file: "netsh/en_domain_on_public_off.txt", want: []want{{profileDomain, true, false}, {profilePublic, false, false}}},
		{file: "netsh/de_public_on.txt", want: []want{{profilePublic, true, false}}},
		{file: "netsh/de_private_off.txt", want: []want{{profilePrivate, false, false}}},
		{file: "netsh/fr_public_actif.txt", want: []want{{profilePublic, true, false}}},
		{file: "netsh/service_not_running.txt", wantErr: true},
		{file: "netsh/unknown_state_word.txt", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := parseNetshProfiles(string(checktest.ReadOptionalParserData(t, tc.file)))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d profiles %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Name != w.name || g.Enabled == nil || *g.Enabled != w.enabled || g.InboundAllowed != w.inboundAllowed {
					t.Errorf("profile %d = %+v (enabled %v), want %+v", i, g, g.Enabled, w)
				}
			}
		})
	}
}

// TestProductEnabled: a third-party firewall counts only when Security
// Center says it is on (package wsc decodes the state for the anti-virus
// check too); expired, like snoozed and off, is not protecting.
func TestProductEnabled(t *testing.T) {
	tests := []struct {
		state int64
		want  bool
	}{
		{266240, true},      // 0x41000: on, up to date
		{262144, false},     // 0x40000: off
		{397312, true},      // 0x61000
		{393472, false},     // 0x60100: off, out of date
		{0x43000, false},    // expired: no longer protecting
		{0x42000, false},    // snoozed
		{0x1000, false},     // on, but no provider: not Security Center's layout
		{0x7FFFFFFF, false}, // unrecognised
	}
	for _, tc := range tests {
		if got := productEnabled(tc.state); got != tc.want {
			t.Errorf("productEnabled(%#x) = %v, want %v", tc.state, got, tc.want)
		}
	}
}

// TestSplitStatement: a statement is an object of exactly one member; the
// hand-cut path and encoding/json agree on every shape.
func TestSplitStatement(t *testing.T) {
	for _, tc := range []struct {
		in, name, val string
		ok            bool
	}{
		{`{"accept":null}`, "accept", "null", true},
		{` { "match" : {"op":"==","left":1,"right":2} } `, "match", `{"op":"==","left":1,"right":2}`, true},
		{`{"jump":{"target":"x"}}`, "jump", `{"target":"x"}`, true},
		{`{"m\u0061tch":{"op":"=="}}`, "match", `{"op":"=="}`, true}, // an escape: through encoding/json
		{`{"match":{"op":"=="},"accept":null}`, "", "", false},       // two members
		{`{}`, "", "", false},
		{`[{"accept":null}]`, "", "", false},
		{`{"accept":}`, "", "", false},
		{`"accept"`, "", "", false},
	} {
		name, val, ok := splitStatement(json.RawMessage(tc.in))
		if ok != tc.ok || name != tc.name || strings.TrimSpace(string(val)) != tc.val {
			t.Errorf("%s: %q %s %v, want %q %s %v", tc.in, name, val, ok, tc.name, tc.val, tc.ok)
		}
	}
}
