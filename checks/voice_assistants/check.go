package voiceassistants

import (
	"context"
	"fmt"
	"slices"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "voice_assistants"

// Check is the voice assistants check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Voice assistants",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlSecureConfig}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	// Mycroft and its kin run as python3: the module or script is in
	// the arguments.
	ProcessArgs: argsRead,
}

// Assistant identifiers used in facts.
const (
	cortana             = "cortana"
	copilot             = "copilot"
	copilotDesktop      = "copilot_desktop"
	alexa               = "alexa"
	siri                = "siri"
	mycroft             = "mycroft"
	openVoiceOS         = "openvoiceos"
	neon                = "neon"
	rhasspy             = "rhasspy"
	wyomingSatellite    = "wyoming_satellite"
	wyomingOpenWakeWord = "wyoming_openwakeword"
	linuxVoiceAssistant = "linux_voice_assistant"
	hivemindSatellite   = "hivemind_voice_satellite"
)

// Evidence says how an assistant was found.
const (
	// EvidenceProcess: a running program identified by its path or argv.
	evidenceProcess = "process"
	// EvidenceProcessName: a running program identified by its name only,
	// because its path could not be read.
	evidenceProcessName = "process_name"
	// EvidenceMicrophoneInUse: Windows records the app as using the
	// microphone right now.
	evidenceMicrophoneInUse = "microphone_in_use"
	// EvidenceInstalled: the app's package is installed (Windows).
	evidenceInstalled = "installed"
	// EvidenceSetting: a setting says the assistant listens (macOS Siri).
	evidenceSetting = "setting"
)

// state is a three-valued observation of a setting.
type state string

// Setting states. Default means the value is not set, so the system default
// applies (documented per setting). NotRead means the value was not read
// because one read before already decides without it (Siri off, a profile
// that turns Siri off, voice activation denied by policy, the microphone
// blocked for every app); evaluate treats it like Unknown.
const (
	stateOn      state = "on"
	stateOff     state = "off"
	stateDefault state = "default"
	stateUnknown state = "unknown"
	stateNotRead state = "not_read"
)

// finding is one known assistant and how it was found. Nothing else about
// the process (no PID, arguments or user) is kept.
type finding struct {
	Assistant string `json:"assistant"`
	Evidence  string `json:"evidence"`
}

// facts are the raw observations: which known assistants were found and how,
// and the settings that decide whether they may listen. Other processes are
// never listed.
type facts struct {
	OS string `json:"os"`
	// Found lists the known assistants seen, one entry per assistant and
	// kind of evidence.
	Found []finding `json:"found"`
	// ProcessListRead is whether the running programs could be listed.
	ProcessListRead bool `json:"process_list_read"`
	// ConsoleUser is signed_in, none or unknown (macOS and Windows).
	ConsoleUser string `json:"console_user,omitempty"`
	// Errors lists what could not be read, without paths or names.
	Errors []string `json:"errors,omitempty"`

	Darwin  *darwinFacts  `json:"darwin,omitempty"`
	Windows *windowsFacts `json:"windows,omitempty"`
}

// Console user presence.
const (
	consoleSignedIn = probe.ConsoleSignedIn
	consoleNone     = probe.ConsoleNone
	consoleUnknown  = probe.ConsoleUnknown
)

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS(), Found: []finding{}}
	switch p.GOOS() {
	case "linux":
		collectLinux(p, &f)
	case "darwin":
		collectDarwin(ctx, p, &f)
	case "windows":
		collectWindows(p, &f)
	default:
		return f, fmt.Errorf("voice assistants are not checked on %s", p.GOOS())
	}
	return f, nil
}

func (f *facts) add(assistant, evidence string) {
	fd := finding{Assistant: assistant, Evidence: evidence}
	if !slices.Contains(f.Found, fd) {
		f.Found = append(f.Found, fd)
	}
}

func (f *facts) addError(what string, err error) {
	f.Errors = append(f.Errors, what+": "+probe.ErrorKind(err))
}

// consoleUser records whether someone is signed in at the screen.
func consoleUser(p probe.Probe, f *facts) (probe.User, bool) {
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	if err != nil {
		f.addError("console user", err)
	}
	return u, presence == consoleSignedIn
}
