// Package unixlogin reads how people sign in on Linux, for the checks
// that judge it: the accounts and groups (/etc/passwd, /etc/group) and
// the PAM rules that let a person through without a password.
//
// A display manager (and a lock screen: GNOME's unlocks through GDM's
// gdm-password service, KDE's through kde and its kin) lets a person in without a password when its PAM
// service passes them before asking for one. The service's auth stack is
// run as Linux-PAM runs it (pamstack.go: every control, jumps, substacks,
// keywords in any case, continued lines) for a person who gives no
// password; what lets them in is a pam_permit (everyone) or a
// pam_succeed_if whose conditions the person meets, whether sufficient,
// [success=done], a jump over the rules that ask, or required with nothing
// asking after it. pam_succeed_if is read as pam_succeed_if(8) does
// (succeedif.go): `user ingroup G`
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

// PAMFile is what one PAM file says about signing in: its auth rules in
// order (an include or substack line among them) and whether pam_unix
// takes an empty password.
type PAMFile struct {
	Rules []AuthRule
	// NullOK is whether an auth rule runs pam_unix with nullok (or
	// Debian's older nullok_secure): it then accepts an account whose
	// password is empty without asking for one.
	NullOK bool
}

// AuthRule is one auth rule of a PAM file: the module (its base name,
// pam_permit.so) and arguments, how its control maps the module's return
// values to actions (see pamstack.go), and pam_succeed_if's conditions;
// or a line that includes (include, @include) or runs as a substack the
// rules of another service.
type AuthRule struct {
	Module    string
	Args      []string
	actions   map[string]string
	succeedIf SucceedIf
	include   string
	substack  bool
}

// pamLines are a PAM file's lines as Linux-PAM reads them: a line ending
// in a backslash goes on on the next, and a # starts a comment.
func pamLines(b []byte) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		joined := cur.String()
		cur.Reset()
		if i := strings.IndexByte(joined, '#'); i >= 0 {
			joined = joined[:i]
		}
		out = append(out, joined)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// ParsePAM reads a PAM service's auth rules. Types and control keywords
// are read in any case, as Linux-PAM compares them; a rule whose control
// is not understood is one PAM refuses: it always fails.
func ParsePAM(b []byte) PAMFile {
	var pf PAMFile
	for _, line := range pamLines(b) {
		f := strings.Fields(line)
		if len(f) == 2 && strings.EqualFold(f[0], "@include") {
			pf.Rules = append(pf.Rules, AuthRule{include: f[1]})
			continue
		}
		if len(f) < 3 || !strings.EqualFold(strings.TrimPrefix(f[0], "-"), "auth") {
			continue
		}
		if kw := strings.ToLower(f[1]); kw == "include" || kw == "substack" {
			pf.Rules = append(pf.Rules, AuthRule{include: f[2], substack: kw == "substack"})
			continue
		}
		control, module, args := f[1], f[2], f[3:]
		if strings.HasPrefix(control, "[") {
			// [success=done …]: the bracket may span several words.
			for len(args) > 0 && !strings.HasSuffix(control, "]") {
				control += " " + module
				module, args = args[0], args[1:]
			}
		}
		r := AuthRule{Module: path.Base(module), Args: args}
		var ok bool
		if r.actions, ok = parseControl(control); !ok {
			r.actions = alwaysBad
		}
		if r.Module == "pam_unix.so" && slices.ContainsFunc(args, func(a string) bool { return a == "nullok" || a == "nullok_secure" }) {
			pf.NullOK = true
		}
		if r.Module == "pam_succeed_if.so" {
			r.succeedIf = parseSucceedIf(args)
		}
		pf.Rules = append(pf.Rules, r)
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
// the auth rules as Linux-PAM lays them out (stackEntry), the first file
// with a pam_unix nullok rule, and whether any rule is pam_succeed_if.
type stack struct {
	entries   []stackEntry
	nullOK    string
	succeedIf bool
}

// failedInclude is the rule Linux-PAM puts in the place of an include it
// could not load (no such file, or included past its depth limit: files
// that include each other): it always fails, and its action is bad.
var failedInclude = AuthRule{Module: "(an include that could not be loaded)", actions: alwaysBad}

// stackReader reads a service's stack: each file read once (an included
// file may be laid out twice, as PAM does), loops told apart from files
// included twice by the includes under way.
type stackReader struct {
	p      probe.Probe
	root   string
	files  map[string]PAMFile
	onPath map[string]bool
	// includer is the file whose rules are being laid out.
	includer string
	s        stack
}

// readStack reads a PAM service (a name looked up in pamDirs as Linux-PAM
// does, or an absolute path) and everything it includes into r.s: an
// included file's rules in its place, a substack's one level deeper. A
// service with no file, or no auth rules, is read as PAM reads it, as the
// "other" service. An included file that is not there, or one that
// includes itself through others (PAM lays it out again until its
// depth limit, then fails there; read here as failing at once), is a
// rule that fails (failedInclude); one that cannot be read, or includes
// nested past maxIncludeDepth, is an error.
func readStack(p probe.Probe, root, service string) (stack, error) {
	r := stackReader{p: p, root: root, files: map[string]PAMFile{}, onPath: map[string]bool{}}
	err := r.read(service, 0, 0)
	if err == nil && len(r.s.entries) == 0 && service != otherService && !strings.HasPrefix(service, "/") {
		r.s = stack{nullOK: r.s.nullOK}
		err = r.read(otherService, 0, 0)
	}
	return r.s, err
}

func (r *stackReader) read(service string, depth, level int) error {
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
	file := ""
	pf, known := PAMFile{}, false
	for _, f := range files {
		if pf, known = r.files[f]; known {
			file = f
			break
		}
		b, err := r.p.ReadFile(Under(r.root, f))
		if errors.Is(err, probe.ErrNotFound) {
			continue
		}
		if err != nil {
			return &ReadError{File: f, Err: err}
		}
		file, pf = f, ParsePAM(b)
		r.files[f] = pf
		break
	}
	switch {
	case file == "" && depth == 0 && service != otherService && !strings.HasPrefix(service, "/"):
		return r.read(otherService, depth, level)
	case file == "" && depth == 0:
		return nil
	case file == "" || r.onPath[file]:
		r.s.entries = append(r.s.entries, stackEntry{rule: failedInclude, file: r.includer, level: level})
		return nil
	}
	r.onPath[file] = true
	includer := r.includer
	r.includer = file
	defer func() { delete(r.onPath, file); r.includer = includer }()
	if pf.NullOK && r.s.nullOK == "" {
		r.s.nullOK = file
	}
	for _, rule := range pf.Rules {
		if rule.include == "" {
			r.s.entries = append(r.s.entries, stackEntry{rule: rule, file: file, level: level})
			r.s.succeedIf = r.s.succeedIf || rule.Module == "pam_succeed_if.so"
			continue
		}
		sub := level
		if rule.substack {
			sub++
		}
		if err := r.read(rule.include, depth+1, sub); err != nil {
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

// Passwordless judges the PAM service for the people isPerson accepts,
// running its auth stack as Linux-PAM would for each of them giving no
// password (pamstack.go): when it lets one in, the rule that did it — a
// ViaPermit rule for a pam_permit (everyone), a pam_succeed_if whose
// conditions the person meets (ViaNoPasswdGroup naming the group when it
// asks "user ingroup", ViaSucceedIf otherwise) — whether its control is
// sufficient, [success=done], a jump over the rules that ask, or a
// required rule in a stack where nothing asks; the zero Rule when no way
// through lets anyone in. err when the service (or "other", which PAM
// uses for a service with no file), an included one, /etc/passwd or
// /etc/group could not be read, or when only an answer not judged here
// would let someone in: a pam_succeed_if condition on ruser, rhost, tty, a
// netgroup or use_uid, a module not known here, or a stack that lets
// people in with no pam_permit or pam_succeed_if to name. passwd is the
// accounts as the caller read them; nil reads /etc/passwd here, only when
// there is a pam_succeed_if rule. service is the name PAM gives the
// "service" field.
func Passwordless(p probe.Probe, root, service string, passwd []Passwd, isPerson func(Passwd) bool) (Rule, error) {
	s, err := readStack(p, root, service)
	if err != nil {
		return Rule{}, err
	}
	subjects := []*subject{nil}
	if s.succeedIf {
		// Whom its pam_succeed_if rules let through matters only when
		// one of them getting through would let someone in.
		if _, found, unsure := judgeStack(s.entries, anyone); !found && unsure < 0 {
			return Rule{}, nil
		}
		if subjects, err = people(p, root, service, passwd, isPerson); err != nil {
			return Rule{}, err
		}
	}
	unsure := -1
	for _, sub := range subjects {
		grantor, found, uncertain := judgeStack(s.entries, sub)
		switch {
		case found && grantor < 0:
			return Rule{}, &ReadError{File: s.entries[0].file, Err: errors.New("the PAM rules let a person in without any rule that asks for a password")}
		case found:
			e := s.entries[grantor]
			if e.rule.Module == "pam_permit.so" {
				return Rule{Via: ViaPermit, File: e.file}, nil
			}
			if g := e.rule.succeedIf.groupFor(*sub); g != "" {
				return Rule{Via: ViaNoPasswdGroup, File: e.file, Group: g}, nil
			}
			return Rule{Via: ViaSucceedIf, File: e.file}, nil
		case uncertain >= 0 && unsure < 0:
			unsure = uncertain
		}
	}
	if unsure >= 0 {
		e := s.entries[unsure]
		why := "a rule running " + e.rule.Module + ", a module SessionGuard does not know, may let accounts in without a password"
		if e.rule.Module == "pam_succeed_if.so" {
			why = "a pam_succeed_if rule lets accounts in without a password on conditions not judged here (ruser, rhost, tty, a netgroup or use_uid)"
		}
		return Rule{}, &ReadError{File: e.file, Err: errors.New(why)}
	}
	return Rule{}, nil
}

// people are the subjects pam_succeed_if is judged for: the accounts
// isPerson accepts (passwd as the caller read them, nil: /etc/passwd read
// here), with /etc/group; none is a nil subject, for whom a
// pam_succeed_if rule fails.
func people(p probe.Probe, root, service string, passwd []Passwd, isPerson func(Passwd) bool) ([]*subject, error) {
	if passwd == nil {
		pb, err := p.ReadFile(Under(root, "/etc/passwd"))
		if err != nil {
			return nil, &ReadError{File: "/etc/passwd", Err: err}
		}
		var ok bool
		if passwd, ok = ParsePasswd(pb); !ok {
			return nil, errors.New("the accounts (/etc/passwd) could not be read to tell whom pam_succeed_if lets in")
		}
	}
	gb, err := p.ReadFile(Under(root, "/etc/group"))
	if err != nil {
		return nil, &ReadError{File: "/etc/group", Err: err}
	}
	all, ok := ParseGroup(gb)
	if !ok {
		return nil, errors.New("/etc/group: not recognised")
	}
	var out []*subject
	for _, e := range passwd {
		if isPerson(e) {
			out = append(out, &subject{account: e, groups: all, service: path.Base(service)})
		}
	}
	if len(out) == 0 {
		out = append(out, nil)
	}
	return out, nil
}

// EmptyPasswordAccepted reads the PAM service (and what it includes, as
// Passwordless does) for a pam_unix auth rule with nullok: pam_unix
// accepts an account whose password field is empty without asking for a
// password only then (without nullok it refuses it). file is the first
// file holding such a rule, "" when none does; err when the service or
// an included file could not be read.
func EmptyPasswordAccepted(p probe.Probe, root, service string) (file string, err error) {
	s, err := readStack(p, root, service)
	if err != nil {
		return "", err
	}
	return s.nullOK, nil
}
