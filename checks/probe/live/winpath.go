package live

import "strings"

// expandWindowsPath replaces the {system} and {programfiles} placeholders.
func expandWindowsPath(p, system, programFiles string) string {
	p = strings.ReplaceAll(p, "{system}", strings.TrimRight(system, `\`))
	return strings.ReplaceAll(p, "{programfiles}", strings.TrimRight(programFiles, `\`))
}
