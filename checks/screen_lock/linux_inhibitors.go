package screenlock

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// GNOME's session manager (gnome-session) and its idle inhibitors. An
// application asks it not to let the session go idle with
// org.gnome.SessionManager.Inhibit and flag 8 (GSM_INHIBITOR_FLAG_IDLE);
// while any such inhibitor is held, gnome-session stops watching for idle
// time (gsm-manager.c update_idle: gsm_presence_set_idle_enabled FALSE),
// so its presence never turns IDLE, and GNOME Shell starts blanking and
// locking the screen only when it does (js/ui/screenShield.js
// _onStatusChanged). org.freedesktop.ScreenSaver.Inhibit, which browsers
// use, reaches the same list through gnome-settings-daemon's screensaver
// proxy with the idle flag.
const (
	gsmDest      = "org.gnome.SessionManager"
	gsmPath      = "/org/gnome/SessionManager"
	gsmInterface = "org.gnome.SessionManager"
	gsmInhibitor = "org.gnome.SessionManager.Inhibitor"
	gsmIdleFlag  = 8
)

// sessionManagers name each desktop's session manager that keeps
// gnome-session's D-Bus API: Budgie runs gnome-session itself, and
// cinnamon-session and mate-session, its forks, keep its bus name, its
// Inhibit, IsInhibited and GetInhibitors and its update_idle
// (csm-manager.c, gsm-manager.c); their screen savers (budgie-screensaver,
// cinnamon-screensaver, mate-screensaver) start, and lock, only when the
// session's presence turns idle (gs-watcher-x11.c, StatusChanged).
var sessionManagers = map[string]string{
	desktopGNOME:    "gnome-session",
	desktopBudgie:   "gnome-session",
	desktopCinnamon: "cinnamon-session",
	desktopMATE:     "mate-session",
}

// readSessionInhibitors reads the idle inhibitors of the session manager
// named (see sessionManagers), as the person (their session bus), into
// f.AwakeHolds: IsInhibited with the idle flag, then GetInhibitors and
// each one's GetFlags, GetAppId and GetReason. An idle inhibition that
// could not be told apart (an inhibitor gone or unreadable while
// IsInhibited said yes) is held by a program not recognised. Unreadable:
// AwakeHoldsUnread says why.
func readSessionInhibitors(ctx context.Context, p probe.Probe, manager string, f *facts) {
	out, err := gsmCall(ctx, p, gsmPath, gsmInterface+".IsInhibited", strconv.Itoa(gsmIdleFlag))
	inhibited, ok := parseGVariantBool(out)
	switch {
	case err != nil:
		f.AwakeHoldsUnread = manager + ": " + err.Error()
		return
	case !ok:
		f.AwakeHoldsUnread = manager + ": IsInhibited not recognised"
		return
	}
	f.AwakeHoldsRead = true
	if !inhibited {
		return
	}
	// A reply that cannot be read names no inhibitor: the idle
	// inhibition is then held by something not named (below).
	out, _ = gsmCall(ctx, p, gsmPath, gsmInterface+".GetInhibitors")
	held := len(f.AwakeHolds)
	for _, path := range parseGVariantObjectPaths(out) {
		flagsOut, err := gsmCall(ctx, p, path, gsmInhibitor+".GetFlags")
		flags, ok := parseGVariantUint32(flagsOut)
		if err != nil || !ok || flags&gsmIdleFlag == 0 {
			continue
		}
		appOut, err := gsmCall(ctx, p, path, gsmInhibitor+".GetAppId")
		app, ok := parseGVariantString(appOut)
		if err != nil || !ok {
			continue
		}
		reasonOut, _ := gsmCall(ctx, p, path, gsmInhibitor+".GetReason")
		reason, _ := parseGVariantString(reasonOut)
		f.addAwakeHold(classifyHold(app, reason))
	}
	if len(f.AwakeHolds) == held {
		// Idle is inhibited, by something that could not be named.
		f.addAwakeHold(awakeHold{Kind: holdOther})
	}
}

// mate-screensaver keeps inhibitors of its own besides the session
// manager's: Inhibit on org.mate.ScreenSaver, and on
// org.freedesktop.ScreenSaver, which it owns on MATE (browsers and video
// players call it); while any is held it does not start when the session
// turns idle (gs-listener-dbus.c listener_check_activation). GetInhibitors
// lists them as strings: Application="…"; Since="…"; Reason="…";.
const (
	mateSaverDest = "org.mate.ScreenSaver"
	mateSaverPath = "/org/mate/ScreenSaver"
)

// readMATESaverInhibitors reads mate-screensaver's own inhibitors, as the
// person, into f.AwakeHolds. Unreadable: the holds read so far stand, but
// none held is no longer known (AwakeHoldsRead false, AwakeHoldsUnread
// says why).
func readMATESaverInhibitors(ctx context.Context, p probe.Probe, f *facts) {
	// Asked only once it holds its name: a call to a name nobody holds
	// starts the program its D-Bus .service file names, and gdbus has no
	// way to say not to.
	out, err := gdbusCall(ctx, p, []string{"call", "--session", "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
		"--method", "org.freedesktop.DBus.NameHasOwner", mateSaverDest})
	owned, ok := parseGVariantBool(out)
	var entries []string
	switch {
	case err != nil:
	case !ok:
		err = errors.New("NameHasOwner not recognised")
	case !owned:
		err = errors.New("not on the session bus")
	default:
		out, err = gdbusCall(ctx, p, []string{"call", "--session", "--dest", mateSaverDest, "--object-path", mateSaverPath, "--method", mateSaverDest + ".GetInhibitors"})
		entries, ok = parseGVariantStrings(out)
	}
	if err != nil || !ok {
		why := "GetInhibitors not recognised"
		if err != nil {
			why = err.Error()
		}
		f.AwakeHoldsRead = false
		f.AwakeHoldsUnread = strings.TrimPrefix(f.AwakeHoldsUnread+"; mate-screensaver: "+why, "; ")
		return
	}
	for _, e := range entries {
		app, reason := parseSaverInhibitor(e)
		f.addAwakeHold(classifyHold(app, reason))
	}
}

// parseSaverInhibitor reads the application and reason of one of
// mate-screensaver's inhibitor descriptions ("" where it has none):
// Application="firefox"; Since="2026-12-07T08:00:00Z"; Reason="video-playing";.
// Both are written unquoted, so the application ends at the last
// "; Since=" and the reason runs to the closing ";.
func parseSaverInhibitor(s string) (app, reason string) {
	const appStart, since, reasonStart = `Application="`, `"; Since="`, `"; Reason="`
	if rest, ok := strings.CutPrefix(s, appStart); ok {
		if i := strings.LastIndex(rest, since); i >= 0 {
			app = rest[:i]
		}
	}
	if i := strings.LastIndex(s, reasonStart); i >= 0 {
		reason = strings.TrimSuffix(s[i+len(reasonStart):], `";`)
	}
	return app, reason
}

// gsmCall calls a method of gnome-session with gdbus as the person.
func gsmCall(ctx context.Context, p probe.Probe, object, method string, args ...string) (string, error) {
	argv := append([]string{"call", "--session", "--dest", gsmDest, "--object-path", object, "--method", method}, args...)
	return gdbusCall(ctx, p, argv)
}

// gdbusCall runs gdbus with argv as the person: its standard output, or an
// error saying what went wrong (no path, name or account in it).
func gdbusCall(ctx context.Context, p probe.Probe, argv []string) (string, error) {
	out, err := p.RunAsConsoleUser(ctx, probe.CmdGdbus, argv...)
	switch {
	case err != nil:
		return "", errors.New(probe.ErrorKind(err))
	case out.ExitCode != 0:
		// The service not running (the name has no owner), or the
		// session bus not reachable.
		return "", errors.New("gdbus call failed")
	}
	return string(out.Stdout), nil
}

// gdbus prints a method's reply as a GVariant tuple in GLib's text
// format: (true,), (uint32 8,), ('caffeine-gnome-extension',),
// ([objectpath '/org/gnome/SessionManager/Inhibitor1', '/org/…/Inhibitor2'],)
// or (@ao [],) for none.
var (
	gvBool       = regexp.MustCompile(`^\((true|false),\)$`)
	gvUint32     = regexp.MustCompile(`^\(uint32 ([0-9]+),\)$`)
	gvObjectPath = regexp.MustCompile(`'(/[A-Za-z0-9_/]*)'`)
)

// parseGVariantBool reads a (b) reply.
func parseGVariantBool(s string) (value, ok bool) {
	m := gvBool.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return false, false
	}
	return m[1] == "true", true
}

// parseGVariantUint32 reads a (u) reply.
func parseGVariantUint32(s string) (uint32, bool) {
	m := gvUint32.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(m[1], 10, 32)
	return uint32(n), err == nil
}

// parseGVariantObjectPaths reads an (ao) reply: the object paths, in order.
func parseGVariantObjectPaths(s string) []string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ",)") {
		return nil
	}
	var out []string
	for _, m := range gvObjectPath.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// controlEscapes are the control characters GLib writes as C escapes.
var controlEscapes = map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}

// parseGVariantString reads an (s) reply. GLib quotes a string with single
// quotes, or double quotes when it holds a single quote, and escapes the
// quote, backslashes and control characters with a backslash.
func parseGVariantString(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 5 || s[0] != '(' || !strings.HasSuffix(s, ",)") {
		return "", false
	}
	body := s[1 : len(s)-2]
	v, n, ok := readGVariantQuoted(body)
	if !ok || n != len(body) {
		return "", false
	}
	return v, true
}

// parseGVariantStrings reads an (as) reply: (['a', "b's"],), or (@as [],)
// for none.
func parseGVariantStrings(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ",)") {
		return nil, false
	}
	body := strings.TrimPrefix(s[1:len(s)-2], "@as ")
	if body == "[]" {
		return nil, true
	}
	if len(body) < 2 || body[0] != '[' || body[len(body)-1] != ']' {
		return nil, false
	}
	body = body[1 : len(body)-1]
	var out []string
	for {
		v, n, ok := readGVariantQuoted(body)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		body = body[n:]
		if body == "" {
			return out, true
		}
		var sep bool
		if body, sep = strings.CutPrefix(body, ", "); !sep {
			return nil, false
		}
	}
}

// readGVariantQuoted reads the quoted string s begins with, as GLib
// prints one: its value, and how many bytes of s it took.
func readGVariantQuoted(s string) (string, int, bool) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') {
		return "", 0, false
	}
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote:
			return b.String(), i + 1, true
		case c != '\\':
			b.WriteByte(c)
		case i+1 < len(s):
			i++
			switch e := s[i]; e {
			case 'a', 'b', 'f', 'n', 'r', 't', 'v':
				b.WriteByte(controlEscapes[e])
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if i+1+n > len(s) {
					return "", 0, false
				}
				r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
				if err != nil {
					return "", 0, false
				}
				b.WriteRune(rune(r))
				i += n
			default:
				b.WriteByte(e) // \\ \' \" and the rest stand for themselves
			}
		default:
			return "", 0, false
		}
	}
	return "", 0, false // no closing quote
}

// KDE Plasma's screen locker (kscreenlocker) does not lock on idle while
// it is inhibited (ksldapp.cpp: isInhibited), that is, while PowerDevil's
// policy agent has an inhibition of ChangeScreenSettings (4; asked with
// HasInhibition, powermanagement_inhibition.cpp) or an app holds an
// org.freedesktop.ScreenSaver inhibition, which kscreenlocker passes on to
// the policy agent as such an inhibition (interface.cpp Inhibit). The
// battery applet's "Manually block sleep and screen locking" is one,
// held as org.kde.plasmashell (inhibitmonitor_p.cpp).
const (
	kdePolicyAgent          = "org.kde.Solid.PowerManagement.PolicyAgent"
	kdePolicyAgentPath      = "/org/kde/Solid/PowerManagement/PolicyAgent"
	kdeChangeScreenSettings = 4
)

// readKDEInhibitors reads the policy agent's screen inhibitions, as the
// person, into f.AwakeHolds: HasInhibition 4, then who holds them, from
// its ActiveInhibitions property (Plasma 6.5 and later: what, who, why,
// mode, flags; those whose what includes "idle") or, before, from
// ListInhibitions (who and why of every inhibition, sleep-only ones
// included). An inhibition nobody could be named for is held by a
// program not recognised.
func readKDEInhibitors(ctx context.Context, p probe.Probe, f *facts) {
	out, err := kdeCall(ctx, p, kdePolicyAgent+".HasInhibition", strconv.Itoa(kdeChangeScreenSettings))
	inhibited, ok := parseGVariantBool(out)
	switch {
	case err != nil:
		f.AwakeHoldsUnread = "PowerDevil: " + err.Error()
		return
	case !ok:
		f.AwakeHoldsUnread = "PowerDevil: HasInhibition not recognised"
		return
	}
	f.AwakeHoldsRead = true
	if !inhibited {
		return
	}
	if out, err := kdeCall(ctx, p, "org.freedesktop.DBus.Properties.Get", kdePolicyAgent, "ActiveInhibitions"); err == nil {
		s := gvariantStrings(out)
		for i := 0; i+3 < len(s); i += 4 {
			if slices.Contains(strings.Split(s[i], ":"), "idle") {
				f.AwakeHolds = append(f.AwakeHolds, classifyHold(s[i+1], s[i+2]))
			}
		}
	} else if out, err := kdeCall(ctx, p, kdePolicyAgent+".ListInhibitions"); err == nil {
		s := gvariantStrings(out)
		for i := 0; i+1 < len(s); i += 2 {
			f.AwakeHolds = append(f.AwakeHolds, classifyHold(s[i], s[i+1]))
		}
	}
	if len(f.AwakeHolds) == 0 {
		f.AwakeHolds = []awakeHold{{Kind: holdOther}}
	}
}

// kdeCall calls a method of PowerDevil's policy agent with gdbus as the
// person (see gsmCall).
func kdeCall(ctx context.Context, p probe.Probe, method string, args ...string) (string, error) {
	argv := append([]string{"call", "--session", "--dest", kdePolicyAgent, "--object-path", kdePolicyAgentPath, "--method", method}, args...)
	return gdbusCall(ctx, p, argv)
}

// gvariantStrings are the strings of a GVariant in GLib's text format, in
// order ("(<[('idle', 'org.kde.plasmashell', '…', 'block', uint32 3)]>,)"
// gives idle, org.kde.plasmashell, …, block); each read as
// readGVariantQuoted reads a quoted string.
func gvariantStrings(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '\'' && s[i] != '"' {
			continue
		}
		end := i + 1
		for end < len(s) && s[end] != s[i] {
			if s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(s) {
			break
		}
		if v, n, ok := readGVariantQuoted(s[i : end+1]); ok && n == end+1-i {
			out = append(out, v)
		}
		i = end
	}
	return out
}
