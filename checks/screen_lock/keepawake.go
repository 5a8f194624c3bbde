package screenlock

import (
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/callapps"
	"github.com/sessionguard/sessionguard/internal/text"
)

// awakeHold is a program keeping the screen from locking right now: it
// holds an idle inhibitor (GNOME's session manager) or a display sleep
// assertion (macOS) so that the computer never counts as idle, and the
// idle lock never comes however short its timeouts. The check runs before a session, so a hold by a keep-awake
// tool (or one that could not be told) means the screen will not lock;
// one by a video-call app or a browser playing video is expected during a
// call and ends with it.
type awakeHold struct {
	// Program is how the system names the holder: the inhibitor's app id
	// or the assertion's process name, lower case ("" when none).
	Program string `json:"program,omitempty"`
	// Kind is keep_awake (a tool made to keep the computer awake),
	// call_app, browser or other (not recognised).
	Kind string `json:"kind"`
	// Name is the name people know it by, when recognised.
	Name string `json:"name,omitempty"`
}

// Kinds of holder.
const (
	holdKeepAwake = "keep_awake"
	holdCallApp   = "call_app"
	holdBrowser   = "browser"
	holdOther     = "other"
)

// keepAwakeTool is a tool people turn on to keep the computer awake.
type keepAwakeTool struct {
	name string
	// programs are the app ids it holds inhibitors under, or its process
	// names (macOS), lower case.
	programs []string
	// reasonWord, found in an inhibitor's reason, names it whatever app
	// id it used (Caffeine before version 50 inhibited under the id of
	// the app that triggered it, "user" or "fullscreen", with the reason
	// "Inhibit by Caffeine").
	reasonWord string
	// fix says how to turn it off.
	fix string
}

// keepAwakeTools are the keep-awake tools named in what the check says.
// An idle inhibitor by a program not recognised fails as well: these only
// give the wording.
var keepAwakeTools = []keepAwakeTool{
	{name: "Caffeine", programs: []string{"caffeine-gnome-extension", "caffeine", "caffeine-ng"}, reasonWord: "caffeine",
		fix: "Turn off Caffeine (the coffee cup): on GNOME open the menu at the right of the top bar and switch it off, or turn the Caffeine extension off in the Extensions app; elsewhere click its cup in the panel and turn it off. Then check again."},
	// Cinnamon's Inhibit applet (on Linux Mint's panel): its "Power
	// management" switch turned off holds an idle inhibitor under its
	// applet id (applets/inhibit@cinnamon.org/applet.js).
	{name: "Cinnamon's Inhibit applet", programs: []string{"inhibit@cinnamon.org"},
		fix: "Click the Inhibit applet in the panel (at the bottom right of the screen) and turn the \"Power management\" switch back on. Then check again."},
	// KDE Plasma's battery applet, "Manually block sleep and screen
	// locking" (it inhibits as the shell's desktop file name).
	{name: "KDE's manual block of screen locking", programs: []string{"org.kde.plasmashell", "plasmashell"},
		fix: "Click the Power and Battery icon in the system tray (at the right of the panel) and turn off \"Manually block sleep and screen locking\". Then check again."},
	// macOS: Apple's command-line tool (caffeinate -d), which keep-awake
	// menu bar apps also run, and Amphetamine.
	{name: "caffeinate", programs: []string{"caffeinate"},
		fix: "Stop caffeinate: press Control-C in the Terminal window where it runs, or turn off the keep-awake app that started it. Then check again."},
	{name: "Amphetamine", programs: []string{"amphetamine"},
		fix: "Click Amphetamine's icon in the menu bar and end its current session (and turn off any trigger that starts one by itself). Then check again."},
	// Windows: PowerToys Awake with "Keep screen on".
	{name: "PowerToys Awake", programs: []string{"powertoys.awake"},
		fix: "Turn off PowerToys Awake: right-click its cup icon in the notification area of the taskbar and set its mode to Off, or turn Awake off in PowerToys Settings (or at least turn off \"Keep screen on\"). Then check again."},
}

// classifyHold tells what holds an inhibitor, from its app id and reason.
func classifyHold(program, reason string) awakeHold {
	h := awakeHold{Program: strings.ToLower(strings.TrimSpace(program)), Kind: holdOther}
	r := strings.ToLower(reason)
	for _, t := range keepAwakeTools {
		if slices.Contains(t.programs, h.Program) || (t.reasonWord != "" && strings.Contains(r, t.reasonWord)) {
			h.Kind, h.Name = holdKeepAwake, t.name
			return h
		}
	}
	if name := callapps.NameOf(h.Program); name != "" {
		h.Kind, h.Name = holdCallApp, name
		return h
	}
	if name := browserName(h.Program); name != "" {
		h.Kind, h.Name = holdBrowser, name
	}
	return h
}

// browserName is the name of the browser an app id or process name is (a
// program file name, a browser's or its macOS app's name, a desktop or
// Flatpak id such as org.mozilla.firefox, or one of its macOS helper
// processes, "Google Chrome Helper (GPU)"), from the browser catalogue;
// "" for none.
func browserName(program string) string {
	n := strings.TrimSuffix(program, ".desktop")
	if i := strings.LastIndexByte(n, '.'); i >= 0 && strings.Count(n, ".") >= 2 {
		n = n[i+1:]
	}
	for _, b := range browsers.Known() {
		names := append([]string{b.ID, strings.ToLower(b.Name), strings.ToLower(strings.TrimSuffix(b.MacApp, ".app"))}, b.Binaries...)
		if slices.ContainsFunc(names, func(s string) bool { return s != "" && (n == s || strings.HasPrefix(n, s+" ")) }) {
			return b.Name
		}
	}
	return ""
}

// addAwakeHold lists a holder once: a program holding several requests
// or assertions (PowerToys Awake, a browser's tabs) is one holder.
func (f *facts) addAwakeHold(h awakeHold) {
	if !slices.Contains(f.AwakeHolds, h) {
		f.AwakeHolds = append(f.AwakeHolds, h)
	}
}

// holdName names a holder for a person.
func holdName(h awakeHold) string {
	switch {
	case h.Name != "":
		return h.Name
	case h.Program != "":
		return "a program (" + h.Program + ")"
	}
	return "a program that did not give its name"
}

// awakeHoldsResult judges what keeps the screen awake right now: a
// keep-awake tool or a program not recognised fails (the screen will not
// lock while it holds on); a call app or browser is expected during a
// call. ok is false when nothing fails.
func awakeHoldsResult(holds []awakeHold) (checks.Result, bool) {
	var blockers []string
	fix := ""
	for _, h := range holds {
		if h.Kind == holdCallApp || h.Kind == holdBrowser {
			continue
		}
		if n := holdName(h); !slices.Contains(blockers, n) {
			blockers = append(blockers, n)
		}
		if fix == "" {
			fix = keepAwakeFix(h)
		}
	}
	if len(blockers) == 0 {
		return checks.Result{}, false
	}
	verb := " is"
	if len(blockers) > 1 {
		verb = " are"
	}
	return checks.Result{Status: checks.Fail,
		Summary: "The screen will not lock by itself right now: " + text.JoinAnd(blockers) + verb + " keeping the computer from counting as idle, whatever its lock settings say.",
		Fix:     fix}, true
}

// keepAwakeFix says how to stop a holder.
func keepAwakeFix(h awakeHold) string {
	for _, t := range keepAwakeTools {
		if t.name == h.Name && t.fix != "" {
			return t.fix
		}
	}
	if h.Name != "" {
		return "Turn off " + h.Name + "'s keep-awake setting, or quit " + h.Name + ", then check again."
	}
	return "Something is keeping the screen awake: stop any keep-awake tool, presentation or video that is running (" + holdName(h) + "), or restart the computer, then check again. If it stays, ask your IT support."
}

// expectedHoldsNote says, for a passing result, which call apps or
// browsers keep the screen awake right now; "" for none.
func expectedHoldsNote(holds []awakeHold) string {
	var names []string
	for _, h := range holds {
		if (h.Kind == holdCallApp || h.Kind == holdBrowser) && !slices.Contains(names, h.Name) {
			names = append(names, h.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	verb := " is"
	if len(names) > 1 {
		verb = " are"
	}
	return " Right now " + text.JoinAnd(names) + verb + " keeping the screen awake, as during a call or a video; the screen locks as set once that stops."
}

// withAwakeHolds adds what keeps the screen awake right now to a result:
// a keep-awake tool or an unrecognised holder fails it, a call app or
// browser is mentioned in a pass. Facts that did not read the holders
// (older agents, desktops not read, unreadable) are judged on the
// settings alone.
func withAwakeHolds(r checks.Result, f facts) checks.Result {
	if r.Status == checks.NotApplicable || len(f.AwakeHolds) == 0 {
		return r
	}
	if fail, ok := awakeHoldsResult(f.AwakeHolds); ok {
		return checks.AllOf(r, fail)
	}
	if r.Status == checks.Pass {
		r.Summary += expectedHoldsNote(f.AwakeHolds)
	}
	return r
}
