package remoteaccess

import (
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/internal/text"
)

const unknownFix = "SessionGuard could not tell whether someone can reach this computer's screen from elsewhere. Try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// level is how much one tool exposes the screen, worst first.
type level int

const (
	levelConnected level = iota // someone is connected now
	levelReachable              // running or turned on, reachable from elsewhere
	levelUnknown                // could not tell
	levelLocal                  // running or turned on, not reachable from elsewhere
	levelStarts                 // set to start by itself, not running now
	levelIdle                   // running, accepting no connections
	levelInstalled              // installed, not running
	levelNone
)

// exposure judges one tool: its level and the clause that says why.
func exposure(t tool) (level, string) {
	n := displayName(t.Tool)
	inf := info(t.Tool)
	switch {
	case t.Connected == yes && t.Tool == rdpShadow:
		return levelConnected, "someone is viewing or controlling this screen through Remote Desktop shadowing right now"
	case t.Connected == yes && inf.session:
		return levelConnected, n + " is open, so someone may be viewing or controlling this screen now"
	case t.Connected == yes:
		return levelConnected, "someone is connected to this computer through " + n + " right now"
	}
	if t.Tool == windowsRDP {
		return rdpExposure(t, n)
	}
	active := t.Running || t.Enabled == yes && builtIn(t.Tool)
	switch {
	case active && inf.relay:
		return levelReachable, n + " is running, so someone could connect to this screen through it from anywhere"
	case active && inf.idle && t.Listening == none:
		return levelIdle, n + " is running but accepts no connections"
	case active && inf.idle && t.Listening != network && t.Listening != loopback:
		return levelUnknown, "whether " + n + ", which is running, accepts connections from other computers"
	case active && t.Listening != loopback && t.Listening != none:
		// A server that runs, or is turned on, while where it listens
		// could not be read is taken at its default: it accepts
		// connections from the network.
		clause := n + " is " + runningWord(t) + " and accepts connections from other computers"
		if t.VNCPassword {
			clause += ", including any VNC viewer with its password"
		}
		return levelReachable, clause
	case active && t.Listening == none && t.Connected == unknown:
		// Listening nowhere, it may still have connected out to a viewer
		// through a connection whose program could not be seen.
		return levelUnknown, "whether " + n + ", which is running, has connected out to someone watching this screen"
	case active && t.Listening == loopback:
		return levelLocal, n + " is " + runningWord(t) + " but accepts connections from this computer only"
	case active:
		return levelLocal, n + " is " + runningWord(t) + " but is not accepting connections now"
	case t.Enabled == yes:
		return levelStarts, n + " is set to start by itself"
	case t.Enabled == unknown && builtIn(t.Tool):
		return levelUnknown, "whether " + n + " is turned on"
	case t.Installed:
		return levelInstalled, n + " is installed but not running"
	}
	return levelNone, ""
}

// builtIn: turned on in the system's settings rather than started.
func builtIn(id string) bool {
	return id == screenSharing || id == remoteManagement || id == windowsRDP
}

func runningWord(t tool) string {
	if builtIn(t.Tool) {
		return "turned on"
	}
	return "running"
}

// rdpExposure judges Windows Remote Desktop: on (fDenyTSConnections 0), its
// listener, and Windows Firewall: off (or letting everything in) for a
// network in use needs no rule, unless another firewall may stand in for
// it (unknown); on, its rules decide.
func rdpExposure(t tool, n string) (level, string) {
	lv, clause := rdpLevel(t, n)
	if lv != levelNone && t.Shadow != "" {
		clause += shadowClause(t.Shadow)
	}
	return lv, clause
}

// shadowClause names what the Shadow setting lets someone do unasked.
func shadowClause(shadow string) string {
	what := "watch"
	if shadow == shadowControl {
		what = "watch and control"
	}
	return ", and Group Policy lets someone " + what + " this screen through its shadowing without asking you"
}

// rdpLevel judges Remote Desktop's reach without the shadowing setting.
func rdpLevel(t tool, n string) (level, string) {
	on := t.Enabled == yes || t.Listening == network
	switch {
	case !on && t.Enabled == no:
		return levelNone, ""
	case !on:
		return levelUnknown, "whether " + n + " is turned on"
	case t.Listening == none:
		return levelLocal, n + " is turned on but is not accepting connections now (its service is stopped)"
	case t.WindowsFirewallOff == yes && t.OtherFirewall == no:
		return levelReachable, n + " is turned on and Windows Firewall is off (or lets every connection in) for the network in use, so other computers can connect to it"
	case t.WindowsFirewallOff == yes && t.OtherFirewall == yes:
		return levelUnknown, "whether the firewall that replaces Windows Firewall lets in connections to " + n + ", which is turned on"
	case t.WindowsFirewallOff == yes:
		return levelUnknown, "whether another firewall stands in for Windows Firewall, which is off for the network in use, with " + n + " turned on"
	case t.WindowsFirewallOff == unknown && t.Firewall != open:
		return levelUnknown, "whether Windows Firewall is on for the network in use, with " + n + " turned on"
	case t.Firewall == closed:
		return levelLocal, n + " is turned on, but no Windows Firewall rule lets its connections in"
	case t.Connected == unknown && t.Firewall != open:
		return levelUnknown, "whether " + n + ", which is turned on, accepts connections or is in use"
	}
	return levelReachable, n + " is turned on and accepts connections from other computers"
}

// fixFor is what to click to stop one tool, per OS.
func fixFor(id, goos string) string {
	n := displayName(id)
	switch id {
	case windowsRDP:
		return "Open Settings > System > Remote Desktop and turn Remote Desktop off."
	case screenSharing:
		return "Open System Settings > General > Sharing and turn off Screen Sharing."
	case remoteManagement:
		return "Open System Settings > General > Sharing and turn off Remote Management."
	case rdpShadow:
		return "If you did not expect IT to be looking at this screen right now, ask your IT support straight away who is connected, and keep your session off this computer until they answer."
	case quickAssist, remoteAssistance, remoteHelp:
		return "If you are not getting help from IT right now, close " + n + "."
	case gnomeRemoteDesktop:
		return "Open Settings > System > Remote Desktop (Settings > Sharing on older GNOME) and turn off Desktop Sharing and Remote Login."
	case krdp:
		return "Open System Settings > Remote Desktop and turn off the remote desktop server (or stop it from its icon next to the clock)."
	case krfb:
		return "Quit Desktop Sharing (krfb) from its icon next to the clock."
	case vino:
		return "Open Settings > Sharing and turn off Screen Sharing."
	case xrdp:
		return "Ask whoever set up this computer to stop and disable xrdp (sudo systemctl disable --now xrdp)."
	}
	switch goos {
	case "windows":
		return "Quit " + n + " (right-click its icon next to the clock and choose Exit), or ask IT to uninstall it."
	case "darwin":
		return "Quit " + n + " (from its icon in the menu bar, or its menu > Quit), or ask IT to uninstall it."
	}
	return "Quit " + n + ", or ask whoever set up this computer to stop it and its service."
}

// evaluate judges the facts: someone connected now fails; a tool running
// or turned on and reachable fails (warns when the policy lists it as the
// organisation's support tool); running but reachable from this computer
// only, or set to start but not running, warns; installed but not running
// passes with a note; what could not be read is unknown.
func evaluate(f facts, pol checks.Policy) checks.Result {
	if f.OS != "linux" && f.OS != "darwin" && f.OS != "windows" {
		return checks.Result{Status: checks.Unknown, Summary: "Remote access is not checked on this system.", Fix: unknownFix, Reason: "unsupported operating system " + f.OS}
	}
	allowList := allowedSetting.Of(pol)
	var connected, fails, warns, unknowns, notes, installed, fixes, unknownFixes []string
	addFix := func(s string) {
		if !contains(fixes, s) {
			fixes = append(fixes, s)
		}
	}
	for _, t := range f.Tools {
		lv, clause := exposure(t)
		ok := allowed(t.Tool, allowList)
		n := displayName(t.Tool)
		switch {
		case lv == levelConnected && info(t.Tool).relay && !info(t.Tool).session:
			// Seen from the program the tool runs only during a session:
			// allowed or not, someone is watching now.
			connected = append(connected, clause)
			addFix("End the session from " + n + " on this screen (its Disconnect, Stop sharing or close button). If you did not expect anyone to be connected, ask your IT support straight away.")
		case lv == levelConnected:
			connected = append(connected, clause)
			addFix(fixFor(t.Tool, f.OS))
		case lv == levelReachable && ok:
			warns = append(warns, clause+" (it is your organisation's support tool)")
			addFix("Unless IT is helping you right now, stop " + n + " before your session: " + fixFor(t.Tool, f.OS))
		case lv == levelReachable:
			fails = append(fails, clause)
			addFix(fixFor(t.Tool, f.OS))
		case lv == levelUnknown:
			unknowns = append(unknowns, clause)
			if t.Connected == unknown && t.Listening == none {
				// Running, it may be showing this screen: stopping it is
				// what makes sure.
				unknownFixes = append(unknownFixes, fixFor(t.Tool, f.OS))
			}
			if t.Tool == windowsRDP && t.WindowsFirewallOff == yes {
				// Another firewall stands in for Windows Firewall: turning
				// Remote Desktop off does not depend on it.
				unknownFixes = append(unknownFixes, fixFor(t.Tool, f.OS)+" If you need it on, ask your IT support whether your firewall lets Remote Desktop connections in.")
			}
		case lv == levelLocal:
			warns = append(warns, clause)
			addFix(fixFor(t.Tool, f.OS))
		case lv == levelStarts && ok:
			notes = append(notes, "Set to start by itself, as your organisation's support tool: "+n+".")
		case lv == levelStarts:
			warns = append(warns, clause)
			addFix("Turn off " + n + "'s option to start with the computer, or ask IT to uninstall it.")
		case lv == levelInstalled:
			installed = append(installed, n)
		case lv == levelIdle:
			notes = append(notes, text.Capitalise(clause)+".")
		}
	}
	for _, o := range f.OtherListeners {
		fails = append(fails, fmt.Sprintf("a program, %s, accepts %s connections from other computers (port %d)", o.Program, protocolName(o.Kind), o.Port))
		addFix(fmt.Sprintf("If %s shares this screen, quit it or ask IT to turn it off; if it is something else, ask IT to move it off the %s port.", o.Program, protocolName(o.Kind)))
	}
	for _, k := range f.UnownedListeners {
		unknowns = append(unknowns, "which program accepts "+protocolName(k)+" connections from other computers")
	}
	if !f.ProcessListRead {
		unknowns = append(unknowns, "which programs are running")
	}
	if len(installed) > 0 {
		notes = append(notes, "Installed but not running: "+text.JoinAnd(installed)+".")
	}
	note := ""
	if len(notes) > 0 {
		note = " " + strings.Join(notes, " ")
	}
	switch {
	case len(connected) > 0:
		// Who is connected now comes first; what else is open follows.
		return checks.Result{Status: checks.Fail, Summary: sentence(append(connected, fails...)), Fix: strings.Join(fixes, " ")}
	case len(fails) > 0:
		return checks.Result{Status: checks.Fail, Summary: sentence(fails) + " Someone else could see or control this screen during a session.", Fix: strings.Join(fixes, " ")}
	case len(unknowns) > 0:
		fix := unknownFix
		switch {
		case f.OS == "darwin" && f.ProcessListRead && len(f.UnownedListeners) > 0:
			// macOS netstat names no program, whoever runs it.
			fix = "A program on this Mac accepts screen-sharing connections from other computers and SessionGuard cannot tell which: quit remote-control and screen-sharing apps you do not need, and ask your IT support to find it (sudo lsof -nP -iTCP -sTCP:LISTEN lists the programs listening); send them an evidence bundle (sessionguard evidence record)."
		case !f.ProcessListRead || len(f.UnownedListeners) > 0:
			fix = "Check again from the SessionGuard service (or run sessionguard check as an administrator); if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."
		}
		if len(unknownFixes) > 0 {
			fix = strings.Join(unknownFixes, " ") + " " + fix
		}
		return checks.Result{Status: checks.Unknown, Summary: "Could not tell " + text.JoinAnd(unknowns) + ".", Fix: fix, Reason: reason(f, unknowns)}
	case len(warns) > 0:
		return checks.Result{Status: checks.Warn, Summary: sentence(warns) + note, Fix: strings.Join(fixes, " ")}
	}
	return checks.Result{Status: checks.Pass, Summary: "No remote-control tool or remote desktop is accepting connections to this screen." + note}
}

// sentence joins clauses into one sentence, capitalised unless it starts
// with a tool's own lower-case name (x11vnc, xrdp).
func sentence(clauses []string) string {
	s := strings.Join(clauses, "; ") + "."
	for _, t := range catalogue {
		if strings.HasPrefix(s, t.name+" ") {
			return s
		}
	}
	return text.Capitalise(s)
}

func protocolName(kind string) string {
	if kind == "rdp" {
		return "Remote Desktop (RDP)"
	}
	return "VNC"
}

// reason is what could not be read or, when everything was, what it
// could not decide.
func reason(f facts, undecided []string) string {
	if len(f.Errors) == 0 {
		return "not decided from what was read: " + strings.Join(undecided, "; ")
	}
	return strings.Join(f.Errors, "; ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
