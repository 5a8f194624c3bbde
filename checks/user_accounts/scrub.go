package useraccounts

import (
	"bytes"
	"path"
	"regexp"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/internal/unixlogin"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// scrub keeps account names and people's details out of an evidence
// bundle. Every account name of a person becomes probe.Pseudonym("user",
// name) — the name the recorder gives the console user too — so group
// membership still matches on replay:
//   - /etc/passwd: the comment field (GECOS: a full name, phone numbers) and
//     the home directory are blanked (the check reads neither); the names of
//     accounts with a uid of 1000 or more (people; not nobody) are replaced;
//     a password hash written there is cut down as in /etc/shadow.
//   - /etc/shadow: each account's password field is cut down to what the
//     check reads (scrubPasswordField: empty, locked, or set), and every
//     name but root's is replaced (the file gives no uid to tell people
//     from system accounts by).
//   - /etc/group: members (but root) are replaced, and the names of groups
//     with a gid of 1000 or more and no other member (a person's own group
//     is named after them).
//   - sudoers (and sudoers.d), doas.conf: comments are dropped (the check
//     reads none) and user names replaced (user lists, runas users,
//     User_Alias and Runas_Alias members, Defaults:user, doas identities
//     and targets); group names stay, as in /etc/group.
//   - polkit rules and localauthority files: unix-user:NAME.
//   - passwd -S: the account name its answer starts with (the recorder
//     renames the console user where a command names them).
//   - display manager and getty settings: the auto-login user of GDM
//     (AutomaticLogin, TimedLogin), LightDM (autologin-user), SDDM
//     ([Autologin] User), LXDM (autologin), greetd (user = in
//     config.toml), ly (auto_login_user), nodm (NODM_USER) and agetty
//     (--autologin NAME, in drop-ins and whole getty units); the check
//     only asks whether one is set.
//   - PAM files: the names pam_succeed_if conditions write out (user in
//     NAME:NAME, user = NAME, ...); their comments are dropped
//     (unixlogin.ScrubPAM).
//   - macOS: the names in `dscl . -list /Users UniqueID` with a uid of 500 or
//     more, the members in `dscl . -read /Groups/admin GroupMembership`, the
//     auto-login user from `defaults read … autoLoginUser`, and the
//     loginwindow plist's autoLoginUser and lastUserName.
//
// Anything else is returned unchanged.
func scrub(name string, args []string, out []byte) []byte {
	slashed := strings.ReplaceAll(name, `\`, "/")
	base := path.Base(slashed)
	switch {
	case args == nil && base == "passwd":
		return scrubColonFile(out, 7, func(f []string) {
			f[1], f[4], f[5] = scrubPasswordField(f[1]), "", ""
			if uid, err := strconv.Atoi(f[2]); err == nil && isPersonID(uid, 1000) {
				f[0] = pseudonym(f[0])
			}
		})
	case args == nil && base == "shadow":
		// Every line, whatever its number of fields: none may keep a hash.
		return scrubLines(out, func(line string) string {
			f := strings.Split(line, ":")
			if len(f) < 2 {
				return line
			}
			f[1] = scrubPasswordField(f[1])
			if f[0] != "root" && f[0] != "" {
				f[0] = pseudonym(f[0])
			}
			return strings.Join(f, ":")
		})
	case base == "passwd" && len(args) >= 1 && args[0] == "-S":
		// passwd -S: "NAME STATUS DATE …".
		return scrubLines(out, func(line string) string {
			name, rest, ok := strings.Cut(line, " ")
			if !ok || name == "" || name == "root" {
				return line
			}
			return pseudonym(name) + " " + rest
		})
	case args == nil && base == "group":
		return scrubColonFile(out, 4, func(f []string) {
			// A person's own group (gid 1000 up, no other members) is
			// named after them; a shared group (practice-it) keeps its
			// name, as sudoers, doas and polkit rules name it.
			if gid, err := strconv.Atoi(f[2]); err == nil && isPersonID(gid, 1000) && (f[3] == "" || f[3] == f[0]) {
				f[0] = pseudonym(f[0])
			}
			members := strings.Split(f[3], ",")
			for i, m := range members {
				if m = strings.TrimSpace(m); m != "" && m != "root" {
					members[i] = pseudonym(m)
				}
			}
			f[3] = strings.Join(members, ",")
		})
	case args == nil && base == path.Base(loginwindowPlist):
		return scrubLoginwindowPlist(out)
	case args == nil && (base == "sudoers" || strings.Contains(slashed, "/sudoers.d/")):
		return scrubSudoers(out)
	case args == nil && base == "doas.conf":
		return scrubDoas(out)
	case args == nil && strings.Contains(slashed, "/greetd/") && strings.HasSuffix(base, ".toml"):
		return scrubLines(out, func(line string) string { return replaceValue(tomlUserKey, line) })
	case args == nil && base == "nodm" && strings.Contains(slashed, "/default/"):
		return scrubLines(out, func(line string) string { return replaceValue(nodmUserKey, line) })
	case args == nil && base == "config.ini" && strings.Contains(slashed, "/ly/"):
		return scrubLines(out, func(line string) string { return replaceValue(lyUserKey, line) })
	case args == nil && strings.HasSuffix(base, ".rules") && strings.Contains(slashed, "polkit"):
		return scrubLines(out, scrubUnixUsers)
	case args == nil && strings.Contains(slashed, "/pam.d/"):
		return unixlogin.ScrubPAM(out, pseudonym)
	case args == nil && (strings.HasSuffix(base, ".conf") || strings.HasSuffix(base, ".service") && strings.Contains(base, "getty")):
		return scrubAutologinUsers(name, out)
	case base == "dscl" && len(args) == 4 && args[1] == "-list" && args[2] == "/Users":
		return scrubLines(out, func(line string) string {
			fields := strings.Fields(line)
			if len(fields) != 2 {
				return line
			}
			if uid, err := strconv.Atoi(fields[1]); err == nil && isPersonID(uid, 500) && !strings.HasPrefix(fields[0], "_") {
				return strings.Replace(line, fields[0], pseudonym(fields[0]), 1)
			}
			return line
		})
	case base == "dscl" && len(args) == 4 && args[1] == "-read" && args[3] == "GroupMembership":
		return scrubLines(out, func(line string) string {
			rest, ok := strings.CutPrefix(line, "GroupMembership:")
			if !ok {
				return line
			}
			fields := strings.Fields(rest)
			for i, m := range fields {
				if m != "root" {
					fields[i] = pseudonym(m)
				}
			}
			return "GroupMembership: " + strings.Join(fields, " ")
		})
	case base == "defaults" && len(args) == 3 && args[0] == "read" && args[2] == "autoLoginUser":
		if user := strings.TrimSpace(string(out)); user != "" && !strings.Contains(user, "does not exist") {
			return []byte(pseudonym(user) + "\n")
		}
	}
	return out
}

// autologinKey matches "key = user" lines that name an auto-login user.
// A commented-out line is scrubbed too: it often names the person whose
// automatic login was switched off.
var autologinKey = regexp.MustCompile(`^(\s*[#;]?\s*(?:AutomaticLogin|TimedLogin|autologin-user|autologin)\s*=\s*)(\S.*?)(\s*)$`)

// sddmUserKey is SDDM's [Autologin] User=; agettyAutologin agetty's flag.
var (
	sddmUserKey     = regexp.MustCompile(`^(\s*User\s*=\s*)(\S.*?)(\s*)$`)
	agettyAutologin = regexp.MustCompile(`(--autologin[= ]+|\s-a\s+)([^\s"']+)`)
)

// scrubAutologinUsers pseudonymises the auto-login user in a display
// manager's or a getty drop-in's settings.
func scrubAutologinUsers(name string, out []byte) []byte {
	sddm := strings.Contains(name, "sddm")
	getty := strings.Contains(name, "getty")
	return scrubLines(out, func(line string) string {
		if m := autologinKey.FindStringSubmatch(line); m != nil {
			return m[1] + pseudonym(m[2]) + m[3]
		}
		if m := sddmUserKey.FindStringSubmatch(line); sddm && m != nil {
			return m[1] + pseudonym(m[2]) + m[3]
		}
		if strings.Contains(line, "unix-user:") {
			return scrubUnixUsers(line)
		}
		if getty {
			return agettyAutologin.ReplaceAllStringFunc(line, func(s string) string {
				m := agettyAutologin.FindStringSubmatch(s)
				return m[1] + pseudonym(m[2])
			})
		}
		return line
	})
}

// pseudonym is the name an account's name becomes.
// scrubPasswordField keeps of a password field (in /etc/shadow, or an
// old-style /etc/passwd) only what the check reads: empty (no password),
// /etc/passwd's "x" (the password is in /etc/shadow), locked ("!" or "*",
// what it starts with), and otherwise that a password is set, as
// scrubbedHash. No hash is kept.
func scrubPasswordField(field string) string {
	switch {
	case field == "" || field == shadowedPassword:
		return field
	case strings.HasPrefix(field, "!"):
		return "!"
	case strings.HasPrefix(field, "*"):
		return "*"
	}
	return scrubbedHash
}

// scrubbedHash stands for a password hash in a scrubbed bundle.
const scrubbedHash = "scrubbed-hash"

func pseudonym(name string) string { return evidence.Pseudonym("user", name) }

// isPersonID tells a person's account (or group) id from a system one:
// from first (1000 on Linux, 500 on macOS) up, and not nobody/nogroup.
func isPersonID(id, first int) bool { return id >= first && id != 65534 && id < 4294967294 }

// scrubColonFile rewrites the lines of a colon-separated file that have
// exactly fields fields (comments and NIS "+" lines are kept as they are).
func scrubColonFile(out []byte, fields int, fn func([]string)) []byte {
	return scrubLines(out, func(line string) string {
		f := strings.Split(line, ":")
		if len(f) != fields || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
			return line
		}
		fn(f)
		return strings.Join(f, ":")
	})
}

// scrubLines rewrites out line by line, keeping line endings.
func scrubLines(out []byte, fn func(string) string) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	for i, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		lines[i] = fn(body) + line[len(body):]
	}
	return []byte(strings.Join(lines, ""))
}

// scrubLoginwindowPlist pseudonymises autoLoginUser and lastUserName in
// com.apple.loginwindow.plist, written back in the format it came in; a
// plist that does not parse is kept as it is (the check reports it so).
func scrubLoginwindowPlist(out []byte) []byte {
	var m map[string]any
	format, err := plist.Unmarshal(out, &m)
	if err != nil || m == nil {
		return out
	}
	changed := false
	for _, key := range []string{"autoLoginUser", "lastUserName"} {
		if s, ok := m[key].(string); ok && strings.TrimSpace(s) != "" {
			m[key] = pseudonym(s)
			changed = true
		}
	}
	if !changed {
		return out
	}
	var b bytes.Buffer
	enc := plist.NewEncoderForFormat(&b, format)
	if format != plist.BinaryFormat {
		enc.Indent("\t")
	}
	if err := enc.Encode(m); err != nil {
		return out
	}
	return b.Bytes()
}

// The user keys of greetd (user = "sam" in any section), nodm
// (NODM_USER=sam) and ly (auto_login_user = sam); the value may be quoted.
var (
	tomlUserKey = regexp.MustCompile(`^(\s*user\s*=\s*["']?)([^"'\s]+)(["']?\s*)$`)
	nodmUserKey = regexp.MustCompile(`^(\s*NODM_USER\s*=\s*["']?)([^"'\s]+)(["']?\s*)$`)
	lyUserKey   = regexp.MustCompile(`^(\s*auto_login_user\s*=\s*["']?)([^"'\s]+)(["']?\s*)$`)
	unixUserRE  = regexp.MustCompile(`unix-user:([A-Za-z_][A-Za-z0-9_.$-]*)`)
)

// replaceValue pseudonymises the value a key regexp matched (but root and
// ly's null).
func replaceValue(re *regexp.Regexp, line string) string {
	m := re.FindStringSubmatch(line)
	if m == nil || m[2] == "root" || m[2] == "null" {
		return line
	}
	return m[1] + pseudonym(m[2]) + m[3]
}

// polkitSubjectUser is a rule's test of the user: subject.user == "sam".
var polkitSubjectUser = regexp.MustCompile(`(\.user\s*==+\s*["'])([^"']+)(["'])`)

// scrubUnixUsers pseudonymises polkit's unix-user:NAME identities and
// subject.user comparisons (uids and root stay).
func scrubUnixUsers(line string) string {
	line = polkitSubjectUser.ReplaceAllStringFunc(line, func(s string) string {
		m := polkitSubjectUser.FindStringSubmatch(s)
		if m[2] == "root" {
			return s
		}
		return m[1] + pseudonym(m[2]) + m[3]
	})
	return unixUserRE.ReplaceAllStringFunc(line, func(s string) string {
		name := strings.TrimPrefix(s, "unix-user:")
		if name == "root" {
			return s
		}
		return "unix-user:" + pseudonym(name)
	})
}

// sudoName pseudonymises one user name of a sudoers list, keeping ALL,
// root, #uids, %groups, +netgroups, aliases (upper case) and negation.
func sudoName(tok string) string {
	t := strings.TrimSpace(tok)
	lead := tok[:strings.Index(tok, t)]
	trail := tok[len(lead)+len(t):]
	neg := ""
	for strings.HasPrefix(t, "!") {
		neg, t = neg+"!", t[1:]
	}
	if t == "" || t == "ALL" || t == "root" || strings.ContainsAny(t[:1], "%#+") || regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(t) {
		return tok
	}
	return lead + neg + pseudonym(t) + trail
}

// sudoNames applies sudoName to each item of a comma-separated list.
func sudoNames(list string) string {
	items := strings.Split(list, ",")
	for i, it := range items {
		items[i] = sudoName(it)
	}
	return strings.Join(items, ",")
}

var (
	sudoAliasLine    = regexp.MustCompile(`^(\s*(?:User_Alias|Runas_Alias)\s+)(.*)$`)
	sudoDefaultsUser = regexp.MustCompile(`^(\s*Defaults[:>])(\S+)(.*)$`)
	sudoRunas        = regexp.MustCompile(`\(([^():]*)(:[^()]*)?\)`)
	sudoSpecLine     = regexp.MustCompile(`^(\s*)(.+?)(\s+\S+\s*=)(.*)$`)
)

// scrubSudoers pseudonymises the user names of a sudoers file: in user
// specifications (user list and runas users), User_Alias and Runas_Alias
// members and Defaults:user lines. Group names (%group) are kept, as
// /etc/group keeps the names of groups below gid 1000.
func scrubSudoers(out []byte) []byte {
	return scrubLines(out, func(line string) string {
		if cut := stripSudoComment(line); cut != strings.TrimSpace(line) && !strings.HasPrefix(strings.TrimSpace(line), "#include") {
			if cut == "" {
				return "#"
			}
			line = cut
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "", strings.HasPrefix(trimmed, "#"),
			strings.HasPrefix(trimmed, "@"), strings.HasPrefix(trimmed, "Cmnd_Alias"), strings.HasPrefix(trimmed, "Cmd_Alias"),
			strings.HasPrefix(trimmed, "Host_Alias"):
			return line
		}
		if m := sudoAliasLine.FindStringSubmatch(line); m != nil {
			defs := strings.Split(m[2], ":")
			for i, d := range defs {
				if name, list, ok := strings.Cut(d, "="); ok {
					defs[i] = name + "=" + sudoNames(list)
				}
			}
			return m[1] + strings.Join(defs, ":")
		}
		if m := sudoDefaultsUser.FindStringSubmatch(line); m != nil {
			return m[1] + sudoNames(m[2]) + m[3]
		}
		if strings.HasPrefix(trimmed, "Defaults") {
			return line
		}
		m := sudoSpecLine.FindStringSubmatch(line)
		if m == nil {
			return line
		}
		rest := sudoRunas.ReplaceAllStringFunc(m[4], func(r string) string {
			sm := sudoRunas.FindStringSubmatch(r)
			return "(" + sudoNames(sm[1]) + sm[2] + ")"
		})
		return m[1] + sudoNames(m[2]) + m[3] + rest
	})
}

// scrubDoas pseudonymises the users of doas.conf rules: the identity (not
// :group) and the "as" target (but root).
func scrubDoas(out []byte) []byte {
	return scrubLines(out, func(line string) string {
		body, _, commented := strings.Cut(line, "#")
		f := strings.Fields(body)
		r, ok := parseDoasRule(f)
		if !ok {
			if commented {
				return strings.TrimRight(body, " \t") + "#"
			}
			return line
		}
		for _, j := range []int{r.identity, r.target} {
			if j > 0 && !strings.HasPrefix(f[j], ":") && f[j] != "root" {
				f[j] = pseudonym(f[j])
			}
		}
		return strings.Join(f, " ")
	})
}
