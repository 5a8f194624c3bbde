// Package gsettings reads what the gsettings tool prints, for the checks
// that ask it for a desktop's settings as the console user (screen_lock:
// the GNOME-family lock settings; os_updates: GNOME Software's automatic
// updates): `gsettings list-recursively SCHEMA` listings, the GVariant
// text of their values, why a run gave no values, and how an evidence
// bundle keeps a listing (ScrubList). It runs nothing itself.
package gsettings

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// ParseList reads `gsettings list-recursively SCHEMA` output, one
// "schema key value" line per key, and returns the values of schema's keys
// as GVariant text ("uint32 300", "true", "5"). The lines of schema's
// children ("org.gnome.software.auth …" under "org.gnome.software") are
// not schema's. ok is false when no line belongs to schema: the schema is
// not installed ("No such schema" goes to stderr, in the user's language)
// or the output is not recognised.
func ParseList(b []byte, schema string) (map[string]string, bool) {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		s, rest, ok := strings.Cut(line, " ")
		if !ok || s != schema {
			continue
		}
		key, value, ok := strings.Cut(rest, " ")
		if !ok || key == "" {
			continue
		}
		vals[key] = strings.TrimSpace(value)
	}
	return vals, len(vals) > 0
}

// ScrubList is a `gsettings list-recursively SCHEMA` output as an evidence
// bundle keeps it: only the lines of schema's keys that keep reports true
// (nil: all of schema's own keys), never its children's. A listing holds
// whatever else the schema keeps (a picture under the user's home, an
// online account's id). ParseList reads the result as it read out: when
// schema has lines but none is kept, its first key stays with an empty
// value, so the listing still belongs to schema; output with no line of
// schema (stderr, a failure) is returned whole. out is never modified.
func ScrubList(out []byte, schema string, keep func(key string) bool) []byte {
	var kept bytes.Buffer
	first := ""
	for line := range strings.Lines(string(out)) {
		s, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		if s != schema {
			continue
		}
		key, _, _ := strings.Cut(rest, " ")
		if first == "" {
			first = key
		}
		if keep == nil || keep(key) {
			kept.WriteString(line)
		}
	}
	switch {
	case first == "":
		return out
	case kept.Len() == 0:
		return []byte(schema + " " + first + " ''\n")
	}
	return kept.Bytes()
}

// Uint reads a non-negative integer in GVariant text form: "uint32 300"
// (how gsettings prints a u), "300" (an i), "@u 300".
func Uint(s string) (int, bool) {
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"uint32 ", "int32 ", "uint64 ", "int64 ", "@u ", "@i "} {
		if strings.HasPrefix(s, prefix) {
			s = strings.TrimSpace(s[len(prefix):])
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Bool reads "true" or "false".
func Bool(s string) (bool, bool) {
	switch strings.TrimSpace(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// SchemaMissing is what Problem says when the schema is not installed.
const SchemaMissing = "schema not installed"

// Problem says why a gsettings run gave no values: SchemaMissing (its
// message on stderr says schema: "No such schema", German "Kein
// derartiges Schema"), "failed" (another non-zero exit status) or "not
// recognised".
func Problem(out probe.Output) string {
	msg := strings.ToLower(string(out.Stderr))
	switch {
	case strings.Contains(msg, "schema"):
		return SchemaMissing
	case out.ExitCode != 0:
		return "failed"
	}
	return "not recognised"
}
