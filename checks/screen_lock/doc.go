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
// Linux: the desktop family comes from logind (loginctl show-user UID -p
// Display, then show-session ID -p Desktop: XDG_SESSION_DESKTOP, which a
// root agent cannot read from the session's environment); without logind,
// from a desktop's own settings file in the home folder (KDE, Xfce);
// otherwise GNOME's settings are read.
//   - GNOME (and Ubuntu, Budgie, Pop, Unity, Pantheon), Cinnamon and MATE:
//     gsettings list-recursively of the screensaver and session schemas,
//     run as the console user (lock-enabled, lock-delay, idle-delay,
//     idle-activation-enabled for Cinnamon and MATE; MATE counts minutes),
//     and gsettings get …lockdown disable-lock-screen. Values an
//     administrator locked in the dconf system databases (the profile
//     /etc/dconf/profile/user, default "local": keys listed in
//     /etc/dconf/db/<db>.d/locks/* with their value from the keyfiles in
//     /etc/dconf/db/<db>.d/) win, and are enough on their own when gsettings
//     cannot run. Effective time = idle-delay + lock-delay; idle-delay 0
//     or lock-enabled false = never. GNOME Shell ignores
//     idle-activation-enabled, so it is not read there.
//   - KDE Plasma: kscreenlockerrc [Daemon] (Autolock, Timeout in minutes,
//     LockGrace in seconds, RequirePassword) from /etc/xdg (its [$i]
//     entries cannot be overridden) under ~/.config; defaults true, 5 min,
//     5 s, true. Effective time = Timeout + LockGrace.
//   - Xfce: xfce4-screensaver's xfconf channel (system file under the
//     user's, locked properties kept; defaults: saver and idle activation
//     on after 5 min, lock on with the saver after 0 min), and its autostart
//     entries (Hidden=true in the user's = turned off). light-locker and
//     XScreenSaver are recognised but not read (unknown); no locker at all
//     is a fail.
//
// macOS: sysadminctl -screenLock status (stderr; "delay is N seconds",
// "immediate", "off") as the console user; pmset -g custom displaysleep per
// power source (the worst counts; 0 = never); defaults -currentHost read
// com.apple.screensaver idleTime as the console user (not set = the macOS
// default of 20 minutes); the managed profile
// /Library/Managed Preferences/com.apple.screensaver.plist (askForPassword,
// askForPasswordDelay, idleTime) wins. Effective time = min(screen saver,
// display sleep) + password delay.
//
// Windows: the machine inactivity limit (HKLM …\Policies\System
// InactivityTimeoutSecs); the console user's screen saver (HKU\<SID>, or
// HKCU when the console user cannot be found: Control Panel\Desktop
// ScreenSaveActive, ScreenSaverIsSecure, ScreenSaveTimeOut, SCRNSAVE.EXE,
// REG_SZ strings, each overridden by the same value under
// Software\Policies\Microsoft\Windows\Control Panel\Desktop); the power
// plan (powercfg /q SCHEME_CURRENT SUB_VIDEO VIDEOIDLE and SUB_NONE
// CONSOLELOCK, read by setting GUID and value position, not by the
// translated labels). The display turning off counts as a lock unless
// CONSOLELOCK says waking does not ask for the password (absent = the
// Windows default, which asks). Effective time = the earliest of the three;
// absent values are Windows' defaults, not failures on their own.
package screenlock
