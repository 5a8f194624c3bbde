package screenlock

import (
	"cmp"
	"context"
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Whether the console user has a graphical session (linuxFacts.Session).
const (
	sessionGraphical = "graphical"
	// SessionNone: no graphical session runs on this computer at all.
	sessionNone = "none"
	// SessionElsewhere: this account has no graphical session, but a
	// desktop runs for another account (SessionGuard was started from a
	// terminal or over SSH by someone other than the person at the screen).
	sessionElsewhere = "elsewhere"
	// SessionUnknown: could not tell.
	sessionUnknown = "unknown"
)

// graphicalProcs maps the process names of desktops, compositors and
// window managers to the desktop family they run. Only processes of the
// console user count.
var graphicalProcs = map[string]string{
	"gnome-shell":     desktopGNOME,
	"plasmashell":     desktopKDE,
	"kwin_wayland":    desktopKDE,
	"kwin_x11":        desktopKDE,
	"xfce4-session":   desktopXFCE,
	"cinnamon":        desktopCinnamon,
	"cinnamon-sessio": desktopCinnamon, // comm is cut at 15 characters
	"mate-session":    desktopMATE,
	"budgie-wm":       desktopBudgie,
	"budgie-panel":    desktopBudgie,
	"lxqt-session":    desktopLXQt,
	"cosmic-session":  desktopCOSMIC,
	"cosmic-comp":     desktopCOSMIC,
	"sway":            desktopSway,
	"river":           desktopRiver,
	"Hyprland":        desktopHyprland,
	"i3":              desktopI3,
}

// displayServers are processes that show a graphical session runs (for
// some account) without naming its desktop.
var displayServers = map[string]bool{"Xorg": true, "X": true, "Xwayland": true, "gnome-shell": true, "kwin_wayland": true}

// linuxSession finds the console user's graphical session and its desktop:
// logind's Display session of the user (Type x11/wayland/mir, Desktop =
// XDG_SESSION_DESKTOP, which a root agent cannot read from the session's
// environment); when logind cannot name the desktop, or the session is a
// text login that started a compositor (sway, Hyprland, river from a
// tty), the desktop or compositor the user runs, from the process list.
// No desktop is ever assumed. It returns the person's processes when it
// read them, and logind's id of the display session when logind named one.
func linuxSession(ctx context.Context, p probe.Probe, u probe.User, lf *linuxFacts, f *facts) (mine []probe.Process, sessionID string) {
	lf.Session = sessionUnknown
	logindRead, logindGraphical := false, false
	out, err := p.Run(ctx, probe.CmdLoginctl, "show-user", u.UID, "-p", "Display")
	switch {
	case err != nil:
		f.addError("loginctl show-user", err)
	case out.ExitCode != 0:
		f.Errors = append(f.Errors, "loginctl show-user: failed")
	default:
		logindRead = true
		if sid := parseLoginctlProps(out.Stdout)["Display"]; sid != "" {
			sessionID = sid
			s, err := p.Run(ctx, probe.CmdLoginctl, "show-session", sid, "-p", "Desktop", "-p", "Type", "-p", "Service")
			switch {
			case err != nil:
				logindRead = false
				f.addError("loginctl show-session", err)
			case s.ExitCode != 0:
				logindRead = false
				f.Errors = append(f.Errors, "loginctl show-session: failed")
			default:
				props := parseLoginctlProps(s.Stdout)
				lf.SessionType, lf.SessionService = props["Type"], props["Service"]
				if graphicalType(props["Type"]) {
					logindGraphical = true
					if d := desktopFamily(props["Desktop"]); d != desktopUnknown {
						lf.Session, lf.Desktop, lf.DesktopSource = sessionGraphical, d, "logind"
						return nil, sessionID
					}
				}
			}
		}
	}

	// logind did not name a desktop: the processes the user runs.
	procs, perr := p.Processes()
	if perr != nil {
		f.addError("process list", perr)
		if logindGraphical {
			lf.Session = sessionGraphical
		}
		return nil, sessionID
	}
	mine = userProcesses(procs, u)
	for _, pr := range mine {
		if d, ok := graphicalProcs[procName(pr)]; ok && betterDesktop(d, lf.Desktop) {
			lf.Desktop = d
		}
	}
	if lf.Desktop != desktopUnknown {
		lf.Session, lf.DesktopSource = sessionGraphical, "processes"
		return mine, sessionID
	}
	if logindGraphical {
		// A graphical session whose desktop neither logind nor the
		// process list names.
		lf.Session, lf.Desktop = sessionGraphical, desktopOther
		return mine, sessionID
	}
	// This account has no graphical session. Is there one at all? (Names
	// first: the owner is read only of the processes that can tell.)
	othersVisible, elsewhere := false, false
	for _, pr := range procs {
		_, desktop := graphicalProcs[procName(pr)]
		graphical := desktop || displayServers[procName(pr)]
		if othersVisible && !graphical || isMine(pr, u) {
			continue
		}
		owner := pr.Owner()
		othersVisible = othersVisible || owner == "root"
		if graphical {
			elsewhere = elsewhere || owner != "gdm" && owner != "sddm" && owner != "lightdm" && owner != "Debian-gdm"
		}
	}
	switch {
	case elsewhere:
		lf.Session = sessionElsewhere
	case othersVisible && logindRead:
		lf.Session = sessionNone
	}
	return nil, sessionID
}

// betterDesktop prefers a full desktop over a compositor it runs on
// (GNOME Shell over Xwayland, KDE over kwin).
func betterDesktop(d, cur string) bool {
	return cur == desktopUnknown || (d != desktopSway && d != desktopI3 && (cur == desktopSway || cur == desktopI3))
}

// procName is a process's program name, without the wrapper NixOS puts
// around programs (".Hyprland-wrapped", cut to ".Hyprland-wrapp").
func procName(pr probe.Process) string {
	name := pr.Name
	if rest, ok := strings.CutPrefix(name, "."); ok {
		if i := strings.Index(rest, "-wrap"); i > 0 {
			return rest[:i]
		}
	}
	return name
}

func graphicalType(t string) bool { return t == "x11" || t == "wayland" || t == "mir" }

func isMine(pr probe.Process, u probe.User) bool {
	if u.Name != "" {
		return pr.Owner() == u.Name
	}
	return pr.Owner() == u.UID
}

// userProcesses lists the user's processes among those whose names this
// check reads (desktops, compositors, idle daemons): the owner is read
// only of those. Not nil: the list was read.
func userProcesses(procs []probe.Process, u probe.User) []probe.Process {
	out := []probe.Process{}
	for _, pr := range procs {
		name := procName(pr)
		if _, ok := graphicalProcs[name]; (ok || slices.Contains(idleLockerNames, name) || isScreensaverDaemon(name) ||
			isXscreensaverSleepHelper(name)) && isMine(pr, u) {
			out = append(out, pr)
		}
	}
	return out
}

// idleLocker is an idle daemon that locks the screen on a timer (outside
// the full desktops, whose settings are read instead).
type idleLocker struct {
	// Name is swayidle, hypridle, xss-lock, xautolock, xidlehook or
	// xscreensaver.
	Name string `json:"name"`
	// Locker is the program it runs to lock (swaylock, hyprlock, i3lock,
	// loginctl lock-session, …); empty when none of its timers locks.
	Locker string `json:"locker,omitempty"`
	// TimeoutSeconds is the idle time before it locks; nil when it could
	// not be read.
	TimeoutSeconds *int `json:"timeout_seconds,omitempty"`
	// Source is where the timeout came from: cmdline, config, xset,
	// default.
	Source string `json:"source,omitempty"`
	// Problem says why the timeout is not known (not personal data).
	Problem string `json:"problem,omitempty"`
	// SleepLocks: it locks before the computer goes to sleep (swayidle's
	// before-sleep, hypridle's before_sleep_cmd; xss-lock always does);
	// nil where not known.
	SleepLocks *bool `json:"sleep_locks,omitempty"`
}

// idleLockerNames are the process names of the idle daemons read here.
var idleLockerNames = []string{"swayidle", "hypridle", "xss-lock", "xautolock", "xidlehook", "xscreensaver"}

// argsRead is this check's probe.ArgsKeeper: the arguments of the idle
// daemons it reads (their timeouts and config files), of no other
// process.
func argsRead(pr probe.Process) []string {
	if slices.Contains(idleLockerNames, procName(pr)) {
		return pr.Args()
	}
	return nil
}

// readIdleLockers looks for the idle daemons among the user's processes
// and reads when each locks.
func readIdleLockers(ctx context.Context, p probe.Probe, u probe.User, mine []probe.Process, lf *linuxFacts) {
	lf.Locker = lockerIdleDaemon
	for _, pr := range mine {
		name := procName(pr)
		if !slices.Contains(idleLockerNames, name) {
			continue
		}
		il := idleLocker{Name: name}
		args := []string{}
		if argv := pr.Args(); len(argv) > 1 {
			args = argv[1:]
		}
		switch name {
		case "swayidle":
			readSwayidle(p, u, args, &il)
		case "hypridle":
			readHypridle(p, u, args, &il)
		case "xautolock":
			il.from(parseXautolock(args), "cmdline")
		case "xidlehook":
			il.from(parseXidlehook(args), "cmdline")
		case "xss-lock":
			readXssLock(ctx, p, args, &il)
		case "xscreensaver":
			readXScreenSaver(p, u, &il)
			if il.Locker != "" {
				// It locks before sleep through its helper, which it
				// starts and which fails to start where another program
				// holds logind's sleep delay (xscreensaver-systemd(1)).
				il.SleepLocks = boolPtr(slices.ContainsFunc(mine, func(pr probe.Process) bool { return isXscreensaverSleepHelper(procName(pr)) }))
			}
		}
		lf.IdleLockers = append(lf.IdleLockers, il)
	}
}

func readSwayidle(p probe.Probe, u probe.User, args []string, il *idleLocker) {
	cfg := ""
	for i := 0; i < len(args); i++ {
		if args[i] == "-C" && i+1 < len(args) {
			cfg = args[i+1]
		}
	}
	if hasSwayidleEvents(args) {
		il.from(parseSwayidle(args), "cmdline")
		return
	}
	// No events on the command line: swayidle reads its config file.
	if cfg == "" {
		cfg = path.Join(u.Home, ".config/swayidle/config")
	}
	b, err := p.ReadFile(cfg)
	if err != nil {
		il.Problem = "swayidle config: " + probe.ErrorKind(err)
		return
	}
	il.from(parseSwayidle(shellWords(string(b))), "config")
}

func readHypridle(p probe.Probe, u probe.User, args []string, il *idleLocker) {
	cfg := path.Join(u.Home, ".config/hypr/hypridle.conf")
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-c" || args[i] == "--config" {
			cfg = args[i+1]
		}
	}
	b, err := p.ReadFile(cfg)
	if err != nil {
		il.Problem = "hypridle.conf: " + probe.ErrorKind(err)
		return
	}
	il.from(parseHypridle(b), "config")
}

// readXssLock: xss-lock locks when the X server's screen saver starts; its
// timeout is `xset q`, which only works inside the user's X session (not
// for a root agent).
func readXssLock(ctx context.Context, p probe.Probe, args []string, il *idleLocker) {
	cmd := strings.Join(afterDashes(args), " ")
	if il.Locker = lockerOf(cmd); il.Locker == "" {
		il.Problem = "xss-lock runs " + firstWord(cmd) + ", which SessionGuard does not recognise as a screen locker"
		return
	}
	// xss-lock also locks before the computer sleeps (logind's
	// PrepareForSleep), unless told not to.
	il.SleepLocks = boolPtr(!slices.Contains(args, "--ignore-sleep"))
	out, err := p.RunAsConsoleUser(ctx, probe.CmdXset, "q")
	if err != nil || out.ExitCode != 0 {
		il.Problem = "xss-lock locks when the X screen saver starts, and its timeout (xset q) could not be read from outside the desktop session"
		return
	}
	n, ok := parseXsetScreenSaver(out.Stdout)
	if !ok {
		il.Problem = "xset q: not recognised"
		return
	}
	il.TimeoutSeconds, il.Source = intPtr(n), "xset"
}

// isXscreensaverSleepHelper reports whether a process name is
// xscreensaver-systemd, the program through which XScreenSaver locks
// before the computer sleeps (logind's PrepareForSleep).
func isXscreensaverSleepHelper(name string) bool {
	return namesOneOf(name, []string{"xscreensaver-systemd"})
}

// Where a system-wide hook can lock the screen before the computer
// sleeps: units the sleep targets want (the ArchWiki's i3lock@.service
// recipe: Before=sleep.target, WantedBy=sleep.target) and systemd-sleep's
// scripts, run with "pre" before sleeping.
var (
	sleepTargetWants = []string{"/etc/systemd/system/sleep.target.wants", "/etc/systemd/system/suspend.target.wants",
		"/etc/systemd/system/hibernate.target.wants", "/etc/systemd/system/hybrid-sleep.target.wants",
		"/etc/systemd/system/suspend-then-hibernate.target.wants"}
	systemSleepDirs = []string{"/etc/systemd/system-sleep", "/usr/lib/systemd/system-sleep"}
)

// maxSleepHookBytes bounds the part of a unit or script read.
const maxSleepHookBytes = 64 << 10

// readSleepHooks looks for a system-wide hook that locks the screen before
// the computer sleeps (SleepHook) or asks for the sessions to be locked
// (SleepHookAsks); any folder or file of them that could not be read sets
// SleepHooksUnread.
func readSleepHooks(p probe.Probe, lf *linuxFacts) {
	read := func(dirs []string, isUnit bool) {
		for _, dir := range dirs {
			names, err := p.ReadDir(dir)
			if errors.Is(err, probe.ErrNotFound) {
				continue
			}
			if err != nil {
				lf.SleepHooksUnread = true
				continue
			}
			for _, name := range names {
				if isUnit && !strings.HasSuffix(name, ".service") {
					continue
				}
				b, err := p.ReadFileHead(path.Join(dir, name), maxSleepHookBytes)
				if err != nil {
					lf.SleepHooksUnread = true
					continue
				}
				switch sleepHookAction(b, isUnit) {
				case hookLocks:
					lf.SleepHook = cmp.Or(lf.SleepHook, hookName(name))
				case hookAsks:
					lf.SleepHookAsks = cmp.Or(lf.SleepHookAsks, hookName(name))
				}
			}
		}
	}
	read(sleepTargetWants, true)
	read(systemSleepDirs, false)
}

// hookName is a unit's or script's name without a unit's instance
// ("i3lock@sam.service" → "i3lock@.service").
func hookName(name string) string {
	if at := strings.IndexByte(name, '@'); at >= 0 && strings.HasSuffix(name, ".service") {
		return name[:at+1] + ".service"
	}
	return name
}

// Where XScreenSaver keeps its settings.
const (
	xscreensaverUserFile   = ".xscreensaver"
	xscreensaverAppDefault = "/etc/X11/app-defaults/XScreenSaver"
)

// readXScreenSaver reads ~/.xscreensaver (or, when the user never saved
// settings, the installed app-defaults): it locks after timeout +
// lockTimeout when lock is on and mode is not off.
func readXScreenSaver(p probe.Probe, u probe.User, il *idleLocker) {
	b, err := p.ReadFile(path.Join(u.Home, xscreensaverUserFile))
	il.Source = "config"
	if errors.Is(err, probe.ErrNotFound) {
		b, err = p.ReadFile(xscreensaverAppDefault)
		il.Source = "default"
	}
	if err != nil {
		il.Problem = "xscreensaver settings: " + probe.ErrorKind(err)
		return
	}
	x, ok := parseXScreenSaver(b)
	if !ok {
		il.Problem = "xscreensaver settings: not recognised"
		return
	}
	if !x.Lock || x.ModeOff {
		il.TimeoutSeconds = intPtr(0)
		return
	}
	il.Locker, il.TimeoutSeconds = "xscreensaver", intPtr(x.TimeoutSeconds+x.LockSeconds)
}

// from takes a daemon's timers.
func (il *idleLocker) from(t idleTimers, source string) {
	il.Locker, il.TimeoutSeconds, il.Source, il.SleepLocks = t.Locker, t.Seconds, source, t.SleepLocks
	if t.Seconds == nil && t.Unrecognised != "" {
		il.Problem = il.Name + " runs " + t.Unrecognised + " on a timer, and SessionGuard cannot tell whether that locks the screen"
	}
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return path.Base(f[0])
	}
	return "nothing"
}

func afterDashes(args []string) []string {
	for i, a := range args {
		if a == "--" {
			return args[i+1:]
		}
	}
	return nil
}
