// Package unixlogin reads how people sign in on Linux, for the checks
// that judge it: the accounts and groups (/etc/passwd, /etc/group) and
// the PAM rules that let a person through without a password.
//
// A display manager (and a lock screen: GNOME's unlocks through GDM's
// gdm-password service, KDE's through kde and its kin) lets a person in without a password when its PAM
// service passes them before asking for one: a `sufficient` pam_permit
// (everyone), or a `sufficient` pam_succeed_if whose conditions the person
// meets, read as pam_succeed_if(8) does (succeedif.go): `user ingroup G`
// (the members of G), `uid >= 1000` (every person), `user in A:B`, and
// the rest; conditions not judged here (ruser, rhost, tty, netgroups,
// use_uid) are an error, never ignored. Ubuntu's and Linux Mint's LightDM carry `user ingroup` for
// the nopasswdlogin group, which their user settings join to "log in
// without a password" while the account keeps one (so passwd -S says
// set); the ArchWiki gives the same line for GDM. The service's own file
// is read, and the files it includes (@include, include, substack), and
// theirs in turn (Arch's gdm-password includes system-local-login, which
// includes system-login, which includes system-auth), where a sufficient pam_permit at the top of
// common-auth would let everyone in everywhere. Services are found as
// Linux-PAM finds them: /etc/pam.d, then /usr/lib/pam.d, and a service
// with no file at all is "other". The same stack tells whether an empty
// password is accepted (EmptyPasswordAccepted: pam_unix with nullok).
package unixlogin

import (
	"bytes"
	"errors"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Passwd is one line of /etc/passwd.
type Passwd struct {
	Name string
	// Password is the second field: "x" when /etc/shadow holds the
	// password, "" when the account has none.
	Password string
	UID      int
	GID      int
	Home     string
	Shell    string
}

// IsAccountOf reports whether the entry is the account of u (by name, or
// by uid when the probe gives no name).
func (e Passwd) IsAccountOf(u probe.User) bool {
	return e.Name == u.Name || strconv.Itoa(e.UID) == u.UID
}

// ParsePasswd reads /etc/passwd. Lines that are not seven colon-separated
// fields with numeric ids (NIS "+" lines, comments) are skipped; ok is false
// when no line at all was understood.
func ParsePasswd(b []byte) (entries []Passwd, ok bool) {
	for _, line := range Lines(b) {
		fields := strings.Split(line, ":")
		if len(fields) != 7 {
			continue
		}
		uid, err1 := strconv.Atoi(fields[2])
		gid, err2 := strconv.Atoi(fields[3])
		if err1 != nil || err2 != nil || fields[0] == "" {
			continue
		}
		entries = append(entries, Passwd{Name: fields[0], Password: fields[1], UID: uid, GID: gid, Home: fields[5], Shell: fields[6]})
	}
	return entries, len(entries) > 0
}

// Group is one line of /etc/group.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// ParseGroup reads /etc/group; ok is false when no line was understood.
func ParseGroup(b []byte) (groups []Group, ok bool) {
	for _, line := range Lines(b) {
		fields := strings.Split(line, ":")
		if len(fields) != 4 {
			continue
		}
		gid, err := strconv.Atoi(fields[2])
		if err != nil || fields[0] == "" {
			continue
		}
		g := Group{Name: fields[0], GID: gid}
		for _, m := range strings.Split(fields[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				g.Members = append(g.Members, m)
			}
		}
		groups = append(groups, g)
	}
	return groups, len(groups) > 0
}

// InAnyGroup reports whether the account is in a group whose name named
// accepts: as its primary group or listed as a member.
func InAnyGroup(e Passwd, groups []Group, named func(name string) bool) bool {
	for _, g := range groups {
		if named(g.Name) && (g.GID == e.GID || slices.Contains(g.Members, e.Name)) {
			return true
		}
	}
	return false
}

// Lines splits a file into its lines, trimmed, without the empty ones.
func Lines(b []byte) []string {
	out := make([]string, 0, bytes.Count(b, []byte{'\n'})+1)
	for line := range bytes.Lines(b) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			out = append(out, string(line))
		}
	}
	return out
}

// Under is abs read below root ("" or "/": the system itself).
func Under(root, abs string) string {
	if root == "" || root == "/" {
		return abs
	}
	return path.Join(root, abs)
}

// PAMFile is what one PAM file says about signing in: whether a rule lets
// everyone in without a password (a sufficient pam_permit), the
// pam_succeed_if rules that let whoever meets their conditions in so, and
// the services it includes for authentication.
type PAMFile struct {
	Everyone  bool
	SucceedIf []SucceedIf
	Includes  []string
	// NullOK is whether an auth rule runs pam_unix with nullok (or
	// Debian's older nullok_secure): it then accepts an account whose
	// password is empty without asking for one.
	NullOK bool
}

// ParsePAM reads a PAM service's auth rules. A rule counts when its
// success ends the stack: sufficient, or [success=done ...].
func ParsePAM(b []byte) PAMFile {
	var pf PAMFile
	for line := range strings.Lines(string(b)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "@include" {
			pf.Includes = append(pf.Includes, f[1])
			continue
		}
		if len(f) < 3 || strings.TrimPrefix(f[0], "-") != "auth" {
			continue
		}
		if f[1] == "include" || f[1] == "substack" {
			pf.Includes = append(pf.Includes, f[2])
			continue
		}
		control, module, args := f[1], f[2], f[3:]
		if strings.HasPrefix(control, "[") {
			// [success=done …]: the bracket may span several words.
			for len(args) > 0 && !strings.HasSuffix(control, "]") {
				control += " " + module
				module, args = args[0], args[1:]
			}
			if !strings.HasSuffix(control, "]") {
				continue
			}
		}
		if path.Base(module) == "pam_unix.so" && slices.ContainsFunc(args, func(a string) bool { return a == "nullok" || a == "nullok_secure" }) {
			pf.NullOK = true
		}
		if control != "sufficient" && !strings.Contains(control, "success=done") {
			continue
		}
		switch path.Base(module) {
		case "pam_permit.so":
			pf.Everyone = true
		case "pam_succeed_if.so":
			pf.SucceedIf = append(pf.SucceedIf, parseSucceedIf(args))
		}
	}
	return pf
}

// maxIncludeDepth is how deep readStack follows includes (Linux-PAM's own
// limit for substacks is 16).
const maxIncludeDepth = 16

// PAM's configuration directories: the administrator's, then the
// distribution's (Linux-PAM's vendor directory, /usr/lib/pam.d, which
// openSUSE and others ship their services in).
var pamDirs = []string{"/etc/pam.d/", "/usr/lib/pam.d/"}

// otherService is the service Linux-PAM uses for one that has no file.
const otherService = "other"

// stack is what readStack finds in a PAM service and what it includes:
// the file of the first rule letting everyone in without a password
// ("" when none does), and the pam_succeed_if rules with their files.
type stack struct {
	permit    string
	succeedIf []fileRule
	nullOK    string
}

// fileRule is a pam_succeed_if rule and the file it is in.
type fileRule struct {
	file string
	rule SucceedIf
}

// readStack reads a PAM service (a name looked up in pamDirs as Linux-PAM
// does, or an absolute path) and everything it includes, each file once,
// into s. A service with no file is read as PAM reads it, as the "other"
// service; an included file that is not there adds nothing (PAM itself
// refuses such a stack); one that cannot be read, or includes nested past
// maxIncludeDepth, is an error.
func readStack(p probe.Probe, root, service string, seen map[string]bool, depth int, s *stack) error {
	if depth > maxIncludeDepth {
		return errors.New("the PAM rules include one another more than " + strconv.Itoa(maxIncludeDepth) + " deep (" + service + ")")
	}
	files := []string{path.Clean(service)}
	if !strings.HasPrefix(service, "/") {
		files = files[:0]
		for _, dir := range pamDirs {
			files = append(files, path.Clean(dir+service))
		}
	}
	var b []byte
	var err error
	file := ""
	for _, f := range files {
		if seen[f] {
			return nil
		}
		b, err = p.ReadFile(Under(root, f))
		if !errors.Is(err, probe.ErrNotFound) {
			file = f
			break
		}
	}
	switch {
	case file == "" && depth == 0 && service != otherService && !strings.HasPrefix(service, "/"):
		return readStack(p, root, otherService, seen, depth, s)
	case file == "":
		return nil
	case err != nil:
		return &ReadError{File: file, Err: err}
	}
	seen[file] = true
	pf := ParsePAM(b)
	if pf.Everyone && s.permit == "" {
		s.permit = file
	}
	if pf.NullOK && s.nullOK == "" {
		s.nullOK = file
	}
	for _, r := range pf.SucceedIf {
		s.succeedIf = append(s.succeedIf, fileRule{file: file, rule: r})
	}
	for _, inc := range pf.Includes {
		if err := readStack(p, root, inc, seen, depth+1, s); err != nil {
			return err
		}
	}
	return nil
}

// A ReadError is a file Passwordless needed and could not read, or holds
// a rule it could not judge.
type ReadError struct {
	File string
	Err  error
}

func (e *ReadError) Error() string { return e.File + ": " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// Where is the file err (from Passwordless) could not read, or else
// fallback.
func Where(err error, fallback string) string {
	var re *ReadError
	if errors.As(err, &re) {
		return re.File
	}
	return fallback
}

// Ways a PAM service lets a person in without a password (Passwordless):
// a pam_permit (everyone), a pam_succeed_if whose "user ingroup" names a
// group the person is in, or one whose other conditions (uid >= 1000,
// user in a list, ...) the person meets.
const (
	ViaPermit        = "pam_permit"
	ViaNoPasswdGroup = "pam_nopasswd_group"
	ViaSucceedIf     = "pam_succeed_if"
)

// A Rule is a PAM rule letting a person in without a password: how
// (ViaPermit, ViaNoPasswdGroup or ViaSucceedIf), the file it is in (as PAM found it:
// the service's own, one it includes, the distribution's in
// /usr/lib/pam.d, or "other"'s) and, for a group's rule, the group the
// person is in. The zero Rule is none.
type Rule struct {
	Via   string `json:"via"`
	File  string `json:"file"`
	Group string `json:"group,omitempty"`
}

// NoPasswdGroupFix is what to do about a ViaNoPasswdGroup rule (the
// sentence before says what was found).
const NoPasswdGroupFix = "open Users and Groups (or Settings > Users), choose your account and turn off signing in without a password, or ask your IT support to take the account out of that group."

// SucceedIfFix is what to do about a ViaSucceedIf rule in file ("" when
// not known).
func SucceedIfFix(file string) string {
	if file == "" {
		file = "/etc/pam.d"
	}
	return "ask your IT support to remove the sufficient pam_succeed_if line from " + file + ", which lets accounts in without asking for their password."
}

// PermitFix is what to do about a ViaPermit rule in file ("" when not
// known: facts recorded before the file was).
func PermitFix(file string) string {
	if file == "" {
		file = "/etc/pam.d"
	}
	return "ask your IT support to remove the pam_permit line from " + file + "."
}

// Passwordless judges the PAM service for the people isPerson accepts: a
// ViaPermit rule when it lets everyone in without a password, else the
// first pam_succeed_if rule whose conditions one of those people meets
// (ViaNoPasswdGroup naming the group when it asks "user ingroup",
// ViaSucceedIf otherwise); the zero Rule when none does; err when the
// service (or "other", which PAM uses for a service with no file), an
// included one, /etc/passwd or /etc/group could not be read, or when a
// pam_succeed_if rule has conditions not judged here (on ruser, rhost,
// tty, a netgroup, or use_uid) and may let the person in. passwd is the
// accounts as the caller read them; nil reads /etc/passwd here, only
// when there is a pam_succeed_if rule. service is the name PAM gives the
// "service" field.
func Passwordless(p probe.Probe, root, service string, passwd []Passwd, isPerson func(Passwd) bool) (Rule, error) {
	var s stack
	if err := readStack(p, root, service, map[string]bool{}, 0, &s); err != nil {
		return Rule{}, err
	}
	if s.permit != "" {
		return Rule{Via: ViaPermit, File: s.permit}, nil
	}
	if len(s.succeedIf) == 0 {
		return Rule{}, nil
	}
	if passwd == nil {
		pb, err := p.ReadFile(Under(root, "/etc/passwd"))
		if err != nil {
			return Rule{}, &ReadError{File: "/etc/passwd", Err: err}
		}
		var ok bool
		if passwd, ok = ParsePasswd(pb); !ok {
			return Rule{}, errors.New("the accounts (/etc/passwd) could not be read to tell whom pam_succeed_if lets in")
		}
	}
	gb, err := p.ReadFile(Under(root, "/etc/group"))
	if err != nil {
		return Rule{}, &ReadError{File: "/etc/group", Err: err}
	}
	all, ok := ParseGroup(gb)
	if !ok {
		return Rule{}, errors.New("/etc/group: not recognised")
	}
	unjudged := ""
	for _, fr := range s.succeedIf {
		for _, e := range passwd {
			if !isPerson(e) {
				continue
			}
			sub := subject{account: e, groups: all, service: path.Base(service)}
			switch fr.rule.judge(sub) {
			case holds:
				if g := fr.rule.groupFor(sub); g != "" {
					return Rule{Via: ViaNoPasswdGroup, File: fr.file, Group: g}, nil
				}
				return Rule{Via: ViaSucceedIf, File: fr.file}, nil
			case notJudged:
				if unjudged == "" {
					unjudged = fr.file
				}
			}
		}
	}
	if unjudged != "" {
		return Rule{}, &ReadError{File: unjudged, Err: errors.New("a sufficient pam_succeed_if rule lets accounts in without a password on conditions not judged here (ruser, rhost, tty, a netgroup or use_uid)")}
	}
	return Rule{}, nil
}

// EmptyPasswordAccepted reads the PAM service (and what it includes, as
// Passwordless does) for a pam_unix auth rule with nullok: pam_unix
// accepts an account whose password field is empty without asking for a
// password only then (without nullok it refuses it). file is the first
// file holding such a rule, "" when none does; err when the service or
// an included file could not be read.
func EmptyPasswordAccepted(p probe.Probe, root, service string) (file string, err error) {
	var s stack
	if err := readStack(p, root, service, map[string]bool{}, 0, &s); err != nil {
		return "", err
	}
	return s.nullOK, nil
}
