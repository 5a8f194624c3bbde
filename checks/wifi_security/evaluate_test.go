package wifisecurity

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func TestEvaluate(t *testing.T) {
	warn := checks.Catalogue{Check}.Default()
	warn = warn.With("wifi_insecure", checks.Warn)
	tests := []struct {
		name    string
		f       Facts
		pol     checks.Policy
		want    checks.Status
		summary string
		fix     string
	}{
		{"no wifi", Facts{OS: "linux", WiFi: StateNone}, checks.Catalogue{Check}.Default(), checks.NotApplicable, "no Wi-Fi adapter", ""},
		{"not connected", Facts{OS: "darwin", WiFi: StateNotConnected}, checks.Catalogue{Check}.Default(), checks.NotApplicable, "not connected", ""},
		{"open fails", Facts{OS: "windows", WiFi: StateConnected, Connections: []Connection{{Security: SecOpen}}}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", "bottom right"},
		{"open warns by policy", Facts{OS: "darwin", WiFi: StateConnected, Connections: []Connection{{Security: SecOpen}}}, warn, checks.Warn, "open network", "menu bar"},
		{"owe fails", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecOWE}}}, checks.Catalogue{Check}.Default(), checks.Fail, "Enhanced Open", "phone's hotspot"},
		{"wep fails", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWEP}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WEP", "WPA2 or WPA3"},
		{"wpa1 enterprise fails", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA, Enterprise: true}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WPA (version 1) Enterprise", ""},
		{"wpa2 tkip fails", Facts{OS: "windows", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA2, Cipher: "tkip"}}}, checks.Catalogue{Check}.Default(), checks.Fail, "TKIP", ""},
		{"wpa2 ccmp passes", Facts{OS: "windows", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA2, Cipher: "ccmp"}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA2 network", ""},
		{"wpa2 enterprise passes", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA2, Enterprise: true}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA2-Enterprise", ""},
		{"wpa3 passes", Facts{OS: "darwin", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA3}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA3", ""},
		{"worst of two interfaces", Facts{OS: "windows", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA3}, {Security: SecOpen}}}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", ""},
		{"unrecognised security is unknown", Facts{OS: "darwin", WiFi: StateConnected, Connections: []Connection{{Raw: "spairport_security_mode_wps"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"secure plus unrecognised is unknown", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA2}, {Raw: "FILS?"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"wpa/wpa2 mixed fails", Facts{OS: "darwin", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA2, Mixed: true}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WPA2 network in mixed mode", "WPA2 (AES)"},
		{"wpa/wpa2 mixed warns by policy", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA2, Mixed: true, Cipher: "ccmp"}}}, warn, checks.Warn, "mixed mode", "WPA2/WPA3"},
		{"wpa3 with wpa1 beside is mixed", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA3, Mixed: true}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WPA3 network in mixed mode", ""},
		{"secure with an interface unread is unknown", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecWPA3}}, Unread: []string{"iwctl: not every Wi-Fi interface answered"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "administrator rights"},
		{"insecure decides with an interface unread", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Security: SecOpen}}, Unread: []string{"iwctl: not every Wi-Fi interface answered"}}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", ""},
		{"insecure decides over an unrecognised one", Facts{OS: "linux", WiFi: StateConnected, Connections: []Connection{{Raw: "FILS?"}, {Security: SecWEP}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WEP", ""},
		{"connected without connections is unknown", Facts{OS: "linux", WiFi: StateConnected}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"location permission", Facts{OS: "windows", WiFi: StateUnknown, Problem: ProblemLocationPermission}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "Privacy & security > Location"},
		{"access denied", Facts{OS: "linux", WiFi: StateUnknown, Problem: ProblemAccessDenied}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "administrator rights"},
		{"empty facts are unknown", Facts{}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(tt.f, tt.pol)
			if r.Status != tt.want {
				t.Fatalf("status %s, want %s (%+v)", r.Status, tt.want, r)
			}
			if !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tt.summary)
			}
			if !strings.Contains(r.Fix, tt.fix) {
				t.Errorf("fix %q does not contain %q", r.Fix, tt.fix)
			}
			switch r.Status {
			case checks.Pass, checks.NotApplicable:
				if r.Fix != "" {
					t.Errorf("fix on %s: %q", r.Status, r.Fix)
				}
			default:
				if r.Fix == "" {
					t.Errorf("no fix on %s", r.Status)
				}
			}
			if (r.Status == checks.Unknown) != (r.Reason != "") {
				t.Errorf("reason %q on %s", r.Reason, r.Status)
			}
		})
	}
}
