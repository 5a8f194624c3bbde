// Package browsers finds the browser profiles of the current user and clears
// their cookies so that nothing of a cleared cookie can be recovered from the
// profile afterwards.
//
// It knows the Chromium family (Chrome, Chromium, Edge, Brave, Vivaldi,
// Opera, Arc, with their beta, dev and canary/nightly/snapshot channels and
// Opera GX), Firefox, LibreWolf and Waterfox (profiles.ini, including the
// snap and flatpak locations, and the profiles of Firefox's profile groups)
// and Safari (Cookies.binarycookies) on Linux, macOS and Windows, from one
// catalogue (Known, catalogue.go) that everything else derives from. Discovery
// takes the home directory, the OS and the environment as inputs, so the
// macOS and Windows layouts are tested with fake home directories on Linux.
//
// A profile whose browser is running is detected from the profile's own lock
// (Chromium SingletonLock, Firefox lock/.parentlock) and is never cleared:
// Chromium keeps cookies in memory and would write them back, Firefox holds
// the database. Such a profile is reported skipped with reason
// browser_running unless Options.CloseBrowsers asks the browser to quit first.
//
// Cookie databases are cleared with PRAGMA secure_delete=ON, the DELETE in a
// transaction, VACUUM and a truncating WAL checkpoint; the rollback journal
// is truncated too. Logins, history and Local State are never opened.
package browsers

import (
	"strings"
)

// Engine is the family of a browser, which decides the cookie store format
// and the lock.
type Engine string

// Engines.
const (
	EngineChromium Engine = "chromium"
	EngineFirefox  Engine = "firefox"
	EngineSafari   Engine = "safari"
)

// Browser identifiers, as accepted by Options.Browsers and --browser.
const (
	Chrome   = "chrome"
	Chromium = "chromium"
	Edge     = "edge"
	Brave    = "brave"
	Vivaldi  = "vivaldi"
	Opera    = "opera"
	Firefox  = "firefox"
	Safari   = "safari"
	// Arc is macOS only; LibreWolf and Waterfox are Firefox's engine.
	Arc       = "arc"
	LibreWolf = "librewolf"
	Waterfox  = "waterfox"
)

// Profile is one browser profile with a cookie store.
type Profile struct {
	Browser string `json:"browser"`     // id: chrome, firefox, safari…
	Engine  Engine `json:"engine"`      // chromium, firefox, safari
	Name    string `json:"profile"`     // display name ("Person 1", "default-release")
	Dir     string `json:"profile_dir"` // the profile directory
	// LockDir is where the browser keeps its lock: the Chromium user data
	// directory (one lock for all its profiles), the Firefox profile, or
	// "" for Safari.
	LockDir string `json:"-"`
	// CookieFiles are the cookie stores that exist, newest layout first
	// (Chromium: Network/Cookies then the older Cookies).
	CookieFiles []string `json:"cookie_files"`
	// dirName is the profile directory's base name (Default, Profile 1,
	// abcd.default-release), also accepted by the profile filter.
	dirName string
}

// matchesProfile reports whether the user's --profile value names p: its
// display name or its directory name, case-insensitively.
func (p Profile) matchesProfile(want string) bool {
	want = strings.TrimSpace(want)
	return strings.EqualFold(want, p.Name) || strings.EqualFold(want, p.dirName)
}

// cookieFilesNow lists the profile's cookie stores as they are on disk now.
func (p Profile) cookieFilesNow() []string {
	if p.Engine != EngineSafari {
		return cookieFiles(p.Engine, p.Dir)
	}
	return p.CookieFiles
}
