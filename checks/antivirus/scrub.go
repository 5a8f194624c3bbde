package antivirus

import (
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// scrub keeps of a ClamAV configuration (clamd.conf, freshclam.conf, or the
// file clamonacc's -c names: told by its OnAccess lines) only the lines
// parseClamConf reads, and takes people's names out of them: the folder
// after /home or /Users in a path (OnAccessIncludePath /home/sam/Documents)
// and an account clamonacc skips (OnAccessExcludeUname sam) become
// evidence pseudonyms — the ones the recorder gives the person at the
// screen, so the judgement of their folder and account replays the same.
// ClamAV's own accounts keep their names. Anything else is returned
// unchanged. (clamonacc's -W/-e lists are not recognised by their
// content, and are kept as they are.)
func scrub(name string, args []string, out []byte) []byte {
	if args != nil || len(out) == 0 || !isClamConf(name, out) {
		return out
	}
	var b strings.Builder
	for line := range strings.Lines(string(out)) {
		body := strings.TrimSpace(line)
		key, val, _ := strings.Cut(body, " ")
		if body == "" || strings.HasPrefix(body, "#") || !clamConfKeys[key] {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case key == "OnAccessExcludeUname" && !clamAccounts[strings.Trim(val, `"`)]:
			val = evidence.Pseudonym("user", strings.Trim(val, `"`))
		case strings.HasPrefix(strings.Trim(val, `"`), "/"):
			val = pseudonymiseHome(strings.Trim(val, `"`))
		}
		b.WriteString(key + " " + val + "\n")
	}
	return []byte(b.String())
}

// clamConfKeys are the lines parseClamConf reads.
var clamConfKeys = map[string]bool{
	"Example": true, "DatabaseDirectory": true, "PidFile": true, "LocalSocket": true,
	"OnAccessIncludePath": true, "OnAccessMountPath": true, "OnAccessExcludePath": true,
	"OnAccessExcludeUID": true, "OnAccessExcludeUname": true, "OnAccessPrevention": true,
	"OnAccessDisableDDD": true,
}

// clamAccounts are the accounts ClamAV's packages run as.
var clamAccounts = map[string]bool{"clamav": true, "clamscan": true, "clamupdate": true, "clamilt": true, "root": true}

// isClamConf tells a ClamAV configuration by its path, or by a line
// setting an on-access option (clamonacc's -c file, anywhere).
func isClamConf(name string, out []byte) bool {
	if slices.Contains(clamdConfs, name) || slices.Contains(freshclamConfs, name) {
		return true
	}
	for line := range strings.Lines(string(out)) {
		if strings.HasPrefix(strings.TrimSpace(line), "OnAccess") {
			return true
		}
	}
	return false
}

// pseudonymiseHome replaces the account folder in /home/<name>/… or
// /Users/<name>/… with its pseudonym, keeping the rest of the path as
// written (clamonacc compares exclusions as written: a doubled or
// trailing slash changes what they match).
func pseudonymiseHome(p string) string {
	for _, root := range []string{"/home/", "/Users/"} {
		rest, ok := strings.CutPrefix(p, root)
		if !ok {
			continue
		}
		slashes := len(rest) - len(strings.TrimLeft(rest, "/"))
		name, tail, hasTail := strings.Cut(rest[slashes:], "/")
		if name == "" || strings.HasPrefix(name, ".") {
			return p
		}
		out := root + rest[:slashes] + evidence.Pseudonym("user", name)
		if hasTail {
			out += "/" + tail
		}
		return out
	}
	return p
}
