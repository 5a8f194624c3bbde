// Package browsers finds the browser profiles of the current user and clears
// their cookies so that nothing of a cleared cookie can be recovered from the
// profile afterwards.
//
// It knows the Chromium family (Chrome, Chromium, Edge, Brave, Vivaldi,
// Opera), Firefox (profiles.ini, including the snap and flatpak locations)
// and Safari (Cookies.binarycookies) on Linux, macOS and Windows. Discovery
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
)

// Names maps each browser id to the name shown to people.
var Names = map[string]string{
	Chrome:   "Google Chrome",
	Chromium: "Chromium",
	Edge:     "Microsoft Edge",
	Brave:    "Brave",
	Vivaldi:  "Vivaldi",
	Opera:    "Opera",
	Firefox:  "Firefox",
	Safari:   "Safari",
}

// IDs returns the known browser ids in a stable order.
func IDs() []string {
	return []string{Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Firefox, Safari}
}

// normaliseBrowser maps a user-typed browser name to its id ("" when unknown).
func normaliseBrowser(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "google-chrome", "google chrome", "googlechrome":
		return Chrome
	case "msedge", "microsoft-edge", "microsoft edge":
		return Edge
	case "firefox-esr", "mozilla firefox":
		return Firefox
	}
	if _, ok := Names[s]; ok {
		return s
	}
	return ""
}

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
	switch p.Engine {
	case EngineChromium:
		return chromiumCookieFiles(p.Dir)
	case EngineFirefox:
		return firefoxCookieFiles(p.Dir)
	}
	return p.CookieFiles
}
