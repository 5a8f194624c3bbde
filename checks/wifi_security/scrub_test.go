package wifisecurity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// parseAny parses one captured output as the check does, for the tool the
// fixture's directory names.
func parseAny(t *testing.T, tool, file string, b []byte) any {
	t.Helper()
	stderr := strings.HasSuffix(file, ".stderr")
	switch tool {
	case "nmcli":
		return parseNmcliWifiList(b)
	case "wpa_cli":
		if stderr {
			return parseWpaCliStatus(nil, b)
		}
		return parseWpaCliStatus(b, nil)
	case "iwctl":
		return parseIwctlStation(b, nil)
	case "iw":
		if stderr {
			return parseIwScanDump(nil, b, 1)
		}
		return parseIwScanDump(b, nil, 0)
	case "system_profiler":
		return parseSystemProfiler(b)
	case "wdutil":
		if stderr {
			return parseWdutilInfo(nil, b, 1)
		}
		return parseWdutilInfo(b, nil, 0)
	case "ipconfig":
		return parseIpconfigSummary(b)
	case "netsh":
		r := parseNetshInterfaces(probe.DecodeConsole(b, 850))
		// BSSIDs become pseudonyms (the WLAN API's get the same ones in
		// the same bundle: see the windows scenarios): which were read.
		for i, bssid := range r.BSSIDs {
			if bssid != "" {
				r.BSSIDs[i] = "read"
			}
		}
		return r
	}
	t.Fatalf("no parser for %s", tool)
	return nil
}

// argsOf is how the check runs each tool (nmcli's -f list places the SSID).
var argsOf = map[string][]string{
	"nmcli":           {"-t", "-f", nmcliFields, "dev", "wifi", "list", "--rescan", "no"},
	"system_profiler": {"SPAirPortDataType", "-json"},
}

// mustBeGone are identifying values in the fixtures that no scrubbed output
// may hold.
var mustBeGone = map[string][]string{
	"nmcli/owe_active_escaped.txt":                {"Neighbour", "Cafe"},
	"nmcli/de_active_wpa2.txt":                    {"SSID-1"},
	"nmcli/old_nm_wpa_wpa2_active_flags.txt":      {"SSID-2"},
	"wpa_cli/completed_wpa2_psk_ccmp.txt":         {"ssid=tin", "192.168.31.5"},
	"iwctl/connected_wpa2_personal.txt":           {"HomeNet", "192.168.1.23"},
	"netsh/de_wpa2_enterprise.txt":                {"SSID-1", "Profile1 2"},
	"system_profiler/macos15_wpa2.json":           {"SSID-1", "SSID-4", "SSID-7"},
	"ipconfig/wpa2_psk_ssid_redacted.txt":         {"192.168.1.1", "192.168.1.164"},
	"wdutil/macos15_wpa2.txt":                     {"36455631-2A6F-48BC-AD49-1F131B034DCE", "192.168.0.133"},
	"netsh/en_two_adapters_tkip.txt":              {},
	"iw/wpa2_ccmp_associated.txt":                 {"knowhere", "f0:99:bf", "Country: US"},
	"iw/openwrt_tkip_group_associated_spaces.txt": {"Violetta", "GOinternet_EB20FB"},
	"iw/wpa_and_rsn_tkip_associated.txt":          {"UPC6276F16", "12345678", "RalinkAPS", "8985a700", "RT2860"},
	"system_profiler/macos12_not_associated.json": {},
}

func TestScrubKeepsWhatTheParsersReadAndDropsIdentifiers(t *testing.T) {
	root := filepath.Join("testdata", "parsers")
	tools, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, tool := range tools {
		if !tool.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, tool.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel := tool.Name() + "/" + f.Name()
			t.Run(rel, func(t *testing.T) {
				orig := checktest.ReadParserData(t, tool.Name(), f.Name())
				keep := bytes.Clone(orig)
				scrubbed := scrub(tool.Name(), argsOf[tool.Name()], orig)
				if !bytes.Equal(orig, keep) {
					t.Fatal("Scrub modified its input in place")
				}
				if got, want := parseAny(t, tool.Name(), f.Name(), scrubbed), parseAny(t, tool.Name(), f.Name(), orig); !reflect.DeepEqual(got, want) {
					t.Errorf("parsed differently after scrubbing:\n got %+v\nwant %+v\nscrubbed:\n%s", got, want, scrubbed)
				}
				if m := macAddress.Find(scrubbed); m != nil {
					t.Errorf("a hardware address is left: %s", m)
				}
				for _, s := range mustBeGone[rel] {
					if bytes.Contains(scrubbed, []byte(s)) {
						t.Errorf("%q is left in:\n%s", s, scrubbed)
					}
				}
			})
			seen++
		}
	}
	if seen < 40 {
		t.Errorf("only %d fixtures scrubbed", seen)
	}
	for rel := range mustBeGone {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Errorf("mustBeGone names a missing fixture: %v", err)
		}
	}
}

func TestScrubNmcliKeepsEscapesAndLayout(t *testing.T) {
	in := []byte("no:Neighbour:WPA2\nyes:Cafe\\: upstairs:OWE\nno::WPA2 802.1X\n")
	got := string(scrub("nmcli", argsOf["nmcli"], in))
	want := "no:" + evidence.Pseudonym("network", "Neighbour") + ":WPA2\nyes:" + evidence.Pseudonym("network", "Cafe: upstairs") + ":OWE\nno::WPA2 802.1X\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The flag columns, with their spaces and parentheses, stay as they are.
	in5 := []byte("yes:Cafe\\: upstairs:WPA WPA2:pair_tkip pair_ccmp group_tkip psk:(none)\n")
	want5 := "yes:" + evidence.Pseudonym("network", "Cafe: upstairs") + ":WPA WPA2:pair_tkip pair_ccmp group_tkip psk:(none)\n"
	if got := string(scrub("nmcli", argsOf["nmcli"], in5)); got != want5 {
		t.Errorf("got\n%s\nwant\n%s", got, want5)
	}
	// Without SSID in the field list there is nothing to replace.
	if got := scrub("nmcli", []string{"-t", "-f", "ACTIVE,SECURITY"}, []byte("yes:WPA2\n")); string(got) != "yes:WPA2\n" {
		t.Errorf("changed output without an SSID field: %q", got)
	}
	if got := scrub("system_profiler", []string{"SPFirewallDataType", "-json"}, []byte("2026-11-01 10:00:00.000 system_profiler[812:4410] 10.0.0.1\n")); string(got) != "2026-11-01 10:00:00.000 system_profiler[812:4410] 10.0.0.1\n" {
		t.Errorf("another system_profiler report was scrubbed: %q", got)
	}
	if got := scrub("findmnt", nil, in); !bytes.Equal(got, in) {
		t.Error("changed the output of a command it does not know")
	}
}

// TestScrubbedScenariosReplayTheSame: scrubbing never changes a verdict,
// and no hardware address is left in a scrubbed bundle.
func TestScrubbedScenariosReplayTheSame(t *testing.T) {
	checktest.RunScrubbedScenarios(t, Check, "testdata", func(t *testing.T, bundle string) {
		cmds, _ := os.ReadFile(filepath.Join(bundle, "commands.json"))
		if m := macAddress.Find(cmds); m != nil {
			t.Errorf("a hardware address is left in commands.json: %s", m)
		}
		// The WLAN API's answer: pseudonyms only (the windows/wlanapi_*
		// scenarios' SSID-1 and fe:dc:ba:09:87:02), and the verdict above
		// shows they still match netsh's.
		if wlan, err := os.ReadFile(filepath.Join(bundle, evidence.WLANFile)); err == nil {
			if m := macAddress.Find(wlan); m != nil || bytes.Contains(wlan, []byte("SSID-1")) {
				t.Errorf("an address or network name is left in %s:\n%s", evidence.WLANFile, wlan)
			}
		}
	})
}

func BenchmarkScrub(b *testing.B) {
	in := checktest.ReadParserData(b, "system_profiler", "macos15_wpa2.json")
	netsh := checktest.ReadParserData(b, "netsh", "de_wpa2_enterprise.txt")
	for b.Loop() {
		scrub("system_profiler", nil, in)
		scrub("netsh", nil, netsh)
	}
}

// TestGUIDPseudonymIsKeyed: an interface GUID's pseudonym keeps the GUID's
// shape (the netsh parser finds interfaces by it) and is stable within a
// recording, but is not the plain SHA-256 anyone could compute to link two
// bundles by it.
func TestGUIDPseudonymIsKeyed(t *testing.T) {
	const g = "5e1f2a3b-9c8d-4e7f-a6b5-c4d3e2f1a0b9"
	got := pseudonymFor("guid", g)
	if !guidValue.MatchString(got) || got != pseudonymFor("guid", strings.ToUpper(g)) {
		t.Fatalf("pseudonym %q: not a stable GUID", got)
	}
	sum := sha256.Sum256([]byte(g))
	h := hex.EncodeToString(sum[:16])
	if unkeyed := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]; got == unkeyed {
		t.Errorf("the GUID pseudonym is the unkeyed SHA-256 %q", unkeyed)
	}
}
