package browsers

import (
	"path/filepath"
	"slices"
	"strings"
)

// Browser is one browser SessionGuard knows: its names, how its process is
// recognised and where it keeps its data on each OS. The catalogue (Known)
// is the only place these are written; discovery, the lock check, the
// --browser filter, the names people see and the CLI's help all derive
// from it.
type Browser struct {
	// ID is what Options.Browsers and --browser accept.
	ID string
	// Name is what people are shown.
	Name   string
	Engine Engine
	// Aliases are other names people type for it (lower case).
	Aliases []string
	// Processes are lower-case fragments of its process names on every
	// OS: a lock held by a process whose name has none of any browser's
	// is never asked to quit.
	Processes []string
	// Binaries are its program file names, lower case, without .exe, on
	// every OS (what a process table or a sound server names it by).
	Binaries []string
	// MacApp is its macOS app bundle ("Google Chrome.app"); empty where it
	// has none.
	MacApp string
	// WindowsUserInstalls are the folders under %LOCALAPPDATA% its
	// per-user installer puts the program in on Windows (slash-separated),
	// so that a program of its name found there is it.
	WindowsUserInstalls []string
	// DebPackages are the Debian packages its maker's own apt source
	// ships it as (the updates check counts a newer one waiting there as
	// a security update); empty where the distributions ship it.
	DebPackages []string
	// dirs are where it keeps its data, per OS ("linux" standing for every
	// Unix but macOS): the Chromium family's user data directories,
	// Firefox's folders holding profiles.ini, Safari's folders holding its
	// cookie store; the first of the layouts the browser uses now.
	dirs map[string][]dir
}

// base is a folder of the user's that browsers keep their data under.
type base int

const (
	home         base = iota
	xdgConfig         // $XDG_CONFIG_HOME, else ~/.config
	appSupport        // ~/Library/Application Support
	localAppData      // %LOCALAPPDATA%, else ~\AppData\Local
	roamingData       // %APPDATA%, else ~\AppData\Roaming
)

// dir is a folder under a base; path is slash-separated.
type dir struct {
	base base
	path string
}

// flatpak is where a Flatpak app keeps what it would keep in ~/.config.
func flatpak(app, path string) dir { return dir{home, ".var/app/" + app + "/config/" + path} }

// known is the catalogue, in the order browsers are listed.
var known = []Browser{
	{ID: Chrome, Name: "Google Chrome", Engine: EngineChromium,
		Aliases: []string{"google-chrome", "google chrome", "googlechrome"}, Processes: []string{"chrome"},
		Binaries: []string{"chrome", "google-chrome", "google-chrome-stable"}, MacApp: "Google Chrome.app",
		DebPackages:         []string{"google-chrome-stable", "google-chrome-beta", "google-chrome-unstable"},
		WindowsUserInstalls: []string{"Google/Chrome/Application", "Google/Chrome Beta/Application", "Google/Chrome Dev/Application", "Google/Chrome SxS/Application"},
		dirs: map[string][]dir{
			// Then the Beta, Dev and Canary channels (Chromium's
			// docs/user_data_dir.md; Dev's from its install modes).
			"linux": {{xdgConfig, "google-chrome"}, flatpak("com.google.Chrome", "google-chrome"),
				{xdgConfig, "google-chrome-beta"}, {xdgConfig, "google-chrome-unstable"}},
			"darwin": {{appSupport, "Google/Chrome"},
				{appSupport, "Google/Chrome Beta"}, {appSupport, "Google/Chrome Dev"}, {appSupport, "Google/Chrome Canary"}},
			"windows": {{localAppData, "Google/Chrome/User Data"},
				{localAppData, "Google/Chrome Beta/User Data"}, {localAppData, "Google/Chrome Dev/User Data"}, {localAppData, "Google/Chrome SxS/User Data"}},
		}},
	{ID: Chromium, Name: "Chromium", Engine: EngineChromium, Processes: []string{"chromium"},
		Binaries: []string{"chromium", "chromium-browser"}, MacApp: "Chromium.app",
		WindowsUserInstalls: []string{"Chromium/Application"},
		dirs: map[string][]dir{
			"linux":   {{xdgConfig, "chromium"}, {home, "snap/chromium/common/chromium"}, flatpak("org.chromium.Chromium", "chromium")},
			"darwin":  {{appSupport, "Chromium"}},
			"windows": {{localAppData, "Chromium/User Data"}},
		}},
	{ID: Edge, Name: "Microsoft Edge", Engine: EngineChromium,
		Aliases: []string{"msedge", "microsoft-edge", "microsoft edge"}, Processes: []string{"msedge"},
		Binaries: []string{"msedge", "microsoft-edge", "microsoft-edge-stable"}, MacApp: "Microsoft Edge.app",
		DebPackages:         []string{"microsoft-edge-stable", "microsoft-edge-beta", "microsoft-edge-dev"},
		WindowsUserInstalls: []string{"Microsoft/Edge/Application"},
		dirs: map[string][]dir{
			// Then Beta, Dev and (not on Linux) Canary, "SxS" on Windows.
			"linux": {{xdgConfig, "microsoft-edge"}, flatpak("com.microsoft.Edge", "microsoft-edge"),
				{xdgConfig, "microsoft-edge-beta"}, {xdgConfig, "microsoft-edge-dev"}},
			"darwin": {{appSupport, "Microsoft Edge"},
				{appSupport, "Microsoft Edge Beta"}, {appSupport, "Microsoft Edge Dev"}, {appSupport, "Microsoft Edge Canary"}},
			"windows": {{localAppData, "Microsoft/Edge/User Data"},
				{localAppData, "Microsoft/Edge Beta/User Data"}, {localAppData, "Microsoft/Edge Dev/User Data"}, {localAppData, "Microsoft/Edge SxS/User Data"}},
		}},
	{ID: Brave, Name: "Brave", Engine: EngineChromium, Processes: []string{"brave"},
		Binaries: []string{"brave", "brave-browser"}, MacApp: "Brave Browser.app",
		DebPackages:         []string{"brave-browser", "brave-browser-beta", "brave-browser-nightly"},
		WindowsUserInstalls: []string{"BraveSoftware/Brave-Browser/Application", "BraveSoftware/Brave-Browser-Beta/Application", "BraveSoftware/Brave-Browser-Nightly/Application"},
		dirs: map[string][]dir{
			// Then Beta and Nightly.
			"linux": {{xdgConfig, "BraveSoftware/Brave-Browser"}, {home, "snap/brave/current/.config/BraveSoftware/Brave-Browser"},
				flatpak("com.brave.Browser", "BraveSoftware/Brave-Browser"),
				{xdgConfig, "BraveSoftware/Brave-Browser-Beta"}, {xdgConfig, "BraveSoftware/Brave-Browser-Nightly"}},
			"darwin": {{appSupport, "BraveSoftware/Brave-Browser"},
				{appSupport, "BraveSoftware/Brave-Browser-Beta"}, {appSupport, "BraveSoftware/Brave-Browser-Nightly"}},
			"windows": {{localAppData, "BraveSoftware/Brave-Browser/User Data"},
				{localAppData, "BraveSoftware/Brave-Browser-Beta/User Data"}, {localAppData, "BraveSoftware/Brave-Browser-Nightly/User Data"}},
		}},
	{ID: Vivaldi, Name: "Vivaldi", Engine: EngineChromium, Processes: []string{"vivaldi"},
		Binaries: []string{"vivaldi", "vivaldi-bin"}, MacApp: "Vivaldi.app",
		DebPackages:         []string{"vivaldi-stable", "vivaldi-snapshot"},
		WindowsUserInstalls: []string{"Vivaldi/Application"},
		dirs: map[string][]dir{
			// Then the snapshot (development) builds.
			"linux":   {{xdgConfig, "vivaldi"}, flatpak("com.vivaldi.Vivaldi", "vivaldi"), {xdgConfig, "vivaldi-snapshot"}},
			"darwin":  {{appSupport, "Vivaldi"}, {appSupport, "Vivaldi Snapshot"}},
			"windows": {{localAppData, "Vivaldi/User Data"}},
		}},
	{ID: Opera, Name: "Opera", Engine: EngineChromium, Processes: []string{"opera"},
		Binaries: []string{"opera"}, MacApp: "Opera.app",
		DebPackages:         []string{"opera-stable", "opera-beta"},
		WindowsUserInstalls: []string{"Programs/Opera"},
		dirs: map[string][]dir{
			// Then beta ("Next"), developer and Opera GX.
			"linux": {{xdgConfig, "opera"}, {home, "snap/opera/current/.config/opera"}, flatpak("com.opera.Opera", "opera"),
				{xdgConfig, "opera-beta"}, {xdgConfig, "opera-developer"}},
			"darwin": {{appSupport, "com.operasoftware.Opera"},
				{appSupport, "com.operasoftware.OperaNext"}, {appSupport, "com.operasoftware.OperaDeveloper"}, {appSupport, "com.operasoftware.OperaGX"}},
			"windows": {{roamingData, "Opera Software/Opera Stable"},
				{roamingData, "Opera Software/Opera Next"}, {roamingData, "Opera Software/Opera Developer"}, {roamingData, "Opera Software/Opera GX Stable"}},
		}},
	// Arc's process is named "Arc": no fragment, only its binary's exact
	// name (browserLike) says it is a browser.
	{ID: Arc, Name: "Arc", Engine: EngineChromium,
		Binaries: []string{"arc"}, MacApp: "Arc.app",
		dirs: map[string][]dir{
			"darwin": {{appSupport, "Arc/User Data"}},
		}},
	{ID: Firefox, Name: "Firefox", Engine: EngineFirefox,
		Aliases: []string{"firefox-esr", "mozilla firefox"}, Processes: []string{"firefox"},
		Binaries: []string{"firefox", "firefox-esr", "firefox-bin"}, MacApp: "Firefox.app",
		DebPackages:         []string{"firefox", "firefox-esr", "firefox-beta", "firefox-nightly"},
		WindowsUserInstalls: []string{"Mozilla Firefox"},
		dirs: map[string][]dir{
			"linux": {
				{home, ".mozilla/firefox"},
				{xdgConfig, "mozilla/firefox"}, // Firefox ≥ 147 on new installs
				{home, "snap/firefox/common/.mozilla/firefox"},
				{home, ".var/app/org.mozilla.firefox/.mozilla/firefox"},
				flatpak("org.mozilla.firefox", "mozilla/firefox"),
			},
			"darwin":  {{appSupport, "Firefox"}},
			"windows": {{roamingData, "Mozilla/Firefox"}},
		}},
	{ID: LibreWolf, Name: "LibreWolf", Engine: EngineFirefox, Processes: []string{"librewolf"},
		Binaries: []string{"librewolf"}, MacApp: "LibreWolf.app",
		dirs: map[string][]dir{
			"linux":   {{home, ".librewolf"}, {home, ".var/app/io.gitlab.librewolf-community/.librewolf"}},
			"darwin":  {{appSupport, "librewolf"}},
			"windows": {{roamingData, "librewolf"}},
		}},
	{ID: Waterfox, Name: "Waterfox", Engine: EngineFirefox, Processes: []string{"waterfox"},
		Binaries: []string{"waterfox"}, MacApp: "Waterfox.app",
		dirs: map[string][]dir{
			"linux":   {{home, ".waterfox"}},
			"darwin":  {{appSupport, "Waterfox"}},
			"windows": {{roamingData, "Waterfox"}},
		}},
	{ID: Safari, Name: "Safari", Engine: EngineSafari, Processes: []string{"safari"},
		Binaries: []string{"safari"}, MacApp: "Safari.app",
		dirs: map[string][]dir{
			// The sandboxed store (Safari ≥ 13), then the old one.
			"darwin": {{home, "Library/Containers/com.apple.Safari/Data/Library/Cookies"}, {home, "Library/Cookies"}},
		}},
}

// Known returns the catalogue: every browser SessionGuard knows, in a
// stable order.
func Known() []Browser {
	out := make([]Browser, len(known))
	copy(out, known)
	return out
}

// engineCookieFiles are each engine's cookie stores in a profile
// directory, slash-separated, newest layout first (Chromium ≥ 96 keeps
// Network/Cookies, older versions Cookies).
var engineCookieFiles = map[Engine][]string{
	EngineChromium: {"Network/Cookies", "Cookies"},
	EngineFirefox:  {"cookies.sqlite"},
	EngineSafari:   {"Cookies.binarycookies"},
}

// osKey is the catalogue's key for a GOOS.
func osKey(goos string) string {
	if goos == "darwin" || goos == "windows" {
		return goos
	}
	return "linux" // and the BSDs
}

// dirs are b's data folders for env, in the catalogue's order.
func (e Env) dirs(b Browser) []string {
	var out []string
	for _, d := range b.dirs[osKey(e.GOOS)] {
		out = append(out, filepath.Join(e.base(d.base), filepath.FromSlash(d.path)))
	}
	return out
}

func (e Env) base(b base) string {
	h := e.Home
	switch b {
	case xdgConfig:
		return e.vars("XDG_CONFIG_HOME", filepath.Join(h, ".config"))
	case appSupport:
		return filepath.Join(h, "Library", "Application Support")
	case localAppData:
		return e.vars("LOCALAPPDATA", filepath.Join(h, "AppData", "Local"))
	case roamingData:
		return e.vars("APPDATA", filepath.Join(h, "AppData", "Roaming"))
	}
	return h
}

// Names maps each browser id to the name shown to people.
var Names = func() map[string]string {
	m := make(map[string]string, len(known))
	for _, b := range known {
		m[b.ID] = b.Name
	}
	return m
}()

// IDs returns the known browser ids in a stable order.
func IDs() []string {
	ids := make([]string, len(known))
	for i, b := range known {
		ids[i] = b.ID
	}
	return ids
}

// normaliseBrowser maps a user-typed browser name to its id ("" when
// unknown): an id or an alias, in any case.
func normaliseBrowser(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, b := range known {
		if s == b.ID || slices.Contains(b.Aliases, s) {
			return b.ID
		}
	}
	return ""
}

// browserLike reports whether a process name looks like a browser, so that
// a pid reused by an unrelated program is never asked to quit: it holds
// one of the Processes fragments or is exactly one of the Binaries.
func browserLike(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".exe")
	for _, b := range known {
		for _, p := range b.Processes {
			if strings.Contains(n, p) {
				return true
			}
		}
		if slices.Contains(b.Binaries, n) {
			return true
		}
	}
	return false
}
