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
	// The Chromium family first, then Firefox, then Safari, each in the
	// catalogue's order.
	for _, engine := range []Engine{EngineChromium, EngineFirefox, EngineSafari} {
		for _, b := range known {
			if b.Engine != engine {
				continue
			}
			switch engine {
			case EngineChromium:
				for _, d := range env.dirs(b) {
					for _, p := range chromiumProfiles(location{b.ID, d}) {
						add(p)
					}
				}
			case EngineFirefox:
				for _, d := range env.dirs(b) {
					for _, p := range firefoxProfiles(b.ID, d) {
						add(p)
					}
				}
			case EngineSafari:
				if p, ok := safariProfile(b, env.dirs(b)); ok {
					add(p)
				}
			}
		}
	}
	return out, nil
}

// safariProfile is Safari's one cookie store: the files in dirs that
// exist, or that exist but cannot be looked at.
func safariProfile(b Browser, dirs []string) (Profile, bool) {
	var files []string
	for _, d := range dirs {
		for _, name := range engineCookieFiles[b.Engine] {
			f := filepath.Join(d, filepath.FromSlash(name))
			_, err := os.Stat(f)
			// Without Full Disk Access the sandboxed file cannot even be
			// looked at: keep it, so clearing says how to grant access.
			if err == nil || errors.Is(err, fs.ErrPermission) {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		return Profile{}, false
	}
	return Profile{Browser: b.ID, Engine: b.Engine, Name: b.Name, Dir: filepath.Dir(files[0]), CookieFiles: files, dirName: b.Name}, true
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// cookieFiles returns the cookie stores of an engine's profile directory
// that exist (Chromium: Network/Cookies, then the older Cookies).
func cookieFiles(e Engine, dir string) []string {
	var files []string
	for _, name := range engineCookieFiles[e] {
		if f := filepath.Join(dir, filepath.FromSlash(name)); isFile(f) {
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
			if _, listed := names[e.Name()]; !listed && e.IsDir() && e.Name() != "Network" && len(cookieFiles(EngineChromium, filepath.Join(loc.dir, e.Name()))) > 0 {
				dirs = append(dirs, e.Name())
			}
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return profileLess(dirs[i], dirs[j]) })
	var out []Profile
	if files := cookieFiles(EngineChromium, loc.dir); len(files) > 0 {
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
		out = append(out, Profile{Browser: loc.browser, Engine: EngineChromium, Name: name, Dir: dir, LockDir: loc.dir, CookieFiles: cookieFiles(EngineChromium, dir), dirName: d})
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

// firefoxProfiles lists the profiles named in root/profiles.ini, then
// those only in its profile groups' databases (firefox_groups.go), then
// every other profile folder under root that holds a cookie store, so that
// no profile with cookies is passed over, with or without profiles.ini.
func firefoxProfiles(browser, root string) []Profile {
	b, _ := os.ReadFile(filepath.Join(root, "profiles.ini")) // none: no profile is named
	var out []Profile
	listed := map[string]bool{}
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
		listed[filepath.Clean(dir)] = true
		out = append(out, Profile{Browser: browser, Engine: EngineFirefox, Name: name, Dir: dir, LockDir: dir, CookieFiles: cookieFiles(EngineFirefox, dir), dirName: filepath.Base(dir)})
	}
	out = append(out, firefoxGroupProfiles(browser, root, listed)...)
	// Profiles that neither names still hold cookies.
	return append(out, unlistedFirefoxProfiles(browser, root, listed)...)
}
