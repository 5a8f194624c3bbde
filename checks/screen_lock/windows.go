package screenlock

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// windowsFacts is what was seen on Windows.
type windowsFacts struct {
	// InactivityTimeoutSecs is the machine inactivity limit policy
	// (Interactive logon: Machine inactivity limit); nil when not set, 0
	// is off.
	InactivityTimeoutSecs *int `json:"inactivity_timeout_secs,omitempty"`
	// InactivityRead: the policy key could be read (absent counts as read).
	InactivityRead bool `json:"inactivity_read"`

	// The console user's screen saver, policy values winning over the
	// user's own. UserHive is HKU (the console user's hive) or HKCU.
	UserHive               string `json:"user_hive,omitempty"`
	ScreenSaverRead        bool   `json:"screensaver_read"`
	ScreenSaverActive      *bool  `json:"screensaver_active,omitempty"`
	ScreenSaverSecure      *bool  `json:"screensaver_secure,omitempty"`
	ScreenSaverTimeoutSecs *int   `json:"screensaver_timeout_secs,omitempty"`
	// ScreenSaverChosen: a screen saver program is set (SCRNSAVE.EXE);
	// without one, nothing starts.
	ScreenSaverChosen *bool `json:"screensaver_chosen,omitempty"`
	// ScreenSaverPolicy: at least one value came from the policy key.
	ScreenSaverPolicy bool `json:"screensaver_policy,omitempty"`
	// ScreenSaverFileExists: the chosen .scr file is there (a screen saver
	// whose file is missing never starts); nil when not checked or not
	// readable.
	ScreenSaverFileExists *bool `json:"screensaver_file_exists,omitempty"`
	// GraceSecs is the screen saver grace period (Winlogon
	// ScreenSaverGracePeriod; absent = the Windows default of 5 s):
	// input within it ends the screen saver without the password.
	GraceSecs *int `json:"grace_secs,omitempty"`
	// GraceSource is registry or default.
	GraceSource string `json:"grace_source,omitempty"`

	// MDM (Intune) device lock (PolicyManager DeviceLock): enforced when
	// DevicePasswordEnabled is 0, locking after MaxInactivityTimeDeviceLock
	// minutes (0 = no limit).
	DeviceLockRead            bool  `json:"device_lock_read"`
	DevicePasswordEnabled     *bool `json:"device_password_enabled,omitempty"`
	DeviceLockMaxInactiveMins *int  `json:"device_lock_max_inactive_minutes,omitempty"`

	screenSaverProgram string // the .scr path: never in facts

	// Power plan: turn off the display after (seconds, 0 = never) and
	// whether waking asks for the password (CONSOLELOCK), per power source.
	DisplayOffACSecs *int  `json:"display_off_ac_secs,omitempty"`
	DisplayOffDCSecs *int  `json:"display_off_dc_secs,omitempty"`
	ConsoleLockAC    *bool `json:"console_lock_ac,omitempty"`
	ConsoleLockDC    *bool `json:"console_lock_dc,omitempty"`

	// SleepModel is how this computer sleeps, from `powercfg /a`'s
	// available states: sleepClassic (S1–S3: the display turning off locks
	// nothing, sleeping does), sleepModernStandby (S0 low power idle: the
	// screen turning off is standby) or sleepNone; "" when it could not be
	// read (facts from an agent before it was read, too).
	SleepModel string `json:"sleep_model,omitempty"`
	// Classic sleep: sleep after (STANDBYIDLE, seconds, 0 = never), per
	// power source.
	SleepACSecs *int `json:"sleep_ac_secs,omitempty"`
	SleepDCSecs *int `json:"sleep_dc_secs,omitempty"`
	// Modern Standby: the console user's "If you've been away, when should
	// Windows require you to sign in again?" (DelayLockInterval under
	// Control Panel\Desktop, seconds after the screen turns off; absent =
	// Every Time, 0). SignInAwayNever: set to Never (0xFFFFFFFF).
	SignInAwayRead  bool `json:"sign_in_away_read,omitempty"`
	SignInAwaySecs  *int `json:"sign_in_away_secs,omitempty"`
	SignInAwayNever bool `json:"sign_in_away_never,omitempty"`
}

// Sleep models (windowsFacts.SleepModel).
const (
	sleepClassic       = "classic"
	sleepModernStandby = "modern_standby"
	sleepNone          = "none"
)

// Registry keys.
const (
	winPolicySystem       = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`
	winDesktop            = `Control Panel\Desktop`
	winDesktopPolicy      = `Software\Policies\Microsoft\Windows\Control Panel\Desktop`
	videoIdleGUID         = "3c0bc021-c8a8-4e07-a973-6b14cbcb2b7e"
	consoleLockGUID       = "0e796bdb-100d-47d6-a2d5-f7d2daa51f51"
	powercfgScheme        = "SCHEME_CURRENT"
	powercfgSubVideo      = "SUB_VIDEO"
	powercfgSubNone       = "SUB_NONE"
	powercfgVideoIdle     = "VIDEOIDLE"
	powercfgConsoleLock   = "CONSOLELOCK"
	winScreenSaveActive   = "ScreenSaveActive"
	winScreenSaverSecure  = "ScreenSaverIsSecure"
	winScreenSaveTimeOut  = "ScreenSaveTimeOut"
	winScreenSaverProgram = "SCRNSAVE.EXE"
	winWinlogon           = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon`
	winCurrentVersion     = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	winDeviceLock         = `HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeviceLock`
	// defaultGraceSecs is Windows' screen saver grace period when
	// ScreenSaverGracePeriod is not set.
	defaultGraceSecs = 5
)

// Sleep: the classic sleep timeout, and on Modern Standby "If you've been
// away, when should Windows require you to sign in again?" (seconds after
// the screen turns off, delayLockNever for Never).
const (
	standbyIdleGUID     = "29f6c1db-86da-48c5-9fdb-f2b67b1f44da"
	powercfgSubSleep    = "SUB_SLEEP"
	powercfgStandbyIdle = "STANDBYIDLE"
	winDelayLock        = "DelayLockInterval"
	delayLockNever      = 0xFFFFFFFF
)

func collectWindows(ctx context.Context, p probe.Probe, f *facts) {
	wf := &windowsFacts{}
	f.Windows = wf
	readPowerRequests(ctx, p, f)

	// Machine inactivity limit.
	if v, err := p.Registry(winPolicySystem, "InactivityTimeoutSecs"); err == nil {
		if n, ok := probe.AsInt(v); ok && n >= 0 {
			wf.InactivityTimeoutSecs, wf.InactivityRead = intPtr(int(n)), true
		} else {
			f.Errors = append(f.Errors, "InactivityTimeoutSecs: not recognised")
		}
	} else if errors.Is(err, probe.ErrNotFound) {
		wf.InactivityRead = true
	} else {
		f.addError("InactivityTimeoutSecs", err)
	}

	readDeviceLock(p, wf, f)

	// The console user's screen saver. Running as SYSTEM, HKCU is not the
	// user's: read HKU\<SID>. When who is at the screen cannot be told,
	// HKCU may be the service's own: the screen saver is not read.
	u, ok := consoleUser(p, f)
	userHive := ""
	switch {
	case ok && strings.HasPrefix(u.UID, "S-1-"):
		wf.UserHive, userHive = "HKU", `HKU\`+u.UID
	case ok:
		wf.UserHive, userHive = "HKCU", "HKCU"
	}
	if userHive != "" {
		readScreenSaver(p, userHive, wf, f)
	}
	if wf.ScreenSaverRead && isTrue(wf.ScreenSaverChosen) {
		readScreenSaverFile(p, wf, f)
		readGrace(p, wf, f)
	}

	// Power plan.
	if ac, dc, ok := powercfgValue(ctx, p, powercfgSubVideo, powercfgVideoIdle, videoIdleGUID, f); ok {
		wf.DisplayOffACSecs, wf.DisplayOffDCSecs = ac, dc
	}
	if ac, dc, ok := powercfgValue(ctx, p, powercfgSubNone, powercfgConsoleLock, consoleLockGUID, f); ok {
		if ac != nil {
			wf.ConsoleLockAC = boolPtr(*ac != 0)
		}
		if dc != nil {
			wf.ConsoleLockDC = boolPtr(*dc != 0)
		}
	}
	readSleepModel(ctx, p, wf, f)
	switch wf.SleepModel {
	case sleepClassic:
		if ac, dc, ok := powercfgValue(ctx, p, powercfgSubSleep, powercfgStandbyIdle, standbyIdleGUID, f); ok {
			wf.SleepACSecs, wf.SleepDCSecs = ac, dc
		}
	case sleepModernStandby:
		if userHive != "" {
			readSignInAway(p, userHive, wf, f)
		}
	}
}

// readSleepModel runs `powercfg /a` and reads from it how this computer
// sleeps.
func readSleepModel(ctx context.Context, p probe.Probe, wf *windowsFacts, f *facts) {
	out, err := p.Run(ctx, probe.CmdPowercfg, "/a")
	if err != nil {
		f.addError("powercfg /a", err)
		return
	}
	text := probe.ConsoleText(p, out.Stdout)
	model, ok := parseSleepStates(text)
	if !ok {
		f.Errors = append(f.Errors, "powercfg /a: "+powercfgProblem(out, text))
		return
	}
	wf.SleepModel = model
}

// readSignInAway reads the console user's DelayLockInterval: a DWORD of
// seconds, 0xFFFFFFFF for Never; absent is Windows' default, Every Time.
func readSignInAway(p probe.Probe, hive string, wf *windowsFacts, f *facts) {
	v, err := p.Registry(hive+`\`+winDesktop, winDelayLock)
	switch {
	case errors.Is(err, probe.ErrNotFound):
		wf.SignInAwayRead, wf.SignInAwaySecs = true, intPtr(0)
		return
	case err != nil:
		f.addError(winDelayLock, err)
		return
	}
	n, ok := probe.AsInt(v)
	if !ok || n < 0 {
		f.Errors = append(f.Errors, winDelayLock+": not recognised")
		return
	}
	wf.SignInAwayRead = true
	if n == delayLockNever {
		wf.SignInAwayNever = true
		return
	}
	wf.SignInAwaySecs = intPtr(int(n))
}

// readScreenSaver reads the screen saver values: the policy key wins over
// the user's own key, value by value. Values are REG_SZ strings.
func readScreenSaver(p probe.Probe, hive string, wf *windowsFacts, f *facts) {
	read := func(name string) (string, bool, bool) { // value, set, readable
		if v, err := p.Registry(hive+`\`+winDesktopPolicy, name); err == nil {
			if s, ok := probe.AsString(v); ok {
				wf.ScreenSaverPolicy = true
				return strings.TrimSpace(s), true, true
			}
		} else if !errors.Is(err, probe.ErrNotFound) {
			f.addError("screen saver policy "+name, err)
			return "", false, false
		}
		v, err := p.Registry(hive+`\`+winDesktop, name)
		if err == nil {
			if s, ok := probe.AsString(v); ok {
				return strings.TrimSpace(s), true, true
			}
			return "", false, false
		}
		if errors.Is(err, probe.ErrNotFound) {
			return "", false, true
		}
		f.addError("screen saver "+name, err)
		return "", false, false
	}
	readable := true
	if s, set, ok := read(winScreenSaveActive); ok {
		if set {
			wf.ScreenSaverActive = boolPtr(s == "1")
		}
	} else {
		readable = false
	}
	if s, set, ok := read(winScreenSaverSecure); ok {
		if set {
			wf.ScreenSaverSecure = boolPtr(s == "1")
		}
	} else {
		readable = false
	}
	if s, set, ok := read(winScreenSaveTimeOut); ok {
		if set {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				wf.ScreenSaverTimeoutSecs = intPtr(n)
			} else {
				f.Errors = append(f.Errors, "ScreenSaveTimeOut: not recognised")
			}
		}
	} else {
		readable = false
	}
	if s, set, ok := read(winScreenSaverProgram); ok {
		wf.ScreenSaverChosen = boolPtr(set && s != "")
		wf.screenSaverProgram = s
	} else {
		readable = false
	}
	wf.ScreenSaverRead = readable
}

// readDeviceLock reads the MDM device-lock policy. Absent values mean no
// policy.
func readDeviceLock(p probe.Probe, wf *windowsFacts, f *facts) {
	wf.DeviceLockRead = true
	for _, name := range []string{"DevicePasswordEnabled", "MaxInactivityTimeDeviceLock"} {
		v, err := p.Registry(winDeviceLock, name)
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		if err != nil {
			f.addError("device lock policy "+name, err)
			wf.DeviceLockRead = false
			continue
		}
		n, ok := probe.AsInt(v)
		if !ok || n < 0 {
			f.Errors = append(f.Errors, "device lock policy "+name+": not recognised")
			wf.DeviceLockRead = false
			continue
		}
		if name == "DevicePasswordEnabled" {
			wf.DevicePasswordEnabled = boolPtr(n == 0) // 0 = enabled in this CSP
		} else {
			wf.DeviceLockMaxInactiveMins = intPtr(int(n))
		}
	}
}

// readScreenSaverFile checks that the chosen .scr file exists (its first
// bytes are read): Windows starts no screen saver whose file is missing.
func readScreenSaverFile(p probe.Probe, wf *windowsFacts, f *facts) {
	name, err := screenSaverPath(p, wf.screenSaverProgram)
	if err != nil {
		f.addError("screen saver file", err)
		return
	}
	_, err = p.ReadFileHead(name, 2)
	switch {
	case err == nil:
		wf.ScreenSaverFileExists = boolPtr(true)
	case errors.Is(err, probe.ErrNotFound):
		wf.ScreenSaverFileExists = boolPtr(false)
	default:
		f.addError("screen saver file", err)
	}
}

var winEnvRE = regexp.MustCompile(`(?i)%(systemroot|windir)%`)

// screenSaverPath turns SCRNSAVE.EXE into a path: %SystemRoot% and %windir%
// from the registry's SystemRoot; a bare file name is in System32 (where
// Windows looks for it).
func screenSaverPath(p probe.Probe, s string) (string, error) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	needRoot := winEnvRE.MatchString(s) || !strings.Contains(s, `\`)
	if strings.Contains(strings.ReplaceAll(winEnvRE.ReplaceAllString(s, ""), "%%", ""), "%") {
		return "", errors.New("path with an unknown variable")
	}
	if !needRoot {
		return s, nil
	}
	v, err := p.Registry(winCurrentVersion, "SystemRoot")
	if err != nil {
		return "", err
	}
	root, ok := probe.AsString(v)
	if !ok || root == "" {
		return "", errors.New("SystemRoot not recognised")
	}
	root = strings.TrimRight(root, `\`)
	if !strings.Contains(s, `\`) {
		return root + `\System32\` + s, nil
	}
	return winEnvRE.ReplaceAllString(s, strings.ReplaceAll(root, "$", "$$")), nil
}

// readGrace reads the screen saver grace period (REG_SZ or DWORD seconds).
func readGrace(p probe.Probe, wf *windowsFacts, f *facts) {
	v, err := p.Registry(winWinlogon, "ScreenSaverGracePeriod")
	switch {
	case errors.Is(err, probe.ErrNotFound):
		wf.GraceSecs, wf.GraceSource = intPtr(defaultGraceSecs), "default"
		return
	case err != nil:
		f.addError("ScreenSaverGracePeriod", err)
		return
	}
	n, ok := probe.AsInt(v)
	if !ok {
		if s, isStr := probe.AsString(v); isStr {
			if m, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				n, ok = int64(m), true
			}
		}
	}
	if !ok || n < 0 {
		f.Errors = append(f.Errors, "ScreenSaverGracePeriod: not recognised")
		return
	}
	wf.GraceSecs, wf.GraceSource = intPtr(int(n)), "registry"
}

// powercfgValue runs `powercfg /q SCHEME_CURRENT SUB ALIAS` and returns the
// AC and DC values.
func powercfgValue(ctx context.Context, p probe.Probe, sub, alias, guid string, f *facts) (ac, dc *int, ok bool) {
	out, err := p.Run(ctx, probe.CmdPowercfg, "/q", powercfgScheme, sub, alias)
	if err != nil {
		f.addError("powercfg "+alias, err)
		return nil, nil, false
	}
	text := probe.ConsoleText(p, out.Stdout)
	ac, dc, ok = parsePowercfgQuery([]byte(text), guid)
	if !ok {
		f.Errors = append(f.Errors, "powercfg "+alias+": "+powercfgProblem(out, text))
	}
	return ac, dc, ok
}

func powercfgProblem(out probe.Output, text string) string {
	if out.ExitCode != 0 {
		return "failed (exit " + strconv.Itoa(out.ExitCode) + ")"
	}
	if strings.TrimSpace(text) == "" {
		return "no output"
	}
	return "not recognised"
}

var powercfgHexRE = regexp.MustCompile(`:\s*0x([0-9a-fA-F]{1,8})\s*$`)

// parsePowercfgQuery reads `powercfg /q SCHEME SUB SETTING` output for one
// setting. The labels are translated ("Current AC Power Setting Index",
// "Index der aktuellen Wechselstromeinstellung"), so it does not read them:
// inside the block of the setting's GUID, the current AC and DC values are
// the last two "…: 0x…" lines, always in that order, after the minimum,
// maximum and increment lines (range settings) or the possible-setting
// lines (list settings, which carry no "0x"). ok is false when the GUID is
// not there or fewer than two such lines follow it.
func parsePowercfgQuery(b []byte, guid string) (ac, dc *int, ok bool) {
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	i := strings.Index(strings.ToLower(text), strings.ToLower(guid))
	if i < 0 {
		return nil, nil, false
	}
	var vals []int
	for _, line := range strings.Split(text[i:], "\n") {
		m := powercfgHexRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		n, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			return nil, nil, false
		}
		vals = append(vals, int(n))
	}
	if len(vals) < 2 {
		return nil, nil, false
	}
	return intPtr(vals[len(vals)-2]), intPtr(vals[len(vals)-1]), true
}

var (
	sleepStateRE = regexp.MustCompile(`\(([^()]*)\)`)
	acpiStateRE  = regexp.MustCompile(`\bS([0-3])\b`)
)

// parseSleepStates reads `powercfg /a` (/availablesleepstates): a heading
// for the states available, each state on a line of its own indented
// under it, then a heading for those not available, each with its reasons
// indented further. The headings and names are translated, so it reads
// only the layout and the ACPI state names in the brackets ("Standby
// (S3)", "Standby (S0 Low Power Idle) Network Connected", Vista's
// "Standby ( S1 S3 )"): the first heading's states are the available
// ones, unless a state there has reasons under it (no state is available
// and that is the list of those that are not: not read). The reasons under
// unavailable states name states too ("disabled when S0 low power idle is
// supported"): only the state lines count. S0 → Modern Standby, S1–S3 → classic sleep; neither
// (hibernation only) → none; both, no heading or no state under it → ok is
// false.
func parseSleepStates(text string) (model string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			if indent(l) == 0 {
				start = i
			}
			break
		}
	}
	if start < 0 {
		return "", false
	}
	var states []string
	stateIndent := -1
	for _, l := range lines[start+1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		in := indent(l)
		if in == 0 {
			break // the next heading
		}
		if stateIndent < 0 {
			stateIndent = in
		}
		if in != stateIndent {
			return "", false // a reason: this is the list of states not available
		}
		states = append(states, l)
	}
	if len(states) == 0 {
		return "", false
	}
	modern, classic := false, false
	for _, st := range states {
		for _, m := range sleepStateRE.FindAllStringSubmatch(st, -1) {
			for _, a := range acpiStateRE.FindAllStringSubmatch(m[1], -1) {
				if a[1] == "0" {
					modern = true
				} else {
					classic = true
				}
			}
		}
	}
	switch {
	case modern && classic:
		return "", false
	case modern:
		return sleepModernStandby, true
	case classic:
		return sleepClassic, true
	}
	return sleepNone, true
}
