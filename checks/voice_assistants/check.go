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
var Check checks.Check = checks.Definition[Facts]{
	CheckID:    ID,
	CheckTitle: "Voice assistants",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlSecureConfig}},
	Collect:    Collect,
	Evaluate:   Evaluate,
	UnknownFix: unknownFix,
	// Mycroft and its kin run as python3: the module or script is in
	// the arguments.
	ProcessArgs: ArgsRead,
}

// Assistant identifiers used in facts.
const (
	Cortana             = "cortana"
	Copilot             = "copilot"
	Alexa               = "alexa"
	Siri                = "siri"
	Mycroft             = "mycroft"
	OpenVoiceOS         = "openvoiceos"
	Neon                = "neon"
	Rhasspy             = "rhasspy"
	WyomingSatellite    = "wyoming_satellite"
	WyomingOpenWakeWord = "wyoming_openwakeword"
)

// Evidence says how an assistant was found.
const (
	// EvidenceProcess: a running program identified by its path or argv.
	EvidenceProcess = "process"
	// EvidenceProcessName: a running program identified by its name only,
	// because its path could not be read.
	EvidenceProcessName = "process_name"
	// EvidenceMicrophoneInUse: Windows records the app as using the
	// microphone right now.
	EvidenceMicrophoneInUse = "microphone_in_use"
	// EvidenceInstalled: the app's package is installed (Windows).
	EvidenceInstalled = "installed"
	// EvidenceSetting: a setting says the assistant listens (macOS Siri).
	EvidenceSetting = "setting"
)

// State is a three-valued observation of a setting.
type State string

// Setting states. Default means the value is not set, so the system default
// applies (documented per setting). NotRead means the value was not read
// because one read before already decides without it (Siri off, a profile
// that turns Siri off, voice activation denied by policy, the microphone
// blocked for every app); Evaluate treats it like Unknown.
const (
	On      State = "on"
	Off     State = "off"
	Default State = "default"
	Unknown State = "unknown"
	NotRead State = "not_read"
)

// Finding is one known assistant and how it was found. Nothing else about
// the process (no PID, arguments or user) is kept.
type Finding struct {
	Assistant string `json:"assistant"`
	Evidence  string `json:"evidence"`
}

// Facts are the raw observations: which known assistants were found and how,
// and the settings that decide whether they may listen. Other processes are
// never listed.
type Facts struct {
	OS string `json:"os"`
	// Found lists the known assistants seen, one entry per assistant and
	// kind of evidence.
	Found []Finding `json:"found"`
	// ProcessListRead is whether the running programs could be listed.
	ProcessListRead bool `json:"process_list_read"`
	// ConsoleUser is signed_in, none or unknown (macOS and Windows).
	ConsoleUser string `json:"console_user,omitempty"`
	// Errors lists what could not be read, without paths or names.
	Errors []string `json:"errors,omitempty"`

	Darwin  *DarwinFacts  `json:"darwin,omitempty"`
	Windows *WindowsFacts `json:"windows,omitempty"`
}

// Console user presence.
const (
	ConsoleSignedIn = probe.ConsoleSignedIn
	ConsoleNone     = probe.ConsoleNone
	ConsoleUnknown  = probe.ConsoleUnknown
)

// Collect gathers the facts for the probe's operating system.
func Collect(ctx context.Context, p probe.Probe) (Facts, error) {
	f := Facts{OS: p.GOOS(), Found: []Finding{}}
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

func (f *Facts) add(assistant, evidence string) {
	fd := Finding{Assistant: assistant, Evidence: evidence}
	if !slices.Contains(f.Found, fd) {
		f.Found = append(f.Found, fd)
	}
}

func (f *Facts) addError(what string, err error) {
	f.Errors = append(f.Errors, what+": "+probe.ErrorKind(err))
}

// consoleUser records whether someone is signed in at the screen.
func consoleUser(p probe.Probe, f *Facts) (probe.User, bool) {
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	if err != nil {
		f.addError("console user", err)
	}
	return u, presence == ConsoleSignedIn
}
