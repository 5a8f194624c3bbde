// Package unixlogin reads how people sign in on Linux, for the checks
// that judge it: the accounts and groups (/etc/passwd, /etc/group) and
// the PAM rules that let a person through without a password.
//
// A display manager (and a lock screen: GNOME's unlocks through GDM's
// gdm-password service, KDE's through kde and its kin) lets a person in without a password when its PAM
// service passes them before asking for one: a `sufficient` pam_permit
// (everyone), or a `sufficient` pam_succeed_if with `user ingroup G` (the
// members of G). Ubuntu's and Linux Mint's LightDM carry the second for
// the nopasswdlogin group, which their user settings join to "log in
// without a password" while the account keeps one (so passwd -S says
// set); the ArchWiki gives the same line for GDM. The service's own file
// is read, and the files it includes (@include, include, substack), and
// theirs in turn (Arch's gdm-password includes system-local-login, which
// includes system-login, which includes system-auth), where a sufficient pam_permit at the top of
// common-auth would let everyone in everywhere. Services are found as
// Linux-PAM finds them: /etc/pam.d, then /usr/lib/pam.d, and a service
// with no file at all is "other".
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
	Name  string
	UID   int
	GID   int
	Shell string
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
		entries = append(entries, Passwd{Name: fields[0], UID: uid, GID: gid, Shell: fields[6]})
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

// ParsePAM reads a PAM service and returns whether it lets everyone in
// without a password, the groups whose members it lets in so, and the
// services it includes for authentication.
func ParsePAM(b []byte) (everyone bool, groups, includes []string) {
	for line := range strings.Lines(string(b)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "@include" {
			includes = append(includes, f[1])
			continue
		}
		if len(f) < 3 || strings.TrimPrefix(f[0], "-") != "auth" {
			continue
		}
		if f[1] == "include" || f[1] == "substack" {
			includes = append(includes, f[2])
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
		if control != "sufficient" && !strings.Contains(control, "success=done") {
			continue
		}
		switch path.Base(module) {
		case "pam_permit.so":
			everyone = true
		case "pam_succeed_if.so":
			for i := 0; i+2 < len(args); i++ {
				if args[i] == "user" && args[i+1] == "ingroup" {
					groups = append(groups, strings.Split(args[i+2], ":")...)
				}
			}
		}
	}
	return everyone, groups, includes
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
// ("" when none does), and the rules letting a group's members in so.
type stack struct {
	permit string
	groups []Rule // Via ViaNoPasswdGroup, with the group and its file
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
	everyone, groups, includes := ParsePAM(b)
	if everyone && s.permit == "" {
		s.permit = file
	}
	for _, g := range groups {
		s.groups = append(s.groups, Rule{Via: ViaNoPasswdGroup, File: file, Group: g})
	}
	for _, inc := range includes {
		if err := readStack(p, root, inc, seen, depth+1, s); err != nil {
			return err
		}
	}
	return nil
}

// A ReadError is a file Passwordless needed and could not read.
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

// Ways a PAM service lets a person in without a password (Passwordless).
const (
	ViaPermit        = "pam_permit"
	ViaNoPasswdGroup = "pam_nopasswd_group"
)

// A Rule is a PAM rule letting a person in without a password: how
// (ViaPermit or ViaNoPasswdGroup), the file it is in (as PAM found it:
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

// PermitFix is what to do about a ViaPermit rule in file ("" when not
// known: facts recorded before the file was).
func PermitFix(file string) string {
	if file == "" {
		file = "/etc/pam.d"
	}
	return "ask your IT support to remove the pam_permit line from " + file + "."
}

// Passwordless judges the PAM service for the people isPerson accepts: a
// ViaPermit rule when it lets everyone in without a password, else a
// ViaNoPasswdGroup rule when one of those people is in a group it lets in
// so; the zero Rule when neither; err when the service (or "other", which
// PAM uses for a service with no file), an included one,
// /etc/passwd or /etc/group could not be read. passwd is the accounts as
// the caller read them; nil reads /etc/passwd here, only when a rule
// names a group.
func Passwordless(p probe.Probe, root, service string, passwd []Passwd, isPerson func(Passwd) bool) (Rule, error) {
	var s stack
	if err := readStack(p, root, service, map[string]bool{}, 0, &s); err != nil {
		return Rule{}, err
	}
	if s.permit != "" {
		return Rule{Via: ViaPermit, File: s.permit}, nil
	}
	if len(s.groups) == 0 {
		return Rule{}, nil
	}
	var names []string
	for _, g := range s.groups {
		names = append(names, g.Group)
	}
	if passwd == nil {
		pb, err := p.ReadFile(Under(root, "/etc/passwd"))
		if err != nil {
			return Rule{}, &ReadError{File: "/etc/passwd", Err: err}
		}
		var ok bool
		if passwd, ok = ParsePasswd(pb); !ok {
			return Rule{}, errors.New("the accounts (/etc/passwd) could not be read to tell who is in " + strings.Join(names, ", "))
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
	for _, g := range s.groups {
		for _, e := range passwd {
			if isPerson(e) && InAnyGroup(e, all, func(name string) bool { return name == g.Group }) {
				return g, nil
			}
		}
	}
	return Rule{}, nil
}
