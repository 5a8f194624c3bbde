package captureinuse

import (
	"context"
	"fmt"
	"slices"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "capture_in_use"

// The check's policy settings.
var (
	// callAppsSetting names the video-call apps the session itself uses:
	// they may use the microphone, camera and screen.
	callAppsSetting = checks.Names{
		Name:    "call_apps",
		Label:   "Video-call apps that may use the microphone, camera and screen",
		Hint:    "Any other program recording them fails the check. A web browser may too while a call app used in a browser (Google Meet, Whereby) or \"Web browser\" is listed",
		Default: []string{"Zoom", "Microsoft Teams", "Google Meet", "Webex", "Whereby", "Skype", "FaceTime"},
	}
	// otherCaptureSetting grades another program recording, or a recorder
	// or note-taker running.
	otherCaptureSetting = checks.Grade{
		Name:    "capture_other_program",
		Label:   "When another program records the microphone, camera or screen, or a recorder or AI note-taker runs",
		Default: checks.Fail,
	}
	// macUnreadableSetting grades what macOS does not let the check read:
	// which app uses the microphone or camera. Unknown by default (a Mac
	// is then never ready while the check is required); an organisation
	// may choose warn, so the session starts with the practitioner told
	// to look at the menu bar's recording dots.
	macUnreadableSetting = checks.Grade{
		Name:    "capture_mac_unreadable",
		Label:   "On a Mac, where macOS does not tell which app uses the microphone or camera",
		Hint:    "Unknown keeps a Mac from being ready while this check is required. Warn lets the session start, with the practitioner told to look for the orange (microphone) and green (camera) dots in the menu bar. Recorders and note-takers found running still count either way",
		Default: checks.Unknown,
		Choices: []checks.Status{checks.Unknown, checks.Warn},
	}
)

// Check is the capture in use check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Recording and capture",
	Meta: checks.Meta{Required: true, Controls: []string{checks.ControlSecureConfig},
		Settings: []checks.Setting{callAppsSetting, otherCaptureSetting, macUnreadableSetting}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
	// ffmpeg and gst-launch record only with some arguments.
	ProcessArgs: argsRead,
}

// What a program captures.
const (
	microphone = "microphone"
	camera     = "camera"
	screen     = "screen"
	// sound is an audio stream whose source could not be told (the
	// microphone, or what the computer plays).
	sound = "sound"
	// playback is what the computer plays (a sound server's monitor
	// source): the call's own sound.
	playback = "playback"
	// video is a video stream whose source could not be told (the camera
	// or the screen).
	video = "video"
)

// How a capture was seen.
const (
	viaPipeWire     = "pipewire"
	viaPulseAudio   = "pulseaudio"
	viaDevice       = "device"
	viaConsentStore = "consent_store"
	viaProcess      = "process"
)

// Part states.
const (
	// StateRead: the source was read.
	stateRead = "read"
	// StateNone: there is nothing to read (no sound server runs, no
	// camera or capture device exists).
	stateNone = "none"
	// StateUnknown: the source could not be read.
	stateUnknown = "unknown"
	// StateNotReadable: the operating system does not let a program
	// without special permission read it (macOS microphone and camera).
	stateNotReadable = "not_readable"
)

// capture is one program seen capturing now: its name (a known program's
// id, or the program's file name), what it captures, how it was seen and,
// on Windows, whose program it is when not the console user's. Never a
// window title, stream name, file name, process id or account name.
type capture struct {
	Program string `json:"program"`
	What    string `json:"what"`
	Via     string `json:"via"`
	// Account (Windows) is "service" for a program running as SYSTEM or
	// another service account, "other" for another account's; empty for
	// the console user's (or not told).
	Account string `json:"account,omitempty"`
}

// facts are the raw observations.
type facts struct {
	OS string `json:"os"`
	// Captures are the programs seen capturing now.
	Captures []capture `json:"captures"`
	// Recorders are the known recorders and note-takers seen running (by
	// id), whether or not they capture now.
	Recorders []string `json:"recorders"`
	// ProcessListRead is whether the running programs could be listed.
	ProcessListRead bool `json:"process_list_read"`
	// ConsoleUser is signed_in, none or unknown.
	ConsoleUser string `json:"console_user,omitempty"`
	// Streams (Linux) is what told the sound server's capture streams:
	// pipewire, pulseaudio, none (no sound server runs) or unknown.
	Streams string `json:"streams,omitempty"`
	// Devices (Linux) is the scan of who holds a camera or audio capture
	// device open: read, none (no such device) or unknown.
	Devices string `json:"devices,omitempty"`
	// ConsentStore (Windows) is the console user's capability consent
	// store: read or unknown.
	ConsentStore string `json:"consent_store,omitempty"`
	// OtherConsentStores (Windows) is the microphone and camera records
	// of the machine's consent store (HKLM: programs running as SYSTEM)
	// and of every other loaded account's: read or unknown. Empty in
	// facts of agents that did not read them.
	OtherConsentStores string `json:"other_consent_stores,omitempty"`
	// MicrophoneCamera (macOS) is not_readable: macOS tells which app uses
	// them only to programs with special permission.
	MicrophoneCamera string `json:"microphone_camera,omitempty"`
	// Errors lists what could not be read, without paths or names.
	Errors []string `json:"errors,omitempty"`
}

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS(), Captures: []capture{}, Recorders: []string{}}
	procs, err := p.Processes()
	f.ProcessListRead = err == nil
	if err != nil {
		f.addError("process list", err)
	}
	for _, pr := range procs {
		if id := recorderOf(p.GOOS(), pr); id != "" && !slices.Contains(f.Recorders, id) {
			f.Recorders = append(f.Recorders, id)
		}
	}
	switch p.GOOS() {
	case "linux":
		collectLinux(ctx, p, procs, &f)
	case "darwin":
		f.MicrophoneCamera = stateNotReadable
	case "windows":
		collectWindows(ctx, p, &f)
	default:
		return f, fmt.Errorf("capture is not checked on %s", p.GOOS())
	}
	return f, nil
}

func (f *facts) addError(what string, err error) {
	if e := what + ": " + probe.ErrorKind(err); !slices.Contains(f.Errors, e) {
		f.Errors = append(f.Errors, e)
	}
}

func (f *facts) addCapture(c capture) {
	if c.Program != "" && !slices.Contains(f.Captures, c) {
		f.Captures = append(f.Captures, c)
	}
}
