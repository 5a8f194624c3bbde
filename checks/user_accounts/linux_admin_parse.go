package useraccounts

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
)

// identity is the person at the screen as the admin sources name them:
// account name, ids, and the names and ids of their groups (on Linux
// primary and supplementary, from /etc/passwd and /etc/group). On macOS,
// where groups nest (everyone, localaccounts) and the primary group is
// kept in the directory, memberOf asks the system about any group
// Groups and GIDs do not list. It stays in the collector.
type identity struct {
	Name     string
	UID      int
	GID      int
	Groups   map[string]bool
	GIDs     map[int]bool
	memberOf func(group string) bool
}

// identityOf builds the identity of a passwd entry from /etc/group.
func identityOf(e unixlogin.Passwd, groups []unixlogin.Group) identity {
	id := identity{Name: e.Name, UID: e.UID, GID: e.GID, Groups: map[string]bool{}, GIDs: map[int]bool{e.GID: true}}
	for _, g := range groups {
		member := g.GID == e.GID
		for _, m := range g.Members {
			if m == e.Name {
				member = true
			}
		}
		if member {
			id.Groups[g.Name], id.GIDs[g.GID] = true, true
		}
	}
	return id
}

// inGroup reports whether the identity is in the group named name, or with
// the numeric id "#gid".
func (id identity) inGroup(name string) bool {
	if gid, ok := strings.CutPrefix(name, "#"); ok {
		n, err := strconv.Atoi(gid)
		if err != nil {
			return false
		}
		if member, known := id.GIDs[n]; known || id.memberOf == nil {
			return member
		}
		return id.memberOf(name)
	}
	if member, known := id.Groups[name]; known || id.memberOf == nil {
		return member
	}
	return id.memberOf(name)
}

// isUser reports whether name names the identity: its name or "#uid".
func (id identity) isUser(name string) bool {
	if uid, ok := strings.CutPrefix(name, "#"); ok {
		n, err := strconv.Atoi(uid)
		return err == nil && n == id.UID
	}
	return name == id.Name
}

// Grant kinds, as facts name them (never with a user or group name).
const (
	viaSudoersUser  = "sudoers_user"
	viaSudoersGroup = "sudoers_group"
	viaSudoersAll   = "sudoers_all"
	viaPolkitUser   = "polkit_admin_user"
	viaPolkitGroup  = "polkit_admin_group"
	viaPolkitRule   = "polkit_allow_all"
	viaDoasUser     = "doas_user"
	viaDoasGroup    = "doas_group"
)

// sudoers is a parsed sudoers file set: aliases, the global password
// defaults and the user specifications, in order. Includes are listed for
// the collector to read.
type sudoers struct {
	userAlias  map[string][]string
	runasAlias map[string][]string
	cmndAlias  map[string][]string
	// targetpw is set when a global Defaults makes sudo ask for the target
	// user's (root's) password rather than the user's own (targetpw,
	// rootpw, runaspw): then only NOPASSWD rules make someone an
	// administrator with their own account.
	targetpw bool
	// userPw are the Defaults:<users> lines that set or clear targetpw,
	// rootpw or runaspw, in order: they override the global setting for
	// the users they name.
	userPw []sudoUserDefault
	// otherPw is set when a Defaults@host, Defaults>runas or
	// Defaults!cmnd line touches them: whether it applies is not judged,
	// so the person's own password is taken to be what sudo asks.
	otherPw bool
	specs   []sudoSpec
}

// sudoUserDefault is a Defaults:<users> line's password setting.
type sudoUserDefault struct {
	users    []string
	targetpw bool
}

type sudoSpec struct {
	users []string
	cmnds []sudoCmnd
}

type sudoCmnd struct {
	runasUsers, runasGroups []string
	hasRunas                bool
	nopasswd                bool
	cmnd                    string
}

// sudoInclude is an @include/@includedir (or #include/#includedir)
// directive.
type sudoInclude struct {
	Path string
	Dir  bool
}

// newSudoers returns an empty sudoers set to parse files into.
func newSudoers() *sudoers {
	return &sudoers{userAlias: map[string][]string{}, runasAlias: map[string][]string{}, cmndAlias: map[string][]string{}}
}

var sudoTags = map[string]bool{
	"NOPASSWD": true, "PASSWD": true, "NOEXEC": true, "EXEC": true, "SETENV": true, "NOSETENV": true,
	"LOG_INPUT": true, "NOLOG_INPUT": true, "LOG_OUTPUT": true, "NOLOG_OUTPUT": true, "MAIL": true,
	"NOMAIL": true, "FOLLOW": true, "NOFOLLOW": true, "INTERCEPT": true, "NOINTERCEPT": true,
}

// sudoLines joins continuation lines and drops comments, keeping include
// directives and "#uid" user names.
func sudoLines(b []byte) []string {
	var out []string
	cont := ""
	for _, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimRight(raw, " \t\r")
		if strings.HasSuffix(line, `\`) {
			cont += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line = strings.TrimSpace(cont + line)
		cont = ""
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#include") {
			out = append(out, "@"+line[1:])
			continue
		}
		line = stripSudoComment(line)
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// stripSudoComment cuts a # comment; "#123" at the start of a word is a uid.
func stripSudoComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] != '#' {
			continue
		}
		wordStart := i == 0 || strings.ContainsRune(" \t,(!:=%", rune(line[i-1]))
		if wordStart && i+1 < len(line) && line[i+1] >= '0' && line[i+1] <= '9' {
			continue
		}
		return strings.TrimSpace(line[:i])
	}
	return line
}

// splitTop splits s on sep outside parentheses, trimming the parts.
func splitTop(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// Parse adds one sudoers file and returns its include directives, in order.
func (s *sudoers) Parse(b []byte) []sudoInclude {
	var incs []sudoInclude
	for _, line := range sudoLines(b) {
		fields := strings.Fields(line)
		switch fields[0] {
		case "@include", "@includedir":
			if len(fields) > 1 {
				incs = append(incs, sudoInclude{Path: strings.Trim(fields[1], `"`), Dir: fields[0] == "@includedir"})
			}
			continue
		case "User_Alias", "Runas_Alias", "Cmnd_Alias", "Cmd_Alias", "Host_Alias":
			s.parseAliases(fields[0], strings.TrimSpace(line[len(fields[0]):]))
			continue
		case "Defaults":
			s.parseDefaults(strings.TrimSpace(line[len(fields[0]):]))
			continue
		}
		if strings.HasPrefix(fields[0], "Defaults") {
			// Defaults:user, Defaults@host, Defaults>runas, Defaults!cmnd
			s.parseScopedDefaults(fields[0][len("Defaults"):], strings.TrimSpace(line[len(fields[0]):]))
			continue
		}
		s.parseSpec(line)
	}
	return incs
}

func (s *sudoers) parseAliases(kind, rest string) {
	target := map[string]map[string][]string{"User_Alias": s.userAlias, "Runas_Alias": s.runasAlias, "Cmnd_Alias": s.cmndAlias, "Cmd_Alias": s.cmndAlias}[kind]
	for _, def := range strings.Split(rest, ":") {
		name, list, ok := strings.Cut(def, "=")
		if !ok || target == nil {
			continue
		}
		target[strings.TrimSpace(name)] = splitTop(list, ',')
	}
}

func (s *sudoers) parseDefaults(rest string) {
	if set, touched := defaultsTargetpw(rest); touched {
		s.targetpw = set
	}
}

// defaultsTargetpw reads a Defaults line's options: whether the last of
// targetpw, rootpw and runaspw makes sudo ask for another user's
// password (set), and whether any of them is there at all (touched).
func defaultsTargetpw(rest string) (set, touched bool) {
	for _, opt := range splitTop(rest, ',') {
		opt = strings.TrimSpace(opt)
		neg := strings.HasPrefix(opt, "!")
		name, _, _ := strings.Cut(strings.TrimPrefix(opt, "!"), "=")
		switch strings.TrimSpace(name) {
		case "targetpw", "rootpw", "runaspw":
			set, touched = !neg, true
		}
	}
	return set, touched
}

// parseScopedDefaults reads "Defaults:users", "Defaults@hosts",
// "Defaults>runas" and "Defaults!cmnds" lines (scope is what follows
// "Defaults"). sudo applies them after the global Defaults, so a
// Defaults:<user> !rootpw takes a user back out of a global rootpw.
func (s *sudoers) parseScopedDefaults(scope, rest string) {
	set, touched := defaultsTargetpw(rest)
	if !touched {
		return
	}
	if users, ok := strings.CutPrefix(scope, ":"); ok && users != "" {
		s.userPw = append(s.userPw, sudoUserDefault{users: splitTop(users, ','), targetpw: set})
		return
	}
	s.otherPw = true
}

// targetpwFor is whether sudo asks the identity for another user's
// password: the global Defaults, then the Defaults:<users> lines naming
// them; never when a line this does not judge touches it.
func (s *sudoers) targetpwFor(id identity) bool {
	if s.otherPw {
		return false
	}
	set := s.targetpw
	for _, d := range s.userPw {
		if listMatch(d.users, s.userAlias, func(item string) bool { _, hit := sudoUserItem(id, item); return hit }, 0) {
			set = d.targetpw
		}
	}
	return set
}

// sudoUserItem tells whether a sudoers user list item names the identity,
// and how (sudoers_user, sudoers_group or sudoers_all).
func sudoUserItem(id identity, item string) (kind string, hit bool) {
	switch {
	case item == "ALL":
		return viaSudoersAll, true
	case strings.HasPrefix(item, "%:"), strings.HasPrefix(item, "+"):
		return "", false // non-Unix groups and netgroups are not resolved
	case strings.HasPrefix(item, "%"):
		return viaSudoersGroup, id.inGroup(item[1:])
	case id.isUser(item):
		return viaSudoersUser, true
	}
	return "", false
}

// specRE splits "user_list host_list = rest": the host list is the last word
// before the first "=".
var specRE = regexp.MustCompile(`^(.+?)\s+(\S+)\s*=\s*(.*)$`)

func (s *sudoers) parseSpec(line string) {
	line = regexp.MustCompile(`\s*,\s*`).ReplaceAllString(line, ",")
	m := specRE.FindStringSubmatch(line)
	if m == nil {
		return
	}
	spec := sudoSpec{users: splitTop(m[1], ',')}
	// Further "host = commands" parts follow a ":" that precedes a word and
	// "=" (tags such as NOPASSWD: are followed by a command instead).
	for i, part := range regexp.MustCompile(`\s:\s*`).Split(m[3], -1) {
		if i > 0 {
			_, after, ok := strings.Cut(part, "=")
			if !ok {
				continue
			}
			part = after
		}
		spec.cmnds = append(spec.cmnds, parseCmndList(part)...)
	}
	s.specs = append(s.specs, spec)
}

// parseCmndList reads "(runas) TAG: cmnd, cmnd, (runas2) cmnd": a runas
// list and tags carry on to the following commands.
func parseCmndList(list string) []sudoCmnd {
	var out []sudoCmnd
	cur := sudoCmnd{}
	for _, item := range splitTop(list, ',') {
		item = strings.TrimSpace(item)
		if strings.HasPrefix(item, "(") {
			end := strings.IndexByte(item, ')')
			if end < 0 {
				continue
			}
			users, groups, _ := strings.Cut(item[1:end], ":")
			cur.runasUsers, cur.runasGroups, cur.hasRunas = nil, nil, true
			for _, u := range strings.Split(users, ",") {
				if u = strings.TrimSpace(u); u != "" {
					cur.runasUsers = append(cur.runasUsers, u)
				}
			}
			for _, g := range strings.Split(groups, ",") {
				if g = strings.TrimSpace(g); g != "" {
					cur.runasGroups = append(cur.runasGroups, g)
				}
			}
			item = strings.TrimSpace(item[end+1:])
		}
		for {
			tag, rest, ok := strings.Cut(item, ":")
			if !ok || !sudoTags[strings.TrimSpace(tag)] {
				break
			}
			switch strings.TrimSpace(tag) {
			case "NOPASSWD":
				cur.nopasswd = true
			case "PASSWD":
				cur.nopasswd = false
			}
			item = strings.TrimSpace(rest)
		}
		// Options such as ROLE=, TYPE=, TIMEOUT=, CWD=, CHROOT= come before
		// the command.
		for {
			f := strings.Fields(item)
			if len(f) < 2 || !regexp.MustCompile(`^[A-Z_]+=`).MatchString(f[0]) {
				break
			}
			item = strings.TrimSpace(strings.TrimPrefix(item, f[0]))
		}
		c := cur
		c.cmnd = item
		out = append(out, c)
	}
	return out
}

// listMatch evaluates a sudoers list (users, runas users, commands): the
// last item that matches decides, "!" negates, aliases expand.
func listMatch(list []string, aliases map[string][]string, match func(string) bool, depth int) (matched bool) {
	if depth > 8 {
		return false
	}
	for _, item := range list {
		neg := false
		for strings.HasPrefix(item, "!") {
			neg, item = !neg, strings.TrimSpace(item[1:])
		}
		var hit bool
		if sub, ok := aliases[item]; ok {
			hit = listMatch(sub, aliases, match, depth+1)
		} else {
			hit = match(item)
		}
		if hit {
			matched = !neg
		}
	}
	return matched
}

// AdminVia tells whether the sudoers rules let the identity run any command
// as root with their own password (or none): ALL, or a command that gives
// a root shell (sudoCommandGivesRoot). "" when not, else the grant's kind
// (sudoers_user, sudoers_group or sudoers_all).
func (s *sudoers) AdminVia(id identity) string {
	via := ""
	targetpw := s.targetpwFor(id)
	for _, spec := range s.specs {
		kind := ""
		matchUser := func(item string) bool {
			k, hit := sudoUserItem(id, item)
			if hit {
				kind = pick(kind, k)
			}
			return hit
		}
		if !listMatch(spec.users, s.userAlias, matchUser, 0) {
			continue
		}
		for _, c := range spec.cmnds {
			if targetpw && !c.nopasswd {
				continue
			}
			if !c.asRoot(s.runasAlias) {
				continue
			}
			if listMatch([]string{c.cmnd}, s.cmndAlias, sudoCommandGivesRoot, 0) {
				via = pick(via, kind)
			}
		}
	}
	return via
}

// pick keeps the first kind found.
func pick(have, next string) string {
	if have != "" {
		return have
	}
	return next
}

// asRoot reports whether a command runs as root: no runas list, or one that
// names root, #0 or ALL; a group-only list (:group) runs as the user.
func (c sudoCmnd) asRoot(aliases map[string][]string) bool {
	if !c.hasRunas {
		return true
	}
	if len(c.runasUsers) == 0 {
		return false
	}
	return listMatch(c.runasUsers, aliases, func(x string) bool { return x == "ALL" || x == "root" || x == "#0" }, 0)
}

// sudoersDirFile reports whether sudo reads a file of an includedir: names
// ending in "~" or holding a "." are skipped.
func sudoersDirFile(name string) bool {
	return name != "" && !strings.HasSuffix(name, "~") && !strings.Contains(name, ".")
}

// doasRule is one doas.conf rule as indexes into its words: identity and
// target (0 when there is no "as"); cmd (0 when the rule is not limited
// to one command) is the command's word, args (0 when the rule leaves
// the arguments free) the "args" keyword's.
type doasRule struct {
	permit           bool
	identity, target int
	cmd, args        int
}

// parseDoasRule reads "permit|deny [options] identity [as target] [cmd
// command [args ...]]".
func parseDoasRule(f []string) (doasRule, bool) {
	if len(f) < 2 || (f[0] != "permit" && f[0] != "deny") {
		return doasRule{}, false
	}
	r := doasRule{permit: f[0] == "permit"}
	i := 1
	for i < len(f) {
		switch {
		case f[i] == "nopass" || f[i] == "nolog" || f[i] == "persist" || f[i] == "keepenv":
			i++
			continue
		case f[i] == "setenv":
			for i < len(f) && !strings.HasSuffix(f[i], "}") {
				i++
			}
			i++
			continue
		}
		break
	}
	if i >= len(f) {
		return doasRule{}, false
	}
	r.identity = i
	rest := i + 1
	if rest+1 < len(f) && f[rest] == "as" {
		r.target, rest = rest+1, rest+2
	}
	if rest < len(f) && f[rest] == "cmd" {
		if rest+1 >= len(f) {
			return doasRule{}, false
		}
		r.cmd = rest + 1
		if rest+2 < len(f) && f[rest+2] == "args" {
			r.args = rest + 2
		}
	}
	return r, true
}

// doasAdminVia reads /etc/doas.conf: "" when no rule lets the identity run
// any command as root, else doas_user or doas_group. The last matching rule
// decides, for every command (a rule without cmd) or for its command: a
// permitted command that gives a root shell (rootShellCommand: a shell, an
// editor, an interpreter with its arguments free, ...) counts as every
// command, unless a later rule denies it again.
func doasAdminVia(b []byte, id identity) string {
	via := ""
	shellVia := map[string]string{} // command (with its fixed arguments) -> kind
	for _, line := range unixlogin.Lines(joinContinuations(b)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		f := strings.Fields(line)
		r, ok := parseDoasRule(f)
		if !ok || (r.target > 0 && f[r.target] != "root") {
			continue
		}
		who := f[r.identity]
		kind := ""
		if g, ok := strings.CutPrefix(who, ":"); ok {
			if id.inGroup(g) {
				kind = viaDoasGroup
			}
		} else if id.isUser(who) {
			kind = viaDoasUser
		}
		if kind == "" {
			continue
		}
		if r.cmd > 0 {
			var args []string
			if r.args > 0 {
				args = f[r.args+1:]
			}
			key := strings.Join(f[r.cmd:], " ")
			switch {
			case !r.permit:
				delete(shellVia, key)
			case rootShellCommand(f[r.cmd], args, r.args == 0):
				shellVia[key] = kind
			}
			continue
		}
		if r.permit {
			via = kind
		} else {
			via, shellVia = "", map[string]string{}
		}
	}
	if via == "" {
		for _, k := range slices.Sorted(maps.Keys(shellVia)) {
			return shellVia[k]
		}
	}
	return via
}

func joinContinuations(b []byte) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(string(b), "\\\r\n", " "), "\\\n", " "))
}

// polkitIdentityRE finds the identities a polkit rule names.
var polkitIdentityRE = regexp.MustCompile(`unix-(user|group):([A-Za-z0-9_.][A-Za-z0-9_.$-]*)`)

// polkitFile is what a polkit JavaScript rules file grants.
type polkitFile struct {
	// admin are the identities its addAdminRule functions return (whose
	// members authenticate as administrators with their own password).
	admin []string
	// allowAll are the groups and users (or polkitEveryone) its addRule
	// functions let do every action without the administrator's password:
	// polkit.Result.YES, or AUTH_SELF / AUTH_SELF_KEEP (the person's own
	// password, exactly what an addAdminRule naming them gives), for
	// every action, or for actions picked by a prefix of one or two names
	// ("org.freedesktop.").
	allowAll []string
	// unclear are those an addRule allows for actions it picks by a test
	// other than action.id == "…": they may be administrators.
	unclear []string
	// dynamic is set when an addAdminRule returns identities it builds at
	// run time.
	dynamic bool
}

// polkitAllowRE finds a result that lets the subject act without the
// administrator's password, by constant or by its string.
var polkitAllowRE = regexp.MustCompile(`polkit\.Result\.(YES|AUTH_SELF|AUTH_SELF_KEEP)\b|["'](yes|auth_self|auth_self_keep)["']`)

// polkitActionIDIsRE is a test of the action that names one action:
// action.id == "…" (or ===).
var polkitActionIDIsRE = regexp.MustCompile(`action\.id\s*===?\s*["'][^"']*["']`)

// polkitActionPrefixRE is a test of the action by a prefix of its id.
var polkitActionPrefixRE = regexp.MustCompile(`action\.id\.(?:indexOf\(\s*["']([^"']*)["']\s*\)\s*===?\s*0|startsWith\(\s*["']([^"']*)["']\s*\))`)

// polkitOnlyUserRE is a rule's early return for every user but one.
var polkitOnlyUserRE = regexp.MustCompile(`\.user\s*!==?\s*["']([^"']+)["']\s*\)\s*\{?\s*return\b`)

// polkitRules reads a polkit JavaScript rules file.
func polkitRules(b []byte) polkitFile {
	var pf polkitFile
	src := string(b)
	for _, body := range jsCalls(src, "polkit.addAdminRule") {
		ids := polkitIdentityRE.FindAllString(body, -1)
		pf.admin = append(pf.admin, ids...)
		if len(ids) == 0 && strings.Contains(body, "unix-") {
			pf.dynamic = true
		}
	}
	for _, body := range jsCalls(src, "polkit.addRule") {
		if !polkitAllowRE.MatchString(body) {
			continue
		}
		var ids []string
		for _, m := range regexp.MustCompile(`isInGroup\(\s*["']([^"']+)["']\s*\)`).FindAllStringSubmatch(body, -1) {
			ids = append(ids, "unix-group:"+m[1])
		}
		for _, m := range regexp.MustCompile(`\.user\s*==+\s*["']([^"']+)["']`).FindAllStringSubmatch(body, -1) {
			ids = append(ids, "unix-user:"+m[1])
		}
		// "if (subject.user !== 'x') return ...;" (gnome-initial-setup's
		// rule): the rest applies to x alone.
		for _, m := range polkitOnlyUserRE.FindAllStringSubmatch(body, -1) {
			ids = append(ids, "unix-user:"+m[1])
		}
		if len(ids) == 0 {
			// Whoever asks (if subject.local && subject.active ...):
			// everyone at the screen.
			ids = []string{polkitEveryone}
		}
		switch polkitActionScope(body) {
		case actionsAll:
			pf.allowAll = append(pf.allowAll, ids...)
		case actionsUnclear:
			pf.unclear = append(pf.unclear, ids...)
		}
	}
	return pf
}

// Which actions an addRule applies to.
const (
	actionsAll     = "all"
	actionsNamed   = "named"
	actionsUnclear = "unclear"
)

// polkitActionScope tells which actions an addRule body tests for: all
// (no test of the action, or a prefix of at most two names such as
// "org.freedesktop."), named ones (action.id == "…" only, or a prefix of
// three names or more with no other test), or unclear (any other use of
// the action: !=, lookups, regular expressions, variables).
func polkitActionScope(body string) string {
	if !strings.Contains(body, "action.") {
		return actionsAll
	}
	for _, m := range polkitActionPrefixRE.FindAllStringSubmatch(body, -1) {
		prefix := m[1] + m[2]
		if len(strings.FieldsFunc(prefix, func(r rune) bool { return r == '.' })) <= 2 {
			return actionsAll
		}
	}
	if strings.Contains(polkitActionIDIsRE.ReplaceAllString(body, ""), "action.") {
		return actionsUnclear
	}
	return actionsNamed
}

// jsCalls returns the text of each call to fn in src: from the call to the
// parenthesis that closes it (strings and comments are not parsed, which is
// enough for rules files).
func jsCalls(src, fn string) []string {
	var out []string
	for {
		i := strings.Index(src, fn+"(")
		if i < 0 {
			return out
		}
		src = src[i+len(fn):]
		depth, end := 0, len(src)
	scan:
		for j := 0; j < len(src); j++ {
			switch src[j] {
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					end = j + 1
					break scan
				}
			}
		}
		out = append(out, src[:end])
		src = src[end:]
	}
}

// polkitAdminIdentities reads the AdminIdentities of an old polkit
// localauthority configuration file ([Configuration] AdminIdentities=
// unix-group:sudo;unix-user:0). Later files override earlier ones.
func polkitAdminIdentities(b []byte) (ids []string, set bool) {
	v, ok := parseINI(b).Get("Configuration", "AdminIdentities")
	if !ok {
		return nil, false
	}
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			ids = append(ids, s)
		}
	}
	return ids, true
}

// polkitEveryone stands for a rule that applies to every subject.
const polkitEveryone = "everyone"

// polkitMatch tells whether one of the identities names the identity, and
// how: polkit_admin_user or polkit_admin_group ("" when none does).
func polkitMatch(ids []string, id identity) string {
	for _, s := range ids {
		switch {
		case s == polkitEveryone:
			return viaPolkitRule
		case strings.HasPrefix(s, "unix-user:"):
			if u := strings.TrimPrefix(s, "unix-user:"); u == id.Name || u == strconv.Itoa(id.UID) {
				return viaPolkitUser
			}
		case strings.HasPrefix(s, "unix-group:"):
			if g := strings.TrimPrefix(s, "unix-group:"); id.Groups[g] || g == strconv.Itoa(id.GID) {
				return viaPolkitGroup
			}
		}
	}
	return ""
}
