package wifisecurity

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

func TestParseNmcliWifiList(t *testing.T) {
	tests := []struct {
		file       string
		recognised bool
		networks   int
		active     []connection
	}{
		{"nmcli/ci_nm_running_no_wifi_device.txt", true, 0, nil},
		{"nmcli/projection_open_active.txt", true, 11, []connection{{Security: secOpen, Raw: "(none)"}}},
		{"nmcli/de_active_wpa2.txt", true, 4, []connection{{Security: secWPA2, Raw: "WPA2"}}},
		{"nmcli/fr_active_wpa2_wpa3.txt", true, 3, []connection{{Security: secWPA3, Raw: "WPA2 WPA3"}}},
		{"nmcli/ja_active.txt", true, 1, []connection{{Security: secWPA2, Raw: "WPA2"}}},
		{"nmcli/owe_active_escaped.txt", true, 3, []connection{{Security: secOWE, Raw: "OWE"}}},
		{"nmcli/enterprise_active.txt", true, 2, []connection{{Security: secWPA2, Enterprise: true, Raw: "WPA2 802.1X"}}},
		{"nmcli/wep_active.txt", true, 2, []connection{{Security: secWEP, Raw: "WEP"}}},
		{"nmcli/none_active.txt", true, 2, nil},
		{"nmcli/old_nm_wpa_wpa2_active_flags.txt", true, 3, []connection{{Security: secWPA2, Mixed: true, Raw: "WPA WPA2"}}},
		{"nmcli/wpa1_wpa2_active_flags.txt", true, 2, []connection{{Security: secWPA2, Mixed: true, Raw: "WPA1 WPA2"}}},
		{"nmcli/wpa2_tkip_ccmp_active_flags.txt", true, 2, []connection{{Security: secWPA2, Mixed: true, Raw: "WPA2"}}},
		{"nmcli/wpa2_wpa3_active_flags.txt", true, 2, []connection{{Security: secWPA3, Cipher: "ccmp", Raw: "WPA2 WPA3"}}},
		{"nmcli/mixed_widths.txt", false, 0, nil},
		{"nmcli/all_fields_unrecognised.txt", false, 0, nil},
		{"nmcli/unknown_active_word.txt", false, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := parseNmcliWifiList(checktest.ReadParserData(t, tt.file))
			if got.Recognised != tt.recognised || got.Networks != tt.networks || len(got.Active) != len(tt.active) {
				t.Fatalf("got %+v, want recognised=%v networks=%d active=%v", got, tt.recognised, tt.networks, tt.active)
			}
			for i := range tt.active {
				if got.Active[i] != tt.active[i] {
					t.Errorf("active[%d] = %+v, want %+v", i, got.Active[i], tt.active[i])
				}
			}
		})
	}
}

func TestSplitTerse(t *testing.T) {
	got := splitTerse(`no:SSID-2-\\foo\:bar:WPA2`)
	want := []string{"no", `SSID-2-\foo:bar`, "WPA2"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestNmcliSecurity(t *testing.T) {
	tests := map[string]connection{
		"":                {Security: secOpen, Raw: "(none)"},
		"WPA1":            {Security: secWPA, Raw: "WPA1"},
		"WPA1 WPA2":       {Security: secWPA2, Mixed: true, Raw: "WPA1 WPA2"},
		"WPA WPA2":        {Security: secWPA2, Mixed: true, Raw: "WPA WPA2"},
		"WPA":             {Security: secWPA, Raw: "WPA"},
		"WPA2":            {Security: secWPA2, Raw: "WPA2"},
		"WPA2 WPA3":       {Security: secWPA3, Raw: "WPA2 WPA3"},
		"WPA1 WPA2 WPA3":  {Security: secWPA3, Mixed: true, Raw: "WPA1 WPA2 WPA3"},
		"WPA WPA2 802.1X": {Security: secWPA2, Enterprise: true, Mixed: true, Raw: "WPA WPA2 802.1X"},
		"WPA1 802.1X":     {Security: secWPA, Enterprise: true, Raw: "WPA1 802.1X"},
		"WPA3":            {Security: secWPA3, Raw: "WPA3"},
		"WPA2 SAE?":       {Raw: "WPA2 SAE?"},
		"OWE-TM":          {Security: secOpen, Raw: "OWE-TM"},
		"OWE":             {Security: secOWE, Raw: "OWE"},
	}
	for in, want := range tests {
		if got := nmcliSecurity(in); got != want {
			t.Errorf("NmcliSecurity(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestNmcliFlags(t *testing.T) {
	tests := []struct {
		security, wpa, rsn string
		want               connection
		g                  grade
	}{
		{"WPA2", "(none)", "pair_ccmp group_ccmp psk", connection{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2"}, gradeSecure},
		{"WPA2", "(none)", "pair_tkip pair_ccmp group_tkip psk", connection{Security: secWPA2, Mixed: true, Raw: "WPA2"}, gradeInsecure},
		{"WPA2", "(none)", "pair_ccmp group_tkip psk", connection{Security: secWPA2, Mixed: true, Raw: "WPA2"}, gradeInsecure},
		{"WPA2", "(none)", "pair_tkip group_tkip psk", connection{Security: secWPA2, Cipher: "tkip", Raw: "WPA2"}, gradeInsecure},
		{"WPA1 WPA2", "pair_ccmp group_ccmp psk", "pair_ccmp group_ccmp psk", connection{Security: secWPA2, Cipher: "ccmp", Mixed: true, Raw: "WPA1 WPA2"}, gradeInsecure},
		{"WPA2 WPA3", "(none)", "pair_ccmp group_ccmp psk sae", connection{Security: secWPA3, Cipher: "ccmp", Raw: "WPA2 WPA3"}, gradeSecure},
		{"WPA3", "(none)", "pair_ccmp group_ccmp sae", connection{Security: secWPA3, Cipher: "ccmp", Raw: "WPA3"}, gradeSecure},
		{"WPA2 802.1X", "(none)", "pair_ccmp group_ccmp 802.1X", connection{Security: secWPA2, Enterprise: true, Cipher: "ccmp", Raw: "WPA2 802.1X"}, gradeSecure},
		{"WPA1", "pair_tkip group_tkip psk", "(none)", connection{Security: secWPA, Cipher: "tkip", Raw: "WPA1"}, gradeInsecure},
		{"", "(none)", "(none)", connection{Security: secOpen, Raw: "(none)"}, gradeInsecure},
		// A translated "(none)" and flags naming no cipher leave it to
		// the SECURITY words.
		{"WPA2", "(aucun)", "psk", connection{Security: secWPA2, Raw: "WPA2"}, gradeSecure},
		{"WPA2", "（なし）", "pair_ccmp group_ccmp psk", connection{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2"}, gradeSecure},
	}
	for _, tt := range tests {
		got := nmcliFlags(nmcliSecurity(tt.security), tt.wpa, tt.rsn)
		if got != tt.want || gradeOf(got) != tt.g {
			t.Errorf("NmcliFlags(%q, %q, %q) = %+v grade %d, want %+v grade %d", tt.security, tt.wpa, tt.rsn, got, gradeOf(got), tt.want, tt.g)
		}
	}
}

func TestWordsSecurityMixedMode(t *testing.T) {
	tests := []struct {
		words string
		sec   string
		mixed bool
		g     grade
	}{
		{"WPA/WPA2 Personal", secWPA2, true, gradeInsecure},
		{"WPA/WPA2 Enterprise", secWPA2, true, gradeInsecure},
		{"WPA2 Personal", secWPA2, false, gradeSecure},
		{"WPA2/WPA3 Personal", secWPA3, false, gradeSecure},
		{"WPA3 Personal", secWPA3, false, gradeSecure},
		{"WPA Personal", secWPA, false, gradeInsecure},
		{"WPA2_PSK", secWPA2, false, gradeSecure},
		{"WPA3_SAE", secWPA3, false, gradeSecure},
		{"WPA-Personal", secWPA, false, gradeInsecure},
		{"WPA2-Personal", secWPA2, false, gradeSecure},
	}
	for _, tt := range tests {
		c := wordsSecurity(tt.words)
		if c.Security != tt.sec || c.Mixed != tt.mixed || gradeOf(c) != tt.g {
			t.Errorf("wordsSecurity(%q) = %+v grade %d, want %q mixed=%v grade %d", tt.words, c, gradeOf(c), tt.sec, tt.mixed, tt.g)
		}
	}
}

func TestParseWpaCliStatus(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		recognised     bool
		connected      bool
		denied         bool
		conn           connection
	}{
		{"wpa_cli/completed_wpa2_psk_ccmp.txt", "", true, true, false, connection{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2-PSK CCMP"}},
		{"wpa_cli/completed_wpa1_psk.txt", "", true, true, false, connection{Security: secWPA, Cipher: "ccmp", Raw: "WPA-PSK CCMP"}},
		{"wpa_cli/completed_wpa2_tkip.txt", "", true, true, false, connection{Security: secWPA2, Cipher: "tkip", Raw: "WPA2-PSK TKIP"}},
		{"wpa_cli/completed_wpa2_eap.txt", "", true, true, false, connection{Security: secWPA2, Enterprise: true, Cipher: "ccmp", Raw: "WPA2/IEEE 802.1X/EAP CCMP"}},
		{"wpa_cli/disconnected.txt", "", true, false, false, connection{}},
		{"", "wpa_cli/ci_no_supplicant.stderr", false, false, false, connection{}},
		{"", "wpa_cli/permission_denied.stderr", false, false, true, connection{}},
		{"wpa_cli/unrecognised.txt", "", false, false, false, connection{}},
	}
	for _, tt := range tests {
		t.Run(tt.stdout+tt.stderr, func(t *testing.T) {
			out := checktest.ReadOptionalParserData(t, tt.stdout)
			errb := checktest.ReadOptionalParserData(t, tt.stderr)
			got := parseWpaCliStatus(out, errb)
			if got.Recognised != tt.recognised || got.Connected != tt.connected || got.Denied != tt.denied || got.Conn != tt.conn {
				t.Errorf("got %+v, want recognised=%v connected=%v denied=%v conn=%+v", got, tt.recognised, tt.connected, tt.denied, tt.conn)
			}
		})
	}
}

func TestWpaKeyMgmt(t *testing.T) {
	tests := []struct {
		km, pair, group string
		sec             string
		grade           grade
	}{
		{"NONE", "NONE", "NONE", secOpen, gradeInsecure},
		{"NONE", "WEP-104", "WEP-104", secWEP, gradeInsecure},
		{"IEEE 802.1X (no WPA)", "WEP-104", "WEP-104", secWEP, gradeInsecure},
		{"SAE", "CCMP", "CCMP", secWPA3, gradeSecure},
		{"OWE", "CCMP", "CCMP", secOWE, gradeInsecure},
		{"WPA2-EAP-SUITE-B-192", "GCMP-256", "GCMP-256", secWPA3, gradeSecure},
		{"DPP", "CCMP", "CCMP", "", gradeUnknown},
		{"WPA2-PSK", "CCMP", "CCMP", secWPA2, gradeSecure},
		// A TKIP group key beside a CCMP pairwise one: the access point
		// is in WPA/WPA2 mixed mode.
		{"WPA2-PSK", "CCMP", "TKIP", secWPA2, gradeInsecure},
		{"WPA-PSK", "CCMP", "TKIP", secWPA, gradeInsecure},
	}
	for _, tt := range tests {
		c := wpaKeyMgmt(tt.km, tt.pair, tt.group)
		if c.Security != tt.sec || gradeOf(c) != tt.grade {
			t.Errorf("WpaKeyMgmt(%q, %q) = %+v grade %d, want %q grade %d", tt.km, tt.pair, c, gradeOf(c), tt.sec, tt.grade)
		}
	}
}

func TestParseIwctlStation(t *testing.T) {
	tests := []struct {
		file                              string
		recognised, connected, notRunning bool
		sec                               string
	}{
		{"iwctl/connected_wpa2_personal.txt", true, true, false, secWPA2},
		{"iwctl/connected_wpa3_ft.txt", true, true, false, secWPA3},
		{"iwctl/connected_wpa1.txt", true, true, false, secWPA},
		{"iwctl/connected_no_security_row.txt", true, true, false, ""},
		{"iwctl/disconnected.txt", true, false, false, ""},
		{"iwctl/ci_iwd_not_running.txt", false, false, true, ""},
		{"iwctl/unrecognised.txt", false, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := parseIwctlStation(checktest.ReadParserData(t, tt.file), nil)
			if got.Recognised != tt.recognised || got.Connected != tt.connected || got.NotRunning != tt.notRunning || got.Conn.Security != tt.sec {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestSysfsWireless(t *testing.T) {
	if !sysfsWireless([]byte("DEVTYPE=wlan\nINTERFACE=wlp2s0\nIFINDEX=3\n")) {
		t.Error("DEVTYPE=wlan not recognised")
	}
	if sysfsWireless([]byte("INTERFACE=eth0\nIFINDEX=2\n")) {
		t.Error("ethernet taken for wireless")
	}
}

func TestParseSystemProfiler(t *testing.T) {
	tests := []struct {
		file       string
		recognised bool
		state      string
		ifaces     int
		sec        []string
	}{
		{"system_profiler/macos15_open.json", true, stateConnected, 1, []string{secOpen}},
		{"system_profiler/macos15_wpa2.json", true, stateConnected, 1, []string{secWPA2}},
		{"system_profiler/macos15_wpa2_personal_mixed.json", true, stateConnected, 1, []string{secWPA2}},
		{"system_profiler/macos15_wpa3_transition.json", true, stateConnected, 1, []string{secWPA3}},
		{"system_profiler/macos10_open.json", true, stateConnected, 1, []string{secOpen}},
		{"system_profiler/macos15_wifi_off.json", true, stateNotConnected, 1, nil},
		{"system_profiler/macos12_not_associated.json", true, stateNotConnected, 1, nil},
		{"system_profiler/no_wifi_hardware.json", true, stateNone, 0, nil},
		{"system_profiler/unrecognised.txt", false, "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := parseSystemProfiler(checktest.ReadParserData(t, tt.file))
			if got.Recognised != tt.recognised || got.State != tt.state || got.Interfaces != tt.ifaces || len(got.Connections) != len(tt.sec) {
				t.Fatalf("got %+v", got)
			}
			for i, s := range tt.sec {
				mixed := strings.Contains(tt.file, "mixed")
				if got.Connections[i].Security != s || got.Connections[i].Mixed != mixed {
					t.Errorf("connection %d = %+v, want %s mixed=%v", i, got.Connections[i], s, mixed)
				}
			}
		})
	}
}

// TestParseSystemProfilerUnreadableInterface: an interface connected
// without a security mode, or with a status not recognised, is counted
// beside a connected one, never dropped.
func TestParseSystemProfilerUnreadableInterface(t *testing.T) {
	const wpa2 = `{"_name":"en0","spairport_wireless_card_type":"Wi-Fi","spairport_status_information":"spairport_status_connected","spairport_current_network_information":{"spairport_security_mode":"spairport_security_mode_wpa2_personal"}}`
	tests := []struct {
		name, other, state string
		conns, unreadable  int
	}{
		{"no security mode", `{"_name":"en7","spairport_wireless_card_type":"USB Wi-Fi","spairport_status_information":"spairport_status_connected","spairport_current_network_information":{}}`, stateConnected, 1, 1},
		{"status not recognised", `{"_name":"en7","spairport_wireless_card_type":"USB Wi-Fi","spairport_status_information":"spairport_status_roaming"}`, stateConnected, 1, 1},
		{"off", `{"_name":"en7","spairport_wireless_card_type":"USB Wi-Fi","spairport_status_information":"spairport_status_off"}`, stateConnected, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ifaces := range [][2]string{{wpa2, tt.other}, {tt.other, wpa2}} {
				doc := `{"SPAirPortDataType":[{"spairport_airport_interfaces":[` + ifaces[0] + `,` + ifaces[1] + `]}]}`
				got := parseSystemProfiler([]byte(doc))
				if got.State != tt.state || len(got.Connections) != tt.conns || got.Unreadable != tt.unreadable || got.Interfaces != 2 {
					t.Errorf("got %+v", got)
				}
			}
			alone := parseSystemProfiler([]byte(`{"SPAirPortDataType":[{"spairport_airport_interfaces":[` + tt.other + `]}]}`))
			if tt.unreadable > 0 && alone.State != stateUnknown {
				t.Errorf("alone: got %+v, want unknown", alone)
			}
		})
	}
}

func TestAirPortSecurity(t *testing.T) {
	tests := map[string]struct {
		sec string
		g   grade
	}{
		"pairport_security_mode_wpa3_transition":        {secWPA3, gradeSecure},
		"spairport_security_mode_wpa2_personal_mixed":   {secWPA2, gradeInsecure},
		"spairport_security_mode_wpa_personal_mixed":    {secWPA2, gradeInsecure},
		"spairport_security_mode_wpa2_enterprise_mixed": {secWPA2, gradeInsecure},
		"spairport_security_mode_wpa2_personal":         {secWPA2, gradeSecure},
		"spairport_security_mode_wpa3_transition":       {secWPA3, gradeSecure},
		"spairport_security_mode_wpa_personal":          {secWPA, gradeInsecure},
		"spairport_security_mode_wep":                   {secWEP, gradeInsecure},
		"spairport_security_mode_owe":                   {secOWE, gradeInsecure},
		"spairport_security_mode_wpa2_enterprise":       {secWPA2, gradeSecure},
		"spairport_security_mode_wps":                   {"", gradeUnknown},
		"spairport_security_mode_something_from_macos":  {"", gradeUnknown},
	}
	for in, want := range tests {
		c := airPortSecurity(in)
		if c.Security != want.sec || gradeOf(c) != want.g {
			t.Errorf("AirPortSecurity(%q) = %+v, want %q", in, c, want.sec)
		}
	}
}

func TestParseWdutilInfo(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		exit           int
		recognised     bool
		denied         bool
		state, sec     string
	}{
		{"wdutil/macos15_wpa2.txt", "", 0, true, false, stateConnected, secWPA2},
		{"wdutil/macos15_wpa_wpa2_personal.txt", "", 0, true, false, stateConnected, secWPA2},
		{"wdutil/macos15_wpa2_wpa3_personal.txt", "", 0, true, false, stateConnected, secWPA3},
		{"wdutil/macos_open.txt", "", 0, true, false, stateConnected, secOpen},
		{"wdutil/not_associated.txt", "", 0, true, false, stateNotConnected, ""},
		{"", "wdutil/not_root.stderr", 1, false, true, "", ""},
		{"wdutil/unrecognised.txt", "", 64, false, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.stdout+tt.stderr, func(t *testing.T) {
			out := checktest.ReadOptionalParserData(t, tt.stdout)
			errb := checktest.ReadOptionalParserData(t, tt.stderr)
			got := parseWdutilInfo(out, errb, tt.exit)
			if got.Recognised != tt.recognised || got.Denied != tt.denied || got.State != tt.state || got.Conn.Security != tt.sec {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestParseIpconfigSummary(t *testing.T) {
	tests := []struct {
		file       string
		recognised bool
		state, sec string
		enterprise bool
	}{
		{"ipconfig/wpa2_psk_ssid_redacted.txt", true, stateConnected, secWPA2, false},
		{"ipconfig/sha256_8021x_location_denied.txt", true, stateConnected, secWPA2, true},
		{"ipconfig/open_none.txt", true, stateConnected, secOpen, false},
		{"ipconfig/not_connected.txt", true, stateNotConnected, "", false},
		{"ipconfig/ethernet.txt", true, stateNone, "", false},
		{"ipconfig/unrecognised.txt", false, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := parseIpconfigSummary(checktest.ReadParserData(t, tt.file))
			if got.Recognised != tt.recognised || got.State != tt.state || got.Conn.Security != tt.sec || got.Conn.Enterprise != tt.enterprise {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestParseNetshInterfaces(t *testing.T) {
	tests := []struct {
		file     string
		codepage int
		state    string
		problem  string
		ifaces   int
		conns    []connection
	}{
		{"netsh/en_wpa2_personal.txt", 0, stateConnected, "", 1, []connection{{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2-Personal CCMP"}}},
		{"netsh/de_wpa2_enterprise.txt", 0, stateConnected, "", 1, []connection{{Security: secWPA2, Enterprise: true, Cipher: "ccmp", Raw: "WPA2-Enterprise CCMP"}}},
		{"netsh/de_wpa2_enterprise_cp850.bin", 850, stateConnected, "", 1, []connection{{Security: secWPA2, Enterprise: true, Cipher: "ccmp", Raw: "WPA2-Enterprise CCMP"}}},
		{"netsh/fr_open.txt", 0, stateConnected, "", 1, []connection{{Security: secOpen, Raw: "Ouvrir Aucun"}}},
		{"netsh/es_open.txt", 0, stateConnected, "", 1, []connection{{Security: secOpen, Raw: "Abierta Ninguna"}}},
		{"netsh/it_wpa2_personal.txt", 0, stateConnected, "", 1, []connection{{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2-Personal CCMP"}}},
		{"netsh/en_wpa_personal_tkip.txt", 0, stateConnected, "", 1, []connection{{Security: secWPA, Cipher: "tkip", Raw: "WPA-Personal TKIP"}}},
		{"netsh/en_two_adapters_tkip.txt", 0, stateConnected, "", 2, []connection{{Security: secWPA2, Cipher: "tkip", Raw: "WPA2-Personal TKIP"}}},
		{"netsh/unknown_labels_known_values.txt", 0, stateConnected, "", 1, []connection{{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2-Personal-X CCMP"}}},
		{"netsh/en_no_wireless_interface.txt", 0, stateNone, "", 0, nil},
		{"netsh/de_no_wireless_interface.txt", 0, stateNone, "", 0, nil},
		{"netsh/location_denied_win11_24h2.txt", 0, stateUnknown, problemLocationPermission, 0, nil},
		{"netsh/server_no_wlan_command.txt", 0, stateUnknown, problemUnrecognised, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			text := probe.DecodeConsole(checktest.ReadParserData(t, tt.file), tt.codepage)
			got := parseNetshInterfaces(text)
			if got.State != tt.state || got.Problem != tt.problem || got.Interfaces != tt.ifaces || len(got.Connections) != len(tt.conns) {
				t.Fatalf("got %+v", got)
			}
			for i := range tt.conns {
				if got.Connections[i] != tt.conns[i] {
					t.Errorf("connection %d = %+v, want %+v", i, got.Connections[i], tt.conns[i])
				}
			}
		})
	}
}

func TestNetshSecurity(t *testing.T) {
	tests := []struct {
		auth, cipher string
		sec          string
		g            grade
	}{
		{"Offen", "Keine", secOpen, gradeInsecure},
		{"Open", "WEP", secWEP, gradeInsecure},
		{"Shared", "WEP", secWEP, gradeInsecure},
		{"WPA-Personal", "TKIP", secWPA, gradeInsecure},
		{"WPA2-Personal", "CCMP", secWPA2, gradeSecure},
		{"WPA2-Personal", "TKIP", secWPA2, gradeInsecure},
		{"WPA2-Personal", "CCMP+TKIP", secWPA2, gradeInsecure},
		{"WPA3-Personal", "CCMP", secWPA3, gradeSecure},
		{"WPA3-Personal", "GCMP-256", secWPA3, gradeSecure},
		{"WPA2-パーソナル", "CCMP", secWPA2, gradeSecure},
		{"OWE", "CCMP", secOWE, gradeInsecure},
		{"Something new", "CCMP", "", gradeUnknown},
	}
	for _, tt := range tests {
		c := netshSecurity(tt.auth, tt.cipher)
		if c.Security != tt.sec || gradeOf(c) != tt.g {
			t.Errorf("NetshSecurity(%q, %q) = %+v, want %q", tt.auth, tt.cipher, c, tt.sec)
		}
	}
}

func TestParseIwScanDump(t *testing.T) {
	tests := []struct {
		stdout, stderr string
		exit           int
		recognised     bool
		denied         bool
		associated     []connection
	}{
		{"iw/wpa2_ccmp_associated.txt", "", 0, true, false, []connection{{Security: secWPA2, Cipher: "ccmp", Raw: "iw: RSN group CCMP, pairwise CCMP, PSK"}}},
		{"iw/openwrt_ccmp_associated_spaces.txt", "", 0, true, false, []connection{{Security: secWPA2, Cipher: "ccmp", Raw: "iw: RSN group CCMP, pairwise CCMP, PSK"}}},
		{"iw/openwrt_tkip_group_associated_spaces.txt", "", 0, true, false, []connection{{Security: secWPA2, Mixed: true, Raw: "iw: RSN group TKIP, pairwise TKIP CCMP, PSK"}}},
		{"iw/wpa_and_rsn_tkip_associated.txt", "", 0, true, false, []connection{{Security: secWPA2, Mixed: true, Raw: "iw: RSN group TKIP, pairwise CCMP TKIP, PSK; WPA group TKIP, pairwise TKIP 00-00-00:0, PSK"}}},
		{"iw/wpa_and_rsn_tkip_not_associated.txt", "", 0, true, false, nil},
		{"", "", 0, true, false, nil},
		{"", "iw/ci_nl80211_not_found.stderr", 1, false, false, nil},
		{"", "iw/no_such_device.stderr", 237, false, false, nil},
		{"", "iw/operation_not_permitted.stderr", 255, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.stdout+tt.stderr, func(t *testing.T) {
			got := parseIwScanDump(checktest.ReadOptionalParserData(t, tt.stdout), checktest.ReadOptionalParserData(t, tt.stderr), tt.exit)
			if got.Recognised != tt.recognised || got.Denied != tt.denied || len(got.Associated) != len(tt.associated) {
				t.Fatalf("got %+v", got)
			}
			for i, want := range tt.associated {
				if b := got.Associated[i]; b.Conn != want || !b.CiphersKnown {
					t.Errorf("associated[%d] = %+v, want %+v", i, b, want)
				}
			}
		})
	}
}

func TestIwSecurity(t *testing.T) {
	rsn := func(group, pair, akm string) *iwIE { return &iwIE{group: group, pairwise: pair, akm: akm} }
	tests := []struct {
		name     string
		rsn, wpa *iwIE
		privacy  bool
		sec      string
		ent      bool
		mixed    bool
		known    bool
		g        grade
	}{
		{"wpa2 psk ccmp", rsn("CCMP", "CCMP", "PSK"), nil, true, secWPA2, false, false, true, gradeSecure},
		{"wpa2 ft psk gcmp", rsn("GCMP-256", "GCMP-256", "FT/PSK PSK/SHA-256"), nil, true, secWPA2, false, false, true, gradeSecure},
		{"transition", rsn("CCMP", "CCMP", "PSK SAE"), nil, true, secWPA3, false, false, true, gradeSecure},
		{"wpa3 ft sae", rsn("CCMP", "CCMP", "FT/SAE"), nil, true, secWPA3, false, false, true, gradeSecure},
		{"enterprise", rsn("CCMP", "CCMP", "IEEE 802.1X FT/IEEE 802.1X"), nil, true, secWPA2, true, false, true, gradeSecure},
		{"suite b", rsn("GCMP-256", "GCMP-256", "IEEE 802.1X/SUITE-B-192"), nil, true, secWPA3, true, false, true, gradeSecure},
		{"owe", rsn("CCMP", "CCMP", "OWE"), nil, true, secOWE, false, false, true, gradeInsecure},
		{"group tkip only", rsn("TKIP", "CCMP", "PSK"), nil, true, secWPA2, false, true, true, gradeInsecure},
		{"pairwise tkip beside ccmp", rsn("CCMP", "CCMP TKIP", "PSK"), nil, true, secWPA2, false, true, true, gradeInsecure},
		{"wep group", rsn("WEP-104", "CCMP", "PSK"), nil, true, secWPA2, false, true, true, gradeInsecure},
		{"tkip alone", rsn("TKIP", "TKIP", "PSK"), nil, true, secWPA2, false, false, true, gradeInsecure},
		{"wpa element beside rsn", rsn("CCMP", "CCMP", "PSK"), rsn("CCMP", "CCMP", "PSK"), true, secWPA2, false, true, true, gradeInsecure},
		{"wpa1 only", nil, rsn("TKIP", "TKIP", "PSK"), true, secWPA, false, false, true, gradeInsecure},
		{"wep", nil, nil, true, secWEP, false, false, true, gradeInsecure},
		{"open", nil, nil, false, secOpen, false, false, true, gradeInsecure},
		// A key management iw does not name: the ciphers still count.
		{"unknown akm", rsn("CCMP", "CCMP", "00-0f-ac:24"), nil, true, "", false, false, true, gradeUnknown},
		{"unknown akm, tkip group", rsn("TKIP", "CCMP", "00-0f-ac:24"), nil, true, "", false, true, true, gradeUnknown},
		{"unknown group cipher", rsn("00-0f-ac:14", "CCMP", "PSK"), nil, true, secWPA2, false, false, false, gradeSecure},
	}
	for _, tt := range tests {
		b := iwSecurity(tt.rsn, tt.wpa, tt.privacy, true)
		if b.Conn.Security != tt.sec || b.Conn.Enterprise != tt.ent || b.Conn.Mixed != tt.mixed || b.CiphersKnown != tt.known || gradeOf(b.Conn) != tt.g {
			t.Errorf("%s: got %+v grade %d", tt.name, b, gradeOf(b.Conn))
		}
	}
	if b := iwSecurity(nil, nil, false, false); b.CiphersKnown || b.Conn.Security != "" {
		t.Errorf("a block without a capability line: %+v", b)
	}
}

func TestWithIEs(t *testing.T) {
	nm := connection{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2"}
	mixed := iwBSS{Conn: connection{Security: secWPA2, Mixed: true, Raw: "iw: RSN group TKIP, pairwise CCMP, PSK"}, CiphersKnown: true}
	if got := withIEs(nm, mixed); !got.Mixed || got.Cipher != "" || gradeOf(got) != gradeInsecure || got.Raw != "WPA2 / iw: RSN group TKIP, pairwise CCMP, PSK" {
		t.Errorf("mixed: %+v", got)
	}
	// NetworkManager with iwd says WPA2 for a WPA3 (SAE) network too.
	sae := iwBSS{Conn: connection{Security: secWPA3, Cipher: "ccmp", Raw: "iw: RSN group CCMP, pairwise CCMP, SAE"}, CiphersKnown: true}
	if got := withIEs(nm, sae); got.Security != secWPA3 {
		t.Errorf("sae: %+v", got)
	}
	unknownAKM := iwBSS{Conn: connection{Mixed: true, Raw: "iw: RSN group TKIP, pairwise CCMP, 00-0f-ac:24"}, CiphersKnown: true}
	if got := withIEs(nm, unknownAKM); got.Security != secWPA2 || !got.Mixed || gradeOf(got) != gradeInsecure {
		t.Errorf("unknown key management: %+v", got)
	}
}

func TestNmConfSaysIwd(t *testing.T) {
	tests := map[string]bool{
		"[device]\nwifi.backend=iwd\n":                                 true,
		"[device-iwd]\nmatch-device=type:wifi\nwifi.backend = IWD\n":   true,
		"[device]\n#wifi.backend=iwd\nwifi.scan-rand-mac-address=no\n": false,
		"[device]\nwifi.backend=wpa_supplicant\n":                      false,
		"": false,
	}
	for in, want := range tests {
		if got := nmConfSaysIwd([]byte(in)); got != want {
			t.Errorf("nmConfSaysIwd(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestRunIwMultiLink: a Wi-Fi 7 multi-link association marks one access
// point per link "-- associated"; they are one connection, as bad as its
// worst link, in either order. (The capture with both BSS lines marked is
// built for this test.)
func TestRunIwMultiLink(t *testing.T) {
	capture := string(checktest.ReadParserData(t, "iw", "openwrt_tkip_group_associated_spaces.txt"))
	both := strings.Replace(capture, "BSS c8:d5:fe:c8:61:b0(on wlan0)\n", "BSS c8:d5:fe:c8:61:b0(on wlan0) -- associated\n", 1)
	first, second, _ := strings.Cut(both, "BSS f8:35")
	for name, out := range map[string]string{"secure link first": both, "insecure link first": "BSS f8:35" + second + first} {
		rp := fakeRun{out: map[string]probe.Output{probe.CmdIw.String(): {Stdout: []byte(out)}}}
		bss, ok, _, why := runIw(t.Context(), rp, "wlan0")
		if !ok || why != "" || !bss.Conn.Mixed || gradeOf(bss.Conn) != gradeInsecure || !strings.Contains(bss.Conn.Raw, " + ") {
			t.Errorf("%s: got %+v ok=%v why=%q", name, bss, ok, why)
		}
	}
}

// fakeRun answers Run from a table by command name; nothing else.
type fakeRun struct {
	probe.Probe
	out map[string]probe.Output
}

func (f fakeRun) Run(_ context.Context, name probe.Command, _ ...string) (probe.Output, error) {
	o, ok := f.out[name.String()]
	if !ok {
		return probe.Output{}, probe.ErrNotFound
	}
	return o, nil
}

// TestGradeBeyondNM: with more Wi-Fi interfaces than NetworkManager
// reports connections, the kernel's associations decide: more of them are
// graded each by its own elements (NetworkManager's insecure connection
// kept), fewer (but some) or an unread interface keep a pass from
// standing, and an insecure association read still decides.
func TestGradeBeyondNM(t *testing.T) {
	wpa2 := iwBSS{Conn: connection{Security: secWPA2, Cipher: "ccmp", Raw: "iw: RSN group CCMP, pairwise CCMP, PSK"}, CiphersKnown: true}
	open := iwBSS{Conn: connection{Security: secOpen, Raw: "iw: no Privacy, no RSN/WPA"}, CiphersKnown: true}
	nmWPA2 := connection{Security: secWPA2, Cipher: "ccmp", Raw: "WPA2"}
	nmOpen := connection{Security: secOpen, Raw: "--"}
	tests := []struct {
		name    string
		nm      []connection
		k       kernelAssociations
		settled bool
		want    []grade
		unread  bool
		problem string
	}{
		{"one more, open", []connection{nmWPA2}, kernelAssociations{assoc: []iwBSS{wpa2, open}, read: 2}, true, []grade{gradeSecure, gradeInsecure}, false, ""},
		{"one more, NetworkManager's open kept", []connection{nmOpen}, kernelAssociations{assoc: []iwBSS{wpa2, wpa2}, read: 2}, true, []grade{gradeInsecure, gradeSecure, gradeSecure}, false, ""},
		{"as many: refined by the caller", []connection{nmWPA2}, kernelAssociations{assoc: []iwBSS{wpa2}, read: 2}, false, []grade{gradeSecure}, false, ""},
		{"none in the cache: refined by the caller", []connection{nmWPA2}, kernelAssociations{read: 2}, false, []grade{gradeSecure}, false, ""},
		{"fewer", []connection{nmWPA2, nmWPA2}, kernelAssociations{assoc: []iwBSS{wpa2}, read: 3}, true, []grade{gradeSecure, gradeSecure}, true, problemInterfaceUnread},
		{"fewer, one open", []connection{nmWPA2, nmWPA2}, kernelAssociations{assoc: []iwBSS{open}, read: 3}, true, []grade{gradeSecure, gradeSecure, gradeInsecure}, true, problemInterfaceUnread},
		{"unread", []connection{nmWPA2}, kernelAssociations{assoc: []iwBSS{wpa2}, read: 1, unread: 1, why: "iw: no such device"}, false, []grade{gradeSecure}, true, problemInterfaceUnread},
		{"unread, open read", []connection{nmWPA2}, kernelAssociations{assoc: []iwBSS{open}, read: 1, unread: 1, why: "iw: no such device"}, false, []grade{gradeSecure, gradeInsecure}, true, problemInterfaceUnread},
		{"denied", []connection{nmWPA2}, kernelAssociations{read: 1, unread: 1, denied: true, why: "iw: permission denied"}, false, []grade{gradeSecure}, true, problemAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts{Connections: append([]connection(nil), tt.nm...)}
			if got := gradeBeyondNM(&f, tt.k); got != tt.settled {
				t.Errorf("settled = %v, want %v", got, tt.settled)
			}
			var grades []grade
			for _, c := range f.Connections {
				grades = append(grades, gradeOf(c))
			}
			if !slices.Equal(grades, tt.want) || (len(f.Unread) > 0) != tt.unread || f.Problem != tt.problem {
				t.Errorf("got grades %v unread %q problem %q, want %v unread=%v problem %q", grades, f.Unread, f.Problem, tt.want, tt.unread, tt.problem)
			}
		})
	}
}

func TestWLANConnection(t *testing.T) {
	tests := []struct {
		in   probe.WLANSecurity
		want connection
	}{
		{probe.WLANSecurity{Auth: 1}, connection{Security: secOpen, Cipher: "none", Raw: "wlanapi: open none"}},
		{probe.WLANSecurity{Enabled: true, Auth: 1, Cipher: 0x101}, connection{Security: secWEP, Cipher: "wep", Raw: "wlanapi: open WEP"}},
		{probe.WLANSecurity{Enabled: true, Auth: 2, Cipher: 1}, connection{Security: secWEP, Cipher: "wep", Raw: "wlanapi: shared key WEP-40"}},
		{probe.WLANSecurity{Enabled: true, Auth: 4, Cipher: 2}, connection{Security: secWPA, Cipher: "tkip", Raw: "wlanapi: WPA-PSK TKIP"}},
		{probe.WLANSecurity{Enabled: true, Auth: 7, Cipher: 4}, connection{Security: secWPA2, Cipher: "ccmp", Raw: "wlanapi: RSNA-PSK CCMP"}},
		{probe.WLANSecurity{Enabled: true, OneX: true, Auth: 6, Cipher: 4}, connection{Security: secWPA2, Enterprise: true, Cipher: "ccmp", Raw: "wlanapi: RSNA CCMP"}},
		{probe.WLANSecurity{Enabled: true, Auth: 9, Cipher: 4}, connection{Security: secWPA3, Cipher: "ccmp", Raw: "wlanapi: WPA3-SAE CCMP"}},
		{probe.WLANSecurity{Enabled: true, Auth: 10, Cipher: 4}, connection{Security: secOWE, Cipher: "ccmp", Raw: "wlanapi: OWE CCMP"}},
		{probe.WLANSecurity{Enabled: true, Auth: 0x80000001, Cipher: 4}, connection{Cipher: "ccmp", Raw: "wlanapi: auth 0x80000001 CCMP"}},
		{probe.WLANSecurity{Auth: 7, Cipher: 4}, connection{Cipher: "ccmp", Raw: "wlanapi: RSNA-PSK CCMP"}},
	}
	for _, tt := range tests {
		if got := wlanConnection(tt.in); got != tt.want {
			t.Errorf("wlanConnection(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseWindowsEAP(t *testing.T) {
	tls := `<?xml version="1.0" encoding="UTF-16"?><WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1"><MSM><security><OneX xmlns="http://www.microsoft.com/networking/OneX/v1"><EAPConfig><EapHostConfig xmlns="http://www.microsoft.com/provisioning/EapHostConfig"><EapMethod><Type xmlns="http://www.microsoft.com/provisioning/EapCommon">13</Type></EapMethod><Config xmlns="http://www.microsoft.com/provisioning/EapHostConfig"><Eap xmlns="http://www.microsoft.com/provisioning/BaseEapConnectionPropertiesV1"><Type>13</Type><EapType xmlns="http://www.microsoft.com/provisioning/EapTlsConnectionPropertiesV1"><ServerValidation><DisableUserPromptForServerValidation>false</DisableUserPromptForServerValidation><ServerNames>NAMES</ServerNames></ServerValidation><PerformServerValidation xmlns="http://www.microsoft.com/provisioning/EapTlsConnectionPropertiesV2">PERFORM</PerformServerValidation></EapType></Eap></Config></EapHostConfig></EAPConfig></OneX></security></MSM></WLANProfile>`
	tlsWith := func(names, perform string) string {
		return strings.NewReplacer("NAMES", names, "PERFORM", perform).Replace(tls)
	}
	tests := []struct {
		name, doc string
		want      eapProfile
		ok        bool
	}{
		{"tls names, system CAs", tlsWith("radius.example.org", "true"), eapProfile{Methods: []string{"tls"}, SystemCA: true, ServerName: true}, true},
		{"tls check off", tlsWith("radius.example.org", "false"), eapProfile{Methods: []string{"tls"}}, true},
		{"tls no names", tlsWith("", "true"), eapProfile{Methods: []string{"tls"}, SystemCA: true}, true},
		{"eap-sim", strings.Replace(tlsWith("", "true"), ">13</Type></EapMethod>", ">18</Type></EapMethod>", 1), eapProfile{Methods: []string{"eap-18"}}, true},
		{"no method", strings.Replace(tls, "<Type xmlns=\"http://www.microsoft.com/provisioning/EapCommon\">13</Type>", "", 1), eapProfile{}, false},
		{"no server validation", strings.Replace(tlsWith("", "true"), "<ServerValidation>", "<X>", 1), eapProfile{}, false},
		{"broken", "<WLANProfile><MSM>", eapProfile{}, false},
	}
	for _, tt := range tests {
		got, ok := parseWindowsEAP(tt.doc)
		if ok != tt.ok || !slices.Equal(got.Methods, tt.want.Methods) || got.CACert != tt.want.CACert || got.SystemCA != tt.want.SystemCA || got.ServerName != tt.want.ServerName {
			t.Errorf("%s: parseWindowsEAP = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	// PEAP profiles, as written and as an evidence bundle keeps them
	// (every name and hash replaced): the same answer. The inner
	// MSCHAPv2 method does not stand for the outer one.
	for file, want := range map[string]eapProfile{
		"peap_off.xml":     {Methods: []string{"peap"}},
		"peap_on.xml":      {Methods: []string{"peap"}, CACert: true, ServerName: true},
		"peap_nonames.xml": {Methods: []string{"peap"}, CACert: true},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", "wlanprofile", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range []string{string(b), evidence.ScrubProfileXML(string(b))} {
			got, ok := parseWindowsEAP(doc)
			if !ok || !slices.Equal(got.Methods, want.Methods) || got.CACert != want.CACert || got.SystemCA != want.SystemCA || got.ServerName != want.ServerName {
				t.Errorf("%s: parseWindowsEAP = %+v, %v; want %+v", file, got, ok, want)
			}
		}
	}
}
