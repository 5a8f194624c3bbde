package screenlock

import (
	"bufio"
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"
)

// lockPrograms are the programs that lock the screen with a password.
var lockPrograms = []string{"swaylock", "gtklock", "waylock", "hyprlock", "i3lock", "betterlockscreen", "multilockscreen",
	"slock", "xsecurelock", "xlock", "xtrlock", "physlock", "light-locker-command", "xscreensaver-command", "cinnamon-screensaver-command", "gnome-screensaver-command"}

// otherActions are timer commands known not to lock (screen off, suspend,
// notification, dimming).
var otherActions = []string{"swaymsg", "hyprctl", "riverctl", "wlopm", "wlr-randr", "xset", "xrandr", "systemctl", "notify-send",
	"brightnessctl", "light", "chayang", "dunstify", "loginctl suspend", "playerctl", "wlsunset", "true"}

// lockerOf names the locking program a timer command runs ("pidof hyprlock
// || hyprlock" → hyprlock; "loginctl lock-session"), or "".
func lockerOf(cmd string) string {
	if strings.Contains(cmd, "lock-session") && strings.Contains(cmd, "loginctl") {
		return "loginctl lock-session"
	}
	if strings.Contains(cmd, "dm-tool lock") {
		return "dm-tool lock"
	}
	segments := strings.FieldsFunc(cmd, func(r rune) bool {
		return r == ';' || r == '&' || r == '|' || r == '(' || r == ')' || r == '\n'
	})
	for _, seg := range segments {
	words:
		for _, w := range strings.Fields(seg) {
			base := path.Base(w)
			if slices.Contains(notRunning, base) {
				break words // the rest of this command names, not runs
			}
			for _, l := range lockPrograms {
				if strings.HasPrefix(base, l) {
					return l
				}
			}
		}
	}
	return ""
}

// notRunning are programs that name a locker without running it: "pidof
// hyprlock || hyprlock" runs it after, "pkill i3lock" stops it.
var notRunning = []string{"pidof", "pgrep", "pkill", "killall"}

func isOtherAction(cmd string) bool {
	fields := strings.Fields(cmd)
	if len(fields) == 0 {
		return true
	}
	first := path.Base(fields[0])
	for _, a := range otherActions {
		if first == a || strings.HasPrefix(cmd, a) {
			return true
		}
	}
	return false
}

// idleTimers is what an idle daemon's timers do.
type idleTimers struct {
	// Locker is the lock program of the earliest timer that locks.
	Locker string
	// Seconds is that timer's idle time; nil when no timer locks.
	Seconds *int
	// Unrecognised is a timer command that is neither a known locker nor
	// a known other action (a script of the user's may lock).
	Unrecognised string
	// SleepLocks says whether the daemon locks before the computer goes
	// to sleep (swayidle's before-sleep, hypridle's before_sleep_cmd);
	// false for xautolock and xidlehook, which have no such event
	// (xautolock's -detectsleep only restarts its timer on waking).
	SleepLocks *bool
}

// sleepLock judges a before-sleep command: a locker, or loginctl
// lock-session answered by the daemon's lock handler.
func sleepLock(cmd, lockHandler string) bool {
	l := lockerOf(cmd)
	if l == "loginctl lock-session" {
		h := lockerOf(lockHandler)
		return h != "" && h != l
	}
	return l != ""
}

func (t *idleTimers) timer(secs int, cmd, lockHandler string) {
	l := lockerOf(cmd)
	if l == "loginctl lock-session" && lockHandler != "" {
		// logind's lock signal runs the daemon's lock handler; without
		// one, something else may or may not answer it.
		if h := lockerOf(lockHandler); h != "" && h != l {
			l = h
		} else {
			if t.Unrecognised == "" {
				t.Unrecognised = "loginctl lock-session"
			}
			return
		}
	}
	switch {
	case l != "":
		if t.Seconds == nil || secs < *t.Seconds {
			t.Seconds, t.Locker = intPtr(secs), l
		}
	case !isOtherAction(cmd) && t.Unrecognised == "":
		if f := strings.Fields(cmd); len(f) > 0 {
			t.Unrecognised = path.Base(f[0])
		}
	}
}

// parseSwayidle reads swayidle's events, from its command line (each
// argument as the process list gives it) or its config file split into
// words: "timeout 300 'swaylock -f' resume '…' lock 'swaylock -f'". A
// timer running `loginctl lock-session` locks through the `lock` event's
// command; with no lock event nothing handles it.
func parseSwayidle(args []string) idleTimers {
	lockCmd := "none"
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "lock" {
			lockCmd = args[i+1]
		}
	}
	var t idleTimers
	locks := false
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "before-sleep" && sleepLock(args[i+1], lockCmd) {
			locks = true
		}
	}
	t.SleepLocks = &locks
	for i := 0; i < len(args); i++ {
		if args[i] != "timeout" || i+2 >= len(args) {
			continue
		}
		n, err := strconv.Atoi(args[i+1])
		if err != nil || n < 0 {
			continue
		}
		t.timer(n, args[i+2], lockCmd)
		i += 2
	}
	return t
}

func hasSwayidleEvents(args []string) bool {
	for _, a := range args {
		switch a {
		case "timeout", "before-sleep", "after-resume", "lock", "unlock", "idlehint":
			return true
		}
	}
	return false
}

// parseHypridle reads hypridle.conf: listener { timeout = N; on-timeout =
// cmd } blocks, and general { lock_cmd = … }, which `loginctl
// lock-session` runs.
func parseHypridle(b []byte) idleTimers {
	type listener struct {
		secs int
		ok   bool
		cmd  string
	}
	var ls []listener
	lockCmd, beforeSleep := "none", ""
	var block []string
	var cur *listener
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 && !strings.HasPrefix(line[i:], "##") {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasSuffix(line, "{"):
			name := strings.TrimSpace(strings.TrimSuffix(line, "{"))
			block = append(block, name)
			if name == "listener" {
				ls = append(ls, listener{})
				cur = &ls[len(ls)-1]
			}
			continue
		case line == "}":
			if len(block) > 0 {
				if block[len(block)-1] == "listener" {
					cur = nil
				}
				block = block[:len(block)-1]
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || len(block) == 0 {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case block[len(block)-1] == "general" && k == "lock_cmd":
			lockCmd = v
		case block[len(block)-1] == "general" && k == "before_sleep_cmd":
			beforeSleep = v
		case cur != nil && k == "timeout":
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				cur.secs, cur.ok = n, true
			}
		case cur != nil && k == "on-timeout":
			cur.cmd = v
		}
	}
	var t idleTimers
	for _, l := range ls {
		if l.ok && l.cmd != "" {
			t.timer(l.secs, l.cmd, lockCmd)
		}
	}
	locks := beforeSleep != "" && sleepLock(beforeSleep, lockCmd)
	t.SleepLocks = &locks
	return t
}

// parseXautolock reads xautolock's options: -time N (minutes, default 10)
// and -locker CMD (default xlock).
func parseXautolock(args []string) idleTimers {
	mins, locker := 10, "xlock"
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "-time":
			if n, err := strconv.Atoi(args[i+1]); err == nil && n > 0 {
				mins = n
			}
		case "-locker":
			locker = args[i+1]
		}
	}
	t := idleTimers{SleepLocks: boolPtr(false)}
	t.timer(mins*60, locker, "")
	return t
}

// parseXidlehook reads xidlehook's --timer SECONDS CMD CANCELLER options.
// Each timer counts from the one before it, so a locker's time is the sum
// of the timers up to its own.
func parseXidlehook(args []string) idleTimers {
	t := idleTimers{SleepLocks: boolPtr(false)}
	total := 0
	for i := 0; i < len(args); i++ {
		if args[i] != "--timer" {
			continue
		}
		j := i + 1
		if j < len(args) && (args[j] == "normal" || args[j] == "primary") {
			j++ // older releases named the timer kind
		}
		if j+1 >= len(args) {
			break
		}
		n, err := strconv.Atoi(args[j])
		if err != nil || n < 0 {
			continue
		}
		total += n
		t.timer(total, args[j+1], "")
		i = j + 1
	}
	return t
}

// parseXsetScreenSaver reads the X screen saver timeout (seconds, 0 = off)
// from `xset q`: "Screen Saver:" then "  timeout:  600    cycle:  600".
func parseXsetScreenSaver(b []byte) (int, bool) {
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Screen Saver:") {
			in = true
			continue
		}
		if in && len(line) > 0 && line[0] != ' ' {
			in = false
		}
		f := strings.Fields(line)
		if in && len(f) >= 2 && f[0] == "timeout:" {
			n, err := strconv.Atoi(f[1])
			return n, err == nil && n >= 0
		}
	}
	return 0, false
}

// xScreenSaverSettings are the lock settings of XScreenSaver.
type xScreenSaverSettings struct {
	TimeoutSeconds, LockSeconds int
	Lock, ModeOff               bool
}

// parseXScreenSaver reads ~/.xscreensaver ("timeout:\t0:10:00", "lock:
// True", "lockTimeout: 0:00:00", "mode: off") or the app-defaults file
// ("*timeout: 0:10:00"). Defaults: timeout 10 minutes, lock off.
func parseXScreenSaver(b []byte) (xScreenSaverSettings, bool) {
	x := xScreenSaverSettings{TimeoutSeconds: 600}
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := xsEntry(line)
		if !ok {
			continue
		}
		switch k {
		case "timeout":
			if n, ok := xsTime(v); ok {
				x.TimeoutSeconds, found = n, true
			}
		case "lockTimeout":
			if n, ok := xsTime(v); ok {
				x.LockSeconds = n
			}
		case "lock":
			x.Lock = strings.EqualFold(v, "true") || v == "1" || strings.EqualFold(v, "on")
		case "mode":
			x.ModeOff = v == "off"
		}
	}
	return x, found
}

// xsKeys are the XScreenSaver resources parseXScreenSaver reads.
var xsKeys = []string{"timeout", "lockTimeout", "lock", "mode"}

// xsEntry reads one line of an XScreenSaver resource file: the resource
// name without its "XScreenSaver*" or "*" prefix, and its value. ok is
// false for a comment, a blank line or a line without a colon.
func xsEntry(line string) (k, v string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '!' || line[0] == '#' {
		return "", "", false
	}
	k, v, ok = strings.Cut(line, ":")
	if !ok {
		return "", "", false
	}
	k = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(k), "XScreenSaver"), "*")
	return strings.TrimPrefix(k, "."), strings.TrimSpace(v), true
}

// xsTime reads "H:MM:SS", "MM:SS" or whole minutes.
func xsTime(v string) (int, bool) {
	parts := strings.Split(v, ":")
	total := 0
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return 0, false
		}
		total = total*60 + n
	}
	if len(parts) == 1 {
		total *= 60
	}
	return total, true
}

// shellWords splits a config file into words the way a shell would:
// quotes group, # starts a comment, a backslash at the end of a line joins
// it to the next.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\' && i+1 < len(rs) && rs[i+1] == '\n':
			i++
		case r == '#' && !inWord:
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			flush()
		case r == ' ' || r == '\t' || r == '\n':
			flush()
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words
}

// What a sleep hook does (sleepHookAction).
const (
	hookNone  = iota
	hookLocks // runs a screen locker
	// hookAsks asks logind or LightDM to lock the sessions (loginctl
	// lock-sessions, dm-tool lock): on a desktop of idle daemons that
	// locks only where a daemon's lock handler answers, which the
	// process list does not show.
	hookAsks
)

// sleepHookAction reads what a sleep hook does: a unit's ExecStart and
// ExecStartPre lines, a script's lines outside comments.
func sleepHookAction(b []byte, isUnit bool) int {
	action := hookNone
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), len(b)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if isUnit {
			k, v, ok := strings.Cut(line, "=")
			if !ok || (strings.TrimSpace(k) != "ExecStart" && strings.TrimSpace(k) != "ExecStartPre") {
				continue
			}
			line = strings.TrimLeft(strings.TrimSpace(v), "-@:+!")
		}
		switch l := lockerOf(line); l {
		case "":
		case "loginctl lock-session", "dm-tool lock":
			action = hookAsks
		default:
			return hookLocks
		}
	}
	return action
}

// lockingDaemons names the idle daemons that lock the screen (a timer of
// theirs runs a locker).
func lockingDaemons(lockers []idleLocker) []string {
	var names []string
	for _, il := range lockers {
		if il.Locker != "" {
			names = append(names, il.Name)
		}
	}
	return names
}

// idleLockerLocksOnSleep reports whether one of the idle daemons that lock
// also locks before the computer sleeps, or may (not known).
func idleLockerLocksOnSleep(lockers []idleLocker) bool {
	for _, il := range lockers {
		if il.Locker != "" && (il.SleepLocks == nil || *il.SleepLocks) {
			return true
		}
	}
	return false
}
