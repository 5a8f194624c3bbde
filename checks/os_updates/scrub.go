package osupdates

import (
	"path"
	"slices"

	"github.com/sessionguard/sessionguard/checks/internal/gsettings"
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
	return gsettings.ScrubList(out, gnomeSoftwareSchema, nil)
}
