package screenlock

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/internal/macos"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// darwinFacts is what was seen on macOS.
type darwinFacts struct {
	// PasswordRequired: a password is asked after the screen saver starts
	// or the display sleeps (sysadminctl: not "off"; profile askForPassword).
	PasswordRequired *bool `json:"password_required,omitempty"`
	// LockDelaySeconds is how long after that (0 = immediately).
	LockDelaySeconds *int `json:"lock_delay_seconds,omitempty"`
	// LockSource is sysadminctl or profile.
	LockSource string `json:"lock_source,omitempty"`
	// DisplaySleepMinutes is pmset's displaysleep per power source
	// ("AC Power", "Battery Power", "UPS Power"); 0 means never.
	DisplaySleepMinutes map[string]int `json:"display_sleep_minutes,omitempty"`
	// ScreenSaverIdleSeconds is the screen saver's idleTime; 0 means never.
	ScreenSaverIdleSeconds *int `json:"screensaver_idle_seconds,omitempty"`
	// IdleSource is defaults, profile or default (not set: macOS starts
	// the screen saver after 20 minutes).
	IdleSource string `json:"idle_source,omitempty"`
	// ProfileScopes are the scopes whose configuration profile sets the
	// screen saver: computer, user (the person's own, from a user-channel
	// profile).
	ProfileScopes []string `json:"profile_scopes,omitempty"`
	// UserProfileRead: the person's user-scope profile settings were read
	// (or found absent). False in facts from agents that read only the
	// computer's.
	UserProfileRead bool `json:"user_profile_read,omitempty"`
}

// Managed (configuration profile) screen saver settings: the computer's
// (device channel) in managedPrefsDir, and each account's (user channel)
// in managedPrefsDir/<account name>/. Either one set by a profile wins
// over the person's own settings.
const (
	managedPrefsDir         = "/Library/Managed Preferences/"
	screensaverPlistName    = "com.apple.screensaver.plist"
	managedScreensaverPlist = managedPrefsDir + screensaverPlistName
)

// defaultScreenSaverIdle is macOS's screen saver start when idleTime was
// never set: 20 minutes.
const defaultScreenSaverIdle = 1200

func collectDarwin(ctx context.Context, p probe.Probe, f *facts) {
	df := &darwinFacts{}
	f.Darwin = df
	u, ok := consoleUser(p, f)
	if !ok {
		return
	}
	readPowerAssertions(ctx, p, f)
	managed, managedErr := readManagedScreensaver(p, u, df)
	if managedErr != nil {
		// A profile wins over every other setting: while it cannot be
		// read, neither the password nor the screen saver is known.
		f.addError("screen saver profile", managedErr)
	}

	// Password after screen saver / display sleep.
	switch {
	case managedErr != nil:
	case managed.AskForPassword != nil && !*managed.AskForPassword:
		df.PasswordRequired, df.LockSource = boolPtr(false), "profile"
	case managed.AskForPassword != nil && managed.AskForPasswordDelay != nil:
		// The profile fixes both: the user's own setting cannot change them.
		df.PasswordRequired, df.LockSource = boolPtr(true), "profile"
		df.LockDelaySeconds = managed.AskForPasswordDelay
	default:
		out, err := p.RunAsConsoleUser(ctx, probe.CmdSysadminctl, "-screenLock", "status")
		if err != nil {
			f.addError("sysadminctl -screenLock status", err)
		} else if st, ok := parseSysadminctlScreenLock(append(append([]byte{}, out.Stderr...), out.Stdout...)); ok {
			df.PasswordRequired, df.LockSource = boolPtr(!st.Off), "sysadminctl"
			if !st.Off {
				df.LockDelaySeconds = intPtr(st.DelaySeconds)
			}
		} else {
			f.Errors = append(f.Errors, "sysadminctl -screenLock status: not recognised")
		}
		if managed.AskForPassword != nil && *managed.AskForPassword {
			// The delay stays the user's (read above, or unknown).
			df.PasswordRequired, df.LockSource = boolPtr(true), "profile"
		}
	}

	// Display sleep.
	if out, err := p.Run(ctx, probe.CmdPmset, "-g", "custom"); err != nil {
		f.addError("pmset -g custom", err)
	} else if m, ok := parsePmsetCustom(out.Stdout); ok {
		df.DisplaySleepMinutes = m
	} else {
		f.Errors = append(f.Errors, "pmset -g custom: not recognised")
	}

	// Screen saver start.
	if managedErr != nil {
		return
	}
	if managed.IdleTime != nil {
		df.ScreenSaverIdleSeconds, df.IdleSource = managed.IdleTime, "profile"
		return
	}
	out, err := p.RunAsConsoleUser(ctx, probe.CmdDefaults, "-currentHost", "read", "com.apple.screensaver", "idleTime")
	if err != nil {
		f.addError("defaults read idleTime", err)
		return
	}
	n, set, ok := parseDefaultsInt(out.Stdout, out.Stderr, out.ExitCode)
	switch {
	case !ok:
		f.Errors = append(f.Errors, "defaults read idleTime: not recognised")
	case set:
		df.ScreenSaverIdleSeconds, df.IdleSource = intPtr(n), "defaults"
	default:
		df.ScreenSaverIdleSeconds, df.IdleSource = intPtr(defaultScreenSaverIdle), "default"
	}
}

// screenLockStatus is what `sysadminctl -screenLock status` reports.
type screenLockStatus struct {
	Off          bool
	DelaySeconds int
}

var (
	screenLockDelayRE = regexp.MustCompile(`(?i)screenLock delay is (-?\d+(?:\.\d+)?) seconds?`)
	screenLockImmRE   = regexp.MustCompile(`(?i)screenLock (?:delay )?is immediate`)
	screenLockOffRE   = regexp.MustCompile(`(?i)screenLock (?:delay )?is (?:off|disabled)`)
)

// parseSysadminctlScreenLock reads what `sysadminctl -screenLock status`
// writes (to stderr, after a log prefix): "screenLock delay is 300
// seconds", "screenLock delay is immediate", "screenLock is off". A
// negative delay ("-1.000000 seconds") also means off. sysadminctl does not
// translate these lines.
func parseSysadminctlScreenLock(b []byte) (screenLockStatus, bool) {
	s := string(b)
	switch {
	case screenLockOffRE.MatchString(s):
		return screenLockStatus{Off: true}, true
	case screenLockImmRE.MatchString(s):
		return screenLockStatus{}, true
	}
	m := screenLockDelayRE.FindStringSubmatch(s)
	if m == nil {
		return screenLockStatus{}, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return screenLockStatus{}, false
	}
	if v < 0 {
		return screenLockStatus{Off: true}, true
	}
	return screenLockStatus{DelaySeconds: int(v)}, true
}

// parsePmsetCustom reads `pmset -g custom`: a "Battery Power:", "AC
// Power:" or "UPS Power:" header, then " displaysleep   10" among other
// settings. It returns displaysleep (minutes) per power source.
func parsePmsetCustom(b []byte) (map[string]int, bool) {
	out := map[string]int{}
	source := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasSuffix(trimmed, "Power:") && !strings.HasPrefix(line, " ") {
			source = strings.TrimSuffix(trimmed, ":")
			continue
		}
		fields := strings.Fields(trimmed)
		if source == "" || len(fields) < 2 || fields[0] != "displaysleep" {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil || n < 0 {
			return nil, false
		}
		out[source] = n
	}
	return out, len(out) > 0
}

// parseDefaultsInt reads `defaults read DOMAIN KEY` of an integer. set is
// false when defaults says the key or domain does not exist; ok is false
// for output it does not recognise.
func parseDefaultsInt(stdout, stderr []byte, exit int) (n int, set, ok bool) {
	if exit == 0 {
		v, err := strconv.Atoi(strings.TrimSpace(string(stdout)))
		if err != nil {
			return 0, false, false
		}
		return v, true, v >= 0
	}
	if macos.DefaultsMissing(stderr) {
		return 0, false, true
	}
	return 0, false, false
}

// managedScreensaver is what a configuration profile fixes.
type managedScreensaver struct {
	AskForPassword      *bool
	AskForPasswordDelay *int
	IdleTime            *int
}

// parseManagedScreensaver reads /Library/Managed Preferences/
// com.apple.screensaver.plist (binary or XML).
func parseManagedScreensaver(b []byte) (managedScreensaver, bool) {
	var m map[string]any
	if _, err := plist.Unmarshal(b, &m); err != nil || m == nil {
		return managedScreensaver{}, false
	}
	var out managedScreensaver
	if v, ok := m["askForPassword"]; ok {
		switch x := v.(type) {
		case bool:
			out.AskForPassword = boolPtr(x)
		default:
			if n, ok := probe.AsInt(x); ok && (n == 0 || n == 1) {
				out.AskForPassword = boolPtr(n == 1)
			}
		}
	}
	if n, ok := probe.AsInt(m["askForPasswordDelay"]); ok && n >= 0 {
		out.AskForPasswordDelay = intPtr(int(n))
	}
	if n, ok := probe.AsInt(m["idleTime"]); ok && n >= 0 {
		out.IdleTime = intPtr(int(n))
	}
	return out, true
}

// readManagedScreensaver reads the screen saver settings configuration
// profiles fix: the computer's and the person's (u's user-scope folder),
// merged by mergeManagedScreensaver. It notes in df which scopes set them
// and whether the person's was read.
func readManagedScreensaver(p probe.Probe, u probe.User, df *darwinFacts) (managedScreensaver, error) {
	computer, found, err := readManagedScreensaverFile(p, managedScreensaverPlist)
	if err != nil {
		return managedScreensaver{}, err
	}
	if found {
		df.ProfileScopes = append(df.ProfileScopes, "computer")
	}
	if u.Name == "" || strings.ContainsAny(u.Name, "/\x00") || u.Name == "." || u.Name == ".." {
		return managedScreensaver{}, errors.New("the account name, which names its user-scope profile folder, is not known")
	}
	user, found, err := readManagedScreensaverFile(p, managedPrefsDir+u.Name+"/"+screensaverPlistName)
	if err != nil {
		return managedScreensaver{}, err
	}
	df.UserProfileRead = true
	if found {
		df.ProfileScopes = append(df.ProfileScopes, "user")
	}
	return mergeManagedScreensaver(computer, user), nil
}

// readManagedScreensaverFile reads one scope's managed screen saver
// settings; found is false when that scope has none.
func readManagedScreensaverFile(p probe.Probe, name string) (m managedScreensaver, found bool, err error) {
	b, err := p.ReadFile(name)
	if errors.Is(err, probe.ErrNotFound) {
		return managedScreensaver{}, false, nil
	}
	if err != nil {
		return managedScreensaver{}, false, err
	}
	m, ok := parseManagedScreensaver(b)
	if !ok {
		return managedScreensaver{}, false, errors.New("not recognised")
	}
	return m, true, nil
}

// mergeManagedScreensaver combines the computer's and the person's
// managed settings: a key one scope sets is taken from it; a key both set
// to different values takes the less safe one (no password, the longer
// delay, the later screen saver, never = 0 the latest), since which scope
// wins is not documented by Apple.
func mergeManagedScreensaver(computer, user managedScreensaver) managedScreensaver {
	return managedScreensaver{
		AskForPassword:      lessSafe(computer.AskForPassword, user.AskForPassword, func(a, b bool) bool { return a && !b }),
		AskForPasswordDelay: lessSafe(computer.AskForPasswordDelay, user.AskForPasswordDelay, func(a, b int) bool { return a < b }),
		IdleTime:            lessSafe(computer.IdleTime, user.IdleTime, func(a, b int) bool { return a != 0 && (b == 0 || a < b) }),
	}
}

// lessSafe is whichever of a and b is set, or, both set, b when safer(a,
// b) says a is the safer of the two, else a.
func lessSafe[T any](a, b *T, safer func(a, b T) bool) *T {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case safer(*a, *b):
		return b
	}
	return a
}
