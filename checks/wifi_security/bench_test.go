package wifisecurity_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	wifisecurity "github.com/sessionguard/sessionguard/checks/wifi_security"
)

func BenchmarkEvaluate(b *testing.B) {
	f := wifisecurity.Facts{OS: "windows", WiFi: wifisecurity.StateConnected,
		Connections: []wifisecurity.Connection{{Security: wifisecurity.SecWPA2, Cipher: "tkip"}}}
	pol := checks.Catalogue{wifisecurity.Check}.Default()
	for b.Loop() {
		if r := wifisecurity.Evaluate(f, pol); r.Status != checks.Fail {
			b.Fatal(r.Status)
		}
	}
}

func BenchmarkReplayLinux(b *testing.B) {
	checktest.BenchReplay(b, "testdata/linux/nmcli_german_wpa2_wpa_cli_ccmp", wifisecurity.Collect, wifisecurity.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayDarwin(b *testing.B) {
	checktest.BenchReplay(b, "testdata/darwin/macos15_wpa2_personal", wifisecurity.Collect, wifisecurity.Evaluate, checktest.AnyStatus)
}

func BenchmarkReplayWindows(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/de_wpa2_enterprise_oem850", wifisecurity.Collect, wifisecurity.Evaluate, checktest.AnyStatus)
}

func BenchmarkLiveLinux(b *testing.B) {
	checktest.BenchLiveLinux(b, wifisecurity.Check)
}

// BenchmarkReplayWindowsWLAN: netsh plus the WLAN API's elements (a
// mixed-mode access point).
func BenchmarkReplayWindowsWLAN(b *testing.B) {
	checktest.BenchReplay(b, "testdata/windows/wlanapi_wpa_wpa2_mixed", wifisecurity.Collect, wifisecurity.Evaluate, checks.Fail)
}
