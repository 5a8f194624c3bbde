package voiceassistants

import (
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/anypath"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// linuxMarker is a program, script or Python module name that identifies a
// self-hosted voice assistant. These run as python3 (or through a shell
// wrapper), so the marker is looked for in the argument list, not the
// process name.
type linuxMarker struct {
	name      string
	assistant string
	// prefix matches any name starting with name (Rhasspy ships dozens of
	// rhasspy-* services and rhasspy* modules).
	prefix bool
}

var linuxMarkers = []linuxMarker{
	{"mycroft.skills", mycroft, false},
	{"mycroft.client.speech", mycroft, false},
	{"mycroft-speech-client", mycroft, false},
	{"mycroft-skills", mycroft, false},
	{"ovos-core", openVoiceOS, false},
	{"ovos_core", openVoiceOS, false},
	{"ovos-dinkum-listener", openVoiceOS, false},
	{"ovos_dinkum_listener", openVoiceOS, false},
	{"ovos-listener", openVoiceOS, false},
	{"ovos_listener", openVoiceOS, false},
	{"neon_speech", neon, false},
	{"neon-speech", neon, false},
	{"rhasspy", rhasspy, true},
	{"wyoming-satellite", wyomingSatellite, false},
	{"wyoming_satellite", wyomingSatellite, false},
	{"wyoming-openwakeword", wyomingOpenWakeWord, false},
	{"wyoming_openwakeword", wyomingOpenWakeWord, false},
	{"wyoming-microwakeword", wyomingOpenWakeWord, false},
	{"wyoming_microwakeword", wyomingOpenWakeWord, false},
	// Home Assistant's Linux satellite over the ESPHome protocol
	// (OHF-Voice/linux-voice-assistant): a module with no console script,
	// run by its script/run as "python -m linux_voice_assistant".
	{"linux_voice_assistant", linuxVoiceAssistant, false},
	{"linux-voice-assistant", linuxVoiceAssistant, false},
	// HiveMind's voice satellite, a whole OpenVoiceOS listener
	// (JarbasHiveMind/HiveMind-voice-sat: console script hivemind-voice-sat,
	// package hivemind_voice_satellite).
	{"hivemind-voice-sat", hivemindSatellite, false},
	{"hivemind_voice_satellite", hivemindSatellite, false},
}

// classifyArgvKind returns the assistant an argument list runs, or "". It looks
// at the program itself (argv[0]), and, when the program is an interpreter
// (python, pypy, a shell), at the module after -m or the script it runs.
// Files an editor, pager or grep merely mentions never count.
func classifyArgvKind(argv []string) string {
	a, _ := classifyArgv(argv)
	return a
}

// classifyArgv is ClassifyArgv, also telling how many entries of argv it
// read to decide: argv cut to that many classifies the same.
func classifyArgv(argv []string) (string, int) {
	if len(argv) == 0 {
		return "", 0
	}
	prog := anypath.Base(argv[0])
	if a := matchMarker(prog); a != "" {
		return a, 1
	}
	if !isInterpreter(prog) {
		return "", 1
	}
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-m":
			if i+1 < len(args) {
				return matchMarker(args[i+1]), i + 3
			}
			return "", len(argv)
		case strings.HasPrefix(a, "-m") && !strings.HasPrefix(a, "--"):
			return matchMarker(a[2:]), i + 2
		case a == "-c":
			return "", i + 2 // inline code: nothing to name
		case takesValue(prog, a):
			i++ // option with a separate value
		case a == "--":
			if i+1 < len(args) {
				return matchMarker(anypath.Base(args[i+1])), i + 3
			}
			return "", len(argv)
		case strings.HasPrefix(a, "-"):
			continue
		default:
			return matchMarker(anypath.Base(a)), i + 2
		}
	}
	return "", len(argv)
}

// argsRead is this check's probe.ArgsKeeper: an evidence bundle keeps a
// process's arguments only up to the one that names an assistant, and
// none of a process that names no assistant (by its arguments or, when
// they are hidden, its name). The rest of a command line — a script's
// options, files, addresses — is never kept.
func argsRead(pr probe.Process) []string {
	argv := pr.Args()
	a, n := classifyArgv(argv)
	if a == "" && classifyArgvKind([]string{pr.Name}) == "" {
		return nil
	}
	return argv[:n]
}

// matchMarker matches a program, script or module name: exactly, as a
// dotted submodule (wyoming_satellite.__main__), or with a .py suffix.
func matchMarker(name string) string {
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".py")
	// NixOS's wrapProgram runs the real script as ".NAME-wrapped".
	if inner, ok := strings.CutPrefix(name, "."); ok {
		name = strings.TrimSuffix(inner, "-wrapped")
	}
	if name == "" {
		return ""
	}
	for _, m := range linuxMarkers {
		switch {
		case m.prefix && strings.HasPrefix(name, m.name):
			return m.assistant
		case name == m.name || strings.HasPrefix(name, m.name+"."):
			return m.assistant
		}
	}
	return ""
}

// isInterpreter reports whether a program runs a script or module named in
// its arguments.
func isInterpreter(prog string) bool {
	prog = strings.ToLower(prog)
	for _, p := range []string{"python", "pypy", "bash", "sh", "dash", "zsh"} {
		if prog == p || strings.HasPrefix(prog, p) && strings.Trim(prog[len(p):], "0123456789.-") == "" {
			return true
		}
	}
	return false
}

// takesValue reports whether an interpreter option is followed by a
// separate value (python -W ignore, -X dev; shell -o errexit, -O extglob).
func takesValue(prog, opt string) bool {
	if strings.HasPrefix(strings.ToLower(prog), "py") {
		return opt == "-W" || opt == "-X" || opt == "--check-hash-based-pycs"
	}
	return opt == "-o" || opt == "-O" || opt == "+o" || opt == "+O"
}

// collectLinux scans the argument lists of running programs.
func collectLinux(p probe.Probe, f *facts) {
	procs, err := p.Processes()
	if err != nil {
		f.addError("process list", err)
		return
	}
	f.ProcessListRead = true
	for _, pr := range procs {
		if a := processAssistant(pr); a != "" {
			f.add(a, evidenceProcess)
		}
	}
}

// processAssistant is the assistant a running process is, or "": by its
// arguments, or its name when they are hidden.
func processAssistant(pr probe.Process) string {
	argv := pr.Args()
	if len(argv) == 0 && pr.Name != "" {
		argv = []string{pr.Name} // arguments hidden: the name alone
	}
	return classifyArgvKind(argv)
}
