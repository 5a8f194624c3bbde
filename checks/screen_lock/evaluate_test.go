package screenlock_test

import (
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func ip(n int) *int   { return &n }
func bp(b bool) *bool { return &b }
func signed() string  { return screenlock.ConsoleSignedIn }
func gnome(lockEnabled bool, idle, delay int) *screenlock.LinuxFacts {
	return &screenlock.LinuxFacts{Desktop: screenlock.DesktopGNOME, Locker: screenlock.LockerGSettings, Source: "gsettings",
		GNOMEShellLock: screenlock.ShellLockGDMRunning,
		LockEnabled:    bp(lockEnabled), LockdownDisabled: bp(false), IdleDelaySeconds: ip(idle), LockDelaySeconds: ip(delay)}
}

// winSleep is a Windows computer whose only way of locking is the power
// plan: the display off after 10 minutes plugged in, 5 on battery, waking
// asks for the password, with the given sleep model ("Every Time" for
// Modern Standby), changed by edit.
func winSleep(model string, edit func(*screenlock.WindowsFacts)) *screenlock.WindowsFacts {
	w := &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, ScreenSaverRead: true, ScreenSaverChosen: bp(false),
		DisplayOffACSecs: ip(600), DisplayOffDCSecs: ip(300), ConsoleLockAC: bp(true), ConsoleLockDC: bp(true), SleepModel: model}
	if model == screenlock.SleepModernStandby {
		w.SignInAwayRead, w.SignInAwaySecs = true, ip(0)
	}
	if edit != nil {
		edit(w)
	}
	return w
}

func TestEvaluate(t *testing.T) {
	pol := checks.Catalogue{screenlock.Check}.Default()
	strict := checks.Catalogue{screenlock.Check}.Default()
	strict = strict.With("screen_lock_max_seconds", 120)
	tests := []struct {
		name    string
		f       screenlock.Facts
		pol     checks.Policy
		want    checks.Status
		summary string // a part the summary must contain
		fix     string // a part the fix must contain
	}{
		{"linux nobody at the screen", screenlock.Facts{OS: "linux", ConsoleUser: screenlock.ConsoleNone, Linux: &screenlock.LinuxFacts{}}, pol, checks.NotApplicable, "Nobody is signed in", ""},
		{"linux console user unknown", screenlock.Facts{OS: "linux", ConsoleUser: screenlock.ConsoleUnknown, Linux: &screenlock.LinuxFacts{}}, pol, checks.Unknown, "Could not tell", "could not read"},
		{"gnome 300 pass", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 300, 0)}, pol, checks.Pass, "after 5 minutes", ""},
		{"gnome exactly the limit passes", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 540, 60)}, pol, checks.Pass, "10 minutes", ""},
		{"gnome one second over fails", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 540, 61)}, pol, checks.Fail, "10 minutes 1 seconds", "Screen Lock"},
		{"gnome 900 fails", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 900, 0)}, pol, checks.Fail, "only after 15 minutes", "Blank Screen Delay"},
		{"gnome strict policy", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 300, 0)}, strict, checks.Fail, "limit is 2 minutes", "2 minutes or less"},
		{"gnome lock off", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(false, 300, 0)}, pol, checks.Fail, "automatic screen lock is off", "Automatic Screen Lock"},
		{"gnome idle 0", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 0, 0)}, pol, checks.Fail, "never to blank", "Blank Screen Delay"},
		{"gnome lockdown", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: func() *screenlock.LinuxFacts { l := gnome(true, 300, 0); l.LockdownDisabled = bp(true); return l }()}, pol, checks.Fail, "disabled for this account", ""},
		{"gnome without gdm", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: func() *screenlock.LinuxFacts {
			l := gnome(true, 300, 0)
			l.GNOMEShellLock, l.SessionService = screenlock.ShellLockNoGDM, "lightdm"
			return l
		}()}, pol, checks.Fail, "started by lightdm", "dpkg-reconfigure gdm3"},
		{"gnome from an older agent", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: func() *screenlock.LinuxFacts {
			l := gnome(true, 300, 0)
			l.GNOMEShellLock = ""
			return l
		}()}, pol, checks.Unknown, "Could not tell", ""},
		{"gnome unread", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Errors: []string{"gsettings org.gnome.desktop.session: not found"}, Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopGNOME, Locker: screenlock.LockerGSettings}}, pol, checks.Unknown, "Could not tell", "Screen Lock"},
		{"gnome lock off known, idle unread", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopGNOME, Locker: screenlock.LockerGSettings, LockEnabled: bp(false)}}, pol, checks.Fail, "automatic screen lock is off", ""},
		{"kde no password", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopKDE, Locker: screenlock.LockerKScreenLocker, LockEnabled: bp(true), RequirePassword: bp(false), IdleDelaySeconds: ip(300), LockDelaySeconds: ip(5)}}, pol, checks.Fail, "does not ask for a password", "Screen Locking"},
		{"kde Lock=false: the idle lock never asks for a password", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopKDE, Locker: screenlock.LockerKScreenLocker, LockEnabled: bp(true), RequirePassword: bp(true), KDELock: bp(false), IdleDelaySeconds: ip(300), LockDelaySeconds: ip(0)}}, pol, checks.Fail, "Lock=false", "Lock=true"},
		{"kde Lock=true", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopKDE, Locker: screenlock.LockerKScreenLocker, LockEnabled: bp(true), RequirePassword: bp(true), KDELock: bp(true), IdleDelaySeconds: ip(300), LockDelaySeconds: ip(5)}}, pol, checks.Pass, "5 minutes 5 seconds", ""},
		{"kde default", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopKDE, Locker: screenlock.LockerKScreenLocker, LockEnabled: bp(true), RequirePassword: bp(true), IdleDelaySeconds: ip(300), LockDelaySeconds: ip(5)}}, pol, checks.Pass, "5 minutes 5 seconds", ""},
		{"mate idle activation off", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopMATE, Locker: screenlock.LockerGSettings, LockEnabled: bp(true), IdleActivation: bp(false), IdleDelaySeconds: ip(300), LockDelaySeconds: ip(0)}}, pol, checks.Fail, "does not start", "Screensaver"},
		{"xfce no locker", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopXFCE, Locker: screenlock.LockerNone}}, pol, checks.Fail, "no screen locker", "xfce4-screensaver"},
		{"xfce locker hidden", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopXFCE, Locker: screenlock.LockerXfce, LockerDisabled: true, LockEnabled: bp(true), IdleDelaySeconds: ip(300), LockDelaySeconds: ip(0)}}, pol, checks.Fail, "turned off at sign-in", ""},
		{"xfce light-locker", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopXFCE, Locker: screenlock.LockerLightLocker}}, pol, checks.Unknown, "Could not tell", ""},
		{"other desktop", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Desktop: screenlock.DesktopOther}}, pol, checks.Unknown, "Could not tell", "desktop's settings"},

		{"mac nobody", screenlock.Facts{OS: "darwin", ConsoleUser: screenlock.ConsoleNone, Darwin: &screenlock.DarwinFacts{}}, pol, checks.NotApplicable, "Nobody", ""},
		{"mac display 10 immediate passes", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(0), DisplaySleepMinutes: map[string]int{"AC Power": 10, "Battery Power": 2}, ScreenSaverIdleSeconds: ip(1200)}}, pol, checks.Pass, "after 10 minutes", ""},
		{"mac screen saver sooner than display", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(5), DisplaySleepMinutes: map[string]int{"AC Power": 0}, ScreenSaverIdleSeconds: ip(300)}}, pol, checks.Pass, "5 minutes 5 seconds", ""},
		{"mac password off", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(false), DisplaySleepMinutes: map[string]int{"AC Power": 2}}}, pol, checks.Fail, "no password is asked", "Lock Screen"},
		{"mac delay pushes over", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(300), DisplaySleepMinutes: map[string]int{"AC Power": 10}, ScreenSaverIdleSeconds: ip(1200)}}, pol, checks.Fail, "15 minutes", "Immediately"},
		{"mac never", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(0), DisplaySleepMinutes: map[string]int{"AC Power": 0}, ScreenSaverIdleSeconds: ip(0)}}, pol, checks.Fail, "display never sleeps and the screen saver never starts", ""},
		{"mac lock unread", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, DisplaySleepMinutes: map[string]int{"AC Power": 2}}}, pol, checks.Unknown, "Could not tell", ""},
		{"mac display unread but saver in time", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(0), ScreenSaverIdleSeconds: ip(300)}}, pol, checks.Pass, "5 minutes", ""},
		{"mac from an older agent, user-scope profile not read", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{PasswordRequired: bp(true), LockDelaySeconds: ip(5), DisplaySleepMinutes: map[string]int{"AC Power": 0}, ScreenSaverIdleSeconds: ip(300)}}, pol, checks.Unknown, "Could not tell", ""},
		{"mac display unread and saver late", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(0), ScreenSaverIdleSeconds: ip(1200)}}, pol, checks.Unknown, "Could not tell", ""},

		{"windows nothing readable", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{}}, pol, checks.Unknown, "Could not tell", "Sign-in options"},
		{"windows defaults with display 10", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverChosen: bp(false), DisplayOffACSecs: ip(600), DisplayOffDCSecs: ip(300), ConsoleLockAC: bp(true), ConsoleLockDC: bp(true)}}, pol, checks.Pass, "10 minutes", ""},
		{"windows display 15 on AC fails", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverChosen: bp(false), DisplayOffACSecs: ip(900), DisplayOffDCSecs: ip(300), ConsoleLockAC: bp(true), ConsoleLockDC: bp(true)}}, pol, checks.Fail, "15 minutes", "Turn off my screen after"},
		{"windows inactivity limit wins", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), InactivityTimeoutSecs: ip(300), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Pass, "5 minutes", ""},
		{"windows secure screen saver", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(true), ScreenSaverChosen: bp(true), ScreenSaverTimeoutSecs: ip(480), ScreenSaverFileExists: bp(true), GraceSecs: ip(0), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Pass, "8 minutes", ""},
		{"windows no password on wake", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(false), ScreenSaverChosen: bp(true), ScreenSaverTimeoutSecs: ip(300), DisplayOffACSecs: ip(300), DisplayOffDCSecs: ip(300), ConsoleLockAC: bp(false), ConsoleLockDC: bp(true)}}, pol, checks.Fail, "does not ask for the password", "When PC wakes up from sleep"},
		{"windows never", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverChosen: bp(false), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Fail, "never", ""},
		{"windows screen saver file missing", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(true), ScreenSaverChosen: bp(true), ScreenSaverTimeoutSecs: ip(300), ScreenSaverFileExists: bp(false), GraceSecs: ip(5), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Fail, "file is missing", ""},
		{"windows grace over the limit", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(true), ScreenSaverChosen: bp(true), ScreenSaverTimeoutSecs: ip(300), ScreenSaverFileExists: bp(true), GraceSecs: ip(900), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Fail, "20 minutes", ""},
		{"windows grace unread but saver alone over", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverActive: bp(true), ScreenSaverSecure: bp(true), ScreenSaverChosen: bp(true), ScreenSaverTimeoutSecs: ip(900), ScreenSaverFileExists: bp(true), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Fail, "more than 15 minutes", ""},
		{"windows mdm device lock", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), DevicePasswordEnabled: bp(true), DeviceLockMaxInactiveMins: ip(5), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Pass, "5 minutes", ""},
		{"windows mdm limit without password policy", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), DevicePasswordEnabled: bp(false), DeviceLockMaxInactiveMins: ip(5), ScreenSaverRead: true, ScreenSaverChosen: bp(false), DisplayOffACSecs: ip(0), DisplayOffDCSecs: ip(0)}}, pol, checks.Fail, "never", ""},
		{"windows display lock unread", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, SleepModel: screenlock.SleepModernStandby, SignInAwayRead: true, SignInAwaySecs: ip(0), ScreenSaverRead: true, ScreenSaverChosen: bp(false), DisplayOffACSecs: ip(300), DisplayOffDCSecs: ip(300)}}, pol, checks.Unknown, "Could not tell", ""},
		{"mac delay alone over the limit, display unread", screenlock.Facts{OS: "darwin", ConsoleUser: signed(), Darwin: &screenlock.DarwinFacts{UserProfileRead: true, PasswordRequired: bp(true), LockDelaySeconds: ip(900)}}, pol, checks.Fail, "password is asked only 15 minutes", "Immediately"},
		{"gnome lock delay alone over the limit, idle unread", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionGraphical, Desktop: screenlock.DesktopGNOME, Locker: screenlock.LockerGSettings, LockEnabled: bp(true), LockDelaySeconds: ip(900)}}, pol, checks.Fail, "password is asked only 15 minutes", ""},
		{"linux no desktop session", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionNone, Desktop: screenlock.DesktopUnknown}}, pol, checks.NotApplicable, "No desktop session", ""},
		{"linux desktop of another account", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionElsewhere, Desktop: screenlock.DesktopUnknown}}, pol, checks.Unknown, "Could not tell", "desktop of the person"},
		{"linux session unknown", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionUnknown, Desktop: screenlock.DesktopUnknown}}, pol, checks.Unknown, "Could not tell", "not from a terminal"},
		{"sway without idle locker", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionGraphical, Desktop: screenlock.DesktopSway, Locker: screenlock.LockerIdleDaemon}}, pol, checks.Fail, "no idle locker", ""},
		{"sway swayidle 300", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionGraphical, Desktop: screenlock.DesktopSway, Locker: screenlock.LockerIdleDaemon, IdleLockers: []screenlock.IdleLocker{{Name: "swayidle", Locker: "swaylock", TimeoutSeconds: ip(300)}}}}, pol, checks.Pass, "5 minutes", ""},
		{"i3 xss-lock timeout unread", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: &screenlock.LinuxFacts{Session: screenlock.SessionGraphical, Desktop: screenlock.DesktopI3, Locker: screenlock.LockerIdleDaemon, IdleLockers: []screenlock.IdleLocker{{Name: "xss-lock", Locker: "i3lock", Problem: "xss-lock locks when the X screen saver starts"}}}}, pol, checks.Unknown, "Could not tell", ""},
		{"windows modern standby, sign-in never", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepModernStandby, func(w *screenlock.WindowsFacts) { w.SignInAwaySecs, w.SignInAwayNever = nil, true })}, pol, checks.Fail, "never to ask to sign in again", "\"Every Time\""},
		{"windows modern standby, 1 minute after the screen", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepModernStandby, func(w *screenlock.WindowsFacts) { w.SignInAwaySecs = ip(60); w.DisplayOffACSecs = ip(540) })}, pol, checks.Pass, "10 minutes", ""},
		{"windows modern standby, 5 minutes after the screen is late", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepModernStandby, func(w *screenlock.WindowsFacts) { w.SignInAwaySecs = ip(300) })}, pol, checks.Fail, "15 minutes", "\"Every Time\""},
		{"windows modern standby, sign-in delay unread", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepModernStandby, func(w *screenlock.WindowsFacts) { w.SignInAwayRead, w.SignInAwaySecs = false, nil })}, pol, checks.Unknown, "Could not tell", ""},
		{"windows modern standby, sign-in delay unread, screen off late", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepModernStandby, func(w *screenlock.WindowsFacts) {
			w.SignInAwayRead, w.SignInAwaySecs, w.DisplayOffACSecs = false, nil, ip(900)
		})}, pol, checks.Fail, "more than 15 minutes", ""},
		{"windows classic sleep, display alone does not lock", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepClassic, func(w *screenlock.WindowsFacts) { w.SleepACSecs, w.SleepDCSecs = ip(0), ip(0) })}, pol, checks.Fail, "never goes to sleep", "\"When PC wakes up from sleep\""},
		{"windows classic sleep after 10 minutes", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepClassic, func(w *screenlock.WindowsFacts) { w.SleepACSecs, w.SleepDCSecs = ip(600), ip(300) })}, pol, checks.Pass, "10 minutes", ""},
		{"windows classic sleep after 30 minutes", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepClassic, func(w *screenlock.WindowsFacts) { w.SleepACSecs, w.SleepDCSecs = ip(1800), ip(300) })}, pol, checks.Fail, "30 minutes", "sleep"},
		{"windows classic sleep time unread", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepClassic, nil)}, pol, checks.Unknown, "Could not tell", ""},
		{"windows no standby at all", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep(screenlock.SleepNone, nil)}, pol, checks.Fail, "cannot go to sleep", ""},
		{"windows sleep model unread (older agent)", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: winSleep("", nil)}, pol, checks.Unknown, "Could not tell", "When PC wakes up from sleep"},
		{"windows power unread and registry says never", screenlock.Facts{OS: "windows", ConsoleUser: signed(), Windows: &screenlock.WindowsFacts{InactivityRead: true, DeviceLockRead: true, ScreenSaverRead: true, ScreenSaverChosen: bp(false)}}, pol, checks.Unknown, "Could not tell", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := screenlock.Evaluate(tc.f, tc.pol)
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s (%s; reason %s)", r.Status, tc.want, r.Summary, r.Reason)
			}
			if !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", r.Summary, tc.summary)
			}
			if !strings.Contains(r.Fix, tc.fix) {
				t.Errorf("fix %q lacks %q", r.Fix, tc.fix)
			}
			switch r.Status {
			case checks.Pass:
				if r.Fix != "" || r.Reason != "" {
					t.Errorf("pass carries fix %q / reason %q", r.Fix, r.Reason)
				}
			case checks.Unknown:
				if r.Reason == "" || r.Fix == "" {
					t.Errorf("unknown without reason or fix: %+v", r)
				}
			case checks.Fail:
				if r.Fix == "" {
					t.Error("fail without fix")
				}
			}
			if strings.Contains(r.Summary, "\n") {
				t.Errorf("summary is not one line: %q", r.Summary)
			}
		})
	}
}
