package unixlogin

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A Condition is one "field test value" of a pam_succeed_if rule, as
// pam_succeed_if(8) reads it: field is login/name/user, uid, gid, shell,
// home/dir/homedir, service, ruser, rhost or tty; test is <, lt, <=, le,
// >, gt, >=, ge, eq, ne (numbers), =, != (strings), =~/glob, !~/noglob
// (shell patterns), in, notin (a colon-separated list), ingroup,
// notingroup, innetgr or notinnetgr.
type Condition struct {
	Field, Test, Value string
}

// SucceedIf is a pam_succeed_if rule that lets whoever meets all its
// conditions through before a password is asked.
type SucceedIf struct {
	Conditions []Condition
	// UseUID: the conditions are about the account the program runs as
	// (use_uid), not the one signing in.
	UseUID bool
	// Broken: an incomplete condition; pam_succeed_if fails (lets no
	// one through).
	Broken bool
}

// succeedIfFlags are pam_succeed_if's options that are not conditions.
var succeedIfFlags = map[string]bool{"debug": true, "use_uid": true, "quiet": true, "quiet_fail": true, "quiet_success": true, "audit": true}

// parseSucceedIf reads pam_succeed_if's arguments.
func parseSucceedIf(args []string) SucceedIf {
	var r SucceedIf
	var words []string
	for _, a := range args {
		switch {
		case a == "use_uid":
			r.UseUID = true
		case succeedIfFlags[a]:
		default:
			words = append(words, a)
		}
	}
	for len(words) >= 3 {
		r.Conditions = append(r.Conditions, Condition{Field: strings.ToLower(words[0]), Test: strings.ToLower(words[1]), Value: words[2]})
		words = words[3:]
	}
	r.Broken = len(words) > 0
	return r
}

// Whether a condition holds for an account.
type verdict int

const (
	holds verdict = iota
	fails
	notJudged
)

// subject is the account a pam_succeed_if rule is asked about, and what
// PAM knows when it asks.
type subject struct {
	account Passwd
	groups  []Group
	service string
}

// judge tells whether the rule lets the subject through: holds when every
// condition holds, fails when one fails (pam_succeed_if stops at the
// first), notJudged when none fails and one cannot be judged here.
func (r SucceedIf) judge(s subject) verdict {
	if r.Broken {
		return fails
	}
	v := holds
	for _, c := range r.Conditions {
		switch c.judge(s, r.UseUID) {
		case fails:
			return fails
		case notJudged:
			v = notJudged
		}
	}
	return v
}

// judge tells whether one condition holds for the subject. Conditions on
// ruser, rhost and tty (what the display manager or lock screen sets),
// netgroups, and any about the account the program runs as (use_uid) are
// not judged. An unknown field or test, or a number that is not one, is
// an error to pam_succeed_if: the rule fails.
func (c Condition) judge(s subject, useUID bool) verdict {
	var left string
	switch c.Field {
	case "login", "name", "user":
		left = s.account.Name
	case "uid":
		left = strconv.Itoa(s.account.UID)
	case "gid":
		left = strconv.Itoa(s.account.GID)
	case "shell":
		left = s.account.Shell
	case "home", "dir", "homedir":
		left = s.account.Home
	case "service":
		left = s.service
	case "ruser", "rhost", "tty":
		return notJudged
	default:
		return fails
	}
	if useUID && c.Field != "service" {
		return notJudged
	}
	switch c.Test {
	case "<", "lt", "<=", "le", ">", "gt", ">=", "ge", "eq", "ne":
		l, err1 := strconv.ParseInt(left, 0, 64)
		r, err2 := strconv.ParseInt(c.Value, 0, 64)
		if err1 != nil || err2 != nil {
			return fails
		}
		return verdictOf(map[string]bool{"<": l < r, "lt": l < r, "<=": l <= r, "le": l <= r, ">": l > r, "gt": l > r, ">=": l >= r, "ge": l >= r, "eq": l == r, "ne": l != r}[c.Test])
	case "=":
		return verdictOf(left == c.Value)
	case "!=":
		return verdictOf(left != c.Value)
	case "=~", "glob":
		return verdictOf(globMatch(c.Value, left))
	case "!~", "noglob":
		return verdictOf(!globMatch(c.Value, left))
	case "in":
		return verdictOf(slices.Contains(strings.Split(c.Value, ":"), left))
	case "notin":
		return verdictOf(!slices.Contains(strings.Split(c.Value, ":"), left))
	case "ingroup", "notingroup":
		// The account signing in, whatever the field names.
		in := InAnyGroup(s.account, s.groups, func(name string) bool { return slices.Contains(strings.Split(c.Value, ":"), name) })
		return verdictOf(in == (c.Test == "ingroup"))
	case "innetgr", "notinnetgr":
		return notJudged
	}
	return fails
}

func verdictOf(ok bool) verdict {
	if ok {
		return holds
	}
	return fails
}

// globMatch matches s against a shell pattern as fnmatch(3) without
// flags does: * and ? match any character, "/" too; [...] and [!...]
// are sets.
func globMatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			re.WriteString("(?s:.*)")
		case '?':
			re.WriteString("(?s:.)")
		case '[':
			end := strings.IndexByte(pattern[i+1:], ']')
			if end < 0 {
				re.WriteString(`\[`)
				continue
			}
			set := pattern[i+1 : i+1+end]
			if end == 0 { // "[]...]": a ] first is part of the set
				if e := strings.IndexByte(pattern[i+2:], ']'); e >= 0 {
					set, end = pattern[i+1:i+2+e], e+1
				}
			}
			if strings.HasPrefix(set, "!") {
				set = "^" + set[1:]
			}
			re.WriteString("[" + strings.ReplaceAll(strings.ReplaceAll(set, `\`, `\\`), "[", `\[`) + "]")
			i += end + 1
		case '\\':
			if i+1 < len(pattern) {
				i++
			}
			re.WriteString(regexp.QuoteMeta(string(pattern[i])))
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	m, err := regexp.MatchString(re.String(), s)
	return err == nil && m
}

// groupFor is the group the subject is in that the rule's "user ingroup"
// condition names (the conditions all having to hold, leaving it makes
// the rule fail); "" when the rule has no such condition.
func (r SucceedIf) groupFor(s subject) string {
	for _, c := range r.Conditions {
		if c.Test != "ingroup" {
			continue
		}
		for _, g := range strings.Split(c.Value, ":") {
			if InAnyGroup(s.account, s.groups, func(name string) bool { return name == g }) {
				return g
			}
		}
	}
	return ""
}

// succeedIfNameFields are the pam_succeed_if fields that hold an account
// name, and nameTests the tests that compare it with names written out.
var (
	succeedIfNameFields = map[string]bool{"login": true, "name": true, "user": true, "ruser": true}
	nameTests           = map[string]bool{"=": true, "!=": true, "in": true, "notin": true}
)

// ScrubPAM rewrites the account names a PAM file's pam_succeed_if
// conditions write out (user = NAME, user in NAME:NAME, ...) with
// pseudonym, as an evidence bundle renames accounts everywhere, so the
// bundle names no one and replays to the same result. root stays.
// Comments, which PAM ignores and which may name anyone, are dropped; the
// rest of the file is returned as it was.
func ScrubPAM(b []byte, pseudonym func(string) string) []byte {
	word := regexp.MustCompile(`\S+`)
	var out strings.Builder
	for line := range strings.Lines(string(b)) {
		code, comment, commented := strings.Cut(line, "#")
		if commented && strings.HasSuffix(comment, "\n") {
			code = strings.TrimRight(code, " \t") + "\n"
		}
		spans := word.FindAllStringIndex(code, -1)
		module := slices.IndexFunc(spans, func(s []int) bool { return strings.HasSuffix(code[s[0]:s[1]], "pam_succeed_if.so") })
		if module < 0 {
			out.WriteString(code)
			continue
		}
		var words []int // the indexes of condition words, flags left out
		for i := module + 1; i < len(spans); i++ {
			if !succeedIfFlags[code[spans[i][0]:spans[i][1]]] {
				words = append(words, i)
			}
		}
		replaced := map[int]string{}
		for j := 0; j+2 < len(words); j += 3 {
			field, test := strings.ToLower(code[spans[words[j]][0]:spans[words[j]][1]]), strings.ToLower(code[spans[words[j+1]][0]:spans[words[j+1]][1]])
			if !succeedIfNameFields[field] || !nameTests[test] {
				continue
			}
			v := spans[words[j+2]]
			names := strings.Split(code[v[0]:v[1]], ":")
			for k, n := range names {
				if n != "" && n != "root" {
					names[k] = pseudonym(n)
				}
			}
			replaced[words[j+2]] = strings.Join(names, ":")
		}
		last := 0
		for i, s := range spans {
			if r, ok := replaced[i]; ok {
				out.WriteString(code[last:s[0]] + r)
				last = s[1]
			}
		}
		out.WriteString(code[last:])
	}
	return []byte(out.String())
}
