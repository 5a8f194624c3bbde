package screenlock

import (
	"context"
	"errors"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/gsettings"
	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// linuxFacts is what was seen on Linux. Delays are in seconds (MATE, KDE
// and XFCE count in minutes; the collector converts).
type linuxFacts struct {
	// Session says whether the console user has a graphical session:
	// graphical, none (no desktop runs on this computer), elsewhere (a
	// desktop runs for another account) or unknown.
	Session string `json:"session,omitempty"`
	// SessionType is logind's Type of the user's display session (x11,
	// wayland, tty).
	SessionType string `json:"session_type,omitempty"`
	// Desktop is the family of the console user's desktop: gnome,
	// budgie, cinnamon, mate, kde, xfce, lxqt, cosmic, sway, river,
	// hyprland, i3, other or unknown.
	Desktop string `json:"desktop"`
	// DesktopSource says how it was found: logind (the session's desktop
	// name) or processes (the desktop or compositor the user runs).
	DesktopSource string `json:"desktop_source,omitempty"`
	// Locker is what locks the screen: gsettings (GNOME, Budgie, Cinnamon,
	// MATE), kscreenlocker, xfce4-screensaver, light-locker,
	// xscreensaver, idle_daemon (IdleLockers) or none.
	Locker string `json:"locker,omitempty"`
	// IdleLockers are the idle daemons running for the user (tiling
	// compositors and window managers, LXQt).
	IdleLockers []idleLocker `json:"idle_lockers,omitempty"`
	// LockerDisabled: the locker is kept from starting (autostart Hidden).
	LockerDisabled bool `json:"locker_disabled,omitempty"`
	// LockdownDisabled: the lockdown setting disable-lock-screen is on.
	LockdownDisabled *bool `json:"lockdown_disable_lock_screen,omitempty"`
	// LockEnabled: the screen locks when it blanks (GNOME lock-enabled,
	// KDE Autolock, XFCE lock enabled on screensaver activation).
	LockEnabled *bool `json:"lock_enabled,omitempty"`
	// IdleActivation: the screensaver starts by itself when idle
	// (Cinnamon, MATE, XFCE).
	IdleActivation *bool `json:"idle_activation,omitempty"`
	// RequirePassword: KDE's lock asks for the password.
	RequirePassword *bool `json:"require_password,omitempty"`
	// KDELock: kscreenlockerrc's [Daemon] Lock. false and kscreenlocker's
	// automatic (idle) lock stays in its grace time for ever: any key or
	// mouse movement unlocks it without a password (ksldapp.cpp sets
	// m_lockGrace to -1, the greeter starts with --nolock). Not in
	// System Settings; only a config file sets it.
	KDELock *bool `json:"kde_lock,omitempty"`
	// LockOnSleep: the screen locks when the computer goes to sleep
	// (closing a laptop's lid), where a desktop sets that apart from the
	// idle lock: KDE's LockOnResume, Ubuntu's ubuntu-lock-on-suspend
	// (upstream GNOME locks on suspend with lock-enabled), Cinnamon's and
	// MATE's power settings, Xfce Power Manager's (readSleepLock,
	// readXfceSleepLock). nil where not read or not set apart.
	LockOnSleep *bool `json:"lock_on_sleep,omitempty"`
	// LockOnSleepUnread: the desktop sets it apart but it could not be
	// read.
	LockOnSleepUnread bool `json:"lock_on_sleep_unread,omitempty"`
	// UnlockWithoutPassword says how the lock screen opens without a
	// password: a PAM service it unlocks through (unlockServices) lets
	// everyone (pam_permit), a group the person is in
	// (pam_nopasswd_group) or the person by other pam_succeed_if
	// conditions (pam_succeed_if) through before asking
	// (unixlogin.Passwordless).
	UnlockWithoutPassword string `json:"unlock_without_password,omitempty"`
	// UnlockPAMUnread: such a service (or the accounts it names) could
	// not be read.
	UnlockPAMUnread bool `json:"unlock_pam_unread,omitempty"`
	// UnlockService is the PAM service that lets the person in without a
	// password, else the one that could not be read.
	UnlockService string `json:"unlock_service,omitempty"`
	// UnlockRuleFile is the file holding the rule that lets the person in
	// without a password (the service's own, one it includes, or
	// /usr/lib/pam.d's), and UnlockGroup the group it lets in that the
	// person is in (pam_nopasswd_group).
	UnlockRuleFile string `json:"unlock_rule_file,omitempty"`
	UnlockGroup    string `json:"unlock_group,omitempty"`
	// SleepHook is the system-wide hook that runs a screen locker before
	// the computer sleeps (a unit the sleep targets want, or a
	// systemd-sleep script), by its name (a unit's instance, often a
	// person's name, left out); read only for idle daemons none of which
	// locks before sleep (readSleepHooks).
	SleepHook string `json:"sleep_hook,omitempty"`
	// SleepHookAsks is such a hook that only asks logind or LightDM to
	// lock the sessions (loginctl lock-sessions, dm-tool lock).
	SleepHookAsks string `json:"sleep_hook_asks,omitempty"`
	// SleepHooksUnread: those hooks could not all be read.
	SleepHooksUnread bool `json:"sleep_hooks_unread,omitempty"`
	// IdleDelaySeconds is the idle time before the screen blanks or the
	// lock starts; 0 means never.
	IdleDelaySeconds *int `json:"idle_delay_seconds,omitempty"`
	// LockDelaySeconds is how long after that the password is required.
	LockDelaySeconds *int `json:"lock_delay_seconds,omitempty"`
	// Source is where the values came from: gsettings, dconf_system (only
	// system-locked values), kscreenlockerrc, xfconf or defaults.
	Source string `json:"source,omitempty"`
	// SystemLocked names the settings an administrator fixed for every
	// user (dconf locks, xfconf locked, KDE [$i]).
	SystemLocked []string `json:"system_locked,omitempty"`
	// LockerDaemon is the screensaver program that blanks and locks the
	// screen on a desktop whose settings are read but that does not lock
	// by itself (MATE, Cinnamon, Budgie, Xfce: see screensaverDaemons);
	// LockerDaemonRunning says whether it runs for the person, nil when
	// the process list could not be read.
	LockerDaemon        string `json:"locker_daemon,omitempty"`
	LockerDaemonRunning *bool  `json:"locker_daemon_running,omitempty"`
	// SessionService is logind's Service of the display session: the PAM
	// service that started it (gdm-password, gdm-autologin, sddm,
	// lightdm, login, …); read for GNOME only.
	SessionService string `json:"session_service,omitempty"`
	// GNOMEShellLock says whether GNOME Shell has a lock screen at all
	// (readGNOMEShellLock): gdm_session, gdm_running, no_gdm, no_logind,
	// not_gnome_shell, or empty when it could not be told (or the facts
	// are older than this field).
	GNOMEShellLock string `json:"gnome_shell_lock,omitempty"`
	// PasswordEmpty: the person's account has an empty password (passwd
	// -S), so the lock screen opens without one.
	PasswordEmpty bool `json:"password_empty,omitempty"`
}

// Lockers.
const (
	lockerGSettings     = "gsettings"
	lockerKScreenLocker = "kscreenlocker"
	lockerXfce          = "xfce4-screensaver"
	lockerLightLocker   = "light-locker"
	lockerXScreenSaver  = "xscreensaver"
	lockerNone          = "none"
	lockerIdleDaemon    = "idle_daemon"
)

func collectLinux(ctx context.Context, p probe.Probe, f *facts) {
	lf := &linuxFacts{Desktop: desktopUnknown}
	f.Linux = lf
	u, ok := consoleUser(p, f)
	if !ok {
		return
	}
	mine, sessionID := linuxSession(ctx, p, u, lf, f)
	if lf.Session != sessionGraphical {
		return
	}
	// A lock screen opens without a password for an account that has
	// none (user_accounts fails it; what passwd -S cannot tell is left to
	// it as well).
	if st, _ := passwdstatus.Ask(ctx, p, u); st == passwdstatus.Empty {
		lf.PasswordEmpty = true
	}
	switch lf.Desktop {
	case desktopGNOME, desktopBudgie, desktopCinnamon, desktopMATE:
		if lf.Desktop == desktopGNOME {
			readGNOMEShellLock(p, u, sessionID, lf, f)
		}
		readSessionInhibitors(ctx, p, sessionManagers[lf.Desktop], f)
		readGSettings(ctx, p, gsFamilies[lf.Desktop], lf, f)
		findLockerDaemon(p, u, mine, lf, f)
		if lf.Desktop == desktopMATE && lf.LockerDaemonRunning != nil && *lf.LockerDaemonRunning {
			// Only while it runs: a call to its name would start it
			// (D-Bus activation from its .service file), on the
			// person's desktop.
			readMATESaverInhibitors(ctx, p, f)
		}
		readUnlockPAM(p, u, unlockServices[lf.Desktop], lf, f)
	case desktopKDE:
		readKDE(p, u, lf, f)
		readKDEInhibitors(ctx, p, f)
		readUnlockPAM(p, u, unlockServices[lf.Desktop], lf, f)
	case desktopXFCE:
		readXfce(p, u, lf, f)
		findLockerDaemon(p, u, mine, lf, f)
		if lf.Locker == lockerXfce {
			readUnlockPAM(p, u, unlockServices[lf.Desktop], lf, f)
		}
	case desktopSway, desktopRiver, desktopHyprland, desktopI3, desktopLXQt, desktopOther:
		if mine, ok := personProcesses(p, u, mine, f); ok {
			readIdleLockers(ctx, p, u, mine, lf)
			readUnlockPAM(p, u, idleUnlockServices(lf.IdleLockers), lf, f)
			if len(lockingDaemons(lf.IdleLockers)) > 0 && !idleLockerLocksOnSleep(lf.IdleLockers) {
				readSleepHooks(p, lf)
			}
		}
	}
}

// gnomeUnlockService is the PAM service GNOME Shell unlocks its lock
// screen through (GDM's, as at the login screen).
const gnomeUnlockService = "gdm-password"

// unlockServices are, per desktop, the PAM services its lock screen
// unlocks through, any one of which opens it: GDM's for GNOME Shell;
// kscreenlocker's password, fingerprint and smart-card services (the
// last two since Plasma 6); each screensaver daemon's own (Budgie's is
// budgie-screensaver, its PAM_SERVICE_NAME, or gnome-screensaver before
// it); Xfce's only when it is xfce4-screensaver (light-locker unlocks
// through the display manager).
var unlockServices = map[string][]string{
	desktopGNOME:    {gnomeUnlockService},
	desktopBudgie:   {"budgie-screensaver", "gnome-screensaver"},
	desktopKDE:      {"kde", "kde-fingerprint", "kde-smartcard"},
	desktopMATE:     {"mate-screensaver"},
	desktopCinnamon: {"cinnamon-screensaver"},
	desktopXFCE:     {"xfce4-screensaver"},
}

// lockerServices are the PAM services the lock programs an idle daemon
// runs unlock through (betterlockscreen and multilockscreen run i3lock;
// light-locker unlocks through LightDM). Lockers not listed (slock and
// xtrlock read the password file themselves) are not read.
var lockerServices = map[string]string{
	"swaylock": "swaylock", "gtklock": "gtklock", "waylock": "waylock", "hyprlock": "hyprlock",
	"i3lock": "i3lock", "betterlockscreen": "i3lock", "multilockscreen": "i3lock", "xlock": "xlock",
	"xscreensaver": "xscreensaver", "xscreensaver-command": "xscreensaver", "light-locker-command": "lightdm",
	"cinnamon-screensaver-command": "cinnamon-screensaver", "gnome-screensaver-command": "gnome-screensaver",
}

// idleUnlockServices are the PAM services of the lock programs the idle
// daemons run, each once.
func idleUnlockServices(lockers []idleLocker) []string {
	var out []string
	for _, il := range lockers {
		if s, ok := lockerServices[il.Locker]; ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// readUnlockPAM reads whether the lock screen lets the person in without
// a password (UnlockWithoutPassword) through one of the PAM services it
// unlocks through: one letting in is enough; one that cannot be read
// leaves it unknown unless another lets in.
func readUnlockPAM(p probe.Probe, u probe.User, services []string, lf *linuxFacts, f *facts) {
	for _, service := range services {
		rule, err := unixlogin.Passwordless(p, "", service, nil, func(e unixlogin.Passwd) bool { return e.IsAccountOf(u) })
		switch {
		case err != nil:
			f.addError(unixlogin.Where(err, "PAM service "+service), err)
			if !lf.UnlockPAMUnread {
				lf.UnlockPAMUnread, lf.UnlockService = true, service
			}
		case rule.Via != "":
			lf.UnlockWithoutPassword, lf.UnlockService, lf.UnlockPAMUnread = rule.Via, service, false
			lf.UnlockRuleFile, lf.UnlockGroup = rule.File, rule.Group
			return
		}
	}
}

// screensaverDaemons are, per desktop, the programs that blank and lock
// its screen when idle: its settings say when, but nothing locks unless
// one runs for the person (stopped, crashed, removed with its settings
// left behind: the settings still read "lock after 5 minutes"). GNOME
// Shell and KDE's kscreenlocker (in its session manager) lock by
// themselves. Cinnamon's is a Python program that names itself
// cinnamon-screensaver (seen running here: comm "cinnamon-screen"). Budgie
// has shipped budgie-screensaver (a gnome-screensaver fork) and
// gnome-screensaver. Names as the kernel keeps them (15 characters).
var screensaverDaemons = map[string][]string{
	desktopMATE:     {"mate-screensaver"},
	desktopCinnamon: {"cinnamon-screensaver"},
	desktopBudgie:   {"budgie-screensaver", "gnome-screensaver"},
	desktopXFCE:     {lockerXfce},
}

// namesOneOf reports whether a process name is one of the programs, as
// /proc/<pid>/comm holds it (cut at 15 characters) or whole.
func namesOneOf(name string, programs []string) bool {
	return slices.ContainsFunc(programs, func(d string) bool { return name == d[:min(len(d), 15)] || name == d })
}

// isScreensaverDaemon reports whether a process name is one of
// screensaverDaemons'.
func isScreensaverDaemon(name string) bool {
	for _, ds := range screensaverDaemons {
		if namesOneOf(name, ds) {
			return true
		}
	}
	return false
}

// findLockerDaemon looks for the desktop's screensaver among the person's
// processes (mine, when the session was found through them; else the
// process list is read), where the desktop needs one to lock.
func findLockerDaemon(p probe.Probe, u probe.User, mine []probe.Process, lf *linuxFacts, f *facts) {
	daemons := screensaverDaemons[lf.Desktop]
	if len(daemons) == 0 || (lf.Desktop == desktopXFCE && lf.Locker != lockerXfce) {
		return
	}
	lf.LockerDaemon = strings.Join(daemons, " or ")
	mine, ok := personProcesses(p, u, mine, f)
	if !ok {
		return
	}
	running := slices.ContainsFunc(mine, func(pr probe.Process) bool { return namesOneOf(procName(pr), daemons) })
	lf.LockerDaemonRunning = &running
}

// personProcesses is mine when the session was found through the
// person's processes, else those the process list holds; ok is false
// (and the error noted) when it cannot be read.
func personProcesses(p probe.Probe, u probe.User, mine []probe.Process, f *facts) ([]probe.Process, bool) {
	if mine != nil {
		return mine, true
	}
	procs, err := p.Processes()
	if err != nil {
		f.addError("process list", err)
		return nil, false
	}
	return userProcesses(procs, u), true
}

// gsFamily names where a GSettings-based desktop keeps its lock settings.
type gsFamily struct {
	saverSchema, saverPath       string
	sessionSchema, sessionPath   string
	lockdownSchema, lockdownPath string
	// minutes: idle-delay and lock-delay count minutes (MATE).
	minutes bool
	// idleActivation: idle-activation-enabled gates the screensaver
	// (Cinnamon, MATE; GNOME Shell ignores it).
	idleActivation bool
	// sleepSchema and sleepKey, where set, say whether the screen locks
	// when the computer goes to sleep (Cinnamon's power plugin, whose
	// upstream default is false; MATE's power manager); unless
	// sleepFollowsKey, when set, is true: then the screensaver's own
	// lock-enabled decides (MATE's lock-use-screensaver, its default).
	sleepSchema, sleepKey, sleepFollowsKey string
}

var gsFamilies = map[string]gsFamily{
	desktopGNOME: {
		saverSchema: "org.gnome.desktop.screensaver", saverPath: "/org/gnome/desktop/screensaver/",
		sessionSchema: "org.gnome.desktop.session", sessionPath: "/org/gnome/desktop/session/",
		lockdownSchema: "org.gnome.desktop.lockdown", lockdownPath: "/org/gnome/desktop/lockdown/",
	},
	desktopCinnamon: {
		saverSchema: "org.cinnamon.desktop.screensaver", saverPath: "/org/cinnamon/desktop/screensaver/",
		sessionSchema: "org.cinnamon.desktop.session", sessionPath: "/org/cinnamon/desktop/session/",
		lockdownSchema: "org.cinnamon.desktop.lockdown", lockdownPath: "/org/cinnamon/desktop/lockdown/",
		idleActivation: true,
		sleepSchema:    "org.cinnamon.settings-daemon.plugins.power", sleepKey: "lock-on-suspend",
	},
	// Budgie's screensaver (budgie-screensaver, from gnome-screensaver)
	// reads GNOME's schemas and honours idle-activation-enabled.
	desktopBudgie: {
		saverSchema: "org.gnome.desktop.screensaver", saverPath: "/org/gnome/desktop/screensaver/",
		sessionSchema: "org.gnome.desktop.session", sessionPath: "/org/gnome/desktop/session/",
		lockdownSchema: "org.gnome.desktop.lockdown", lockdownPath: "/org/gnome/desktop/lockdown/",
		idleActivation: true,
	},
	desktopMATE: {
		saverSchema: "org.mate.screensaver", saverPath: "/org/mate/screensaver/",
		sessionSchema: "org.mate.session", sessionPath: "/org/mate/desktop/session/",
		lockdownSchema: "org.mate.lockdown", lockdownPath: "/org/mate/desktop/lockdown/",
		minutes: true, idleActivation: true,
		sleepSchema: "org.mate.power-manager", sleepKey: "lock-suspend", sleepFollowsKey: "lock-use-screensaver",
	},
}

// gsettingsGet asks gsettings, as the person, for one key: its value (as
// GVariant text) when ok; missing when the schema is not installed;
// anything else is noted in f.Errors.
func gsettingsGet(ctx context.Context, p probe.Probe, schema, key string, f *facts) (value string, missing, ok bool) {
	out, err := p.RunAsConsoleUser(ctx, probe.CmdGsettings, "get", schema, key)
	switch {
	case err != nil:
		f.addError("gsettings "+schema, err)
	case out.ExitCode == 0:
		return strings.TrimSpace(string(out.Stdout)), false, true
	case gsettingsProblem(out) == gsettings.SchemaMissing:
		return "", true, false
	default:
		f.Errors = append(f.Errors, "gsettings "+schema+": "+gsettingsProblem(out))
	}
	return "", false, false
}

// readSleepLock reads, as the person, whether the screen locks when the
// computer goes to sleep, where the desktop's power settings say so (see
// gsFamily). A missing schema (no power plugin) is not judged.
func readSleepLock(ctx context.Context, p probe.Probe, fam gsFamily, lf *linuxFacts, f *facts) {
	get := func(key string) (value, missing, ok bool) {
		v, missing, ok := gsettingsGet(ctx, p, fam.sleepSchema, key, f)
		if !ok {
			return false, missing, false
		}
		if b, ok := gVariantBool(v); ok {
			return b, false, true
		}
		f.Errors = append(f.Errors, "gsettings "+fam.sleepSchema+" "+key+": not recognised")
		return false, false, false
	}
	if fam.sleepFollowsKey != "" {
		follows, missing, ok := get(fam.sleepFollowsKey)
		switch {
		case missing:
			return
		case !ok:
			lf.LockOnSleepUnread = true
			return
		case follows:
			return // lock-enabled decides, and is judged already
		}
	}
	switch v, missing, ok := get(fam.sleepKey); {
	case missing:
	case !ok:
		lf.LockOnSleepUnread = true
	default:
		lf.LockOnSleep = boolPtr(v)
	}
}

// The keys readGSettings reads from the screensaver and the session
// schema (an evidence bundle keeps no others: scrub).
const (
	gsLockEnabled    = "lock-enabled"
	gsIdleActivation = "idle-activation-enabled"
	gsLockDelay      = "lock-delay"
	gsIdleDelay      = "idle-delay"
	// Ubuntu's patch to GNOME: Settings > Privacy > Screen > Lock Screen
	// on Suspend (absent upstream).
	gsLockOnSuspend = "ubuntu-lock-on-suspend"
)

// readGSettings asks gsettings, as the console user, for the lock settings
// and lays the administrator's locked dconf values over them.
func readGSettings(ctx context.Context, p probe.Probe, fam gsFamily, lf *linuxFacts, f *facts) {
	lf.Locker = lockerGSettings
	vals := map[string]string{} // full dconf key path → GVariant text
	read := 0
	for _, s := range []struct{ schema, path string }{{fam.saverSchema, fam.saverPath}, {fam.sessionSchema, fam.sessionPath}} {
		out, err := p.RunAsConsoleUser(ctx, probe.CmdGsettings, "list-recursively", s.schema)
		if err != nil {
			f.addError("gsettings "+s.schema, err)
			continue
		}
		kv, ok := parseGSettingsList(out.Stdout, s.schema)
		if !ok {
			f.Errors = append(f.Errors, "gsettings "+s.schema+": "+gsettingsProblem(out))
			continue
		}
		read++
		for k, v := range kv {
			vals[s.path+k] = v
		}
	}
	switch v, missing, ok := gsettingsGet(ctx, p, fam.lockdownSchema, "disable-lock-screen", f); {
	case ok:
		vals[fam.lockdownPath+"disable-lock-screen"] = v
	case missing:
		// Without the lockdown schema nothing can disable the lock.
		vals[fam.lockdownPath+"disable-lock-screen"] = "false"
	}
	if fam.sleepSchema != "" {
		readSleepLock(ctx, p, fam, lf, f)
	}
	if read > 0 {
		lf.Source = "gsettings"
	}
	// Values an administrator locked win. When the system databases
	// cannot be read completely, none of their values is used: gsettings,
	// which reads them itself, is then the only source.
	locks, ok := dconfSystemLocks(p, f)
	for key, v := range locks {
		if !ok {
			break
		}
		if !strings.HasPrefix(key, fam.saverPath) && !strings.HasPrefix(key, fam.sessionPath) && !strings.HasPrefix(key, fam.lockdownPath) {
			continue
		}
		vals[key] = v
		lf.SystemLocked = append(lf.SystemLocked, strings.TrimPrefix(key, "/"))
		if lf.Source == "" {
			lf.Source = "dconf_system"
		}
	}

	sort.Strings(lf.SystemLocked)
	scale := 1
	if fam.minutes {
		scale = 60
	}
	if b, ok := gVariantBool(vals[fam.lockdownPath+"disable-lock-screen"]); ok {
		lf.LockdownDisabled = boolPtr(b)
	}
	if b, ok := gVariantBool(vals[fam.saverPath+gsLockEnabled]); ok {
		lf.LockEnabled = boolPtr(b)
	}
	if b, ok := gVariantBool(vals[fam.saverPath+gsLockOnSuspend]); ok {
		lf.LockOnSleep = boolPtr(b)
	}
	if fam.idleActivation {
		if b, ok := gVariantBool(vals[fam.saverPath+gsIdleActivation]); ok {
			lf.IdleActivation = boolPtr(b)
		}
	}
	if n, ok := gVariantUint(vals[fam.sessionPath+gsIdleDelay]); ok {
		lf.IdleDelaySeconds = intPtr(n * scale)
	}
	if n, ok := gVariantUint(vals[fam.saverPath+gsLockDelay]); ok {
		lf.LockDelaySeconds = intPtr(n * scale)
	}
}

// Where dconf keeps the administrator's settings.
const (
	dconfProfile = "/etc/dconf/profile/user"
	dconfDBDir   = "/etc/dconf/db"
)

// dconfSystemLocks returns the values an administrator locked in the dconf
// system databases named by the user profile (none without a profile: dconf
// then reads the user's own database only): keys listed in <db>.d/locks/*
// with their value from the <db>.d/* keyfiles. A locked key's value cannot
// be changed by the user. ok is false when a part could not be read.
func dconfSystemLocks(p probe.Probe, f *facts) (map[string]string, bool) {
	var dbs []string
	b, err := p.ReadFile(dconfProfile)
	switch {
	case err == nil:
		dbs = parseDconfProfile(b)
	case errors.Is(err, probe.ErrNotFound):
		return nil, true
	default:
		f.addError("dconf profile", err)
		return nil, false
	}
	out := map[string]string{}
	ok := true
	for _, db := range dbs {
		dir := path.Join(dconfDBDir, db+".d")
		lockNames, err := p.ReadDir(path.Join(dir, "locks"))
		if err != nil {
			if !errors.Is(err, probe.ErrNotFound) {
				f.addError("dconf locks", err)
				ok = false
			}
			continue
		}
		locked := map[string]bool{}
		for _, n := range lockNames {
			b, err := p.ReadFile(path.Join(dir, "locks", n))
			if err != nil {
				f.addError("dconf locks", err)
				ok = false
				continue
			}
			for _, k := range parseDconfLocks(b) {
				locked[k] = true
			}
		}
		if len(locked) == 0 {
			continue
		}
		names, err := p.ReadDir(dir)
		if err != nil {
			f.addError("dconf keyfiles", err)
			ok = false
			continue
		}
		values := map[string]string{}
		for _, n := range names { // sorted: later files win, as dconf compile does
			if n == "locks" {
				continue
			}
			b, err := p.ReadFile(path.Join(dir, n))
			if err != nil {
				f.addError("dconf keyfiles", err)
				ok = false
				continue
			}
			for k, v := range parseDconfKeyfile(b) {
				values[k] = v
			}
		}
		for k := range locked {
			if v, found := values[k]; found {
				if _, seen := out[k]; !seen { // the first database in the profile wins
					out[k] = v
				}
			}
		}
	}
	return out, ok
}

// KDE and XFCE files.
const (
	kdeUserFile      = ".config/kscreenlockerrc"
	kdeSystemFile    = "/etc/xdg/kscreenlockerrc"
	kdeDaemonGroup   = "Daemon" // the group of kscreenlockerrc read
	xfceUserFile     = ".config/xfce4/xfconf/xfce-perchannel-xml/xfce4-screensaver.xml"
	xfceSystemFile   = "/etc/xdg/xfce4/xfconf/xfce-perchannel-xml/xfce4-screensaver.xml"
	autostartDir     = "/etc/xdg/autostart/"
	userAutostartDir = ".config/autostart/"
)

// readKDE reads kscreenlocker's [Daemon] settings: the system file
// (/etc/xdg) under the user's, unless the system file made them immutable.
// Defaults: Autolock true, Timeout 5 minutes, Lock true, LockGrace 5 s,
// RequirePassword true, LockOnResume true.
func readKDE(p probe.Probe, u probe.User, lf *linuxFacts, f *facts) {
	lf.Locker = lockerKScreenLocker
	vals := map[string]string{"Autolock": "true", "Timeout": "5", "Lock": "true", "LockGrace": "5", "RequirePassword": "true", "LockOnResume": "true"}
	lf.Source = "defaults"
	sys, sysErr := p.ReadFile(kdeSystemFile)
	var sysGroup kdeGroup
	if sysErr == nil {
		sysGroup = parseKDEConfig(sys, kdeDaemonGroup)
		for k, v := range sysGroup.Values {
			vals[k] = v
		}
		lf.Source = "kscreenlockerrc"
	} else if !errors.Is(sysErr, probe.ErrNotFound) {
		// The administrator's values (and which are immutable) are not
		// known: nothing is.
		f.addError("system kscreenlockerrc", sysErr)
		lf.Source = ""
		return
	}
	user, err := p.ReadFile(path.Join(u.Home, kdeUserFile))
	switch {
	case err == nil:
		g := parseKDEConfig(user, kdeDaemonGroup)
		for k, v := range g.Values {
			if sysGroup.AllImmutable || sysGroup.Immutable[k] {
				continue
			}
			vals[k] = v
		}
		lf.Source = "kscreenlockerrc"
	case errors.Is(err, probe.ErrNotFound):
	default:
		// The user's own settings could not be read: nothing is known.
		f.addError("kscreenlockerrc", err)
		lf.Source = ""
		return
	}
	for _, k := range []string{"Autolock", "Timeout", "Lock", "LockGrace", "RequirePassword", "LockOnResume"} {
		if _, set := sysGroup.Values[k]; set && (sysGroup.AllImmutable || sysGroup.Immutable[k]) {
			lf.SystemLocked = append(lf.SystemLocked, "kscreenlockerrc/Daemon/"+k)
		}
	}
	if b, ok := kdeBool(vals["Autolock"]); ok {
		lf.LockEnabled = boolPtr(b)
	}
	if b, ok := kdeBool(vals["RequirePassword"]); ok {
		lf.RequirePassword = boolPtr(b)
	}
	if b, ok := kdeBool(vals["Lock"]); ok {
		lf.KDELock = boolPtr(b)
	}
	if b, ok := kdeBool(vals["LockOnResume"]); ok {
		lf.LockOnSleep = boolPtr(b)
	}
	if n, ok := kdeMinutes(vals["Timeout"]); ok {
		lf.IdleDelaySeconds = intPtr(n)
	}
	if n, ok := gVariantUint(vals["LockGrace"]); ok {
		lf.LockDelaySeconds = intPtr(n)
	}
}

// readXfce reads xfce4-screensaver's xfconf channel (system file under the
// user's, minus locked properties), or finds which other locker is set up
// to start.
func readXfce(p probe.Probe, u probe.User, lf *linuxFacts, f *facts) {
	userXML, userErr := p.ReadFile(path.Join(u.Home, xfceUserFile))
	sysXML, sysErr := p.ReadFile(xfceSystemFile)
	auto, autoErr := p.ReadFile(autostartDir + "xfce4-screensaver.desktop")
	if autoErr != nil && !errors.Is(autoErr, probe.ErrNotFound) {
		// Whether the screensaver starts at sign-in cannot be told.
		f.addError("xfce4-screensaver autostart", autoErr)
		return
	}
	installed := userErr == nil || sysErr == nil || autoErr == nil
	if !installed {
		switch {
		case fileExists(p, autostartDir+"light-locker.desktop"):
			lf.Locker = lockerLightLocker
		case fileExists(p, autostartDir+"xscreensaver.desktop"):
			lf.Locker = lockerXScreenSaver
		case isDenied(userErr) || isDenied(autoErr):
			f.Errors = append(f.Errors, "xfce4-screensaver settings: access denied")
		default:
			lf.Locker = lockerNone
		}
		return
	}
	lf.Locker = lockerXfce
	if autoErr == nil && autostartHidden(auto) {
		lf.LockerDisabled = true
	}
	switch b, err := p.ReadFile(path.Join(u.Home, userAutostartDir+"xfce4-screensaver.desktop")); {
	case err == nil:
		// The user's entry replaces the system one.
		lf.LockerDisabled = autostartHidden(b)
	case !errors.Is(err, probe.ErrNotFound):
		f.addError("xfce4-screensaver autostart", err)
		lf.Locker = ""
		return
	}
	if userErr != nil && !errors.Is(userErr, probe.ErrNotFound) {
		f.addError("xfce4-screensaver settings", userErr)
		return
	}
	props := map[string]string{
		"/saver/enabled": "true", "/saver/idle-activation/enabled": "true", "/saver/idle-activation/delay": "5",
		"/lock/enabled": "true", "/lock/saver-activation/enabled": "true", "/lock/saver-activation/delay": "0",
	}
	lf.Source = "defaults"
	sysProps := map[string]xfconfProperty{}
	if sysErr == nil {
		if sp, ok := parseXfconfChannel(sysXML); ok {
			sysProps = sp
			for k, v := range sp {
				if _, known := props[k]; known {
					props[k] = v.Value
				}
			}
			lf.Source = "xfconf"
		}
	}
	if userErr == nil {
		up, ok := parseXfconfChannel(userXML)
		if !ok {
			f.Errors = append(f.Errors, "xfce4-screensaver settings: not recognised")
			lf.Source = ""
			return
		}
		for k, v := range up {
			if _, known := props[k]; known && !sysProps[k].Locked {
				props[k] = v.Value
			}
		}
		lf.Source = "xfconf"
	}
	for k, v := range sysProps {
		if _, known := props[k]; known && v.Locked {
			lf.SystemLocked = append(lf.SystemLocked, "xfce4-screensaver"+k)
		}
	}
	saver, ok1 := gVariantBool(props["/saver/enabled"])
	idleAct, ok2 := gVariantBool(props["/saver/idle-activation/enabled"])
	if ok1 && ok2 {
		lf.IdleActivation = boolPtr(saver && idleAct)
	}
	lock, ok1 := gVariantBool(props["/lock/enabled"])
	onSaver, ok2 := gVariantBool(props["/lock/saver-activation/enabled"])
	if ok1 && ok2 {
		lf.LockEnabled = boolPtr(lock && onSaver)
	}
	if n, ok := gVariantUint(props["/saver/idle-activation/delay"]); ok {
		lf.IdleDelaySeconds = intPtr(n * 60)
	}
	readXfceSleepLock(p, u, lf, f)
	if n, ok := gVariantUint(props["/lock/saver-activation/delay"]); ok {
		lf.LockDelaySeconds = intPtr(n * 60)
	}
}

func fileExists(p probe.Probe, name string) bool {
	_, err := p.ReadFile(name)
	return err == nil
}

// Xfce's lock on sleep: xfce4-screensaver reads Xfce Power Manager's
// channel for it (KEY_LOCK_ON_SLEEP in its gs-prefs.h, default true).
const (
	xfpmUserFile    = ".config/xfce4/xfconf/xfce-perchannel-xml/xfce4-power-manager.xml"
	xfpmSystemFile  = "/etc/xdg/xfce4/xfconf/xfce-perchannel-xml/xfce4-power-manager.xml"
	xfpmLockOnSleep = "/xfce4-power-manager/lock-screen-suspend-hibernate"
)

// readXfceSleepLock reads whether xfce4-screensaver locks before the
// computer sleeps: the user's channel over the system's, a locked system
// value winning; neither file → the default, true.
func readXfceSleepLock(p probe.Probe, u probe.User, lf *linuxFacts, f *facts) {
	value := "true"
	locked := false
	for _, file := range []string{xfpmSystemFile, path.Join(u.Home, xfpmUserFile)} {
		b, err := p.ReadFile(file)
		switch {
		case errors.Is(err, probe.ErrNotFound):
			continue
		case err != nil:
			f.addError("xfce4-power-manager settings", err)
			lf.LockOnSleepUnread = true
			return
		}
		props, ok := parseXfconfChannel(b)
		if !ok {
			f.Errors = append(f.Errors, "xfce4-power-manager settings: not recognised")
			lf.LockOnSleepUnread = true
			return
		}
		if v, set := props[xfpmLockOnSleep]; set && !locked {
			value, locked = v.Value, v.Locked
		}
	}
	if b, ok := gVariantBool(value); ok {
		lf.LockOnSleep = boolPtr(b)
	} else {
		lf.LockOnSleepUnread = true
	}
}

func isDenied(err error) bool { return errors.Is(err, probe.ErrAccessDenied) }
