package captureinuse

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func policy(t *testing.T, settings map[string]any) checks.Policy {
	t.Helper()
	pol := checks.Catalogue{Check}.Default()
	for k, v := range settings {
		pol = pol.With(k, v)
	}
	if err := (checks.Catalogue{Check}).Validate(pol); err != nil {
		t.Fatal(err)
	}
	return pol
}

func linuxFacts(c ...Capture) Facts {
	return Facts{OS: "linux", Captures: c, Recorders: []string{}, ProcessListRead: true, ConsoleUser: "signed_in", Streams: ViaPipeWire, Devices: StateRead}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		f        Facts
		settings map[string]any
		want     checks.Status
		summary  string // a part of the summary
	}{
		{"nothing", linuxFacts(), nil, checks.Pass, "No other program is recording"},
		{"zoom on the mic and camera", linuxFacts(Capture{"zoom", Microphone, ViaPipeWire}, Capture{"zoom", Camera, ViaDevice}), nil, checks.Pass, "In use by your call app: Zoom."},
		{"browser while Meet is a call app", linuxFacts(Capture{"browser", Microphone, ViaPipeWire}), nil, checks.Pass, "a web browser"},
		{"browser when only Zoom is listed", linuxFacts(Capture{"browser", Microphone, ViaPipeWire}), map[string]any{"call_apps": []string{"Zoom"}}, checks.Fail, "A web browser is recording the microphone"},
		{"zoom not listed", linuxFacts(Capture{"zoom", Microphone, ViaPipeWire}), map[string]any{"call_apps": []string{"Microsoft Teams"}}, checks.Fail, "Zoom is recording the microphone"},
		{"parecord", linuxFacts(Capture{"pacat", Sound, ViaPulseAudio}), nil, checks.Fail, `The program "pacat" is recording sound`},
		{"parecord allowed by name", linuxFacts(Capture{"pacat", Sound, ViaPulseAudio}), map[string]any{"call_apps": []string{"pacat"}}, checks.Pass, "In use by your call app"},
		{"parecord graded warn", linuxFacts(Capture{"pacat", Sound, ViaPulseAudio}), map[string]any{"capture_other_program": "warn"}, checks.Warn, "pacat"},
		{"obs on screen and running", func() Facts {
			f := linuxFacts(Capture{"obs_studio", Screen, ViaPipeWire})
			f.Recorders = []string{"obs_studio", "granola"}
			return f
		}(), nil, checks.Fail, "OBS Studio is recording the screen; Granola, an AI note-taker that records meetings, is running."},
		{"ffmpeg", func() Facts { f := linuxFacts(); f.Recorders = []string{"ffmpeg"}; return f }(), nil, checks.Fail, "ffmpeg is recording"},
		{"streams unknown", func() Facts { f := linuxFacts(); f.Streams = StateUnknown; return f }(), nil, checks.Unknown, "sound system"},
		{"devices unknown", func() Facts { f := linuxFacts(); f.Devices = StateUnknown; return f }(), nil, checks.Unknown, "camera or microphone open"},
		{"no process list", func() Facts { f := linuxFacts(); f.ProcessListRead = false; return f }(), nil, checks.Unknown, "which programs are running"},
		// A capture read fails even when another source was not read; a
		// warning does not stand in for what could not be read.
		{"fail beats unknown", func() Facts {
			f := linuxFacts(Capture{"pacat", Sound, ViaPulseAudio})
			f.Devices = StateUnknown
			return f
		}(), nil, checks.Fail, "pacat"},
		{"warn yields to unknown", func() Facts {
			f := linuxFacts(Capture{"pacat", Sound, ViaPulseAudio})
			f.Devices = StateUnknown
			return f
		}(), map[string]any{"capture_other_program": "warn"}, checks.Unknown, "Could not tell"},
		{"no sound server, no devices", func() Facts { f := linuxFacts(); f.Streams, f.Devices = StateNone, StateNone; return f }(), nil, checks.Pass, "No other program"},
		{"windows teams camera", Facts{OS: "windows", Captures: []Capture{{"microsoft_teams", Camera, ViaConsentStore}}, ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: StateRead}, nil, checks.Pass, "Microsoft Teams"},
		{"windows sound recorder", Facts{OS: "windows", Captures: []Capture{{"sound_recorder", Microphone, ViaConsentStore}}, ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: StateRead}, nil, checks.Fail, "Sound Recorder is recording the microphone"},
		{"windows nobody", Facts{OS: "windows", ProcessListRead: true, ConsoleUser: "none", ConsentStore: StateUnknown}, nil, checks.Unknown, "Nobody is signed in"},
		{"windows store unknown", Facts{OS: "windows", ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: StateUnknown}, nil, checks.Unknown, "which apps use"},
		{"mac nothing", Facts{OS: "darwin", Recorders: []string{}, ProcessListRead: true, MicrophoneCamera: StateNotReadable}, nil, checks.Unknown, "macOS does not let"},
		{"mac loom", Facts{OS: "darwin", Recorders: []string{"loom"}, ProcessListRead: true, MicrophoneCamera: StateNotReadable}, nil, checks.Fail, "Loom is running (it records the screen)"},
		{"mac loom warn", Facts{OS: "darwin", Recorders: []string{"loom"}, ProcessListRead: true, MicrophoneCamera: StateNotReadable}, map[string]any{"capture_other_program": "warn"}, checks.Unknown, "macOS"},
		{"mac loom allowed", Facts{OS: "darwin", Recorders: []string{"loom"}, ProcessListRead: true, MicrophoneCamera: StateNotReadable}, map[string]any{"call_apps": []string{"Loom"}}, checks.Unknown, "macOS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(tt.f, policy(t, tt.settings))
			if r.Status != tt.want || !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("%s %q; want %s containing %q", r.Status, r.Summary, tt.want, tt.summary)
			}
			if r.Status != checks.Pass && r.Fix == "" {
				t.Error("no fix")
			}
			if r.Status == checks.Unknown && r.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}
