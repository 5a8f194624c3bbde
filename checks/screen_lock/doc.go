// Package screenlock checks how long the computer may sit unused before
// its screen locks with a password, against the policy maximum
// (screen_lock_max_seconds, default 600 s).
//
// Verdicts: the earliest way the screen locks with a password comes at or
// before the maximum → pass; later than the maximum, or never (lock off, no
// locker, the screen never blanks) → fail. There is no warn band: a lock
// one minute too late is judged as the policy says. Settings that cannot be
// read → unknown (an unreadable route only matters when no readable one
// locks in time). Nobody signed in at the screen (a headless machine, the
// login window) → not_applicable: there is no session to lock.
//
// Per-user settings are read for the person at the screen
// (probe.ConsoleUser), in their context (probe.RunAsConsoleUser) when the
// agent runs as root.
//
// Linux: no desktop is ever assumed. The console user's graphical session
// comes from logind (loginctl show-user UID -p Display, then show-session
// ID -p Desktop -p Type -p Service: Type x11/wayland/mir, Desktop =
// XDG_SESSION_DESKTOP, which a root agent cannot read from the session's
// environment, and the PAM service that started it); when logind cannot name the desktop (no logind, a
// compositor started from a text login), the desktop or compositor the
// user runs, from the process list. An account with no graphical session
// (a run from a terminal or over SSH) is not_applicable when no desktop
// runs on the computer at all, unknown when one runs for another account
// or nothing could be told.
//   - GNOME (and Ubuntu, Pop, Unity, Pantheon), Budgie (GNOME's schemas,
//     with idle-activation-enabled), Cinnamon and MATE:
//     gsettings list-recursively of the screensaver and session schemas,
//     run as the console user (lock-enabled, lock-delay, idle-delay,
//     idle-activation-enabled for Cinnamon and MATE; MATE counts minutes),
//     and gsettings get …lockdown disable-lock-screen. Values an
//     administrator locked in the dconf system databases (the profile
//     /etc/dconf/profile/user, default "local": keys listed in
//     /etc/dconf/db/<db>.d/locks/* with their value from the keyfiles in
//     /etc/dconf/db/<db>.d/) win, and are enough on their own when gsettings
//     cannot run (a profile, lock or keyfile that cannot be read leaves
//     gsettings as the only source). disable-lock-screen must be known.
//     Effective time = idle-delay + lock-delay; idle-delay 0 or
//     lock-enabled false = never; a lock-delay alone over the limit fails
//     whatever else was unread. GNOME Shell ignores
//     idle-activation-enabled, so it is not read there.
//   - GNOME Shell has a lock screen only when GDM answers on the system
//     bus and logind runs (canLock in gnome-shell's
//     js/misc/loginManager.js): GNOME started from SDDM, LightDM, a text
//     console or another login screen with no GDM running, or without
//     logind, never locks (fail), whatever gsettings say
//     (readGNOMEShellLock: logind's Service of the session, gdm-*; else
//     GDM's daemon, gdm or gdm3, running as root; /run/systemd/seats when
//     logind named no session; GNOME Flashback, Unity or Pantheon, with
//     no gnome-shell running, are not judged so). Not told → unknown.
//   - GNOME, Budgie, Cinnamon and MATE: the session manager's idle
//     inhibitors held right now (gnome-session, or its forks
//     cinnamon-session and mate-session, which keep its D-Bus API; gdbus
//     call as the console user: IsInhibited 8, GetInhibitors, each one's
//     GetFlags, GetAppId, GetReason; readSessionInhibitors), and on MATE
//     mate-screensaver's own (GetInhibitors on org.mate.ScreenSaver, which
//     also takes org.freedesktop.ScreenSaver's; readMATESaverInhibitors).
//     While one is held the session never goes idle, or the screen saver
//     does not start, and the screen never blanks or locks. A keep-awake
//     tool's (Caffeine, Cinnamon's Inhibit applet) or an unrecognised
//     program's fails, naming it; a video-call app's or a browser's is
//     expected during a call and named in a pass (see awakeHold).
//     Unreadable: the settings decide (AwakeHoldsUnread).
//   - The lock screen unlocks through PAM services (unlockServices):
//     GDM's gdm-password for GNOME Shell, kscreenlocker's kde,
//     kde-fingerprint and kde-smartcard, each screensaver daemon's own,
//     and those of the lock programs idle daemons run (lockerServices).
//     That gate, and an account with no password, apply on every desktop
//     whose screen locks, idle daemons' too. A rule in any of them that lets the person in before asking
//     for a password (unixlogin.Passwordless: pam_permit, or a
//     pam_succeed_if whose conditions the person meets, such as user
//     ingroup with the person in the group or uid >= 1000; conditions it
//     cannot judge are unknown; a service
//     with no file read as PAM reads it, as "other") opens the lock screen
//     without one (fail); unreadable is unknown.
//   - MATE, Cinnamon, Budgie and Xfce lock through a screensaver daemon
//     (screensaverDaemons): the settings count only while it runs for the
//     person (the process list); GNOME Shell and KDE lock by themselves.
//   - KDE Plasma: kscreenlocker does not lock on idle while PowerDevil's
//     policy agent has a ChangeScreenSettings inhibition (readKDEInhibitors:
//     gdbus HasInhibition 4, its holders from ActiveInhibitions or
//     ListInhibitions), judged as GNOME's idle inhibitors; the battery
//     applet's "Manually block sleep and screen locking" is such a hold.
//   - KDE Plasma: kscreenlockerrc [Daemon] (Autolock, Timeout in minutes,
//     LockGrace in seconds, RequirePassword, Lock) from /etc/xdg (its [$i]
//     entries cannot be overridden) under ~/.config; defaults true, 5 min,
//     5 s, true, true. Effective time = Timeout + LockGrace. Lock=false
//     (no System Settings page shows it) fails as RequirePassword=false
//     does: kscreenlocker's ksldapp.cpp then sets the grace time to -1,
//     so the idle lock's grace never ends and any key or mouse movement
//     unlocks it without a password (the greeter starts with --nolock).
//   - Xfce: xfce4-screensaver's xfconf channel (system file under the
//     user's, locked properties kept; defaults: saver and idle activation
//     on after 5 min, lock on with the saver after 0 min), and its autostart
//     entries (Hidden=true in the user's = turned off). light-locker and
//     XScreenSaver are recognised but not read (unknown); no locker at all
//     is a fail.
//   - sway, river, Hyprland, i3, LXQt and other window managers: the idle
//     daemons the user runs (process list). swayidle: its `timeout N
//     'swaylock …'` arguments, or its config file when it has none;
//     hypridle: ~/.config/hypr/hypridle.conf listeners whose on-timeout
//     runs a locker or loginctl lock-session (with a lock_cmd that
//     locks); xautolock -time N (minutes) -locker; xidlehook --timer
//     (cumulative); xss-lock: the X screen saver timeout from xset q in
//     the user's session (unknown when it cannot run, as for a root
//     agent); xscreensaver: ~/.xscreensaver (or the app-defaults) lock,
//     timeout and lockTimeout. A timer running a command that is neither
//     a known locker nor a known other action (screen off, suspend,
//     dimming) is unknown. A tiling desktop or LXQt with no idle daemon
//     running never locks (fail); an unknown window manager without one
//     is unknown. COSMIC is recognised and unknown.
//   - Locking before sleep on those desktops: swayidle's before-sleep,
//     hypridle's before_sleep_cmd, xss-lock (unless --ignore-sleep),
//     XScreenSaver while xscreensaver-systemd runs; xautolock and xidlehook
//     never. When none of the daemons that lock does, a system-wide sleep
//     hook may (readSleepHooks: units the sleep targets want, systemd-sleep
//     scripts, running a locker → pass; only asking logind or LightDM to
//     lock, or unreadable → unknown); none → fail.
//
// macOS: sysadminctl -screenLock status (stderr; "delay is N seconds",
// "immediate", "off") as the console user; pmset -g custom displaysleep per
// power source (the worst counts; 0 = never); defaults -currentHost read
// com.apple.screensaver idleTime as the console user (not set = the macOS
// default of 20 minutes); the configuration profiles' settings
// (askForPassword, askForPasswordDelay, idleTime) win: the computer's,
// /Library/Managed Preferences/com.apple.screensaver.plist, and the
// person's user-scope one, /Library/Managed Preferences/<account>/
// com.apple.screensaver.plist (a key both set differently takes the less
// safe value: which wins is not documented). When they fix both password
// and delay, sysadminctl is not asked; when either cannot be read (or the
// account name is not known), the password and the screen saver are
// unknown, and facts that never read the person's are unknown. A recorded
// bundle keeps the person's folder under their pseudonym. Effective time = min(screen saver,
// display sleep) + password delay; a password delay alone over the limit
// fails whatever else was unread. pmset -g assertions: a process holding
// PreventUserIdleDisplaySleep keeps the display awake however long the
// computer is idle (readPowerAssertions): caffeinate -d, Amphetamine or a
// process not recognised fails, a call app or browser is named in a pass
// (see awakeHold); PreventUserIdleSystemSleep alone lets the display
// sleep and is not counted.
//
// Windows: the machine inactivity limit (HKLM …\Policies\System
// InactivityTimeoutSecs); the MDM (Intune) device lock (HKLM …\PolicyManager
// \current\device\DeviceLock: MaxInactivityTimeDeviceLock minutes, applied
// when DevicePasswordEnabled is 0); the console user's screen saver
// (HKU\<SID>, HKCU when the probe runs as that user, not read when who is
// at the screen cannot be told: Control Panel\Desktop
// ScreenSaveActive, ScreenSaverIsSecure, ScreenSaveTimeOut, SCRNSAVE.EXE,
// REG_SZ strings, each overridden by the same value under
// Software\Policies\Microsoft\Windows\Control Panel\Desktop; the .scr
// file must exist, %SystemRoot% read from the registry; the Winlogon
// ScreenSaverGracePeriod, default 5 s, is added); sleep, by the power
// plan (powercfg /q SCHEME_CURRENT SUB_VIDEO VIDEOIDLE, SUB_NONE
// CONSOLELOCK and, with classic sleep, SUB_SLEEP STANDBYIDLE, read by
// setting GUID and value position, not by the translated labels) and the
// sleep model (powercfg /a: the ACPI state names of the first list, the
// available states). Sleep locks only when CONSOLELOCK asks for the
// password on waking (off on either power source = never). With classic
// sleep (S1–S3) the display turning off locks nothing: the computer
// locks when it sleeps, after STANDBYIDLE (0 = never). With Modern
// Standby (S0 low power idle) the screen turning off is standby: it
// locks after VIDEOIDLE plus the console user's "If you've been away"
// delay (Control Panel\Desktop DelayLockInterval seconds, absent = Every
// Time, 0xFFFFFFFF = Never). The worse power source counts; a sleep model
// that cannot be read leaves this way unknown. Effective time = the
// earliest of the four; absent values are Windows' defaults, not failures
// on their own. powercfg /requests: a DISPLAY request keeps the screen
// saver from starting and the session from locking when idle
// (readPowerRequests): PowerToys Awake or a program not recognised
// fails, a call app or browser is named in a pass (see awakeHold); SYSTEM
// requests are not counted.
package screenlock
