package antivirus

import (
	"fmt"
	"regexp"
	"strings"
)

// How ClamAV's option parser (common/optparser.c, optparse) reads
// clamd.conf and freshclam.conf, which clamd and clamonacc share:
//   - a line is read up to "\n" ("\r" stays part of it); leading spaces and
//     tabs are skipped; a line starting with "#" is a comment, and one
//     starting with "Example" makes the program refuse the file;
//   - the option name ends at the first space or tab, its value starts
//     after the spaces and tabs that follow and ends before trailing
//     spaces and tabs; an option without a value is refused;
//   - a value starting with a double quote runs to the last double quote
//     (anything after it is dropped); an empty or unclosed quote is
//     refused;
//   - an option that may be given once keeps its FIRST value (optaddarg
//     ignores later lines); one that may be given many times
//     (OnAccessIncludePath, OnAccessMountPath, OnAccessExcludePath,
//     OnAccessExcludeUID, OnAccessExcludeUname) keeps every line;
//   - a yes/no option must be yes, true, 1, no, false or 0 (any case), a
//     number only digits, or the file is refused;
//   - from ClamAV 1.5.0 on, a "#" in a value starts an inline comment: the
//     value ends before it (strtok: "#"s at its start are skipped) and
//     before the spaces and tabs ahead of it, and a yes/no or number may
//     be followed by spaces and a comment. Earlier versions keep the "#"
//     and what follows as part of a text value, and refuse a yes/no or
//     number followed by a comment.
//
// The version of the running ClamAV is not read, so a file whose values
// hold a "#" is judged both ways (see clamConf.Older), and the reading
// that protects less decides.

// clamConf is what the check reads from clamd.conf or freshclam.conf, as
// ClamAV 1.5 and later read it.
type clamConf struct {
	// Example is true while the shipped "Example" line is not commented
	// out: the program refuses to run with it.
	Example           bool
	DatabaseDirectory string
	PidFile           string
	LocalSocket       string
	// OnAccessIncludePaths and OnAccessMountPaths are what clamonacc
	// watches; without either it watches nothing.
	OnAccessIncludePaths []string
	OnAccessMountPaths   []string
	// OnAccessPrevention is true when clamonacc is told to block access
	// to an infected file rather than only report it.
	OnAccessPrevention bool
	// What clamonacc leaves out: folders, accounts, and with
	// OnAccessDisableDDD the folders below an included one.
	OnAccessExcludePaths  []string
	OnAccessExcludeUIDs   []string
	OnAccessExcludeUnames []string
	OnAccessDisableDDD    bool
	// Refused says why ClamAV would refuse the file (the first such
	// line): a program running now read another version of it.
	Refused string
	// Older is how ClamAV 1.4 and earlier read the file, when that
	// differs (a "#" inside a text value is part of the value to them)
	// and they would accept it; nil otherwise.
	Older *clamConf
}

// clamConfListKeys are the options that may be given many times.
var clamConfListKeys = map[string]bool{
	"OnAccessIncludePath": true, "OnAccessMountPath": true, "OnAccessExcludePath": true,
	"OnAccessExcludeUID": true, "OnAccessExcludeUname": true,
}

// The values ClamAV accepts for yes/no and number options (matched
// ignoring case); from 1.5 on they may carry an inline comment after
// spaces.
var (
	clamBoolValue          = regexp.MustCompile(`(?i)^(yes|true|1|no|false|0)$`)
	clamBoolValueCommented = regexp.MustCompile(`(?i)^(yes|true|1|no|false|0)( *#.*)?$`)
	clamNumberValue        = regexp.MustCompile(`^[0-9]+$`)
	clamNumberCommented    = regexp.MustCompile(`^[0-9]+( *#.*)?$`)
)

// parseClamConf reads a clamd.conf or freshclam.conf as ClamAV 1.5 and
// later do, with Older set when ClamAV 1.4 and earlier read it otherwise.
func parseClamConf(b []byte) clamConf {
	c, commented := parseClamConfAs(b, true)
	if commented {
		if old, _ := parseClamConfAs(b, false); old.Refused == "" {
			c.Older = &old
		}
	}
	return c
}

// parseClamConfAs reads the file as a ClamAV version with or without
// inline comments does. commented reports whether a value the check reads
// holds a "#", which the other versions read otherwise.
func parseClamConfAs(b []byte, inlineComments bool) (c clamConf, commented bool) {
	set := map[string]bool{} // options given once that have their value
	refuse := func(n int, why string) {
		if c.Refused == "" {
			c.Refused = fmt.Sprintf("line %d: %s", n, why)
		}
	}
	for n, line := range strings.Split(string(b), "\n") {
		n++
		key, raw, ok := splitClamConfLine(line)
		switch {
		case !ok:
			continue
		case key == "Example":
			c.Example = true
			continue
		case !clamConfKeys[key]:
			continue
		case raw == "":
			refuse(n, key+" has no value")
			continue
		}
		literal, ok := unquoteClamValue(raw)
		if !ok {
			refuse(n, key+" has an empty or unclosed quote")
			continue
		}
		commented = commented || strings.Contains(literal, "#")
		val := literal
		switch key {
		case "OnAccessPrevention", "OnAccessDisableDDD":
			if !clamBoolValue.MatchString(val) && !(inlineComments && clamBoolValueCommented.MatchString(val)) {
				refuse(n, key+" is not yes or no")
				continue
			}
		case "OnAccessExcludeUID":
			if !clamNumberValue.MatchString(val) && !(inlineComments && clamNumberCommented.MatchString(val)) {
				refuse(n, key+" is not a number")
				continue
			}
		}
		if inlineComments {
			if val, ok = stripClamComment(val); !ok {
				refuse(n, key+" holds only a comment")
				continue
			}
		}
		if !clamConfListKeys[key] {
			if set[key] {
				continue // the first line of an option given once counts
			}
			set[key] = true
		}
		switch key {
		case "DatabaseDirectory":
			c.DatabaseDirectory = val
		case "PidFile":
			c.PidFile = val
		case "LocalSocket":
			c.LocalSocket = val
		case "OnAccessPrevention":
			c.OnAccessPrevention = isClamYes(val)
		case "OnAccessDisableDDD":
			c.OnAccessDisableDDD = isClamYes(val)
		case "OnAccessIncludePath":
			c.OnAccessIncludePaths = append(c.OnAccessIncludePaths, val)
		case "OnAccessMountPath":
			c.OnAccessMountPaths = append(c.OnAccessMountPaths, val)
		case "OnAccessExcludePath":
			c.OnAccessExcludePaths = append(c.OnAccessExcludePaths, val)
		case "OnAccessExcludeUname":
			c.OnAccessExcludeUnames = append(c.OnAccessExcludeUnames, val)
		case "OnAccessExcludeUID":
			// Read as a number (atoi): 01000 is uid 1000.
			uid := strings.TrimLeft(val, "0")
			if uid == "" {
				uid = "0"
			}
			c.OnAccessExcludeUIDs = append(c.OnAccessExcludeUIDs, uid)
		}
	}
	return c, commented
}

// splitClamConfLine splits a configuration line into its option name and
// its value as written (quotes and comments kept); ok is false for a
// blank line or a comment. An "Example" line is returned as that key.
func splitClamConfLine(line string) (key, raw string, ok bool) {
	body := strings.TrimLeft(line, " \t")
	if body == "" || strings.HasPrefix(body, "#") {
		return "", "", false
	}
	if strings.HasPrefix(body, "Example") {
		return "Example", "", true
	}
	i := strings.IndexAny(body, " \t")
	if i < 0 {
		return body, "", true
	}
	return body[:i], strings.TrimRight(strings.TrimLeft(body[i+1:], " \t"), " \t"), true
}

// unquoteClamValue takes the quotes off a value that starts with one: it
// runs to the last quote, and what follows is dropped. ok is false for an
// unclosed or empty quote.
func unquoteClamValue(raw string) (string, bool) {
	inner, quoted := strings.CutPrefix(raw, `"`)
	if !quoted {
		return raw, true
	}
	end := strings.LastIndex(inner, `"`)
	if end <= 0 {
		return "", false
	}
	return inner[:end], true
}

// stripClamComment takes an inline comment off a value as ClamAV 1.5 and
// later do; ok is false when nothing but "#"s is left.
func stripClamComment(v string) (string, bool) {
	if !strings.Contains(v, "#") {
		return v, true
	}
	v = strings.TrimLeft(v, "#")
	if v == "" {
		return "", false
	}
	v, _, _ = strings.Cut(v, "#")
	return strings.TrimRight(v, " \t"), true
}

// isClamYes reads a yes/no value ClamAV accepted.
func isClamYes(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "true", "1":
		return true
	}
	return false
}
