// Package text holds the small helpers the checks, the tray and the CLI use
// to word what they tell people.
package text

import "strings"

// JoinAnd joins items as an English list: "a", "a and b", "a, b and c".
// No items give "".
func JoinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Capitalise upper-cases the first byte of s. It is for sentences that
// start with ASCII, as every check's do: a multi-byte first letter would
// be mangled.
func Capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
