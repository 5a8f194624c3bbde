package osupdates

import (
	"bytes"
	"path"
	"slices"
	"strings"
)

// scrub keeps an evidence bundle's record of GNOME Software's settings to
// the schema the check reads: `gsettings list-recursively
// org.gnome.software` also lists its child schemas, such as
// org.gnome.software.auth's account-id (an online account GNOME Software
// once signed in with). Their lines are dropped; output with no line of
// the schema (its stderr, a failure) is kept whole, so the bundle replays
// to the same result. Anything else is returned unchanged.
func scrub(name string, args []string, out []byte) []byte {
	if path.Base(name) != "gsettings" || !slices.Equal(args, []string{"list-recursively", gnomeSoftwareSchema}) {
		return out
	}
	var kept bytes.Buffer
	own := false
	for line := range strings.Lines(string(out)) {
		if schema, _, _ := strings.Cut(strings.TrimSpace(line), " "); schema == gnomeSoftwareSchema {
			kept.WriteString(line)
			own = true
		}
	}
	if !own {
		return out
	}
	return kept.Bytes()
}
