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

// readGNOMEInhibitors reads gnome-session's idle inhibitors, as the
// person (their session bus), into f.AwakeHolds: IsInhibited with the
// idle flag, then GetInhibitors and each one's GetFlags, GetAppId and
// GetReason. An idle inhibition that could not be told apart (an
// inhibitor gone or unreadable while IsInhibited said yes) is held by a
// program not recognised. Unreadable: AwakeHoldsUnread says why.
func readGNOMEInhibitors(ctx context.Context, p probe.Probe, f *facts) {
	out, err := gsmCall(ctx, p, gsmPath, gsmInterface+".IsInhibited", strconv.Itoa(gsmIdleFlag))
	inhibited, ok := parseGVariantBool(out)
	switch {
	case err != nil:
		f.AwakeHoldsUnread = "gnome-session: " + err.Error()
		return
	case !ok:
		f.AwakeHoldsUnread = "gnome-session: IsInhibited not recognised"
		return
	}
	f.AwakeHoldsRead = true
	if !inhibited {
		return
	}
	// A reply that cannot be read names no inhibitor: the idle
	// inhibition is then held by something not named (below).
	out, _ = gsmCall(ctx, p, gsmPath, gsmInterface+".GetInhibitors")
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
		f.AwakeHolds = append(f.AwakeHolds, classifyHold(app, reason))
	}
	if len(f.AwakeHolds) == 0 {
		// Idle is inhibited, by something that could not be named.
		f.AwakeHolds = []awakeHold{{Kind: holdOther}}
	}
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
	if len(body) < 2 || (body[0] != '\'' && body[0] != '"') || body[len(body)-1] != body[0] {
		return "", false
	}
	quote := body[0]
	body = body[1 : len(body)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == quote:
			return "", false // an unescaped quote: not one string
		case c != '\\':
			b.WriteByte(c)
		case i+1 < len(body):
			i++
			switch e := body[i]; e {
			case 'a', 'b', 'f', 'n', 'r', 't', 'v':
				b.WriteByte(controlEscapes[e])
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if i+1+n > len(body) {
					return "", false
				}
				r, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
				if err != nil {
					return "", false
				}
				b.WriteRune(rune(r))
				i += n
			default:
				b.WriteByte(e) // \\ \' \" and the rest stand for themselves
			}
		default:
			return "", false
		}
	}
	return b.String(), true
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
// gives idle, org.kde.plasmashell, …, block); quoting as
// parseGVariantString reads it.
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
		if v, ok := parseGVariantString("(" + s[i:end+1] + ",)"); ok {
			out = append(out, v)
		}
		i = end
	}
	return out
}
