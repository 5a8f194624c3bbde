package useraccounts

import (
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
)

// Defaults of shadow-utils when login.defs does not say.
const (
	defaultUIDMin = 1000
	defaultUIDMax = 60000
)

// parseLoginDefs returns UID_MIN and UID_MAX from /etc/login.defs, with the
// shadow-utils defaults for what it does not set.
func parseLoginDefs(b []byte) (uidMin, uidMax int) {
	uidMin, uidMax = defaultUIDMin, defaultUIDMax
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		// Only the two keys matter; skip the rest without splitting it.
		if !bytes.HasPrefix(line, []byte("UID_M")) {
			continue
		}
		fields := strings.Fields(string(line))
		if len(fields) < 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil || n < 0 {
			continue
		}
		switch fields[0] {
		case "UID_MIN":
			uidMin = n
		case "UID_MAX":
			uidMax = n
		}
	}
	return uidMin, uidMax
}

// parseShells reads /etc/shells into a set of absolute paths.
func parseShells(b []byte) map[string]bool {
	set := map[string]bool{}
	for _, line := range unixlogin.Lines(b) {
		if strings.HasPrefix(line, "/") {
			set[strings.Fields(line)[0]] = true
		}
	}
	return set
}

// refusingShells are the shells, by file name, that end a sign-in without
// reading anything from the person: nologin and false refuse it, true ends
// it, and sync, halt and shutdown (the shells of Debian's and RHEL's
// accounts of those names) run that one program and end.
var refusingShells = map[string]bool{"nologin": true, "false": true, "true": true, "sync": true, "halt": true, "shutdown": true}

// refusesLogin reports whether shell ends a sign-in at once: one of
// refusingShells, or any name ending in nologin (/sbin/nologin,
// /usr/sbin/nologin, a local variant such as /usr/local/bin/site-nologin).
// An empty shell field means /bin/sh.
// login and su start whatever shell the account names without looking at
// /etc/shells (only pam_shells, which Debian's, Ubuntu's and Fedora's
// login services do not use, does), so any other program, listed there or
// not (/usr/bin/python3, /usr/bin/tmux), gives whoever signs in a session:
// `su - NAME` with an empty password and python3 as the shell gives an
// interactive interpreter.
func refusesLogin(shell string) bool {
	if shell == "" {
		return false
	}
	name := path.Base(shell)
	return refusingShells[name] || strings.HasSuffix(name, "nologin")
}

// isLoginShell reports whether shell counts a person's account for the
// summary's account count: it does not refuse a sign-in (refusesLogin) and
// is listed in /etc/shells. An empty shell field means /bin/sh. shells is
// /etc/shells, or nil when it could not be read (then any shell that does
// not refuse a sign-in counts). No verdict rests on this count: who can
// sign in to an account with an empty password is judged by refusesLogin
// alone.
func isLoginShell(shell string, shells map[string]bool) bool {
	if shell == "" {
		shell = "/bin/sh"
	}
	if refusesLogin(shell) {
		return false
	}
	if shells != nil {
		return shells[shell]
	}
	return true
}

// humanAccounts counts accounts with a uid in [uidMin, uidMax] and a login
// shell.
func humanAccounts(entries []unixlogin.Passwd, uidMin, uidMax int, shells map[string]bool) int {
	n := 0
	for _, e := range entries {
		if e.UID >= uidMin && e.UID <= uidMax && isLoginShell(e.Shell, shells) {
			n++
		}
	}
	return n
}

// adminGroups are the groups whose members may become root with sudo or
// polkit on the common distributions, and those whose members can act as
// root without either: docker (the daemon's socket starts a container
// with / mounted; Docker's own documentation says the group grants
// root-level privileges), lxd and incus-admin (privileged containers, the
// same), libvirt (virtual machines of the system's, given the host's disks
// and folders), disk (reads and writes the raw disks under every file's
// permissions).
var adminGroups = map[string]bool{"sudo": true, "wheel": true, "admin": true,
	"docker": true, "lxd": true, "incus-admin": true, "libvirt": true, "disk": true}

// isAdmin reports whether the account is root or in an administrators group,
// by the group's member list or as its primary group.
func isAdmin(e unixlogin.Passwd, groups []unixlogin.Group) bool {
	return e.UID == 0 || unixlogin.InAnyGroup(e, groups, func(name string) bool { return adminGroups[name] })
}

// ini is a parsed key file: section → key → value. Later keys win.
type ini map[string]map[string]string

// parseINI reads the key files of GDM, LightDM and SDDM: [sections],
// key=value with spaces around either, # and ; comments. Keys before any
// section go to section "".
func parseINI(b []byte) ini {
	ini := ini{}
	section := ""
	for _, line := range unixlogin.Lines(b) {
		if line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			if end := strings.IndexByte(line, ']'); end > 0 {
				section = strings.TrimSpace(line[1:end])
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if ini[section] == nil {
			ini[section] = map[string]string{}
		}
		ini[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return ini
}

// Merge lays other over ini.
func (ini ini) Merge(other ini) {
	for s, kv := range other {
		if ini[s] == nil {
			ini[s] = map[string]string{}
		}
		for k, v := range kv {
			ini[s][k] = v
		}
	}
}

// Get returns a value and whether it is set.
func (ini ini) Get(section, key string) (string, bool) {
	v, ok := ini[section][key]
	return v, ok
}

// gdmBool is GDM's reading of a boolean: true when it starts with t, T, y or
// Y, or is a non-zero number.
func gdmBool(v string) bool {
	if v == "" {
		return false
	}
	switch v[0] {
	case 't', 'T', 'y', 'Y':
		return true
	}
	n, err := strconv.Atoi(v)
	return err == nil && n != 0
}

// keyFileBool is GLib's strict key-file boolean (LightDM): "true" or "1".
// ok is false for anything else but "false"/"0".
func keyFileBool(v string) (value, ok bool) {
	switch v {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// gdmAutoLogin returns how GDM signs someone in unasked: "automatic",
// "timed", or "" when it does not. A login needs both the switch and a user.
func gdmAutoLogin(ini ini) []string {
	var via []string
	if v, _ := ini.Get("daemon", "AutomaticLoginEnable"); gdmBool(v) {
		if u, _ := ini.Get("daemon", "AutomaticLogin"); u != "" {
			via = append(via, "gdm_automatic")
		}
	}
	if v, _ := ini.Get("daemon", "TimedLoginEnable"); gdmBool(v) {
		if u, _ := ini.Get("daemon", "TimedLogin"); u != "" {
			via = append(via, "gdm_timed")
		}
	}
	return via
}

// lightDMSeat merges the seat sections of a LightDM configuration
// ([SeatDefaults], [Seat:*], [Seat:seat0] ...) in file order.
func lightDMSeat(ini ini, order []string) map[string]string {
	seat := map[string]string{}
	for _, s := range order {
		if s == "SeatDefaults" || strings.HasPrefix(s, "Seat:") {
			for k, v := range ini[s] {
				seat[k] = v
			}
		}
	}
	return seat
}

// sectionOrder lists the section names of a key file in order of first
// appearance.
func sectionOrder(b []byte) []string {
	var order []string
	seen := map[string]bool{}
	for _, line := range unixlogin.Lines(b) {
		if line[0] == '[' {
			if end := strings.IndexByte(line, ']'); end > 0 {
				s := strings.TrimSpace(line[1:end])
				if !seen[s] {
					seen[s] = true
					order = append(order, s)
				}
			}
		}
	}
	return order
}

// displayManagerName maps a display manager binary path (from
// /etc/X11/default-display-manager or a unit's ExecStart) to gdm, lightdm,
// sddm or its base name.
func displayManagerName(binary string) string {
	base := path.Base(strings.TrimSpace(binary))
	switch base {
	case "gdm", "gdm3":
		return "gdm"
	case "lightdm", "sddm", "greetd", "lxdm", "nodm":
		return base
	case "ly", "ly-dm":
		return "ly"
	case "lxdm-binary":
		return "lxdm"
	case ".", "/", "":
		return ""
	}
	return base
}

// parseDefaultDisplayManager reads /etc/X11/default-display-manager: the
// first non-comment line is the binary.
func parseDefaultDisplayManager(b []byte) string {
	for _, line := range unixlogin.Lines(b) {
		if line[0] != '#' {
			return displayManagerName(strings.Fields(line)[0])
		}
	}
	return ""
}

// parseUnitExecStart returns the display manager named by the ExecStart of
// a systemd unit (display-manager.service), without the -@:+! prefixes.
func parseUnitExecStart(b []byte) string {
	for _, v := range execStarts(b) {
		v = strings.TrimLeft(strings.TrimSpace(v), "-@:+!")
		if fields := strings.Fields(v); len(fields) > 0 {
			return displayManagerName(fields[0])
		}
	}
	return ""
}

// gettyAutologinUnit reports whether a getty's systemd unit or drop-in starts it
// with --autologin, or -a in any of getopt's short forms: "-a kiosk",
// "-akiosk", bundled after other flags ("-Lna kiosk").
func gettyAutologinUnit(b []byte) bool {
	for _, v := range execStarts(b) {
		fields := strings.Fields(v)
		if len(fields) > 0 {
			fields = fields[1:] // the program, after systemd's -@:+! prefixes
		}
		for _, f := range fields {
			if f == "--autologin" || strings.HasPrefix(f, "--autologin=") || shortAutologin(f) {
				return true
			}
		}
	}
	return false
}

// gettyPrograms are the getty programs inittab runs on a console.
var gettyPrograms = []string{"agetty", "getty", "mingetty", "fgetty", "mgetty"}

// inittabAutologin reports whether /etc/inittab (sysvinit, OpenRC and
// busybox init: Devuan, antiX, MX Linux, Alpine) runs a getty that signs
// someone in without a password: agetty's or mingetty's --autologin
// (agetty's -a), or a getty told to skip the login prompt (-n,
// --skip-login) and run another program than login (-l, --login-program:
// "-n -l /bin/sh" opens a shell at the console). Lines are
// id:runlevels:action:process; an "off" entry runs nothing.
func inittabAutologin(b []byte) bool {
	for _, line := range unixlogin.Lines(b) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, ":", 4)
		if len(parts) != 4 || parts[2] == "off" {
			continue
		}
		words := strings.Fields(parts[3])
		if len(words) == 0 || !slices.Contains(gettyPrograms, path.Base(words[0])) {
			continue
		}
		skipLogin, program := false, ""
		for i, w := range words[1:] {
			switch {
			case w == "--autologin" || strings.HasPrefix(w, "--autologin=") || shortAutologin(w):
				return true
			case w == "-n" || w == "--skip-login":
				skipLogin = true
			case (w == "-l" || w == "--login-program") && i+2 < len(words):
				program = words[i+2]
			case strings.HasPrefix(w, "--login-program="):
				program = strings.TrimPrefix(w, "--login-program=")
			}
		}
		if skipLogin && program != "" && path.Base(program) != "login" {
			return true
		}
	}
	return false
}

// agettyShortArgs are agetty's short options that take a value: in
// "-t60" or "-o…" what follows is that value, not more options.
const agettyShortArgs = "fHIlort"

// shortAutologin reports whether a word of short options ("-Lna") holds
// -a, agetty's autologin.
func shortAutologin(word string) bool {
	opts, ok := strings.CutPrefix(word, "-")
	if !ok || strings.HasPrefix(opts, "-") {
		return false
	}
	for _, c := range opts {
		switch {
		case c == 'a':
			return true
		case strings.ContainsRune(agettyShortArgs, c):
			return false
		}
	}
	return false
}

// execStarts returns the values of a systemd unit's ExecStart= lines, in
// order, as written after the "=".
func execStarts(b []byte) []string {
	var out []string
	for _, line := range unixlogin.Lines(b) {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "ExecStart" {
			out = append(out, v)
		}
	}
	return out
}

// unquote drops the quotes around a TOML or shell value.
func unquote(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// greetdInitialSession reports whether greetd's config.toml has an
// [initial_session] that names a user.
func greetdInitialSession(b []byte) bool {
	v, _ := parseINI(b).Get("initial_session", "user")
	return unquote(v) != ""
}

// lyAutoLogin reports whether ly's config.ini sets auto_login_user (null
// or empty is off; the last assignment counts).
func lyAutoLogin(b []byte) bool {
	v, _ := parseINI(b).Get("", "auto_login_user")
	v = unquote(v)
	return v != "" && v != "null"
}

// lxdmAutoLogin reports whether lxdm.conf names an autologin user in [base].
func lxdmAutoLogin(b []byte) bool {
	v, _ := parseINI(b).Get("base", "autologin")
	return unquote(v) != ""
}

// nodmAutoLogin reads /etc/default/nodm: nodm signs NODM_USER (root when
// unset) in unless NODM_ENABLED is false, no or 0.
func nodmAutoLogin(b []byte) bool {
	v, set := parseINI(b).Get("", "NODM_ENABLED")
	if !set {
		return true
	}
	switch strings.ToLower(unquote(v)) {
	case "false", "no", "0", "":
		return false
	}
	return true
}

// The password states of ConsolePassword: passwd -S's (passwdstatus), a
// directory account's (not asked), or unknown.
const (
	passwordSet       = passwdstatus.Set
	passwordEmpty     = passwdstatus.Empty
	passwordLocked    = passwdstatus.Locked
	passwordDirectory = "directory"
	passwordUnknown   = "unknown"
)
