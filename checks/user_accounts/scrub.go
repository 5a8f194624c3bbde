package useraccounts

import (
	"bytes"
	"path"
	"regexp"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Scrub keeps account names and people's details out of an evidence
// bundle. Every account name of a person becomes probe.Pseudonym("user",
// name) — the name the recorder gives the console user too — so group
// membership still matches on replay:
//   - /etc/passwd: the comment field (GECOS: a full name, phone numbers) and
//     the home directory are blanked (the check reads neither); the names of
//     accounts with a uid of 1000 or more (people; not nobody) are replaced.
//   - /etc/group: members (but root) are replaced, and the names of groups
//     with a gid of 1000 or more (a person's own group is named after them).
//   - display manager and getty settings (*.conf): the auto-login user of
//     GDM (AutomaticLogin, TimedLogin), LightDM (autologin-user), SDDM
//     ([Autologin] User) and agetty (--autologin NAME); the check only asks
//     whether one is set.
//   - macOS: the names in `dscl . -list /Users UniqueID` with a uid of 500 or
//     more, the members in `dscl . -read /Groups/admin GroupMembership`, the
//     auto-login user from `defaults read … autoLoginUser`, and the
//     loginwindow plist's autoLoginUser and lastUserName.
//
// Anything else is returned unchanged.
func Scrub(name string, args []string, out []byte) []byte {
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	switch {
	case args == nil && base == "passwd":
		return scrubColonFile(out, 7, func(f []string) {
			f[4], f[5] = "", ""
			if uid, err := strconv.Atoi(f[2]); err == nil && isPersonID(uid, 1000) {
				f[0] = pseudonym(f[0])
			}
		})
	case args == nil && base == "group":
		return scrubColonFile(out, 4, func(f []string) {
			if gid, err := strconv.Atoi(f[2]); err == nil && isPersonID(gid, 1000) {
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
	case args == nil && strings.HasSuffix(base, ".conf"):
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
var autologinKey = regexp.MustCompile(`^(\s*(?:AutomaticLogin|TimedLogin|autologin-user)\s*=\s*)(\S.*?)(\s*)$`)

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
func pseudonym(name string) string { return probe.Pseudonym("user", name) }

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
