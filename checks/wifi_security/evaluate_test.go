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
		f       facts
		pol     checks.Policy
		want    checks.Status
		summary string
		fix     string
	}{
		{"no wifi", facts{OS: "linux", WiFi: stateNone}, checks.Catalogue{Check}.Default(), checks.NotApplicable, "no Wi-Fi adapter", ""},
		{"not connected", facts{OS: "darwin", WiFi: stateNotConnected}, checks.Catalogue{Check}.Default(), checks.NotApplicable, "not connected", ""},
		{"open fails", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secOpen}}}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", "bottom right"},
		{"open warns by policy", facts{OS: "darwin", WiFi: stateConnected, Connections: []connection{{Security: secOpen}}}, warn, checks.Warn, "open network", "menu bar"},
		{"owe fails", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secOWE}}}, checks.Catalogue{Check}.Default(), checks.Fail, "Enhanced Open", "phone's hotspot"},
		{"wep fails", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWEP}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WEP", "WPA2 or WPA3"},
		{"wpa1 enterprise fails", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA, Enterprise: true}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WPA (version 1) Enterprise", ""},
		{"wpa2 tkip fails", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Cipher: "tkip"}}}, checks.Catalogue{Check}.Default(), checks.Fail, "TKIP", ""},
		{"wpa2 ccmp passes", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Cipher: "ccmp", GroupCipher: "ccmp"}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA2 network", ""},
		{"wpa2 enterprise passes", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Enterprise: true}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA2-Enterprise", ""},
		{"wpa3 passes", facts{OS: "darwin", WiFi: stateConnected, Connections: []connection{{Security: secWPA3}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA3", ""},
		{"worst of two interfaces", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA3}, {Security: secOpen}}}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", ""},
		{"unrecognised security is unknown", facts{OS: "darwin", WiFi: stateConnected, Connections: []connection{{Raw: "spairport_security_mode_wps"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"secure plus unrecognised is unknown", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA2}, {Raw: "FILS?"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"wpa/wpa2 mixed fails", facts{OS: "darwin", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Mixed: true}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WPA2 network in mixed mode", "WPA2 (AES)"},
		{"wpa/wpa2 mixed warns by policy", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Mixed: true, Cipher: "ccmp"}}}, warn, checks.Warn, "mixed mode", "WPA2/WPA3"},
		{"wpa3 with wpa1 beside is mixed", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA3, Mixed: true}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WPA3 network in mixed mode", ""},
		{"secure with an interface unread is unknown", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA3}}, Unread: []string{"iwctl: not every Wi-Fi interface answered"}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "administrator rights"},
		{"insecure decides with an interface unread", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secOpen}}, Unread: []string{"iwctl: not every Wi-Fi interface answered"}}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", ""},
		{"insecure decides over an unrecognised one", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Raw: "FILS?"}, {Security: secWEP}}}, checks.Catalogue{Check}.Default(), checks.Fail, "WEP", ""},
		{"connected without connections is unknown", facts{OS: "linux", WiFi: stateConnected}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
		{"location permission", facts{OS: "windows", WiFi: stateUnknown, Problem: problemLocationPermission}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "Privacy & security > Location"},
		{"access denied", facts{OS: "linux", WiFi: stateUnknown, Problem: problemAccessDenied}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "administrator rights"},
		{"group cipher unread is unknown", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Cipher: "ccmp"}}, Unread: []string{"NetworkManager with iwd makes up the access point's cipher flags; iw: not installed"}, Problem: problemCipherUnverified}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "sudo apt install iw"},
		{"group cipher unread, another open, fails", facts{OS: "linux", WiFi: stateConnected, Connections: []connection{{Security: secWPA2}, {Security: secOpen}}, Unread: []string{"iwctl names the key management only; iw: not installed"}, Problem: problemCipherUnverified}, checks.Catalogue{Check}.Default(), checks.Fail, "open network", ""},
		{"windows wpa2, wlanapi denied, is unknown with the location steps", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Cipher: "ccmp"}}, Unread: []string{netshUnverified + "; " + wlanDenied}, Problem: problemCipherUnverified}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "Let desktop apps access your location"},
		{"windows wpa2, access point not listed, is unknown asking IT", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Cipher: "ccmp"}}, Unread: []string{netshUnverified + "; " + wlanNotListed}, Problem: problemCipherUnverified}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "WLAN AutoConfig"},
		{"an older agent's windows wpa2 (netsh alone) is unknown", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Enterprise: true, Cipher: "ccmp"}}}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", "agent is up to date"},
		{"windows wpa2 tkip fails beside one unread", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA2, Cipher: "ccmp"}, {Security: secWPA2, Cipher: "tkip"}}, Unread: []string{netshUnverified + "; " + wlanNoMatch}, Problem: problemCipherUnverified}, checks.Catalogue{Check}.Default(), checks.Fail, "TKIP", "bottom right"},
		{"windows wpa3 needs no group cipher", facts{OS: "windows", WiFi: stateConnected, Connections: []connection{{Security: secWPA3, Cipher: "ccmp"}}}, checks.Catalogue{Check}.Default(), checks.Pass, "WPA3 network.", ""},
		{"empty facts are unknown", facts{}, checks.Catalogue{Check}.Default(), checks.Unknown, "Could not tell", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(tt.f, tt.pol)
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
