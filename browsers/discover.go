package browsers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Env says whose browsers to look for: a home directory, an OS (a GOOS
// value) and the environment variables discovery reads (XDG_CONFIG_HOME on
// Linux, LOCALAPPDATA and APPDATA on Windows). Tests pass a fake home and
// another OS; the CLI uses CurrentEnv.
type Env struct {
	Home string
	GOOS string
	Vars map[string]string
}

// CurrentEnv is the environment of the current user on this machine.
func CurrentEnv() (Env, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Env{}, fmt.Errorf("finding the home directory: %w", err)
	}
	vars := map[string]string{}
	for _, k := range []string{"XDG_CONFIG_HOME", "LOCALAPPDATA", "APPDATA"} {
		if v := os.Getenv(k); v != "" {
			vars[k] = v
		}
	}
	return Env{Home: home, GOOS: runtime.GOOS, Vars: vars}, nil
}

func (e Env) vars(k, def string) string {
	if v := e.Vars[k]; v != "" {
		return v
	}
	return def
}

// location is one place a browser keeps its data.
type location struct {
	browser string
	dir     string
}

// chromiumRoots are the user data directories of the Chromium family.
func (e Env) chromiumRoots() []location {
	h := e.Home
	switch e.GOOS {
	case "darwin":
		as := filepath.Join(h, "Library", "Application Support")
		return []location{
			{Chrome, filepath.Join(as, "Google", "Chrome")},
			{Chromium, filepath.Join(as, "Chromium")},
			{Edge, filepath.Join(as, "Microsoft Edge")},
			{Brave, filepath.Join(as, "BraveSoftware", "Brave-Browser")},
			{Vivaldi, filepath.Join(as, "Vivaldi")},
			{Opera, filepath.Join(as, "com.operasoftware.Opera")},
		}
	case "windows":
		local := e.vars("LOCALAPPDATA", filepath.Join(h, "AppData", "Local"))
		roaming := e.vars("APPDATA", filepath.Join(h, "AppData", "Roaming"))
		return []location{
			{Chrome, filepath.Join(local, "Google", "Chrome", "User Data")},
			{Chromium, filepath.Join(local, "Chromium", "User Data")},
			{Edge, filepath.Join(local, "Microsoft", "Edge", "User Data")},
			{Brave, filepath.Join(local, "BraveSoftware", "Brave-Browser", "User Data")},
			{Vivaldi, filepath.Join(local, "Vivaldi", "User Data")},
			{Opera, filepath.Join(roaming, "Opera Software", "Opera Stable")},
		}
	default: // linux and the BSDs
		cfg := e.vars("XDG_CONFIG_HOME", filepath.Join(h, ".config"))
		flatpak := func(app string, rest ...string) string {
			return filepath.Join(append([]string{h, ".var", "app", app, "config"}, rest...)...)
		}
		return []location{
			{Chrome, filepath.Join(cfg, "google-chrome")},
			{Chrome, flatpak("com.google.Chrome", "google-chrome")},
			{Chromium, filepath.Join(cfg, "chromium")},
			{Chromium, filepath.Join(h, "snap", "chromium", "common", "chromium")},
			{Chromium, flatpak("org.chromium.Chromium", "chromium")},
			{Edge, filepath.Join(cfg, "microsoft-edge")},
			{Edge, flatpak("com.microsoft.Edge", "microsoft-edge")},
			{Brave, filepath.Join(cfg, "BraveSoftware", "Brave-Browser")},
			{Brave, filepath.Join(h, "snap", "brave", "current", ".config", "BraveSoftware", "Brave-Browser")},
			{Brave, flatpak("com.brave.Browser", "BraveSoftware", "Brave-Browser")},
			{Vivaldi, filepath.Join(cfg, "vivaldi")},
			{Vivaldi, flatpak("com.vivaldi.Vivaldi", "vivaldi")},
			{Opera, filepath.Join(cfg, "opera")},
			{Opera, filepath.Join(h, "snap", "opera", "current", ".config", "opera")},
			{Opera, flatpak("com.opera.Opera", "opera")},
		}
	}
}

// firefoxRoots are the directories holding a Firefox profiles.ini.
func (e Env) firefoxRoots() []string {
	h := e.Home
	switch e.GOOS {
	case "darwin":
		return []string{filepath.Join(h, "Library", "Application Support", "Firefox")}
	case "windows":
		return []string{filepath.Join(e.vars("APPDATA", filepath.Join(h, "AppData", "Roaming")), "Mozilla", "Firefox")}
	default:
		cfg := e.vars("XDG_CONFIG_HOME", filepath.Join(h, ".config"))
		return []string{
			filepath.Join(h, ".mozilla", "firefox"),
			filepath.Join(cfg, "mozilla", "firefox"), // Firefox ≥ 147 on new installs
			filepath.Join(h, "snap", "firefox", "common", ".mozilla", "firefox"),
			filepath.Join(h, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
			filepath.Join(h, ".var", "app", "org.mozilla.firefox", "config", "mozilla", "firefox"),
		}
	}
}

// safariCookieFiles are the sandboxed (Safari ≥ 13) and old locations.
func (e Env) safariCookieFiles() []string {
	if e.GOOS != "darwin" {
		return nil
	}
	return []string{
		filepath.Join(e.Home, "Library", "Containers", "com.apple.Safari", "Data", "Library", "Cookies", "Cookies.binarycookies"),
		filepath.Join(e.Home, "Library", "Cookies", "Cookies.binarycookies"),
	}
}

// Discover lists the browser profiles found for env, in a stable order
// (browser, then location, then profile directory). A browser that is not
// installed is simply absent; unreadable metadata (a broken Local State or
// profiles.ini) falls back to scanning the directories.
func Discover(env Env) ([]Profile, error) {
	if env.Home == "" {
		return nil, errors.New("discovering browsers: no home directory")
	}
	var out []Profile
	seen := map[string]bool{}
	add := func(p Profile) {
		if seen[p.Dir] {
			return
		}
		seen[p.Dir] = true
		out = append(out, p)
	}
	for _, loc := range env.chromiumRoots() {
		for _, p := range chromiumProfiles(loc) {
			add(p)
		}
	}
	for _, root := range env.firefoxRoots() {
		for _, p := range firefoxProfiles(root) {
			add(p)
		}
	}
	var safari []string
	for _, f := range env.safariCookieFiles() {
		_, err := os.Stat(f)
		// Without Full Disk Access the sandboxed file cannot even be
		// looked at: keep it, so clearing says how to grant access.
		if err == nil || errors.Is(err, fs.ErrPermission) {
			safari = append(safari, f)
		}
	}
	if len(safari) > 0 {
		add(Profile{Browser: Safari, Engine: EngineSafari, Name: "Safari", Dir: filepath.Dir(safari[0]), CookieFiles: safari, dirName: "Safari"})
	}
	return out, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// chromiumCookieFiles returns the cookie stores of a Chromium profile
// directory: Network/Cookies (Chromium ≥ 96) and the older Cookies.
func chromiumCookieFiles(dir string) []string {
	var files []string
	for _, f := range []string{filepath.Join(dir, "Network", "Cookies"), filepath.Join(dir, "Cookies")} {
		if isFile(f) {
			files = append(files, f)
		}
	}
	return files
}

// chromiumProfiles lists the profiles of one user data directory: those
// named in Local State's profile.info_cache and any directory holding a
// cookie store. Opera keeps its first profile in the root itself.
func chromiumProfiles(loc location) []Profile {
	if !isDir(loc.dir) {
		return nil
	}
	names := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(loc.dir, "Local State")); err == nil {
		var ls struct {
			Profile struct {
				InfoCache map[string]struct {
					Name string `json:"name"`
				} `json:"info_cache"`
			} `json:"profile"`
		}
		if json.Unmarshal(b, &ls) == nil {
			for dir, info := range ls.Profile.InfoCache {
				if filepath.Base(dir) == dir && dir != "." && dir != ".." {
					names[dir] = info.Name
				}
			}
		}
	}
	var dirs []string
	for d := range names {
		dirs = append(dirs, d)
	}
	if entries, err := os.ReadDir(loc.dir); err == nil {
		for _, e := range entries {
			if _, listed := names[e.Name()]; !listed && e.IsDir() && e.Name() != "Network" && len(chromiumCookieFiles(filepath.Join(loc.dir, e.Name()))) > 0 {
				dirs = append(dirs, e.Name())
			}
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return profileLess(dirs[i], dirs[j]) })
	var out []Profile
	if files := chromiumCookieFiles(loc.dir); len(files) > 0 {
		out = append(out, Profile{Browser: loc.browser, Engine: EngineChromium, Name: "Default", Dir: loc.dir, LockDir: loc.dir, CookieFiles: files, dirName: filepath.Base(loc.dir)})
	}
	for _, d := range dirs {
		dir := filepath.Join(loc.dir, d)
		if !isDir(dir) {
			continue
		}
		name := names[d]
		if name == "" {
			name = d
		}
		out = append(out, Profile{Browser: loc.browser, Engine: EngineChromium, Name: name, Dir: dir, LockDir: loc.dir, CookieFiles: chromiumCookieFiles(dir), dirName: d})
	}
	return out
}

// profileLess orders Default first, then "Profile N" numerically, then the
// rest by name.
func profileLess(a, b string) bool {
	rank := func(s string) (int, int) {
		if s == "Default" {
			return 0, 0
		}
		var n int
		if _, err := fmt.Sscanf(s, "Profile %d", &n); err == nil {
			return 1, n
		}
		return 2, 0
	}
	ra, na := rank(a)
	rb, nb := rank(b)
	if ra != rb {
		return ra < rb
	}
	if na != nb {
		return na < nb
	}
	return a < b
}

// iniSection is one [section] of an INI file.
type iniSection struct {
	name string
	keys map[string]string
}

// parseINI reads the simple INI dialect of profiles.ini.
func parseINI(b []byte) []iniSection {
	var out []iniSection
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		switch {
		case line == "" || line[0] == ';' || line[0] == '#':
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			out = append(out, iniSection{name: line[1 : len(line)-1], keys: map[string]string{}})
		default:
			k, v, ok := strings.Cut(line, "=")
			if ok && len(out) > 0 {
				out[len(out)-1].keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// firefoxProfiles lists the profiles named in root/profiles.ini.
func firefoxProfiles(root string) []Profile {
	b, err := os.ReadFile(filepath.Join(root, "profiles.ini"))
	if err != nil {
		return nil
	}
	var out []Profile
	for _, s := range parseINI(b) {
		if !strings.HasPrefix(strings.ToLower(s.name), "profile") || s.keys["Path"] == "" {
			continue
		}
		path := s.keys["Path"]
		dir := path
		if s.keys["IsRelative"] != "0" {
			dir = filepath.Join(root, filepath.FromSlash(path))
		}
		if !isDir(dir) {
			continue
		}
		name := s.keys["Name"]
		if name == "" {
			name = filepath.Base(dir)
		}
		out = append(out, Profile{Browser: Firefox, Engine: EngineFirefox, Name: name, Dir: dir, LockDir: dir, CookieFiles: firefoxCookieFiles(dir), dirName: filepath.Base(dir)})
	}
	return out
}

func firefoxCookieFiles(dir string) []string {
	if f := filepath.Join(dir, "cookies.sqlite"); isFile(f) {
		return []string{f}
	}
	return nil
}
