package voiceassistants

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
)

func boolPtr(b bool) *bool { return &b }

func winFacts(mod func(w *WindowsFacts), procsRead bool) Facts {
	w := &WindowsFacts{
		VoiceActivationPolicy: PolicyUserChoice, AgentActivation: On,
		MicrophonePolicy: PolicyUserChoice, MicrophoneDevice: ConsentNotSet, MicrophoneUser: ConsentAllow,
		InstalledRead: true,
		Assistants: []WindowsAssistant{
			{Assistant: Cortana, Installed: "no", Microphone: ConsentNotSet, MicrophoneInUse: "no"},
			{Assistant: Copilot, Installed: "no", Microphone: ConsentNotSet, MicrophoneInUse: "no"},
			{Assistant: Alexa, Installed: "no", Microphone: ConsentNotSet, MicrophoneInUse: "no"},
		},
	}
	if mod != nil {
		mod(w)
	}
	return Facts{OS: "windows", Found: []Finding{}, ProcessListRead: procsRead, ConsoleUser: ConsoleSignedIn, Windows: w}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name    string
		f       Facts
		want    checks.Status
		summary string // a substring the summary must hold
		fix     string // a substring the fix must hold
	}{
		{"linux nothing", Facts{OS: "linux", ProcessListRead: true}, checks.Pass, "No voice assistant", ""},
		{"linux satellite", Facts{OS: "linux", ProcessListRead: true, Found: []Finding{{WyomingSatellite, EvidenceProcess}}}, checks.Fail, "voice satellite", "Stop a Home Assistant voice satellite"},
		{"linux mycroft and ovos", Facts{OS: "linux", ProcessListRead: true, Found: []Finding{{Mycroft, EvidenceProcess}, {OpenVoiceOS, EvidenceProcess}}}, checks.Fail, "Mycroft voice assistant and the OpenVoiceOS", "Stop the Mycroft"},
		{"linux no process list", Facts{OS: "linux", Errors: []string{"process list: not available"}}, checks.Unknown, "Could not list", ""},

		{"mac listens", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: On, ListenFor: On}}, checks.Fail, "listens", "Listen for"},
		{"mac siri off", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: Off, ListenFor: On}}, checks.Pass, "Siri is off", ""},
		{"mac never set", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: Default, ListenFor: Default}}, checks.Pass, "Siri is off", ""},
		{"mac keyboard only", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: On, ListenFor: Default}}, checks.Warn, "keyboard shortcut", "turn it off"},
		{"mac profile wins", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: On, ListenFor: On, ManagedDisabled: boolPtr(true)}}, checks.Pass, "organisation", ""},
		{"mac profile allows", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: On, ListenFor: On, ManagedDisabled: boolPtr(false)}}, checks.Fail, "listens", ""},
		{"mac siri on listen unknown", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: On, ListenFor: Unknown}}, checks.Unknown, "Could not tell", "Listen for"},
		{"mac siri unknown listen off", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: Unknown, ListenFor: Off}}, checks.Pass, "does not listen", ""},
		{"mac nobody", Facts{OS: "darwin", ConsoleUser: ConsoleNone, Darwin: &DarwinFacts{SiriEnabled: Unknown, ListenFor: Unknown}}, checks.Unknown, "Nobody is signed in", "Sign in"},

		{"win clean", winFacts(nil, true), checks.Pass, "No voice assistant", ""},
		{"win cortana running", winFacts(func(w *WindowsFacts) { w.Assistants[0].Running, w.Assistants[0].Installed = true, "yes" }, true), checks.Fail, "Cortana is running", "Close Cortana"},
		{"win cortana running voice off", winFacts(func(w *WindowsFacts) { w.AgentActivation = Off; w.Assistants[0].Running = true }, true), checks.Warn, "Cortana is open", "Close Cortana"},
		{"win cortana running policy deny beats user on", winFacts(func(w *WindowsFacts) { w.VoiceActivationPolicy = PolicyForceDeny; w.Assistants[0].Running = true }, true), checks.Warn, "Cortana is open", ""},
		{"win cortana running voice unknown", winFacts(func(w *WindowsFacts) { w.AgentActivation = Unknown; w.Assistants[0].Running = true }, true), checks.Fail, "Cortana is running", ""},
		{"win alexa installed voice default", winFacts(func(w *WindowsFacts) { w.AgentActivation = Default; w.Assistants[2].Installed = "yes" }, true), checks.Fail, "Alexa app is installed", "Voice activation"},
		{"win alexa installed voice policy deny", winFacts(func(w *WindowsFacts) { w.VoiceActivationPolicy = PolicyForceDeny; w.Assistants[2].Installed = "yes" }, true), checks.Pass, "No voice assistant", ""},
		{"win alexa installed force allow beats user off", winFacts(func(w *WindowsFacts) {
			w.VoiceActivationPolicy, w.AgentActivation = PolicyForceAllow, Off
			w.Assistants[2].Installed = "yes"
		}, true), checks.Fail, "Alexa app is installed", ""},
		{"win alexa installed voice unknown", winFacts(func(w *WindowsFacts) { w.AgentActivation = Unknown; w.Assistants[2].Installed = "yes" }, true), checks.Unknown, "Alexa app may listen", ""},
		{"win copilot in use", winFacts(func(w *WindowsFacts) { w.Assistants[1].Running, w.Assistants[1].MicrophoneInUse = true, "yes" }, true), checks.Fail, "using the microphone right now", "Hey, Copilot"},
		{"win copilot in use beats mic deny record", winFacts(func(w *WindowsFacts) { w.MicrophoneUser = ConsentDeny; w.Assistants[1].MicrophoneInUse = "yes" }, true), checks.Fail, "using the microphone", ""},
		{"win copilot open quiet", winFacts(func(w *WindowsFacts) { w.Assistants[1].Running = true }, true), checks.Warn, "not using the microphone", "Quit"},
		{"win copilot open mic record unreadable", winFacts(func(w *WindowsFacts) { w.Assistants[1].Running, w.Assistants[1].MicrophoneInUse = true, "unknown" }, true), checks.Fail, "may be listening", ""},
		{"win copilot app mic denied", winFacts(func(w *WindowsFacts) { w.Assistants[1].Running, w.Assistants[1].Microphone = true, ConsentDeny }, true), checks.Pass, "No voice assistant", ""},
		{"win copilot app mic denied but policy forces allow", winFacts(func(w *WindowsFacts) {
			w.MicrophonePolicy = PolicyForceAllow
			w.Assistants[1].Running, w.Assistants[1].Microphone = true, ConsentDeny
		}, true), checks.Warn, "Copilot is open", ""},
		{"win mic policy deny, no process list: a setting alone never passes", winFacts(func(w *WindowsFacts) { w.MicrophonePolicy = PolicyForceDeny; w.Assistants[0].Installed = "yes" }, false), checks.Unknown, "which programs are running", "Check again"},
		{"win no process list", winFacts(nil, false), checks.Unknown, "which programs are running", "Check again"},
		{"win packages unreadable voice on", winFacts(func(w *WindowsFacts) {
			w.InstalledRead = false
			for i := range w.Assistants {
				w.Assistants[i].Installed = "unknown"
			}
		}, true), checks.Unknown, "is installed", "Voice activation"},
		{"win packages unreadable voice off", winFacts(func(w *WindowsFacts) {
			w.AgentActivation = Off
			for i := range w.Assistants {
				w.Assistants[i].Installed = "unknown"
			}
		}, true), checks.Pass, "No voice assistant", ""},
		{"win mic blocked, copilot use record unreadable", winFacts(func(w *WindowsFacts) {
			w.MicrophoneUser = ConsentDeny
			w.Assistants[1].Running, w.Assistants[1].MicrophoneInUse = true, "unknown"
		}, true), checks.Unknown, "whether Copilot is using the microphone", "Check again"},
		{"win copilot closed, use record unreadable", winFacts(func(w *WindowsFacts) { w.Assistants[1].MicrophoneInUse = "unknown" }, true), checks.Unknown, "whether Copilot is using the microphone", ""},
		{"win cortana running, use record unreadable: still fails", winFacts(func(w *WindowsFacts) {
			w.Assistants[0].Running, w.Assistants[0].MicrophoneInUse = true, "unknown"
		}, true), checks.Fail, "Cortana is running", ""},
		{"win nobody signed in", func() Facts {
			f := winFacts(func(w *WindowsFacts) {
				for i := range w.Assistants {
					w.Assistants[i].MicrophoneInUse = "unknown"
				}
			}, true)
			f.ConsoleUser = ConsoleNone
			return f
		}(), checks.Unknown, "Nobody is signed in", "Sign in"},
		{"win voice denied by policy, packages and switch not read", winFacts(func(w *WindowsFacts) {
			w.VoiceActivationPolicy, w.AgentActivation, w.InstalledRead = PolicyForceDeny, NotRead, false
			w.MicrophonePolicy, w.MicrophoneDevice, w.MicrophoneUser = string(NotRead), string(NotRead), string(NotRead)
			for i := range w.Assistants {
				w.Assistants[i].Installed, w.Assistants[i].Microphone = string(NotRead), string(NotRead)
			}
		}, true), checks.Pass, "No voice assistant", ""},
		{"mac siri off, listen for not read", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: Off, ListenFor: NotRead}}, checks.Pass, "Siri is off", ""},
		{"mac profile, settings not read", Facts{OS: "darwin", Darwin: &DarwinFacts{SiriEnabled: NotRead, ListenFor: NotRead, ManagedDisabled: boolPtr(true)}}, checks.Pass, "organisation", ""},
		{"mac siri on, listen for not read (old facts)", Facts{OS: "darwin", ConsoleUser: ConsoleSignedIn, Darwin: &DarwinFacts{SiriEnabled: On, ListenFor: NotRead}}, checks.Unknown, "Could not tell", ""},
		{"unsupported os", Facts{OS: "plan9"}, checks.Unknown, "not checked", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(tt.f, checks.Catalogue{Check}.Default())
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
