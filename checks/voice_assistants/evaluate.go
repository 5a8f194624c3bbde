package voiceassistants

import (
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/internal/text"
)

const unknownFix = "SessionGuard could not tell whether a voice assistant is listening. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// displayName is how an assistant is named to the practitioner.
var displayName = map[string]string{
	cortana:             "Cortana",
	copilot:             "Copilot",
	copilotDesktop:      "Copilot",
	alexa:               "the Alexa app",
	siri:                "Siri",
	mycroft:             "the Mycroft voice assistant",
	openVoiceOS:         "the OpenVoiceOS voice assistant",
	neon:                "the Neon voice assistant",
	rhasspy:             "the Rhasspy voice assistant",
	wyomingSatellite:    "a Home Assistant voice satellite (Wyoming)",
	wyomingOpenWakeWord: "a Home Assistant wake-word listener (Wyoming)",
	linuxVoiceAssistant: "a Home Assistant voice satellite (Linux Voice Assistant)",
	hivemindSatellite:   "a HiveMind voice satellite (OpenVoiceOS)",
}

func name(a string) string {
	if n, ok := displayName[a]; ok {
		return n
	}
	return a
}

// evaluate judges the facts. An assistant that runs, uses the microphone, or
// is set to listen for its wake word fails; none found passes; what could
// not be read is unknown, never pass or fail.
func evaluate(f facts, _ checks.Policy) checks.Result {
	switch f.OS {
	case "linux":
		return evaluateLinux(f)
	case "darwin":
		return evaluateDarwin(f)
	case "windows":
		return evaluateWindows(f)
	}
	return checks.Result{Status: checks.Unknown, Summary: "Voice assistants are not checked on this system.", Fix: unknownFix, Reason: "unsupported operating system " + f.OS}
}

func reason(f facts) string {
	if len(f.Errors) == 0 {
		return "no source could be read"
	}
	return strings.Join(f.Errors, "; ")
}

func evaluateLinux(f facts) checks.Result {
	var names []string
	for _, fd := range f.Found {
		if n := name(fd.Assistant); !contains(names, n) {
			names = append(names, n)
		}
	}
	switch {
	case len(names) > 0:
		return checks.Result{
			Status:  checks.Fail,
			Summary: "A voice assistant that listens in the room is running: " + text.JoinAnd(names) + ".",
			Fix:     "Stop " + text.JoinAnd(names) + " before your session: close it, or ask whoever set it up on this computer to turn it off (it may start again when the computer restarts).",
		}
	case !f.ProcessListRead:
		return checks.Result{Status: checks.Unknown, Summary: "Could not list the running programs to look for voice assistants.", Fix: unknownFix, Reason: reason(f)}
	}
	return checks.Result{Status: checks.Pass, Summary: "No voice assistant (Mycroft, OpenVoiceOS, Neon, Rhasspy or a Home Assistant voice satellite) is running."}
}

const siriFix = "Open System Settings > Siri & Spotlight (Apple Intelligence & Siri on newer Macs) and turn Siri off. Setting \"Listen for\" to Off alone may not stop Siri answering \"Hey Siri\"."

func evaluateDarwin(f facts) checks.Result {
	d := f.Darwin
	if d == nil {
		return checks.Result{Status: checks.Unknown, Summary: "Could not read Siri's settings.", Fix: unknownFix, Reason: reason(f)}
	}
	if d.managedOff() {
		return checks.Result{Status: checks.Pass, Summary: "Siri is turned off by your organisation's settings profile."}
	}
	siriOff := d.SiriEnabled == stateOff || d.SiriEnabled == stateDefault
	listenOff := d.ListenFor == stateOff || d.ListenFor == stateDefault
	switch {
	case d.SiriEnabled == stateOn && d.ListenFor == stateOn:
		return checks.Result{Status: checks.Fail, Summary: "Siri is on and listens for \"Siri\" or \"Hey Siri\" in the room.", Fix: siriFix}
	case siriOff:
		return checks.Result{Status: checks.Pass, Summary: "Siri is off."}
	case d.SiriEnabled == stateOn && listenOff:
		// "Listen for" off is read from an undocumented key, and Siri has
		// been reported to answer "Hey Siri" with it off
		// (usnistgov/macos_security#478): only Siri off is sure.
		return checks.Result{
			Status:  checks.Warn,
			Summary: "Siri is on with \"Listen for\" set to Off, but it may still answer \"Hey Siri\".",
			Fix:     "Turn Siri off in System Settings > Siri & Spotlight (Apple Intelligence & Siri on newer Macs) before your session: \"Listen for\" set to Off may not stop it answering \"Hey Siri\", and it can also be started from its keyboard shortcut.",
		}
	case f.ConsoleUser == consoleNone:
		return checks.Result{Status: checks.Unknown, Summary: "Nobody is signed in at the screen, so Siri's settings could not be read.", Fix: "Sign in at the Mac's screen and check again.", Reason: "no console user"}
	}
	return checks.Result{Status: checks.Unknown, Summary: "Could not tell whether Siri listens for \"Siri\" or \"Hey Siri\".", Fix: siriFix + " Then check again.", Reason: reason(f)}
}

func windowsFix(a string) string {
	switch a {
	case cortana:
		return "Close Cortana and turn off \"Let Cortana respond to 'Cortana' keyword\" (Settings > Privacy & security > Voice activation; on Windows 10, Settings > Privacy > Voice activation), or uninstall the Cortana app."
	case copilot, copilotDesktop:
		return "Close the Copilot app (right-click its icon next to the clock and choose Quit), or in Copilot open Settings and turn off \"Listen for 'Hey, Copilot'\"."
	case alexa:
		return "Close the Alexa app and turn off its \"Alexa\" wake word (Settings > Privacy & security > Voice activation; on Windows 10, Settings > Privacy > Voice activation), or uninstall the Alexa app."
	}
	return ""
}

const voiceActivationFix = "Open Settings > Privacy & security (Privacy on Windows 10) > Voice activation and turn off \"Let apps access voice activation services\"."

func evaluateWindows(f facts) checks.Result {
	w := f.Windows
	if w == nil {
		return checks.Result{Status: checks.Unknown, Summary: "Could not read the voice assistant settings.", Fix: unknownFix, Reason: reason(f)}
	}
	micAll := w.microphoneBlocked()
	voiceOn, voiceOff := w.voiceOn(), w.voiceOff()

	var fails, warns, unknowns, fixes []string
	settingsUnknown := false
	addFix := func(s string) {
		if s != "" && !contains(fixes, s) {
			fixes = append(fixes, s)
		}
	}
	for _, a := range w.Assistants {
		n := text.Capitalise(name(a.Assistant))
		app, known := windowsAppOf(a.Assistant)
		wake := !known || app.wakeWord
		micBlocked := micAll || a.Microphone == "policy_deny" ||
			(w.MicrophonePolicy != policyForceAllow && a.Microphone == consentDeny)
		if known && app.desktop() {
			micBlocked = w.desktopMicrophoneBlocked()
		}
		// Windows' record of the app using the microphone now is direct
		// evidence, so it decides first; when it could not be read, nothing
		// short of a fail may stand in for it.
		inUseUnread := a.MicrophoneInUse != "yes" && a.MicrophoneInUse != "no"
		safe := func(warning string) {
			switch {
			case inUseUnread:
				unknowns = append(unknowns, "whether "+name(a.Assistant)+" is using the microphone")
			case warning != "":
				warns = append(warns, warning)
				addFix(windowsFix(a.Assistant))
			}
		}
		switch {
		case a.MicrophoneInUse == "yes":
			fails = append(fails, n+" is using the microphone right now")
			addFix(windowsFix(a.Assistant))
		case micBlocked:
			safe("") // It cannot hear anything, running or not.
		case a.Running && !wake && a.MicrophoneInUse == "no":
			safe(n + " is open but not using the microphone, so \"Hey, Copilot\" is off")
		case a.Running && !wake:
			fails = append(fails, n+" is running and may be listening for \"Hey, Copilot\"")
			addFix(windowsFix(a.Assistant))
		case a.Running && voiceOff:
			safe(n + " is open, but apps may not listen for their wake word")
		case a.Running:
			fails = append(fails, n+" is running and may listen for its wake word")
			addFix(windowsFix(a.Assistant))
		case !wake || voiceOff:
			safe("") // Not running, and not wakeable by voice.
		case a.Installed == "yes" && voiceOn:
			fails = append(fails, n+" is installed and apps may listen for their wake word")
			addFix(voiceActivationFix)
		case a.Installed == "yes":
			unknowns = append(unknowns, "whether "+name(a.Assistant)+" may listen for its wake word")
			settingsUnknown = true
		case a.Installed != "no":
			unknowns = append(unknowns, "whether "+name(a.Assistant)+" is installed while apps may listen for their wake word")
			settingsUnknown = true
		default:
			safe("")
		}
	}
	// What runs is the evidence this check stands on (as on Linux): without
	// the process list nothing passes, not even with the microphone switched
	// off for apps, which is a setting.
	if !f.ProcessListRead {
		unknowns = append(unknowns, "which programs are running")
	}
	unknownFixW := unknownFix
	if settingsUnknown {
		unknownFixW = voiceActivationFix + " Then check again; if it stays unknown, ask your IT support."
	}
	switch {
	case len(fails) > 0:
		return checks.Result{Status: checks.Fail, Summary: text.Capitalise(text.JoinAnd(fails)) + ".", Fix: strings.Join(fixes, " ")}
	case f.ConsoleUser == consoleNone:
		// The settings and microphone records are the person's; the
		// agent's own hive would stand in for nobody.
		return checks.Result{Status: checks.Unknown, Summary: "Nobody is signed in at the screen, so the voice assistant settings could not be read.", Fix: "Sign in at the computer's screen and check again.", Reason: "no console user"}
	case len(unknowns) > 0:
		return checks.Result{
			Status:  checks.Unknown,
			Summary: "Could not tell " + text.JoinAnd(unknowns) + ".",
			Fix:     unknownFixW,
			Reason:  reason(f),
		}
	case len(warns) > 0:
		return checks.Result{Status: checks.Warn, Summary: text.Capitalise(text.JoinAnd(warns)) + ".", Fix: strings.Join(fixes, " ")}
	case micAll:
		return checks.Result{Status: checks.Pass, Summary: "Apps may not use the microphone, so no voice assistant can listen."}
	}
	return checks.Result{Status: checks.Pass, Summary: "No voice assistant (Cortana, Copilot voice or Alexa) is running or set to listen."}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
