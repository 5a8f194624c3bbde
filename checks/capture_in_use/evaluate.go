package captureinuse

import (
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/internal/text"
)

const unknownFix = "SessionGuard could not tell whether another program is recording. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// macFix is what a Mac user can look at themselves: macOS shows a dot in
// the menu bar while an app uses the microphone or camera.
const macFix = "Look at the top right of the screen: an orange dot means an app is using the microphone, a green one the camera, a purple one that the screen is recorded. Open Control Centre to see which app, and quit any app that is not your video-call app before the session."

// displayName is how a program is named to the practitioner.
func displayName(id string) string {
	if p, ok := byID(id); ok {
		return p.name
	}
	if id == "unidentified" {
		return "an unidentified program"
	}
	return "the program \"" + id + "\""
}

var whatWords = map[string]string{
	microphone: "the microphone",
	camera:     "the camera",
	screen:     "the screen",
	sound:      "sound (the microphone or what the computer plays)",
	video:      "video (the camera or the screen)",
	playback:   "what the computer plays (the call's sound)",
}

// captor is a program seen capturing and whose it is (capture.Account).
type captor struct{ id, account string }

// accountWords say whose a program is, after its name.
var accountWords = map[string]string{
	accountService: ", running in the background as a system service,",
	accountOther:   ", running in another account signed in on this computer,",
}

// allowed reports whether the policy's call apps let program id capture:
// a known call app the list names, a web browser while the list names a
// call app used in a browser, or any program the list names by its name.
func allowed(id string, callApps []string) bool {
	names := make([]string, 0, len(callApps))
	for _, n := range callApps {
		names = append(names, strings.ToLower(strings.TrimSpace(n)))
	}
	if p, ok := byID(id); ok {
		if slices.ContainsFunc(p.policy, func(s string) bool { return slices.Contains(names, s) }) {
			return true
		}
		if slices.Contains(names, strings.ToLower(p.name)) {
			return true
		}
	}
	return slices.Contains(names, id) || slices.Contains(names, id+".exe")
}

// evaluate judges the facts: a program other than the policy's call apps
// (or a browser) recording the microphone, camera or screen, or a known
// recorder or note-taker running, fails (warns by policy); nothing found
// passes only when every source was read.
func evaluate(f facts, pol checks.Policy) checks.Result {
	callApps := callAppsSetting.Of(pol)
	grade := otherCaptureSetting.Of(pol)

	// What each program other than a call app captures, in order. A
	// program running as a service or another account is never the
	// practitioner's call app.
	var order []captor
	what := map[captor][]string{}
	var expected []string
	for _, c := range f.Captures {
		if c.Account == "" && allowed(c.Program, callApps) {
			if n := displayName(c.Program); !slices.Contains(expected, n) {
				expected = append(expected, n)
			}
			continue
		}
		who := captor{c.Program, c.Account}
		if !slices.Contains(order, who) {
			order = append(order, who)
		}
		if w := whatWords[c.What]; !slices.Contains(what[who], w) {
			what[who] = append(what[who], w)
		}
	}
	var findings, names []string
	var accounts []string
	for _, who := range order {
		findings = append(findings, sentenceStart(displayName(who.id))+accountWords[who.account]+" is recording "+text.JoinAnd(what[who]))
		if who.account != "" {
			if !slices.Contains(accounts, who.account) {
				accounts = append(accounts, who.account)
			}
			continue
		}
		names = append(names, displayName(who.id))
	}
	for _, id := range f.Recorders {
		if slices.ContainsFunc(order, func(c captor) bool { return c.id == id && c.account == "" }) || allowed(id, callApps) {
			continue
		}
		p, _ := byID(id)
		switch {
		case p.id == "ffmpeg" || p.id == "gstreamer" || p.id == "screenshot_recording":
			findings = append(findings, sentenceStart(p.name)+" is recording "+p.records)
		case p.kind == noteTaker:
			findings = append(findings, p.name+", an AI note-taker that records meetings, is running")
		default:
			findings = append(findings, sentenceStart(p.name)+" is running (it records "+p.records+")")
		}
		names = append(names, p.name)
	}

	parts := []checks.Result{}
	if len(findings) > 0 {
		parts = append(parts, checks.Result{
			Status:  grade,
			Summary: strings.Join(findings, "; ") + ".",
			Fix:     fixFor(f.OS, names, accounts),
		})
	}
	if r, ok := unread(f, pol); ok {
		parts = append(parts, r)
	}
	if len(parts) == 0 {
		summary := "No other program is recording the microphone, camera or screen, and no recorder or note-taker is running."
		if len(expected) > 0 {
			summary += " In use by your call app: " + text.JoinAnd(expected) + "."
		}
		return checks.Result{Status: checks.Pass, Summary: summary}
	}
	return checks.AllOf(parts...)
}

// unread is the unknown part when a source this OS needs was not read. On
// a Mac, whose microphone and camera users cannot be read, the policy may
// make that part a warning (capture_mac_unreadable), but only when what
// could be read was: an error still makes it unknown.
func unread(f facts, pol checks.Policy) (checks.Result, bool) {
	var missing []string
	fix := unknownFix
	if !f.ProcessListRead {
		missing = append(missing, "which programs are running")
	}
	switch f.OS {
	case "linux":
		if f.Streams != stateNone && f.Streams != viaPipeWire && f.Streams != viaPulseAudio {
			missing = append(missing, "which programs record through the sound system (PipeWire or PulseAudio)")
		}
		if f.Devices != stateRead && f.Devices != stateNone {
			missing = append(missing, "which programs hold the camera or microphone open")
			if slices.ContainsFunc(f.Errors, func(e string) bool { return strings.Contains(e, "access denied") }) {
				fix = "Run the check as an administrator (sudo sessionguard check) or let the SessionGuard service run it; other accounts' programs can only be seen that way."
			}
		}
	case "windows":
		if f.ConsentStore != stateRead {
			if f.ConsoleUser == "none" {
				return checks.Result{Status: checks.Unknown, Summary: "Nobody is signed in at the screen, so SessionGuard could not see which apps use the microphone, camera or screen.",
					Fix: "Sign in at the computer's screen and check again.", Reason: "no console user"}, true
			}
			missing = append(missing, "which apps use the microphone, camera or screen capture")
		}
		// Facts of an agent that did not read the other stores leave
		// OtherConsentStores empty: judged as they were then.
		if f.OtherConsentStores != "" && f.OtherConsentStores != stateRead {
			missing = append(missing, "which programs running as system services or in other accounts use the microphone or camera")
			if slices.ContainsFunc(f.Errors, func(e string) bool { return otherStoreError(e) && strings.HasSuffix(e, "access denied") }) {
				fix = "Let the SessionGuard service run the check, or run it as an administrator: only then can the programs of other accounts and system services be seen."
			}
		}
	case "darwin":
		if macUnreadableSetting.Of(pol) == checks.Warn && len(f.Errors) == 0 {
			return checks.Result{Status: checks.Warn,
				Summary: "macOS does not let SessionGuard see which app is using the microphone or camera; your organisation lets the session start with this warning.",
				Fix:     macFix}, true
		}
		return checks.Result{Status: checks.Unknown,
			Summary: "macOS does not let SessionGuard see which app is using the microphone or camera.",
			Fix:     macFix,
			Reason:  "macOS tells which app uses the microphone or camera only to programs with special permission" + errSuffix(f)}, true
	default:
		missing = append(missing, "anything on this system")
	}
	if len(missing) == 0 {
		return checks.Result{}, false
	}
	reason := strings.Join(f.Errors, "; ")
	if reason == "" {
		reason = "no source could be read"
	}
	return checks.Result{Status: checks.Unknown, Summary: "Could not tell " + text.JoinAnd(missing) + ".", Fix: fix, Reason: reason}, true
}

// otherStoreError reports whether a fact's error is about the stores
// collectOtherStores reads (the machine's, other accounts', the list of
// loaded hives), not the console user's.
func otherStoreError(e string) bool {
	for _, name := range []string{storeMachine, storeService, storeOtherAccount, loadedHivesName} {
		if strings.HasPrefix(e, name+": ") {
			return true
		}
	}
	return false
}

func errSuffix(f facts) string {
	if len(f.Errors) == 0 {
		return ""
	}
	return "; " + strings.Join(f.Errors, "; ")
}

// sentenceStart capitalises a name that starts with an article ("the
// GNOME screen recorder"); a program's own name keeps its case (ffmpeg).
func sentenceStart(name string) string {
	for _, article := range []string{"the ", "a ", "an ", "another "} {
		if strings.HasPrefix(name, article) {
			return text.Capitalise(name)
		}
	}
	return name
}

// fixFor tells how to stop what was found: the programs the person can
// close (names), and the programs of other accounts or services
// (accounts: accountOther, accountService), which they cannot.
func fixFor(goos string, names, accounts []string) string {
	other := displayName(otherAccountSoundSystem)
	if slices.Contains(names, other) {
		names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == other })
		if !slices.Contains(accounts, accountOther) {
			accounts = append(slices.Clone(accounts), accountOther)
		}
	}
	var fix []string
	if len(names) > 0 {
		fix = append(fix, closeFix(goos, names))
	}
	for _, a := range accounts {
		fix = append(fix, accountFix[a])
	}
	return strings.Join(fix, " ")
}

// accountFix is what to do about a program of another account or a
// system service, which the person at the screen cannot close.
var accountFix = map[string]string{
	accountOther:   "Another account signed in on this computer is using the microphone or camera: sign that account out (or restart the computer) before your session, and tell your IT support if you do not know whose it is.",
	accountService: "A program running in the background as a system service is using the microphone or camera; you cannot close it yourself. Do not start the session: tell your IT support, who can find and stop it (something may be recording you).",
}

func closeFix(goos string, names []string) string {
	tail := " If you did not start it, tell your IT support: something may be recording you. If it is a call app your organisation uses, IT can add it to the call apps in the policy."
	list := text.JoinAnd(names)
	switch goos {
	case "windows":
		return "Close " + list + " before your session (right-click its icon in the taskbar or next to the clock and choose Close or Quit). Settings > Privacy & security > Microphone and Camera show which apps are using them now." + tail
	case "darwin":
		return "Quit " + list + " before your session (right-click its icon in the Dock or the menu bar and choose Quit)." + tail
	}
	return "Close " + list + " before your session (quit it from its window or its icon in the top bar)." + tail
}
