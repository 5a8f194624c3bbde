package screenlock

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/internal/text"
)

const unknownFix = "SessionGuard could not read when this computer's screen locks. Check by hand that the screen locks with a password after 10 minutes or less without use, then try \"Check again\"; if it stays unknown, ask your IT support and send them an evidence bundle (sessionguard evidence record)."

// lockKind is what one way of locking the screen does.
type lockKind int

const (
	kindUnknown lockKind = iota // could not be read
	kindNever                   // does not lock (off, or never idles)
	kindLocks                   // locks with a password after seconds
)

// route is one way the screen can end up locked with a password: GNOME's
// blank-then-lock, macOS's screen saver or display sleep, Windows' machine
// inactivity limit, screen saver or sleep.
type route struct {
	name    string
	kind    lockKind
	seconds int
	// why says, for kindNever, what stops it; for kindUnknown, what was
	// not read.
	why string
	// atLeast, for kindUnknown, is a known part of the time (a password
	// delay) the lock cannot come before: over the limit, the route is
	// late whatever the unread part is.
	atLeast int
}

// verdict is the combined judgement of the routes.
type verdict struct {
	kind    lockKind
	seconds int
	route   string
	why     string
	// lowerBound: seconds is only the known part of a later time.
	lowerBound bool
}

// combine picks the earliest lock. A route that could not be read matters
// only when no readable route locks in time: it might lock sooner.
func combine(routes []route, max int) verdict {
	best := verdict{kind: kindNever}
	var nevers, unknowns []string
	for _, r := range routes {
		if r.kind == kindUnknown && r.atLeast > max {
			// Late whatever the unread part is.
			if best.kind != kindLocks || r.atLeast < best.seconds {
				best = verdict{kind: kindLocks, seconds: r.atLeast, route: r.name, lowerBound: true}
			}
			continue
		}
		switch r.kind {
		case kindLocks:
			if best.kind != kindLocks || r.seconds < best.seconds {
				best = verdict{kind: kindLocks, seconds: r.seconds, route: r.name}
			}
		case kindNever:
			nevers = append(nevers, r.why)
		default:
			unknowns = append(unknowns, r.why)
		}
	}
	if best.kind == kindLocks && best.seconds <= max {
		return best
	}
	if len(unknowns) > 0 {
		return verdict{kind: kindUnknown, why: strings.Join(unknowns, "; ")}
	}
	if best.kind == kindLocks {
		return best
	}
	return verdict{kind: kindNever, why: neverReasons(nevers)}
}

// evaluate judges the effective time until the screen locks with a
// password against the policy maximum: at most the maximum passes, longer
// or never fails (there is no warn band: a lock that comes too late is
// judged like the limit says), unreadable is unknown, nobody at the screen
// is not applicable.
func evaluate(f facts, pol checks.Policy) checks.Result {
	max := maxSecondsSetting.Of(pol)
	fix := fixText(f, max)
	if f.ConsoleUser == consoleNone {
		return checks.Result{
			Status:  checks.NotApplicable,
			Summary: "Nobody is signed in at this computer's screen, so there is no screen lock to check.",
			Fix:     "If this computer has a screen, sign in to it and check again.",
		}
	}
	var routes []route
	var gates []checks.Result
	switch {
	case f.Linux != nil:
		if r, done := linuxSessionResult(*f.Linux, fix); done {
			return withErrors(r, f)
		}
		routes, gates = linuxRoutes(*f.Linux, max, fix)
	case f.Darwin != nil:
		routes, gates = darwinRoutes(*f.Darwin, max, fix)
	case f.Windows != nil:
		routes = windowsRoutes(*f.Windows)
	}
	if f.ConsoleUser == consoleUnknown && f.OS != "windows" {
		routes, gates = []route{{kind: kindUnknown, why: "could not tell who is signed in at the screen"}}, nil
	}
	if len(routes) == 0 {
		routes = []route{{kind: kindUnknown, why: "no screen lock settings for " + f.OS}}
	}
	// The parts every lock needs (a password is asked, its delay is within
	// the limit) and the earliest route combine with AllOf: a part that
	// already fails decides even when others could not be read.
	return withErrors(withAwakeHolds(checks.AllOf(append(gates, routesResult(combine(routes, max), max, fix))...), f), f)
}

// routesResult says what the earliest way of locking gives.
func routesResult(v verdict, max int, fix string) checks.Result {
	switch v.kind {
	case kindLocks:
		if v.seconds <= max {
			return checks.Result{Status: checks.Pass, Summary: fmt.Sprintf("The screen locks with a password after %s without use (the limit is %s).", duration(v.seconds), duration(max))}
		}
		if v.lowerBound {
			return lateGate(fmt.Sprintf("The screen locks only after more than %s without use; the limit is %s.", duration(v.seconds), duration(max)), fix)
		}
		return lateGate(fmt.Sprintf("The screen locks only after %s without use; the limit is %s.", duration(v.seconds), duration(max)), fix)
	case kindNever:
		return neverGate(v.why, fix)
	}
	return unknownGate(v.why, fix)
}

func neverGate(why, fix string) checks.Result {
	return checks.Result{Status: checks.Fail, Summary: "The screen never locks by itself: " + why + ".", Fix: fix}
}

func lateGate(summary, fix string) checks.Result {
	return checks.Result{Status: checks.Fail, Summary: summary, Fix: fix}
}

// unlockSettings names the PAM service the lock screen unlocks through,
// for a person.
func unlockSettings(l linuxFacts) string {
	if l.UnlockService == gnomeUnlockService {
		return "GDM's sign-in settings (PAM service " + gnomeUnlockService + ")"
	}
	return "the lock screen's sign-in settings (PAM service " + l.UnlockService + ")"
}

// unlockRule says which rule lets the person in: the module's line and,
// when the facts say (not those recorded before they did), its file.
func unlockRule(l linuxFacts, module string) string {
	if l.UnlockRuleFile == "" {
		return " (" + module + ")"
	}
	return " through the " + module + " line in " + l.UnlockRuleFile
}

func unknownGate(why, fix string) checks.Result {
	return checks.Result{Status: checks.Unknown, Summary: "Could not tell when the screen locks.", Fix: unknownFix + " " + fix, Reason: why}
}

// withErrors adds what could not be read to an unknown result's reason.
func withErrors(r checks.Result, f facts) checks.Result {
	if r.Status == checks.Unknown && len(f.Errors) > 0 {
		r.Reason += " (" + strings.Join(f.Errors, "; ") + ")"
	}
	return r
}

// linuxSessionResult judges a console user without a graphical session:
// nothing to lock when no desktop runs on the computer; unknown when the
// desktop belongs to another account or could not be found. done is false
// when there is a graphical session to judge.
func linuxSessionResult(l linuxFacts, fix string) (checks.Result, bool) {
	switch l.Session {
	case sessionGraphical:
		return checks.Result{}, false
	case sessionNone:
		return checks.Result{
			Status:  checks.NotApplicable,
			Summary: "No desktop session is running on this computer, so there is no screen to lock.",
			Fix:     "If this computer has a screen, sign in to its desktop and check again.",
		}, true
	case sessionElsewhere:
		r := unknownGate("SessionGuard ran for an account that has no desktop session (from a terminal or over SSH), while a desktop runs for another account", fix)
		r.Fix = "Run SessionGuard from the desktop of the person who uses this computer (or install its service, which finds that person), then check again."
		return r, true
	case "":
		return checks.Result{}, false // facts from before sessions were read
	}
	r := unknownGate("could not find the desktop session of the person at the screen (logind and the process list named none)", fix)
	r.Fix = "Run SessionGuard from your desktop session (not from a terminal or over SSH), or install its service, then check again. " + unknownFix
	return r, true
}

// linuxRoutes: the desktop's own locker (one route), or the idle daemons
// of a tiling desktop (one route each). The gates are the parts a
// desktop's lock needs whatever its timing: not disabled by lockdown, and a
// password delay within the limit.
func linuxRoutes(l linuxFacts, max int, fix string) ([]route, []checks.Result) {
	if l.Locker == lockerIdleDaemon {
		routes := idleDaemonRoutes(l)
		gates := idleSleepGates(l, fix)
		if slices.ContainsFunc(routes, func(r route) bool { return r.kind != kindNever }) {
			gates = append(gates, unlockGates(l, fix)...)
		}
		return routes, gates
	}
	var gates []checks.Result
	if l.Desktop == desktopGNOME && l.Locker == lockerGSettings {
		switch why, noLockFix := gnomeShellLockGate(l); {
		case noLockFix != "":
			return []route{{kind: kindNever, why: why}}, []checks.Result{neverGate(why, noLockFix)}
		case why != "":
			gates = append(gates, unknownGate(why, fix))
		}
	}
	r := route{name: l.Locker}
	switch {
	case l.DesktopSource == "assumed" || l.DesktopSource == "config_files":
		r.why = "the desktop was not identified"
	case l.Desktop == desktopCOSMIC:
		r.why = "SessionGuard cannot yet read the screen lock settings of COSMIC"
	case l.Desktop == desktopOther:
		r.why = "SessionGuard cannot read the screen lock settings of this desktop"
	case l.Locker == lockerLightLocker:
		r.why = "the desktop locks with light-locker, whose timing SessionGuard cannot read"
	case l.Locker == lockerXScreenSaver:
		r.why = "the desktop locks with XScreenSaver, whose settings SessionGuard cannot read"
	case l.Locker == lockerNone:
		r.kind, r.why = kindNever, "no screen locker is installed for this desktop"
	case l.Locker == "":
		r.why = "the desktop's screen lock settings could not be read"
	case l.LockerDisabled:
		r.kind, r.why = kindNever, "the screen locker is turned off at sign-in"
	case isFalse(l.LockEnabled):
		r.kind, r.why = kindNever, "automatic screen lock is off"
	case isFalse(l.RequirePassword):
		r.kind, r.why = kindNever, "the lock screen does not ask for a password"
	case isFalse(l.KDELock):
		r.kind, r.why = kindNever, "it only blanks, and any key or mouse movement brings the desktop back without a password (kscreenlockerrc [Daemon] Lock=false)"
	case isFalse(l.IdleActivation):
		r.kind, r.why = kindNever, "the screen saver does not start when the computer is idle"
	case l.IdleDelaySeconds != nil && *l.IdleDelaySeconds == 0:
		r.kind, r.why = kindNever, "the screen is set never to blank when idle"
	case l.LockEnabled == nil || l.IdleDelaySeconds == nil || l.LockDelaySeconds == nil:
		r.why = "the screen lock settings could not be read"
		if l.LockDelaySeconds != nil {
			r.atLeast = *l.LockDelaySeconds
		}
	default:
		r.kind, r.seconds = kindLocks, *l.IdleDelaySeconds+*l.LockDelaySeconds
	}
	if l.Locker == lockerGSettings {
		switch {
		case isTrue(l.LockdownDisabled):
			gates = append(gates, neverGate("locking the screen is disabled for this account", fix))
		case l.LockdownDisabled == nil:
			gates = append(gates, unknownGate("whether locking the screen is disabled for this account (disable-lock-screen) could not be read", fix))
		}
	}
	if r.kind != kindNever {
		gates = append(gates, unlockGates(l, fix)...)
	}
	if isFalse(l.LockOnSleep) && r.kind != kindNever {
		gates = append(gates, checks.Result{Status: checks.Fail, Summary: noSleepLock, Fix: sleepLockFix(l.Desktop)})
	}
	if l.LockOnSleepUnread && r.kind != kindNever {
		gates = append(gates, unknownGate("whether the screen locks when the computer goes to sleep could not be read", fix))
	}
	if l.LockerDaemon != "" && r.kind != kindNever {
		switch {
		case l.LockerDaemonRunning == nil:
			gates = append(gates, unknownGate("whether the screensaver that locks the screen ("+l.LockerDaemon+") runs could not be read", fix))
		case *l.LockerDaemonRunning:
		case l.Desktop == desktopBudgie:
			gates = append(gates, unknownGate("neither "+l.LockerDaemon+" runs, and SessionGuard does not know what else locks this version of Budgie", fix))
		default:
			gates = append(gates, neverGate("the screensaver that locks it ("+l.LockerDaemon+") is not running", daemonFix(l.LockerDaemon)))
		}
	}
	if l.LockDelaySeconds != nil && *l.LockDelaySeconds > max {
		gates = append(gates, lateGate(fmt.Sprintf("The password is asked only %s after the screen blanks; the limit is %s.", duration(*l.LockDelaySeconds), duration(max)), fix))
	}
	return []route{r}, gates
}

// gnomeShellLockGate says why GNOME Shell has no lock screen (why, with
// noLockFix) or why that could not be told (why only), see
// readGNOMEShellLock; neither when it has one or the desktop is not
// GNOME Shell.
func gnomeShellLockGate(l linuxFacts) (why, noLockFix string) {
	switch l.GNOMEShellLock {
	case shellLockGDMSession, shellLockGDMRunning, shellLockNotShell:
		return "", ""
	case shellLockNoGDM:
		why = "GNOME has a lock screen only when GDM, GNOME's login screen, is running, and it is not"
		if l.SessionService != "" {
			why += " (this desktop was started by " + l.SessionService + ")"
		}
		return why, "GNOME can lock the screen only when GDM is the login screen. Make GDM the login screen (on Debian or Ubuntu: run \"sudo dpkg-reconfigure gdm3\" and choose gdm3; elsewhere, turn off the other login screen's service and turn on gdm's, such as \"sudo systemctl enable gdm\" after disabling sddm or lightdm), restart, sign in through GDM and check again. Or use a desktop whose screen locker works with the login screen you have."
	case shellLockNoLogind:
		return "GNOME has a lock screen only on a system that runs systemd-logind (or elogind) with GDM as its login screen, and this one does not run logind",
			"GNOME can lock the screen only where systemd-logind (or elogind) runs and GDM is the login screen. Install and turn on elogind and GDM (or use a Linux distribution with systemd), sign in through GDM and check again; or use a desktop whose screen locker works without them."
	}
	return "whether GNOME Shell has a lock screen at all (it has one only when GDM is the login screen and logind runs) could not be read", ""
}

// unlockGates fail a lock screen that opens without a password (an
// account with none; a PAM service it unlocks through letting the person
// in before asking), or leave it unknown when that service could not be
// read: whatever locks the screen, it then protects nothing.
func unlockGates(l linuxFacts, fix string) []checks.Result {
	var gates []checks.Result
	if l.PasswordEmpty {
		gates = append(gates, checks.Result{Status: checks.Fail,
			Summary: "The screen locks, but your account has no password, so the lock screen opens without one.",
			Fix:     passwdstatus.EmptyFix})
	}
	switch {
	case l.UnlockWithoutPassword == unixlogin.ViaNoPasswdGroup:
		group := "a group " + unlockSettings(l) + " let in without one (such as nopasswdlogin)"
		if l.UnlockGroup != "" {
			group = "the group " + l.UnlockGroup + ", which " + unlockSettings(l) + " let in without one" + unlockRule(l, "pam_succeed_if")
		}
		gates = append(gates, checks.Result{Status: checks.Fail,
			Summary: "The screen locks, but the lock screen opens without your password: your account is in " + group + ".",
			Fix:     "To unlock with your password again, " + unixlogin.NoPasswdGroupFix})
	case l.UnlockWithoutPassword == unixlogin.ViaSucceedIf:
		gates = append(gates, checks.Result{Status: checks.Fail,
			Summary: "The screen locks, but the lock screen opens without your password: " + unlockSettings(l) + " let your account in without one" + unlockRule(l, "pam_succeed_if") + ".",
			Fix:     "To unlock with your password again, " + unixlogin.SucceedIfFix(l.UnlockRuleFile)})
	case l.UnlockWithoutPassword == unixlogin.ViaPermit:
		gates = append(gates, checks.Result{Status: checks.Fail,
			Summary: "The screen locks, but the lock screen opens without a password: " + unlockSettings(l) + " let anyone in" + unlockRule(l, "pam_permit") + ".",
			Fix:     "To make the lock screen ask for a password, " + unixlogin.PermitFix(l.UnlockRuleFile)})
	case l.UnlockPAMUnread:
		gates = append(gates, unknownGate("whether "+unlockSettings(l)+" let you in without a password could not be read", fix))
	}
	return gates
}

// noSleepLock is the summary of a screen that does not lock on sleep.
const noSleepLock = "The screen does not lock when the computer goes to sleep: closing the lid and opening it again shows your desktop unlocked."

// sleepLockFix is the fix for a screen that does not lock on sleep.
func sleepLockFix(desktop string) string {
	switch desktop {
	case desktopSway, desktopRiver, desktopHyprland, desktopI3, desktopLXQt, desktopOther:
		return "Make your idle daemon lock before sleep as well: for swayidle add before-sleep 'swaylock -f' (with -w), for hypridle set before_sleep_cmd = loginctl lock-session in its general block; or ask your IT support."
	case desktopKDE:
		return "Open System Settings > Screen Locking and turn on \"Lock after waking from sleep\". If it is greyed out, ask your IT support."
	case desktopCinnamon:
		return "Open System Settings > Screensaver and turn on \"Lock the computer when put to sleep\". If it is greyed out, ask your IT support."
	case desktopXFCE:
		return "Open Settings > Power Manager > Security and turn on \"Lock screen when system is going to sleep\". If it is greyed out, ask your IT support."
	case desktopMATE:
		return "Open Control Center > Power Management and turn on locking the screen when the computer suspends (or, in a terminal, run 'gsettings set org.mate.power-manager lock-use-screensaver true'). If you cannot, ask your IT support."
	}
	return "Open Settings > Privacy > Screen and turn on \"Lock Screen on Suspend\". If it is greyed out, ask your IT support."
}

// daemonFix is the fix for a desktop screensaver that does not run.
func daemonFix(name string) string {
	return "Sign out and sign in again: the screensaver (" + name + ") starts with the desktop. If the screen still does not lock, ask your IT support to install " + name + " and make it start at sign-in."
}

// idleSleepGates: when no idle daemon that locks locks before the
// computer sleeps (xautolock and xidlehook never do; XScreenSaver does
// through its helper), closing the lid leaves the desktop open, unless a
// system-wide sleep hook runs a locker.
func idleSleepGates(l linuxFacts, fix string) []checks.Result {
	names := lockingDaemons(l.IdleLockers)
	if len(names) == 0 || idleLockerLocksOnSleep(l.IdleLockers) || l.SleepHook != "" {
		return nil
	}
	noLock := strings.Join(names, " and ") + " does not lock before the computer sleeps"
	if len(names) > 1 {
		noLock = strings.Join(names, " and ") + " do not lock before the computer sleeps"
	}
	switch {
	case l.SleepHookAsks != "":
		return []checks.Result{unknownGate(noLock+", and the system's sleep hook "+l.SleepHookAsks+
			" only asks the sessions to lock, which nothing SessionGuard can see on this desktop answers", fix)}
	case l.SleepHooksUnread:
		return []checks.Result{unknownGate(noLock+", and the system's sleep hooks (which may lock it) could not all be read", fix)}
	}
	return []checks.Result{{Status: checks.Fail, Summary: noSleepLock, Fix: idleSleepFix(l.Desktop, names)}}
}

// idleSleepFix is the fix for idle daemons that do not lock before sleep.
func idleSleepFix(desktop string, names []string) string {
	switch {
	case slices.Contains(names, "xscreensaver"):
		return "XScreenSaver locks before sleep through its helper xscreensaver-systemd, which is not running: sign out and in again. If it still does not start, another program holds the sleep hook it needs (see 'man xscreensaver-systemd'); ask your IT support."
	case slices.Contains(names, "xautolock"), slices.Contains(names, "xidlehook"):
		return "Your idle locker (" + strings.Join(names, ", ") + ") does not lock when the computer goes to sleep. Start xss-lock as well, which does: add `exec --no-startup-id xss-lock --transfer-sleep-lock -- i3lock --nofork` to your i3 config (or your window manager's start-up), then sign out and in again; or ask your IT support."
	}
	return sleepLockFix(desktop)
}

// idleDaemonRoutes: each idle daemon that runs is a way the screen locks;
// a tiling desktop with none never locks by itself.
func idleDaemonRoutes(l linuxFacts) []route {
	if len(l.IdleLockers) == 0 {
		if l.Desktop == desktopOther {
			return []route{{kind: kindUnknown, why: "SessionGuard cannot read the screen lock settings of this desktop, and no idle locker it knows (swayidle, hypridle, xss-lock, xautolock, xidlehook, xscreensaver) is running"}}
		}
		return []route{{kind: kindNever, why: "no idle locker (such as swayidle, hypridle, xss-lock, xautolock, xidlehook or xscreensaver) is running"}}
	}
	var routes []route
	for _, il := range l.IdleLockers {
		r := route{name: il.Name}
		switch {
		case il.Problem != "":
			r.why = il.Problem
		case il.TimeoutSeconds != nil && *il.TimeoutSeconds == 0:
			r.kind, r.why = kindNever, il.Name+" is set never to lock"
		case il.Locker == "":
			r.kind, r.why = kindNever, il.Name+" runs no screen locker on its timers"
		case il.TimeoutSeconds == nil:
			r.why = "when " + il.Name + " locks could not be read"
		default:
			r.kind, r.seconds = kindLocks, *il.TimeoutSeconds
		}
		routes = append(routes, r)
	}
	return routes
}

// darwinRoutes: the screen saver and display sleep, each followed by the
// password delay. The gates: the person's user-scope profile was read, a
// password is asked, and its delay alone is within the limit.
func darwinRoutes(d darwinFacts, max int, fix string) ([]route, []checks.Result) {
	var gates []checks.Result
	if !d.UserProfileRead {
		// A user-scope profile wins over the person's own settings.
		gates = append(gates, unknownGate("whether a configuration profile for this account sets the screen saver or its password could not be read", fix))
	}
	switch {
	case isFalse(d.PasswordRequired):
		return []route{{kind: kindNever, why: "no password is asked after the screen saver or display sleep"}}, nil
	case d.PasswordRequired == nil || d.LockDelaySeconds == nil:
		gates = append(gates, unknownGate("whether a password is asked after the screen saver could not be read", fix))
	case *d.LockDelaySeconds > max:
		gates = append(gates, lateGate(fmt.Sprintf("The password is asked only %s after the screen saver starts or the display sleeps; the limit is %s.", duration(*d.LockDelaySeconds), duration(max)), fix))
	}
	delay := 0
	if d.LockDelaySeconds != nil {
		delay = *d.LockDelaySeconds
	}
	saver := route{name: "screen saver", atLeast: delay}
	switch {
	case d.ScreenSaverIdleSeconds == nil:
		saver.why = "the screen saver start time could not be read"
	case *d.ScreenSaverIdleSeconds == 0:
		saver.kind, saver.why = kindNever, "the screen saver never starts"
	default:
		saver.kind, saver.seconds = kindLocks, *d.ScreenSaverIdleSeconds+delay
	}
	display := route{name: "display sleep", atLeast: delay}
	if len(d.DisplaySleepMinutes) == 0 {
		display.why = "the display sleep time could not be read"
	} else {
		// The worst power source counts: a laptop may run on either.
		worst, never := 0, false
		for _, m := range d.DisplaySleepMinutes {
			if m == 0 {
				never = true
			}
			if m > worst {
				worst = m
			}
		}
		if never {
			display.kind, display.why = kindNever, "the display never sleeps"
		} else {
			display.kind, display.seconds = kindLocks, worst*60+delay
		}
	}
	return []route{saver, display}, gates
}

// windowsRoutes: the machine inactivity limit, the MDM device lock, a
// secure screen saver, and sleep (see sleepRoute). Absent values are
// Windows' defaults: no inactivity limit, no screen saver, and waking asks
// for the password.
func windowsRoutes(w windowsFacts) []route {
	inact := route{name: "machine inactivity limit"}
	switch {
	case !w.InactivityRead:
		inact.why = "the machine inactivity limit could not be read"
	case w.InactivityTimeoutSecs == nil || *w.InactivityTimeoutSecs == 0:
		inact.kind, inact.why = kindNever, "no machine inactivity limit is set"
	default:
		inact.kind, inact.seconds = kindLocks, *w.InactivityTimeoutSecs
	}

	mdm := route{name: "device lock policy"}
	switch {
	case !w.DeviceLockRead:
		mdm.why = "the device lock policy (MDM) could not be read"
	case w.DevicePasswordEnabled == nil && w.DeviceLockMaxInactiveMins == nil:
		mdm.kind = kindNever // no device lock policy: nothing to say
	case !isTrue(w.DevicePasswordEnabled):
		mdm.kind, mdm.why = kindNever, "the device lock policy (MDM) does not require a password"
	case w.DeviceLockMaxInactiveMins == nil || *w.DeviceLockMaxInactiveMins == 0:
		mdm.kind, mdm.why = kindNever, "the device lock policy (MDM) sets no inactivity limit"
	default:
		mdm.kind, mdm.seconds = kindLocks, *w.DeviceLockMaxInactiveMins*60
	}

	saver := route{name: "screen saver"}
	switch {
	case !w.ScreenSaverRead:
		saver.why = "the screen saver settings of the person at the screen could not be read"
	case !isTrue(w.ScreenSaverActive) || !isTrue(w.ScreenSaverChosen):
		saver.kind, saver.why = kindNever, "no screen saver is on"
	case !isTrue(w.ScreenSaverSecure):
		saver.kind, saver.why = kindNever, "the screen saver does not ask for the password"
	case w.ScreenSaverTimeoutSecs == nil || *w.ScreenSaverTimeoutSecs == 0:
		saver.kind, saver.why = kindNever, "the screen saver has no start time"
	case isFalse(w.ScreenSaverFileExists):
		saver.kind, saver.why = kindNever, "the chosen screen saver's file is missing (so it never starts)"
	case w.ScreenSaverFileExists == nil:
		saver.why = "whether the chosen screen saver's file exists could not be read"
	case w.GraceSecs == nil:
		saver.why, saver.atLeast = "the screen saver's grace period could not be read", *w.ScreenSaverTimeoutSecs
	default:
		saver.kind, saver.seconds = kindLocks, *w.ScreenSaverTimeoutSecs+*w.GraceSecs
	}

	return []route{inact, mdm, saver, sleepRoute(w)}
}

// sleepRoute: the computer going idle into sleep, when waking asks for
// the password (CONSOLELOCK). How depends on its sleep model. Classic
// sleep (S1–S3): the display turning off locks nothing (a move of the
// mouse shows the desktop); sleeping after STANDBYIDLE does. Modern
// Standby: the screen turning off is standby, and the password is asked
// when waking from it once the user's "If you've been away" delay
// (DelayLockInterval) has passed since the screen turned off (Never: not
// asked). An unread sleep model leaves the route unknown.
func sleepRoute(w windowsFacts) route {
	r := route{name: "sleep"}
	if isFalse(w.ConsoleLockAC) || isFalse(w.ConsoleLockDC) {
		r.kind, r.why = kindNever, "waking the computer does not ask for the password"
		return r
	}
	switch w.SleepModel {
	case sleepClassic:
		latestLock(&r, w, [2]*int{w.SleepACSecs, w.SleepDCSecs},
			"the computer never goes to sleep by itself (turning off its display does not lock it)",
			"the sleep time of the power plan could not be read")
	case sleepModernStandby:
		r.name = "display off (Modern Standby)"
		latestLock(&r, w, [2]*int{w.DisplayOffACSecs, w.DisplayOffDCSecs}, "the display never turns off", "the power plan could not be read")
		if r.kind != kindLocks {
			break
		}
		switch {
		case !w.SignInAwayRead:
			// The password cannot come before the screen turns off.
			r.kind, r.atLeast, r.seconds = kindUnknown, r.seconds, 0
			r.why = "when Windows asks to sign in again after the screen turns off could not be read"
		case w.SignInAwayNever || w.SignInAwaySecs == nil:
			r.kind, r.seconds = kindNever, 0
			r.why = "Windows is set never to ask to sign in again after the screen turns off"
		default:
			r.seconds += *w.SignInAwaySecs
		}
	case sleepNone:
		r.kind, r.why = kindNever, "the computer cannot go to sleep (standby), and turning off its display does not lock it"
	default:
		r.why = "whether this computer uses Modern Standby or classic sleep (powercfg /a), and so when its power plan locks it, could not be read"
	}
	return r
}

// latestLock judges idle times per power source (AC, DC; nil = not read)
// into r: the worst source counts, as a laptop may run on either; 0 on
// any → never (neverWhy); none read → unknown (unreadWhy). Waking must be
// known to ask for the password on each source read.
func latestLock(r *route, w windowsFacts, secs [2]*int, neverWhy, unreadWhy string) {
	locks := [2]*bool{w.ConsoleLockAC, w.ConsoleLockDC}
	read, lockRead, worst := false, true, 0
	for i, s := range secs {
		if s == nil {
			continue
		}
		read = true
		lockRead = lockRead && locks[i] != nil
		if *s == 0 {
			r.kind, r.why = kindNever, neverWhy
			return
		}
		worst = max(worst, *s)
	}
	switch {
	case !read:
		r.why = unreadWhy
	case !lockRead:
		r.why = "whether waking the computer asks for the password (the power plan's console lock) could not be read"
	default:
		r.kind, r.seconds = kindLocks, worst
	}
}

// duration says a number of seconds the way a person would.
func duration(s int) string {
	switch {
	case s == 0:
		return "no delay"
	case s%3600 == 0:
		return plural(s/3600, "hour")
	case s%60 == 0:
		return plural(s/60, "minute")
	case s > 120:
		return fmt.Sprintf("%d minutes %d seconds", s/60, s%60)
	default:
		return plural(s, "second")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// neverReasons lists the distinct reasons the screen never locks, sorted,
// as an English list; "nothing locks it" when there are none.
func neverReasons(items []string) string {
	seen := map[string]bool{}
	var out []string
	for _, s := range items {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "nothing locks it"
	}
	sort.Strings(out)
	return text.JoinAnd(out)
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

// fixText is the counsellor's instruction for this computer.
func fixText(f facts, max int) string {
	limit := duration(max)
	switch f.OS {
	case "darwin":
		return "Open System Settings > Lock Screen and set \"Require password after screen saver begins or display is turned off\" to Immediately, and set \"Turn display off on battery when inactive\" and \"Turn display off on power adapter when inactive\" to " + limit + " or less. If a setting is greyed out, your organisation manages it: ask your IT support."
	case "windows":
		return windowsFix(f.Windows, limit)
	}
	desktop := desktopUnknown
	if f.Linux != nil {
		desktop = f.Linux.Desktop
	}
	switch desktop {
	case desktopGNOME:
		return "Open Settings > Privacy (Privacy & Security) > Screen Lock, turn on Automatic Screen Lock and set Automatic Screen Lock Delay to \"Screen Turns Off\"; then set Blank Screen Delay (under Power, or in the same place) to 5 minutes. The total must be " + limit + " or less."
	case desktopCinnamon:
		return "Open System Settings > Screensaver, set \"Delay before starting the screensaver\" to 5 minutes, turn on \"Lock the computer when put to sleep\" and \"Lock the computer after the screensaver starts\", and set the lock delay to Immediately. The total must be " + limit + " or less."
	case desktopMATE:
		return "Open System > Preferences > Look and Feel > Screensaver, set \"Regard the computer as idle after\" to 5 minutes, and turn on \"Activate screensaver when computer is idle\" and \"Lock screen when screensaver is active\". The total must be " + limit + " or less."
	case desktopKDE:
		if isFalse(f.Linux.KDELock) {
			return "Your screen lock is set never to ask for a password when it locks by itself (Lock=false under [Daemon] in kscreenlockerrc, a setting System Settings does not show). Ask your IT support to remove that line from ~/.config/kscreenlockerrc (or /etc/xdg/kscreenlockerrc) or set it to Lock=true, then sign out and in again. Also check System Settings > Screen Locking: \"Lock screen automatically\" on after 5 minutes and \"Allow unlocking without password for\" 5 seconds or less. The total must be " + limit + " or less."
		}
		return "Open System Settings > Screen Locking (under Security & Privacy), turn on \"Lock screen automatically\" after 5 minutes and set \"Allow unlocking without password for\" to 5 seconds or less. The total must be " + limit + " or less."
	case desktopXFCE:
		if f.Linux != nil && (f.Linux.Locker == lockerNone || f.Linux.Locker == lockerLightLocker || f.Linux.Locker == lockerXScreenSaver) {
			return "Ask your IT support to install the Xfce screensaver (xfce4-screensaver). Then open Settings > Screensaver, turn on the screensaver with \"Activate screensaver when computer is idle\" after 5 minutes, and on the Lock Screen tab turn on \"Lock Screen with Screensaver\" with no delay. The total must be " + limit + " or less."
		}
		return "Open Settings > Screensaver: turn on the screensaver with \"Activate screensaver when computer is idle\" after 5 minutes, and on the Lock Screen tab turn on \"Enable Lock Screen\" and \"Lock Screen with Screensaver\" with no delay. The total must be " + limit + " or less."
	case desktopBudgie:
		return "Open Budgie's Settings > Privacy > Screen Lock, turn on Automatic Screen Lock and set its delay to \"Screen Turns Off\"; then set Blank Screen Delay (under Power) to 5 minutes. The total must be " + limit + " or less."
	case desktopSway, desktopRiver:
		return "Start swayidle with a lock timer when you sign in: add `exec swayidle -w timeout 300 'swaylock -f' before-sleep 'swaylock -f'` to your compositor's start-up (for sway, ~/.config/sway/config; for river, ~/.config/river/init). The timeout must be " + limit + " or less. If you do not manage your own configuration, ask your IT support."
	case desktopHyprland:
		return "Run hypridle at sign-in (`exec-once = hypridle` in hyprland.conf) with a listener in ~/.config/hypr/hypridle.conf that locks: `listener { timeout = 300; on-timeout = loginctl lock-session }` (one setting a line), and `lock_cmd = pidof hyprlock || hyprlock` under general. The timeout must be " + limit + " or less."
	case desktopI3:
		return "Start an idle locker from your i3 config: `exec --no-startup-id xautolock -time 5 -locker 'i3lock -n'`, or `exec --no-startup-id xss-lock --transfer-sleep-lock -- i3lock --nofork` together with `exec --no-startup-id xset s 300`. The time must be " + limit + " or less."
	case desktopLXQt:
		return "Open LXQt's Configuration Center > Screensaver (XScreenSaver), set \"Blank After\" to 5 minutes and turn on \"Lock Screen After\" 0 minutes, and make sure XScreenSaver starts at sign-in (Session Settings > Autostart). The total must be " + limit + " or less."
	}
	return "In your desktop's settings, turn on the automatic screen lock with a password and set it to lock after " + limit + " or less without use. If you cannot find it, ask your IT support."
}

// windowsFix is the Windows instruction for the computer's sleep model:
// Settings offers "When PC wakes up from sleep" only with classic sleep,
// where the sleep time is what locks, and "Every Time" (or a delay) only
// with Modern Standby, where turning off the screen is what locks.
func windowsFix(w *windowsFacts, limit string) string {
	const away = "Open Settings > Accounts > Sign-in options and set \"If you've been away, when should Windows require you to sign in again?\" to "
	const managed = " If a setting is greyed out, your organisation manages it: ask your IT support."
	model := ""
	if w != nil {
		model = w.SleepModel
	}
	switch model {
	case sleepClassic:
		return away + "\"When PC wakes up from sleep\". Then open Settings > System > Power (Power & sleep, or Power & battery) and set the time after which the computer goes to sleep (\"Sleep\", \"Put my device to sleep after\") to " + limit + " or less, on battery and when plugged in: on this computer, turning off the screen alone does not lock it." + managed
	case sleepModernStandby:
		return away + "\"Every Time\". Then open Settings > System > Power (Power & battery) and set \"Turn off my screen after\" to " + limit + " or less, on battery and when plugged in." + managed
	}
	return away + "\"Every Time\" or, if it is not offered, \"When PC wakes up from sleep\". Then open Settings > System > Power (Power & sleep, or Power & battery) and set both the screen time (\"Turn off my screen after\") and the sleep time (\"Put my device to sleep after\") to " + limit + " or less, on battery and when plugged in." + managed
}
