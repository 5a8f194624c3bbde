package wifisecurity_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	wifisecurity "github.com/sessionguard/sessionguard/checks/wifi_security"
)

func TestScenarios(t *testing.T) {
	checktest.RunScenarios(t, wifisecurity.Check, "testdata", []string{"linux", "darwin", "windows"}, 5)
}

func TestNoPassWithoutEvidence(t *testing.T) {
	checktest.RunBasisProperty(t, wifisecurity.Check, "testdata", checktest.Basis{
		Informational: map[string]string{
			// Not the Linux interface listing (/sys/class/net): every
			// Linux pass needs it read whole, nmcli's too (NetworkManager
			// reports only the Wi-Fi interfaces it manages).
			// Not "wlan": a Windows WPA2 pass needs the access point's
			// elements (netsh cannot show mixed mode or a TKIP group
			// key), so wlanapi_wpa2_ccmp must not pass with the WLAN
			// API denied.
		},
		Alternatives: []checktest.Alternative{{
			// Linux: wpa_cli is asked when nmcli cannot answer
			// (NetworkManager not running or not installed); both read
			// the association of the one wpa_supplicant, and each shows
			// WPA1, TKIP and mixed mode (nmcli by the access point's
			// flags, wpa_cli by key_mgmt and the pairwise and group
			// ciphers).
			Sources: []string{"run nmcli -t -f ACTIVE,", "run wpa_cli status"},
			Reason:  "nmcli and wpa_cli each read the current association of wpa_supplicant",
		}, {
			// macOS: two tools reading the one association's security
			// mode (CoreWLAN's), each of which names WPA/WPA2 mixed
			// mode; wdutil is asked when system_profiler cannot answer.
			// Not ipconfig: it names the negotiated key management, and
			// its WPA2 never passes alone.
			Sources: []string{"run system_profiler SPAirPortDataType", "run wdutil info"},
			Reason:  "system_profiler and wdutil each read the current association's security mode",
		}},
	})
}
