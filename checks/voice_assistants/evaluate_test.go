package voiceassistants

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func boolPtr(b bool) *bool { return &b }

func winFacts(mod func(w *windowsFacts), procsRead bool) facts {
	w := &windowsFacts{
		VoiceActivationPolicy: policyUserChoice, AgentActivation: stateOn,
		MicrophonePolicy: policyUserChoice, MicrophoneDevice: consentNotSet, MicrophoneUser: consentAllow,
		InstalledRead: true,
		Assistants: []windowsAssistant{
			{Assistant: cortana, Installed: "no", Microphone: consentNotSet, MicrophoneInUse: "no"},
			{Assistant: copilot, Installed: "no", Microphone: consentNotSet, MicrophoneInUse: "no"},
			{Assistant: alexa, Installed: "no", Microphone: consentNotSet, MicrophoneInUse: "no"},
		},
	}
	if mod != nil {
		mod(w)
	}
	return facts{OS: "windows", Found: []finding{}, ProcessListRead: procsRead, ConsoleUser: consoleSignedIn, Windows: w}
}

// withDesktopCopilot adds the desktop Copilot app (mscopilot.exe) to
// winFacts' assistants, with the desktop apps' microphone switch on.
func withDesktopCopilot(running bool, inUse string, mod func(w *windowsFacts)) func(w *windowsFacts) {
	return func(w *windowsFacts) {
		w.MicrophoneDesktop = consentAllow
		w.Assistants = append(w.Assistants, windowsAssistant{Assistant: copilotDesktop, Running: running, Installed: string(stateNotRead), Microphone: string(stateNotRead), MicrophoneInUse: inUse})
		if mod != nil {
			mod(w)
		}
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		f       facts
		want    checks.Status
		summary string // a substring the summary must hold
		fix     string // a substring the fix must hold
	}{
		{"linux nothing", facts{OS: "linux", ProcessListRead: true}, checks.Pass, "No voice assistant", ""},
		{"linux satellite", facts{OS: "linux", ProcessListRead: true, Found: []finding{{wyomingSatellite, evidenceProcess}}}, checks.Fail, "voice satellite", "Stop a Home Assistant voice satellite"},
		{"linux mycroft and ovos", facts{OS: "linux", ProcessListRead: true, Found: []finding{{mycroft, evidenceProcess}, {openVoiceOS, evidenceProcess}}}, checks.Fail, "Mycroft voice assistant and the OpenVoiceOS", "Stop the Mycroft"},
		{"linux no process list", facts{OS: "linux", Errors: []string{"process list: not available"}}, checks.Unknown, "Could not list", ""},

		{"mac listens", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateOn}}, checks.Fail, "listens", "Listen for"},
		{"mac siri off", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOff, ListenFor: stateOn}}, checks.Pass, "Siri is off", ""},
		{"mac never set", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateDefault, ListenFor: stateDefault}}, checks.Pass, "Siri is off", ""},
		{"mac keyboard only", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateDefault}}, checks.Warn, "may still answer \"Hey Siri\"", "Turn Siri off"},
		{"mac profile wins", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateOn, ManagedDisabled: boolPtr(true), ManagedSource: restrictSource, MacOSVersion: "14.7.1"}}, checks.Pass, "organisation", ""},
		{"mac restrictions before macOS 14 do not turn Siri off", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateOn, ManagedDisabled: boolPtr(true), ManagedSource: restrictSource, MacOSVersion: "13.6.9"}}, checks.Fail, "listens", ""},
		{"mac restrictions, version unknown (old facts)", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateNotRead, ListenFor: stateNotRead, ManagedDisabled: boolPtr(true), ManagedSource: restrictSource}}, checks.Unknown, "Could not tell", ""},
		{"mac ironwood profile turns off dictation only", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateOn, ManagedDisabled: boolPtr(true), ManagedSource: "com.apple.ironwood.support"}}, checks.Fail, "listens", ""},
		{"mac ironwood profile, settings not read (old facts)", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateNotRead, ListenFor: stateNotRead, ManagedDisabled: boolPtr(true), ManagedSource: "com.apple.ironwood.support"}}, checks.Unknown, "Could not tell", ""},
		{"mac profile allows", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateOn, ManagedDisabled: boolPtr(false)}}, checks.Fail, "listens", ""},
		{"mac siri on listen unknown", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateUnknown}}, checks.Unknown, "Could not tell", "Listen for"},
		{"mac siri unknown listen off: Listen for off alone is not sure", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateUnknown, ListenFor: stateOff}}, checks.Unknown, "Could not tell", "turn Siri off"},
		{"mac nobody", facts{OS: "darwin", ConsoleUser: consoleNone, Darwin: &darwinFacts{SiriEnabled: stateUnknown, ListenFor: stateUnknown}}, checks.Unknown, "Nobody is signed in", "Sign in"},

		{"win clean", winFacts(nil, true), checks.Pass, "No voice assistant", ""},
		{"win cortana running", winFacts(func(w *windowsFacts) { w.Assistants[0].Running, w.Assistants[0].Installed = true, "yes" }, true), checks.Fail, "Cortana is running", "Close Cortana"},
		{"win cortana running voice off", winFacts(func(w *windowsFacts) { w.AgentActivation = stateOff; w.Assistants[0].Running = true }, true), checks.Warn, "Cortana is open", "Close Cortana"},
		{"win cortana running policy deny beats user on", winFacts(func(w *windowsFacts) { w.VoiceActivationPolicy = policyForceDeny; w.Assistants[0].Running = true }, true), checks.Warn, "Cortana is open", ""},
		{"win cortana running voice unknown", winFacts(func(w *windowsFacts) { w.AgentActivation = stateUnknown; w.Assistants[0].Running = true }, true), checks.Fail, "Cortana is running", ""},
		{"win alexa installed voice default", winFacts(func(w *windowsFacts) { w.AgentActivation = stateDefault; w.Assistants[2].Installed = "yes" }, true), checks.Fail, "Alexa app is installed", "Voice activation"},
		{"win alexa installed voice policy deny", winFacts(func(w *windowsFacts) { w.VoiceActivationPolicy = policyForceDeny; w.Assistants[2].Installed = "yes" }, true), checks.Pass, "No voice assistant", ""},
		{"win alexa installed force allow beats user off", winFacts(func(w *windowsFacts) {
			w.VoiceActivationPolicy, w.AgentActivation = policyForceAllow, stateOff
			w.Assistants[2].Installed = "yes"
		}, true), checks.Fail, "Alexa app is installed", ""},
		{"win alexa installed voice unknown", winFacts(func(w *windowsFacts) { w.AgentActivation = stateUnknown; w.Assistants[2].Installed = "yes" }, true), checks.Unknown, "Alexa app may listen", ""},
		{"win copilot in use", winFacts(func(w *windowsFacts) { w.Assistants[1].Running, w.Assistants[1].MicrophoneInUse = true, "yes" }, true), checks.Fail, "using the microphone right now", "Hey, Copilot"},
		{"win copilot in use beats mic deny record", winFacts(func(w *windowsFacts) { w.MicrophoneUser = consentDeny; w.Assistants[1].MicrophoneInUse = "yes" }, true), checks.Fail, "using the microphone", ""},
		{"win copilot open quiet", winFacts(func(w *windowsFacts) { w.Assistants[1].Running = true }, true), checks.Warn, "not using the microphone", "Quit"},
		{"win copilot open mic record unreadable", winFacts(func(w *windowsFacts) { w.Assistants[1].Running, w.Assistants[1].MicrophoneInUse = true, "unknown" }, true), checks.Fail, "may be listening", ""},
		{"win copilot app mic denied", winFacts(func(w *windowsFacts) { w.Assistants[1].Running, w.Assistants[1].Microphone = true, consentDeny }, true), checks.Pass, "No voice assistant", ""},
		{"win copilot app mic denied but policy forces allow", winFacts(func(w *windowsFacts) {
			w.MicrophonePolicy = policyForceAllow
			w.Assistants[1].Running, w.Assistants[1].Microphone = true, consentDeny
		}, true), checks.Warn, "Copilot is open", ""},
		{"win mscopilot in use", winFacts(withDesktopCopilot(true, "yes", nil), true), checks.Fail, "Copilot is using the microphone right now", "Hey, Copilot"},
		{"win mscopilot open quiet", winFacts(withDesktopCopilot(true, "no", nil), true), checks.Warn, "not using the microphone", "Quit"},
		{"win mscopilot open, use record unreadable", winFacts(withDesktopCopilot(true, "unknown", nil), true), checks.Fail, "may be listening", ""},
		{"win mscopilot open, desktop apps may not use the microphone", winFacts(withDesktopCopilot(true, "no", func(w *windowsFacts) { w.MicrophoneDesktop = consentDeny }), true), checks.Pass, "No voice assistant", ""},
		{"win mscopilot open, microphone off for the computer", winFacts(withDesktopCopilot(true, "no", func(w *windowsFacts) { w.MicrophoneDevice = consentDeny }), true), checks.Pass, "", ""},
		{"win mscopilot open, packaged apps' switch off does not stop it", winFacts(withDesktopCopilot(true, "no", func(w *windowsFacts) { w.MicrophoneUser = consentDeny }), true), checks.Warn, "not using the microphone", ""},
		{"win mscopilot open, microphone policy deny does not stop it", winFacts(withDesktopCopilot(true, "no", func(w *windowsFacts) { w.MicrophonePolicy = policyForceDeny }), true), checks.Warn, "not using the microphone", ""},
		{"win mscopilot closed", winFacts(withDesktopCopilot(false, "no", nil), true), checks.Pass, "No voice assistant", ""},
		{"win mic policy deny, no process list: a setting alone never passes", winFacts(func(w *windowsFacts) { w.MicrophonePolicy = policyForceDeny; w.Assistants[0].Installed = "yes" }, false), checks.Unknown, "which programs are running", "Check again"},
		{"win no process list", winFacts(nil, false), checks.Unknown, "which programs are running", "Check again"},
		{"win packages unreadable voice on", winFacts(func(w *windowsFacts) {
			w.InstalledRead = false
			for i := range w.Assistants {
				w.Assistants[i].Installed = "unknown"
			}
		}, true), checks.Unknown, "is installed", "Voice activation"},
		{"win packages unreadable voice off", winFacts(func(w *windowsFacts) {
			w.AgentActivation = stateOff
			for i := range w.Assistants {
				w.Assistants[i].Installed = "unknown"
			}
		}, true), checks.Pass, "No voice assistant", ""},
		{"win mic blocked, copilot use record unreadable", winFacts(func(w *windowsFacts) {
			w.MicrophoneUser = consentDeny
			w.Assistants[1].Running, w.Assistants[1].MicrophoneInUse = true, "unknown"
		}, true), checks.Unknown, "whether Copilot is using the microphone", "Check again"},
		{"win copilot closed, use record unreadable", winFacts(func(w *windowsFacts) { w.Assistants[1].MicrophoneInUse = "unknown" }, true), checks.Unknown, "whether Copilot is using the microphone", ""},
		{"win cortana running, use record unreadable: still fails", winFacts(func(w *windowsFacts) {
			w.Assistants[0].Running, w.Assistants[0].MicrophoneInUse = true, "unknown"
		}, true), checks.Fail, "Cortana is running", ""},
		{"win nobody signed in", func() facts {
			f := winFacts(func(w *windowsFacts) {
				for i := range w.Assistants {
					w.Assistants[i].MicrophoneInUse = "unknown"
				}
			}, true)
			f.ConsoleUser = consoleNone
			return f
		}(), checks.Unknown, "Nobody is signed in", "Sign in"},
		{"win voice denied by policy, packages and switch not read", winFacts(func(w *windowsFacts) {
			w.VoiceActivationPolicy, w.AgentActivation, w.InstalledRead = policyForceDeny, stateNotRead, false
			w.MicrophonePolicy, w.MicrophoneDevice, w.MicrophoneUser = string(stateNotRead), string(stateNotRead), string(stateNotRead)
			for i := range w.Assistants {
				w.Assistants[i].Installed, w.Assistants[i].Microphone = string(stateNotRead), string(stateNotRead)
			}
		}, true), checks.Pass, "No voice assistant", ""},
		{"mac siri off, listen for not read", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOff, ListenFor: stateNotRead}}, checks.Pass, "Siri is off", ""},
		{"mac profile, settings not read", facts{OS: "darwin", Darwin: &darwinFacts{SiriEnabled: stateNotRead, ListenFor: stateNotRead, ManagedDisabled: boolPtr(true), ManagedSource: restrictSource, MacOSVersion: "15.1"}}, checks.Pass, "organisation", ""},
		{"mac siri on, listen for not read (old facts)", facts{OS: "darwin", ConsoleUser: consoleSignedIn, Darwin: &darwinFacts{SiriEnabled: stateOn, ListenFor: stateNotRead}}, checks.Unknown, "Could not tell", ""},
		{"unsupported os", facts{OS: "plan9"}, checks.Unknown, "not checked", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluate(tt.f, checks.Catalogue{Check}.Default())
			if r.Status != tt.want {
				t.Fatalf("status %s, want %s (%s)", r.Status, tt.want, r.Summary)
			}
			if !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("summary %q lacks %q", r.Summary, tt.summary)
			}
			if !strings.Contains(r.Fix, tt.fix) {
				t.Errorf("fix %q lacks %q", r.Fix, tt.fix)
			}
			if r.Status != checks.Pass && r.Fix == "" {
				t.Error("no fix for a non-passing result")
			}
			if r.Status == checks.Pass && r.Fix != "" {
				t.Errorf("fix on a pass: %q", r.Fix)
			}
			if r.Status == checks.Unknown && r.Reason == "" {
				t.Error("unknown without a reason")
			}
			if strings.Contains(r.Summary, "\n") {
				t.Error("summary is more than one line")
			}
		})
	}
}
