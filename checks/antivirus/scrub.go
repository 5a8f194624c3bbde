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
// ClamAV's own accounts keep their names. A file that is a list of
// folders, one a line (clamonacc's -W and -e lists), has the account
// folders in its paths pseudonymised the same way: whatever file it is,
// a person's name in a home path is never kept. Anything else is
// returned unchanged.
func scrub(name string, args []string, out []byte) []byte {
	if args != nil || len(out) == 0 {
		return out
	}
	if !isClamConf(name, out) {
		if isPathList(out) {
			return scrubPathList(out)
		}
		return out
	}
	var b strings.Builder
	for line := range strings.Lines(string(out)) {
		key, raw, ok := splitClamConfLine(strings.TrimSuffix(line, "\n"))
		if !ok || !clamConfKeys[key] {
			continue
		}
		if key == "Example" {
			b.WriteString("Example\n")
			continue
		}
		b.WriteString(key + " " + scrubClamValue(key, raw) + "\n")
	}
	return []byte(b.String())
}

// scrubClamValue takes people's names out of an option's value as written,
// keeping how every ClamAV version reads it: the quote that opens it (what
// follows its closing quote, which ClamAV drops, is dropped), and an inline
// comment, whose words become "…".
func scrubClamValue(key, raw string) string {
	open, body := "", raw
	if rest, ok := strings.CutPrefix(raw, `"`); ok {
		open, body = `"`, rest
	}
	closing := ""
	if open != "" {
		if end := strings.LastIndex(body, `"`); end >= 0 {
			body, closing = body[:end], `"`
		}
	}
	// body: leading "#"s, the value, then spaces and a comment.
	hashes := len(body) - len(strings.TrimLeft(body, "#"))
	val, comment, commented := strings.Cut(body[hashes:], "#")
	trimmed := strings.TrimRight(val, " \t")
	space := val[len(trimmed):]
	switch {
	case key == "OnAccessExcludeUname" && trimmed != "" && !clamAccounts[trimmed]:
		trimmed = evidence.Pseudonym("user", trimmed)
	case strings.HasPrefix(trimmed, "/"):
		trimmed = pseudonymiseHome(trimmed)
	}
	out := open + body[:hashes] + trimmed + space
	if commented {
		out += "#"
		if strings.TrimSpace(comment) != "" {
			out += " …"
		}
	}
	return out + closing
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

// pseudonymiseHome replaces the account folder in a home path with its
// pseudonym, keeping the rest of the path as written (clamonacc compares
// exclusions as written: a doubled or trailing slash changes what they
// match).
func pseudonymiseHome(p string) string {
	return replaceHomeName(p, func(name string) string { return evidence.Pseudonym("user", name) })
}

// replaceHomeName replaces the account folder of /home/<name>/…,
// /home/.ecryptfs/<name>/…, /var/home/<name>/… or /Users/<name>/… with
// to(name), keeping the rest
// of the path as written; other paths (and dot-folders, not a person's)
// are returned as they are.
func replaceHomeName(p string, to func(name string) string) string {
	for _, root := range []string{"/home/.ecryptfs/", "/home/", "/var/home/", "/Users/"} {
		rest, ok := strings.CutPrefix(p, root)
		if !ok {
			continue
		}
		slashes := len(rest) - len(strings.TrimLeft(rest, "/"))
		name, tail, hasTail := strings.Cut(rest[slashes:], "/")
		if name == "" || strings.HasPrefix(name, ".") {
			return p
		}
		out := root + rest[:slashes] + to(name)
		if hasTail {
			out += "/" + tail
		}
		return out
	}
	return p
}

// isPathList reports whether every line of b that is not blank or a
// comment is an absolute path, and one at least is.
func isPathList(b []byte) bool {
	paths := 0
	for line := range strings.Lines(string(b)) {
		l := strings.TrimSpace(line)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "/"):
			paths++
		default:
			return false
		}
	}
	return paths > 0
}

// scrubPathList pseudonymises the account folders in a list of paths,
// keeping every line and its ending.
func scrubPathList(b []byte) []byte {
	var out strings.Builder
	for line := range strings.Lines(string(b)) {
		body := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(body, "/") {
			out.WriteString(pseudonymiseHome(body) + line[len(body):])
			continue
		}
		out.WriteString(line)
	}
	return []byte(out.String())
}
