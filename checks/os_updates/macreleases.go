package osupdates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// builtinMacReleases is the built-in table of macOS release dates
// ("macos version date"), brought up to date on eolTableDate; the policy's
// updates_release_dates adds to and corrects it. A Mac that waits for a
// version has waited at least since it was released. Only dates found in
// a source are listed (the notes of issue 19 name them): Apple's own
// "Apple security releases" (support.apple.com/100100) is the reference
// to add more from. Versions match as numbers: 26.1 is 26.1.0, not 26.1.1;
// a Rapid Security Response is its version with the letter ("26.3a" for
// macOS 26.3 (a)).
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

// releaseDate is when macOS version was released, by the table (the
// same version only: 26.1 is 26.1.0, not 26.1.1).
func releaseDate(table []eolEntry, version string) (time.Time, bool) {
	v, ok := parseMacVersion(version)
	if !ok {
		return time.Time{}, false
	}
	for _, e := range table {
		if tv, ok := parseMacVersion(e.Version); ok && e.System == "macos" && !e.Rolling && tv.compare(v) == 0 {
			return e.End, true
		}
	}
	return time.Time{}, false
}

// macVersion is a macOS version as numbers (26.3.1 → 26, 3, 1) and the
// letter of a Rapid Security Response on it ("26.3 (a)", or "26.3a" in
// the table), which sorts after the version and before its next update.
type macVersion struct {
	parts []int
	rsr   string
}

// parseMacVersion reads "26.1", "26.1.1", "26.3 (a)" or "26.3a"; ok is
// false for anything else.
func parseMacVersion(s string) (macVersion, bool) {
	var v macVersion
	s = strings.TrimSpace(s)
	if base, extra, ok := strings.Cut(s, " "); ok {
		extra = strings.TrimSpace(extra)
		if len(extra) < 3 || extra[0] != '(' || extra[len(extra)-1] != ')' {
			return v, false
		}
		s, v.rsr = base, strings.ToLower(extra[1:len(extra)-1])
	} else if i := strings.LastIndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' }); i >= 0 && i < len(s)-1 {
		s, v.rsr = s[:i+1], strings.ToLower(s[i+1:])
	}
	for _, r := range v.rsr {
		if r < 'a' || r > 'z' {
			return v, false
		}
	}
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(p) > 4 {
			return v, false
		}
		v.parts = append(v.parts, n)
	}
	return v, len(v.parts) > 0
}

// compare orders two versions: <0 older, 0 the same, >0 newer. Missing
// parts are 0 (26.1 is 26.1.0).
func (v macVersion) compare(w macVersion) int {
	for i := range max(len(v.parts), len(w.parts)) {
		a, b := 0, 0
		if i < len(v.parts) {
			a = v.parts[i]
		}
		if i < len(w.parts) {
			b = w.parts[i]
		}
		if a != b {
			return a - b
		}
	}
	return strings.Compare(v.rsr, w.rsr)
}

// runningMacVersion is the version the Mac runs, with the Rapid Security
// Response sw_vers adds to its name ("macOS 26.3 (a)").
func runningMacVersion(r release) (macVersion, bool) {
	s := r.Version
	if extra := strings.TrimSpace(strings.TrimPrefix(r.Name, "macOS "+r.Version)); strings.HasPrefix(extra, "(") {
		s += " " + extra
	}
	return parseMacVersion(s)
}

// macBehind compares the running macOS with the dated table: the releases
// of the same major version newer than it and out by the facts' time.
// since is the first of them (the Mac has lacked an update since then),
// latest the newest (what to install). ok is false when none is newer,
// or the running version is not told. A newer major is an upgrade, not
// counted (Apple keeps updating the older ones).
func macBehind(f facts, table []eolEntry) (since eolEntry, latest string, ok bool) {
	running, known := runningMacVersion(f.Release)
	if !known {
		return eolEntry{}, "", false
	}
	var newest macVersion
	for _, e := range table {
		v, parsed := parseMacVersion(e.Version)
		if !parsed || e.System != "macos" || e.Rolling || e.End.After(f.At) ||
			v.parts[0] != running.parts[0] || v.compare(running) <= 0 {
			continue
		}
		if !ok || e.End.Before(since.End) {
			since = e
		}
		if !ok || v.compare(newest) > 0 {
			newest, latest = v, e.Version
		}
		ok = true
	}
	return since, latest, ok
}

// macAge tells how long the waiting macOS updates have waited: since the
// earliest of each one's release date (the table) or, for a version the
// table lacks, when this Mac was first offered it. Both are honest: the
// update was out by then. An update with neither adds no age; when none
// has one the age stays unknown, with the reason. A Mac behind the table
// (macBehind) has an update waiting whether or not Software Update lists
// it, since the first newer release of its major version.
func macAge(f facts, table []eolEntry) facts {
	u := &f.Updates
	if f.OS != "darwin" || u.Since != nil {
		return f
	}
	day := func(t time.Time) string { return t.Format("2 January 2006") }
	behind, latest, isBehind := macBehind(f, table)
	// Unread, the waiting updates are unknown already. Read, Software
	// Update's list can be empty while an update waits (the organisation
	// defers it, or no check has seen it yet): the table tells it is out.
	isBehind = isBehind && u.Read
	if isBehind && !macUpdateListed(f) {
		u.Security++
	}
	if u.Security == 0 {
		return f
	}
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
	if isBehind && (since.IsZero() || !behind.End.After(since)) {
		since, u.basis = behind.End, fmt.Sprintf("this Mac runs macOS %s, and %s was released on %s: install macOS %s", f.Release.Version, behind.Version, day(behind.End), latest)
		if u.DeferredDays > 0 && !macUpdateListed(f) {
			u.basis += fmt.Sprintf("; your organisation defers macOS updates by %s", plural(u.DeferredDays, "day", "days"))
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

// macUpdateListed reports whether Software Update lists an update of the
// running major macOS (already counted).
func macUpdateListed(f facts) bool {
	running, _ := runningMacVersion(f.Release)
	for _, it := range f.Updates.Items {
		if v, ok := parseMacVersion(it.Version); ok && v.parts[0] == running.parts[0] {
			return true
		}
	}
	return false
}
