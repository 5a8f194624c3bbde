package evidence

import (
	"maps"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// pseudonymiseProfileFolders returns rows with the person folders in the
// paths of class's probe.WMIPersonPaths properties pseudonymised: in
// <drive>:\Users\<name>\…, name becomes Pseudonym("user", name) — the name
// the recorder gives the person at the screen's folder too, so their paths
// still match their home on replay. Shared folders (Public, Default),
// wildcards and variables are kept. The rows given are not changed.
func pseudonymiseProfileFolders(class string, rows []map[string]any) []map[string]any {
	cols := probe.WMIPersonPaths[strings.ToLower(class)]
	if len(cols) == 0 {
		return rows
	}
	out := make([]map[string]any, len(rows))
	for i, row := range rows {
		out[i] = maps.Clone(row)
		for k, v := range row {
			for _, c := range cols {
				if strings.EqualFold(k, c) {
					out[i][k], _ = rewriteStrings(v, pseudonymiseProfileFolder)
				}
			}
		}
	}
	return out
}

// pseudonymiseProfileFolder pseudonymises the folder after a drive's
// Users folder in the Windows path p.
func pseudonymiseProfileFolder(p string) string {
	parts := strings.Split(p, `\`)
	for i := 0; i+2 < len(parts); i++ {
		drive, users, name := parts[i], parts[i+1], parts[i+2]
		if len(drive) == 2 && drive[1] == ':' && isLetter(drive[0]) && strings.EqualFold(users, "Users") &&
			!strings.ContainsAny(name, "*?%") && isPersonEntry(name) {
			parts[i+2] = Pseudonym("user", name)
			return strings.Join(parts, `\`)
		}
	}
	return p
}
