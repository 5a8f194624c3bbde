package all

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// suites picks, per OS, one replay scenario of every check: a typical
// practitioner's laptop. Merged into one bundle they replay the whole suite
// at once, as `sessionguard check --replay` does with a real bundle.
var suites = map[string]map[string]string{
	"linux": {
		"screen_lock":      "gnome_logind_defaults_pass",
		"firewall":         "debian_ufw_iptables_nft",
		"disk_encryption":  "ubuntu_lvm_on_luks_swapfile",
		"antivirus":        "clamav_clamd_running_current",
		"wifi_security":    "nmcli_german_wpa2_wpa_cli_ccmp",
		"user_accounts":    "debian_gdm_default_standard_user",
		"smart_speakers":   "nest_mini_and_chromecast_audio",
		"voice_assistants": "gnome_desktop_nothing_listening",
		"os_updates":       "debian12_up_to_date_unattended_on",
		"remote_access":    "gnome_laptop_nothing_remote",
		// Not gnome_pipewire_meet_in_firefox: in the merged bundle its
		// PipeWire, holding the microphone, runs as another account than
		// user_accounts' console user, which capture_in_use counts.
		"capture_in_use": "firefox_camera_preview_microphone_idle",
	},
	"darwin": {
		"screen_lock":      "sonoma_immediate_display10_pass",
		"firewall":         "socketfilterfw_on",
		"disk_encryption":  "filevault_on_apple_silicon",
		"antivirus":        "builtin_current_sequoia",
		"wifi_security":    "macos15_wpa2_personal",
		"user_accounts":    "sonoma_single_admin_user",
		"smart_speakers":   "homepod_2nd_gen_and_apple_tv",
		"voice_assistants": "sonoma_siri_off",
		"os_updates":       "sequoia_managed_profile_auto_on",
		"remote_access":    "sonoma_sharing_off",
		"capture_in_use":   "zoom_call_nothing_else",
	},
	"windows": {
		"screen_lock":      "win11_defaults_display10_pass",
		"firewall":         "wmi_public_network_on",
		"disk_encryption":  "wmi_protected_xts_aes_128",
		"antivirus":        "defender_on_current",
		"wifi_security":    "wlanapi_wpa2_ccmp",
		"user_accounts":    "win11_home_standard_user",
		"smart_speakers":   "echo_show_homepod_and_nest_hub",
		"voice_assistants": "win11_search_only_nothing_installed",
		"os_updates":       "win11_25h2_november_update_installed",
		"remote_access":    "win11_remote_desktop_off",
		"capture_in_use":   "teams_call_camera_and_microphone",
	},
}

func suiteBundle(t testing.TB, goos string) string {
	t.Helper()
	var dirs []string
	// user_accounts first: its console user (and /etc/group) is the one
	// the merged bundle keeps.
	list := Checks()
	slices.SortStableFunc(list, func(a, b checks.Check) int {
		return cmpBool(b.ID() == "user_accounts", a.ID() == "user_accounts")
	})
	for _, c := range list {
		name, ok := suites[goos][c.ID()]
		if !ok {
			t.Fatalf("no %s suite scenario for %s", goos, c.ID())
		}
		dirs = append(dirs, filepath.Join("..", c.ID(), "testdata", goos, name))
	}
	return checktest.MergeBundles(t, dirs...)
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Checks() {
		if seen[c.ID()] || !slices.Contains(Catalogue().IDs(), c.ID()) || c.Title() == "" {
			t.Errorf("check %q: duplicate, unknown to the policy, or untitled", c.ID())
		}
		seen[c.ID()] = true
	}
}

// TestSuiteReplay replays every check against one merged bundle per OS and
// expects each to reach the verdict of that scenario's own golden file (the
// merged bundle has one clock, so ages and summaries may differ).
func TestSuiteReplay(t *testing.T) {
	for goos := range suites {
		t.Run(goos, func(t *testing.T) {
			rp, err := evidence.OpenReplay(suiteBundle(t, goos))
			if err != nil {
				t.Fatal(err)
			}
			rep := checks.Run(t.Context(), rp, DefaultPolicy(), Checks())
			for i, c := range Checks() {
				golden := filepath.Join("..", c.ID(), "testdata", goos, suites[goos][c.ID()], checktest.Golden)
				b, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				var want checks.Result
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatal(err)
				}
				if got := rep.Results[i]; got.ID != want.ID || got.Status != want.Status {
					t.Errorf("%s in the merged %s bundle: %s (%s), want %s (%s)", c.ID(), goos, got.Status, got.Summary, want.Status, want.Summary)
				}
			}
		})
	}
}

// BenchmarkReplaySuite is the figure the README quotes: every check replayed
// from a bundle, including opening (parsing) the bundle.
func BenchmarkReplaySuite(b *testing.B) {
	for _, goos := range []string{"linux", "darwin", "windows"} {
		dir := suiteBundle(b, goos)
		b.Run(goos, func(b *testing.B) {
			pol := DefaultPolicy()
			list := Checks()
			for b.Loop() {
				rp, err := evidence.OpenReplay(dir)
				if err != nil {
					b.Fatal(err)
				}
				checks.Run(b.Context(), rp, pol, list)
			}
		})
	}
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

// TestCheckTestsRunOnLinux guards the promise that macOS and Windows logic
// is tested on the Linux CI machine: a file named *_windows_test.go or
// *_darwin_test.go is silently left out of a Linux build, so no check
// package may have one (OS code and its tests live in checks/probe/live only).
func TestCheckTestsRunOnLinux(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(f, string(filepath.Separator)+"probe"+string(filepath.Separator)) {
			continue
		}
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".go"), "_test")
		for _, goos := range []string{"windows", "darwin", "linux", "ios", "freebsd"} {
			if strings.HasSuffix(base, "_"+goos) {
				t.Errorf("%s: the _%s suffix is a build constraint; rename it so it builds everywhere", f, goos)
			}
		}
	}
}

// TestEveryScenarioReplaysTheSameScrubbed records every check's every
// scenario through a recorder with all the checks' scrubbers, as
// `sessionguard evidence record` does (the console user's name and home
// folder pseudonymised, every path under it moved with it), and replays the
// bundle written: each check must come to the same verdict and facts.
func TestEveryScenarioReplaysTheSameScrubbed(t *testing.T) {
	for _, c := range Checks() {
		t.Run(c.ID(), func(t *testing.T) {
			checktest.RunScrubbedScenariosWith(t, c, Checks(), filepath.Join("..", c.ID(), "testdata"), nil)
		})
	}
}

// TestEveryCheckKeepsTheRule guards the rule of issue 14 ("pass only when
// the evidence that would show a failure was read and shows none"): every
// check package's tests run checktest.RunBasisProperty over all of its
// replay scenarios, with the sources it may rightly lose named there.
func TestEveryCheckKeepsTheRule(t *testing.T) {
	for _, c := range Checks() {
		files, err := filepath.Glob(filepath.Join("..", c.ID(), "*_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), `checktest.RunBasisProperty(t, `) && strings.Contains(string(b), `"testdata"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("checks/%s: no test calls checktest.RunBasisProperty over its testdata", c.ID())
		}
	}
}

// TestPolicyReference: docs/admin.md lists every policy setting as the
// checks declare them.
func TestPolicyReference(t *testing.T) {
	const path = "../../docs/admin.md"
	const begin, end = "<!-- policy-settings:begin -->\n", "<!-- policy-settings:end -->"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q block", path, begin, end)
	}
	want := doc[:i+len(begin)] + Catalogue().Reference() + doc[j:]
	if want == doc {
		return
	}
	if checktest.Updating() {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's policy settings are out of date; run go test ./checks/all -run TestPolicyReference -update", path)
}

// TestAToyCheckNeedsOnlyItsPackageAndTheRegistry: a check's declaration
// alone puts it in the known ids, the default policy (required or not,
// its settings at their defaults), validation, the control map and the
// policy reference.
func TestAToyCheckNeedsOnlyItsPackageAndTheRegistry(t *testing.T) {
	limit := checks.Number{Name: "toy_max_days", Label: "Toys are at most", After: "old", Units: []checks.Unit{checks.Days}, Default: 14, Min: 1, Max: 90}
	toy := checks.Definition[struct{}]{CheckID: "toy", CheckTitle: "Toy",
		Meta:     checks.Meta{Required: true, Controls: []string{checks.ControlSecurityUpdates}, Settings: []checks.Setting{limit}},
		Evaluate: func(struct{}, checks.Policy) checks.Result { return checks.Result{Status: checks.Pass} }}
	cat := append(Catalogue(), toy)
	pol := cat.Default()
	if !pol.Required("toy") || limit.Of(pol) != 14 || !slices.Contains(cat.IDs(), "toy") {
		t.Errorf("the toy check is not in the default policy: %+v", pol)
	}
	if got, err := cat.ParsePolicy(strings.NewReader(`{"schema":"sessionguard.policy/v1","toy_max_days":30}`)); err != nil || limit.Of(got) != 30 {
		t.Errorf("the toy's setting is not read: %v", err)
	}
	if _, err := cat.ParsePolicy(strings.NewReader(`{"schema":"sessionguard.policy/v1","toy_max_days":91}`)); !errors.Is(err, checks.ErrBadPolicy) {
		t.Errorf("the toy's setting is not validated: %v", err)
	}
	if _, err := Catalogue().ParsePolicy(strings.NewReader(`{"schema":"sessionguard.policy/v1","toy_max_days":30}`)); !errors.Is(err, checks.ErrBadPolicy) {
		t.Errorf("without the toy its setting is unknown: %v", err)
	}
	if c := cat.Controls("toy"); len(c) != 1 || c[0] != checks.ControlSecurityUpdates {
		t.Errorf("controls: %v", c)
	}
	if !strings.Contains(cat.Reference(), "`toy_max_days`") {
		t.Error("the toy's setting is not in the reference")
	}
}

// TestEveryCheckMapsToACyberEssentialsControl: each check evidences one or
// more of the five controls.
func TestEveryCheckMapsToACyberEssentialsControl(t *testing.T) {
	known := []string{checks.ControlFirewalls, checks.ControlSecureConfig, checks.ControlSecurityUpdates, checks.ControlUserAccess, checks.ControlMalwareProtection}
	for _, id := range Catalogue().IDs() {
		controls := Controls(id)
		if len(controls) == 0 {
			t.Errorf("%s maps to no Cyber Essentials control", id)
		}
		for _, c := range controls {
			if !slices.Contains(known, c) {
				t.Errorf("%s maps to %q, not one of the five controls", id, c)
			}
		}
	}
}
