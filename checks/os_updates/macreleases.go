package osupdates

import (
	"fmt"
	"strings"
	"time"
)

// builtinMacReleases is the built-in table of macOS release dates
// ("macos version date"), brought up to date on eolTableDate; the policy's
// updates_release_dates adds to and corrects it. A Mac that waits for a
// version has waited at least since it was released. Only dates found in
// a source are listed (the notes of issue 19 name them): Apple's own
// "Apple security releases" (support.apple.com/100100) is the reference
// to add more from. Versions match exactly: 15.1 is not 15.1.1.
//
// Sources: eclecticlight.co ("Last Week on My Mac: Sequoia Spring"; "Planning
// for macOS this summer"), invgate.com/itdb/macos-sequoia, tidbits.com
// (macOS 26 on 15 September 2025), macrumors.com (major release dates),
// mrmacintosh.com's full-installer database (as summarised in a gist of
// June 2026).
var builtinMacReleases = []string{
	"macos 11.3 2021-04-26", "macos 12.3 2022-03-14", "macos 13.3 2023-03-27",
	"macos 14.0 2023-09-26", "macos 14.4 2024-03-07", "macos 14.8.7 2026-05-11",
	"macos 15.0 2024-09-16", "macos 15.1.1 2024-11-19", "macos 15.7.2 2025-11-03", "macos 15.7.7 2026-05-11",
	"macos 26.0 2025-09-15", "macos 26.1 2025-11-03", "macos 26.2 2025-12-12",
	"macos 26.3 2026-02-11", "macos 26.4 2026-03-24", "macos 26.5 2026-05-11", "macos 26.5.1 2026-06-01",
}

// releaseDate is when macOS version was released, by the table (exact
// version only).
func releaseDate(table []eolEntry, version string) (time.Time, bool) {
	for _, e := range table {
		if e.System == "macos" && strings.EqualFold(e.Version, version) && !e.Rolling {
			return e.End, true
		}
	}
	return time.Time{}, false
}

// macAge tells how long the waiting macOS updates have waited: since the
// earliest of each one's release date (the table) or, for a version the
// table lacks, when this Mac was first offered it. Both are honest: the
// update was out by then. An update with neither adds no age; when none
// has one the age stays unknown, with the reason.
func macAge(f facts, table []eolEntry) facts {
	u := &f.Updates
	if f.OS != "darwin" || u.Security == 0 || u.Since != nil {
		return f
	}
	day := func(t time.Time) string { return t.Format("2 January 2006") }
	var since time.Time
	var unknown []string
	for _, it := range u.Items {
		var t time.Time
		var why string
		if d, ok := releaseDate(table, it.Version); ok && it.Version != "" {
			t, why = d, fmt.Sprintf("macOS %s was released on %s", it.Version, day(d))
		}
		if it.Offered != nil && (t.IsZero() || it.Offered.Before(t)) {
			what := "the update"
			if it.Version != "" {
				what = "macOS " + it.Version
			}
			t, why = *it.Offered, fmt.Sprintf("this Mac was first offered %s on %s", what, day(*it.Offered))
		}
		switch {
		case t.IsZero() && it.Version != "":
			unknown = append(unknown, it.Version)
		case t.IsZero():
		case since.IsZero() || t.Before(since):
			since, u.basis = t, why
		}
	}
	switch {
	case !since.IsZero():
		u.Since = timePtr(since)
	case len(unknown) > 0:
		u.basis = fmt.Sprintf("macOS %s is not in SessionGuard's table of release dates (dated %s) and this Mac did not record when it was offered", strings.Join(unknown, ", "), eolTableDate)
	}
	return f
}
