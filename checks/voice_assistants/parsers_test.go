package voiceassistants

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
)

func TestClassifyArgv(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"wyoming_satellite_venv", wyomingSatellite},
		{"wyoming_satellite_script_wrapper", wyomingSatellite},
		{"wyoming_openwakeword", wyomingOpenWakeWord},
		{"mycroft_skills_module", mycroft},
		{"mycroft_speech_client", mycroft},
		{"ovos_core_entrypoint", openVoiceOS},
		{"ovos_dinkum_listener_warnings", openVoiceOS},
		{"neon_speech_run", neon},
		{"rhasspy_voltron", rhasspy},
		{"rhasspy_wake_hermes", rhasspy},
		{"linux_voice_assistant_module", linuxVoiceAssistant},
		{"hivemind_voice_sat_entrypoint", hivemindSatellite},
		// OHF-Voice/linux-voice-assistant's script/run only starts
		// "python -m linux_voice_assistant", which is matched.
		{"not_lva_run_wrapper", ""},
		{"not_editor_on_satellite_readme", ""},
		{"not_pip_install", ""},
		{"not_systemctl_restart", ""},
		{"not_arecord_child", ""},
		{"not_python_inline_import", ""},
		{"not_grep_for_ovos", ""},
		{"kernel_thread_empty", ""},
	}
	files, _ := filepath.Glob("testdata/parsers/linux/argv/*.cmdline")
	if len(files) != len(tests) {
		t.Errorf("%d argv files, %d cases: every file needs a case", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := checktest.ReadParserData(t, "linux/argv", tt.file+".cmdline")
			var argv []string
			if len(b) > 0 {
				for _, a := range bytes.Split(bytes.TrimSuffix(b, []byte{0}), []byte{0}) {
					argv = append(argv, string(a))
				}
			}
			if got := classifyArgvKind(argv); got != tt.want {
				t.Errorf("ClassifyArgv(%q) = %q, want %q", argv, got, tt.want)
			}
		})
	}
}

func TestMatchMarkerForms(t *testing.T) {
	tests := map[string]string{
		"wyoming_satellite.__main__": wyomingSatellite,
		"wyoming-satellite.py":       wyomingSatellite,
		"Wyoming-Satellite":          wyomingSatellite,
		"wyoming":                    "",
		"wyoming_satellites_backup":  "",
		"rhasspy3":                   rhasspy,
		"mycroft":                    "",
		"":                           "",
		// NixOS's wrapProgram names the real script .NAME-wrapped.
		".wyoming-satellite-wrapped": wyomingSatellite,
		".wyoming-wrapped":           "",
	}
	for in, want := range tests {
		if got := matchMarker(in); got != want {
			t.Errorf("matchMarker(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestClassifyArgvForms: command lines a tester saw pass as nothing
// listening: NixOS's wrapped satellite, OpenVoiceOS's listener module
// with Python's -P, and a Python option that takes a value before -m.
func TestClassifyArgvForms(t *testing.T) {
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"/nix/store/abc-python3-3.11.9/bin/python3.11", "/nix/store/def-wyoming-satellite-1.2.0/bin/.wyoming-satellite-wrapped", "--name", "kitchen"}, wyomingSatellite},
		{[]string{"/usr/bin/python3", "-P", "-m", "ovos_listener"}, openVoiceOS},
		{[]string{"/usr/bin/python3", "--check-hash-based-pycs", "default", "-m", "wyoming_satellite"}, wyomingSatellite},
		{[]string{"/usr/bin/python3", "--check-hash-based-pycs", "default", "/srv/notes.py"}, ""},
	} {
		if got := classifyArgvKind(c.argv); got != c.want {
			t.Errorf("%q: %q, want %q", c.argv, got, c.want)
		}
	}
}

func TestParseDefaultsBool(t *testing.T) {
	tests := []struct {
		file    string
		want    state
		wantErr bool
	}{
		{"assistant_enabled_on", stateOn, false},
		{"voicetrigger_off", stateOff, false},
		{"voicetrigger_not_set", stateDefault, false},
		{"assistant_enabled_not_set_sonoma", stateDefault, false},
		{"string_yes_written_by_script", stateOn, false},
		{"dictionary_not_a_bool", stateUnknown, true},
		{"sudo_unknown_user", stateUnknown, true},
		{"launchctl_asuser_denied", stateUnknown, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := checktest.ReadParserData(t, "darwin/defaults", tt.file+".json")
			var c struct {
				Stdout, Stderr string
				ExitCode       int `json:"exit_code"`
			}
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			got, err := parseDefaultsBool([]byte(c.Stdout), []byte(c.Stderr), c.ExitCode)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errUnrecognised) {
				t.Errorf("error %v does not wrap ErrUnrecognised", err)
			}
		})
	}
}

func TestParseManagedSiri(t *testing.T) {
	ironwood := []string{"Ironwood Allowed", "Assistant Allowed"}
	tests := []struct {
		file               string
		keys               []string
		disabled, found, e bool
	}{
		{"ironwood_disabled.plist", ironwood, true, true, false},
		{"ironwood_disabled_binary.plist", ironwood, true, true, false},
		{"ironwood_allowed.plist", ironwood, false, true, false},
		{"restrictions_allowassistant_false.plist", []string{"allowAssistant"}, true, true, false},
		{"restrictions_without_siri_keys.plist", []string{"allowAssistant"}, false, false, false},
		{"not_a_plist.txt", ironwood, false, false, true},
		{"ironwood_string_value.plist", ironwood, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b := checktest.ReadParserData(t, "darwin/managed", tt.file)
			disabled, found, err := parseManagedSiri(b, tt.keys...)
			if disabled != tt.disabled || found != tt.found || (err != nil) != tt.e {
				t.Errorf("got disabled=%v found=%v err=%v; want %v %v error %v", disabled, found, err, tt.disabled, tt.found, tt.e)
			}
		})
	}
}

func TestClassifyWindowsProcess(t *testing.T) {
	b := checktest.ReadParserData(t, "windows/processes.json")
	var cases []struct{ Case, Name, Exe, Assistant, Evidence string }
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 5 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Case, func(t *testing.T) {
			a, ev := classifyWindowsProcess(c.Name, c.Exe)
			if a != c.Assistant || ev != c.Evidence {
				t.Errorf("ClassifyWindowsProcess(%q, %q) = %q, %q; want %q, %q", c.Name, c.Exe, a, ev, c.Assistant, c.Evidence)
			}
		})
	}
}

var (
	errNotFound = fmt.Errorf("registry x: %w", probe.ErrNotFound)
	errDenied   = fmt.Errorf("registry x: %w", probe.ErrAccessDenied)
)

func TestParseWindowsRegistry(t *testing.T) {
	t.Run("policy", func(t *testing.T) {
		tests := []struct {
			v       any
			err     error
			want    string
			wantErr bool
		}{
			{uint64(2), nil, policyForceDeny, false},
			{uint64(1), nil, policyForceAllow, false},
			{uint64(0), nil, policyUserChoice, false},
			{nil, errNotFound, policyUserChoice, false},
			{uint64(7), nil, policyUnknown, true},
			{"Force Deny", nil, policyUnknown, true},
			{nil, errDenied, policyUnknown, true},
		}
		for _, tt := range tests {
			got, err := parsePolicy(tt.v, tt.err)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParsePolicy(%v, %v) = %q, %v; want %q", tt.v, tt.err, got, err, tt.want)
			}
		}
	})
	t.Run("agent_activation", func(t *testing.T) {
		tests := []struct {
			v       any
			err     error
			want    state
			wantErr bool
		}{
			{uint64(1), nil, stateOn, false},
			{uint64(0), nil, stateOff, false},
			{nil, errNotFound, stateDefault, false},
			{uint64(3), nil, stateUnknown, true},
			{"Ein", nil, stateUnknown, true}, // a localised-looking value is not a DWORD
			{nil, errDenied, stateUnknown, true},
		}
		for _, tt := range tests {
			got, err := parseDWORDSwitch(tt.v, tt.err)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseDWORDSwitch(%v, %v) = %q, %v; want %q", tt.v, tt.err, got, err, tt.want)
			}
		}
	})
}

func TestDesktopMicrophoneUse(t *testing.T) {
	const exe = `C:\Program Files (x86)\Microsoft\Copilot\Application\mscopilot.exe`
	if got, want := desktopUseKey(exe), micConsentSuffix+`\NonPackaged\C:#Program Files (x86)#Microsoft#Copilot#Application#mscopilot.exe`; got != want {
		t.Errorf("desktopUseKey = %q, want %q", got, want)
	}
	for path, want := range map[string]bool{
		exe: false,
		`C:\Users\####\AppData\Local\Microsoft\Copilot\Application\mscopilot.exe`: true,
		`d:/users/####/mscopilot.exe`: true,
	} {
		if got := inUserFolder(path); got != want {
			t.Errorf("inUserFolder(%q) = %v, want %v", path, got, want)
		}
	}
	for _, tt := range []struct{ a, b, want string }{
		{"no", "no", "no"}, {"no", "yes", "yes"}, {"unknown", "yes", "yes"},
		{"no", "unknown", "unknown"}, {"unknown", "no", "unknown"},
	} {
		if got := worseInUse(tt.a, tt.b); got != tt.want {
			t.Errorf("worseInUse(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMacOSVersion(t *testing.T) {
	for in, want := range map[string]string{
		"macOS 13.6.9":                "13.6.9",
		"macOS 15.1":                  "15.1",
		"darwin 15.1.1 (build 24B91)": "15.1.1",
		"darwin 26.0 (build 25A354)":  "26.0",
		"darwin (build 24B91)":        "",
		"":                            "",
		"macOS 10.15.7":               "10.15.7",
	} {
		if got := macOSVersion(in); got != want {
			t.Errorf("macOSVersion(%q) = %q, want %q", in, got, want)
		}
	}
	for v, want := range map[string]bool{"14.0": true, "14.7.1": true, "26.0": true, "13.6.9": false, "10.15.7": false, "": false, "x": false} {
		if got := allowAssistantApplies(v); got != want {
			t.Errorf("allowAssistantApplies(%q) = %v, want %v", v, got, want)
		}
	}
}
