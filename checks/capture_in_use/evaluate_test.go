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

func linuxFacts(c ...capture) facts {
	return facts{OS: "linux", Captures: c, Recorders: []string{}, ProcessListRead: true, ConsoleUser: "signed_in", Streams: viaPipeWire, Devices: stateRead}
}

func windowsFacts(c ...capture) facts {
	return facts{OS: "windows", Captures: c, Recorders: []string{}, ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: stateRead, OtherConsentStores: stateRead}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		f        facts
		settings map[string]any
		want     checks.Status
		summary  string // a part of the summary
	}{
		{"nothing", linuxFacts(), nil, checks.Pass, "No other program is recording"},
		{"zoom on the mic and camera", linuxFacts(capture{"zoom", microphone, viaPipeWire, ""}, capture{"zoom", camera, viaDevice, ""}), nil, checks.Pass, "In use by your call app: Zoom."},
		{"browser while Meet is a call app", linuxFacts(capture{"browser", microphone, viaPipeWire, ""}), nil, checks.Pass, "a web browser"},
		{"browser when only Zoom is listed", linuxFacts(capture{"browser", microphone, viaPipeWire, ""}), map[string]any{"call_apps": []string{"Zoom"}}, checks.Fail, "A web browser is recording the microphone"},
		{"zoom not listed", linuxFacts(capture{"zoom", microphone, viaPipeWire, ""}), map[string]any{"call_apps": []string{"Microsoft Teams"}}, checks.Fail, "Zoom is recording the microphone"},
		{"parecord", linuxFacts(capture{"pacat", sound, viaPulseAudio, ""}), nil, checks.Fail, `The program "pacat" is recording sound`},
		{"parecord allowed by name", linuxFacts(capture{"pacat", sound, viaPulseAudio, ""}), map[string]any{"call_apps": []string{"pacat"}}, checks.Pass, "In use by your call app"},
		{"parecord graded warn", linuxFacts(capture{"pacat", sound, viaPulseAudio, ""}), map[string]any{"capture_other_program": "warn"}, checks.Warn, "pacat"},
		{"obs on screen and running", func() facts {
			f := linuxFacts(capture{"obs_studio", screen, viaPipeWire, ""})
			f.Recorders = []string{"obs_studio", "granola"}
			return f
		}(), nil, checks.Fail, "OBS Studio is recording the screen; Granola, an AI note-taker that records meetings, is running."},
		{"ffmpeg", func() facts { f := linuxFacts(); f.Recorders = []string{"ffmpeg"}; return f }(), nil, checks.Fail, "ffmpeg is recording"},
		{"streams unknown", func() facts { f := linuxFacts(); f.Streams = stateUnknown; return f }(), nil, checks.Unknown, "sound system"},
		{"devices unknown", func() facts { f := linuxFacts(); f.Devices = stateUnknown; return f }(), nil, checks.Unknown, "camera or microphone open"},
		{"no process list", func() facts { f := linuxFacts(); f.ProcessListRead = false; return f }(), nil, checks.Unknown, "which programs are running"},
		// A capture read fails even when another source was not read; a
		// warning does not stand in for what could not be read.
		{"fail beats unknown", func() facts {
			f := linuxFacts(capture{"pacat", sound, viaPulseAudio, ""})
			f.Devices = stateUnknown
			return f
		}(), nil, checks.Fail, "pacat"},
		{"warn yields to unknown", func() facts {
			f := linuxFacts(capture{"pacat", sound, viaPulseAudio, ""})
			f.Devices = stateUnknown
			return f
		}(), map[string]any{"capture_other_program": "warn"}, checks.Unknown, "Could not tell"},
		{"no sound server, no devices", func() facts { f := linuxFacts(); f.Streams, f.Devices = stateNone, stateNone; return f }(), nil, checks.Pass, "No other program"},
		{"windows teams camera", facts{OS: "windows", Captures: []capture{{"microsoft_teams", camera, viaConsentStore, ""}}, ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: stateRead}, nil, checks.Pass, "Microsoft Teams"},
		{"windows sound recorder", facts{OS: "windows", Captures: []capture{{"sound_recorder", microphone, viaConsentStore, ""}}, ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: stateRead}, nil, checks.Fail, "Sound Recorder is recording the microphone"},
		// Another account's or a service's program is never the call app;
		// facts of an agent that did not read those stores judge as before.
		{"windows other account's zoom", windowsFacts(capture{"zoom", microphone, viaConsentStore, accountOther}), nil, checks.Fail, "Zoom, running in another account signed in on this computer, is recording the microphone."},
		{"windows service and own recorder", windowsFacts(capture{"audiosvc", camera, viaConsentStore, accountService}, capture{"sound_recorder", microphone, viaConsentStore, ""}), nil, checks.Fail, `The program "audiosvc", running in the background as a system service, is recording the camera; Sound Recorder is recording the microphone.`},
		{"windows other stores unknown", func() facts {
			f := windowsFacts()
			f.OtherConsentStores, f.Errors = stateUnknown, []string{"the signed-in accounts: not available"}
			return f
		}(), nil, checks.Unknown, "system services or in other accounts"},
		{"windows old agent without other stores", func() facts { f := windowsFacts(); f.OtherConsentStores = ""; return f }(), nil, checks.Pass, "No other program"},
		{"windows nobody", facts{OS: "windows", ProcessListRead: true, ConsoleUser: "none", ConsentStore: stateUnknown}, nil, checks.Unknown, "Nobody is signed in"},
		{"windows store unknown", facts{OS: "windows", ProcessListRead: true, ConsoleUser: "signed_in", ConsentStore: stateUnknown}, nil, checks.Unknown, "which apps use"},
		{"mac nothing", facts{OS: "darwin", Recorders: []string{}, ProcessListRead: true, MicrophoneCamera: stateNotReadable}, nil, checks.Unknown, "macOS does not let"},
		{"mac loom", facts{OS: "darwin", Recorders: []string{"loom"}, ProcessListRead: true, MicrophoneCamera: stateNotReadable}, nil, checks.Fail, "Loom is running (it records the screen)"},
		{"mac loom warn", facts{OS: "darwin", Recorders: []string{"loom"}, ProcessListRead: true, MicrophoneCamera: stateNotReadable}, map[string]any{"capture_other_program": "warn"}, checks.Unknown, "macOS"},
		{"mac loom allowed", facts{OS: "darwin", Recorders: []string{"loom"}, ProcessListRead: true, MicrophoneCamera: stateNotReadable}, map[string]any{"call_apps": []string{"Loom"}}, checks.Unknown, "macOS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(tt.f, policy(t, tt.settings))
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

// The fix names what the person can close, and says what to do about the
// programs of other accounts and services, which they cannot.
func TestFixForOtherAccounts(t *testing.T) {
	r := evaluate(windowsFacts(capture{"audiosvc", microphone, viaConsentStore, accountService}, capture{"sound_recorder", microphone, viaConsentStore, ""}), policy(t, nil))
	for _, want := range []string{"Close Sound Recorder before your session", "tell your IT support, who can find and stop it"} {
		if !strings.Contains(r.Fix, want) {
			t.Errorf("fix %q lacks %q", r.Fix, want)
		}
	}
	if strings.Contains(r.Fix, "audiosvc") {
		t.Errorf("fix %q asks to close a service's program", r.Fix)
	}
}
