package live

import "strings"

// samePath reports whether want, a Windows path asked for, is the path the
// system says it opened (final, as GetFinalPathNameByHandle gives it: with
// a \\?\ or \\?\UNC\ prefix). Case and the separator do not matter, as on
// Windows; anything else means a link or junction led elsewhere. Pure, so
// it is tested on every OS.
func samePath(want, final string) bool {
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "/", `\`)
		switch {
		case strings.HasPrefix(s, `\\?\UNC\`):
			s = `\\` + s[len(`\\?\UNC\`):]
		case strings.HasPrefix(s, `\\?\`):
			s = s[len(`\\?\`):]
		}
		return strings.TrimRight(s, `\`)
	}
	return strings.EqualFold(norm(want), norm(final))
}
