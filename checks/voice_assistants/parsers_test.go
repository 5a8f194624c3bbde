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
		{"wyoming_satellite_venv", WyomingSatellite},
		{"wyoming_satellite_script_wrapper", WyomingSatellite},
		{"wyoming_openwakeword", WyomingOpenWakeWord},
		{"mycroft_skills_module", Mycroft},
		{"mycroft_speech_client", Mycroft},
		{"ovos_core_entrypoint", OpenVoiceOS},
		{"ovos_dinkum_listener_warnings", OpenVoiceOS},
		{"neon_speech_run", Neon},
		{"rhasspy_voltron", Rhasspy},
		{"rhasspy_wake_hermes", Rhasspy},
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
			if got := ClassifyArgv(argv); got != tt.want {
				t.Errorf("ClassifyArgv(%q) = %q, want %q", argv, got, tt.want)
			}
		})
	}
}

func TestMatchMarkerForms(t *testing.T) {
	tests := map[string]string{
		"wyoming_satellite.__main__": WyomingSatellite,
		"wyoming-satellite.py":       WyomingSatellite,
		"Wyoming-Satellite":          WyomingSatellite,
		"wyoming":                    "",
		"wyoming_satellites_backup":  "",
		"rhasspy3":                   Rhasspy,
		"mycroft":                    "",
		"":                           "",
	}
	for in, want := range tests {
		if got := matchMarker(in); got != want {
			t.Errorf("matchMarker(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDefaultsBool(t *testing.T) {
	tests := []struct {
		file    string
		want    State
		wantErr bool
	}{
		{"assistant_enabled_on", On, false},
		{"voicetrigger_off", Off, false},
		{"voicetrigger_not_set", Default, false},
		{"assistant_enabled_not_set_sonoma", Default, false},
		{"string_yes_written_by_script", On, false},
		{"dictionary_not_a_bool", Unknown, true},
		{"sudo_unknown_user", Unknown, true},
		{"launchctl_asuser_denied", Unknown, true},
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
			got, err := ParseDefaultsBool([]byte(c.Stdout), []byte(c.Stderr), c.ExitCode)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrUnrecognised) {
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
			disabled, found, err := ParseManagedSiri(b, tt.keys...)
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
			a, ev := ClassifyWindowsProcess(c.Name, c.Exe)
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
			{uint64(2), nil, PolicyForceDeny, false},
			{uint64(1), nil, PolicyForceAllow, false},
			{uint64(0), nil, PolicyUserChoice, false},
			{nil, errNotFound, PolicyUserChoice, false},
			{uint64(7), nil, PolicyUnknown, true},
			{"Force Deny", nil, PolicyUnknown, true},
			{nil, errDenied, PolicyUnknown, true},
		}
		for _, tt := range tests {
			got, err := ParsePolicy(tt.v, tt.err)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParsePolicy(%v, %v) = %q, %v; want %q", tt.v, tt.err, got, err, tt.want)
			}
		}
	})
	t.Run("agent_activation", func(t *testing.T) {
		tests := []struct {
			v       any
			err     error
			want    State
			wantErr bool
		}{
			{uint64(1), nil, On, false},
			{uint64(0), nil, Off, false},
			{nil, errNotFound, Default, false},
			{uint64(3), nil, Unknown, true},
			{"Ein", nil, Unknown, true}, // a localised-looking value is not a DWORD
			{nil, errDenied, Unknown, true},
		}
		for _, tt := range tests {
			got, err := ParseDWORDSwitch(tt.v, tt.err)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseDWORDSwitch(%v, %v) = %q, %v; want %q", tt.v, tt.err, got, err, tt.want)
			}
		}
	})
}
