package browsers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/browsers/binarycookies"
)

// touchDB writes a small cookie database.
func touchDB(t *testing.T, path string, e Engine) {
	t.Helper()
	writeCookieDB(t, path, e, "delete", sampleCookies[:2])
}

func TestDiscoverPerOS(t *testing.T) {
	type want struct{ browser, profile, file string } // file relative to home
	cases := []struct {
		name  string
		goos  string
		vars  func(home string) map[string]string
		setup func(t *testing.T, home string)
		want  []want
	}{
		{
			name: "linux chromium family, snap and flatpak firefox",
			goos: "linux",
			setup: func(t *testing.T, home string) {
				chrome := filepath.Join(home, ".config", "google-chrome")
				writeFile(t, filepath.Join(chrome, "Local State"), `{"profile":{"info_cache":{"Default":{"name":"Person 1"},"Profile 2":{"name":"Work"},"../evil":{"name":"x"}}}}`)
				touchDB(t, filepath.Join(chrome, "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(chrome, "Profile 2", "Cookies"), EngineChromium) // old layout
				touchDB(t, filepath.Join(chrome, "Profile 7", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(home, ".config", "BraveSoftware", "Brave-Browser", "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(home, "snap", "chromium", "common", "chromium", "Default", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(home, ".config", "opera", "Network", "Cookies"), EngineChromium)
				snap := filepath.Join(home, "snap", "firefox", "common", ".mozilla", "firefox")
				writeFile(t, filepath.Join(snap, "profiles.ini"), "[Install4F96D1932A9F858E]\nDefault=abc.default\n\n[Profile0]\nName=default\nIsRelative=1\nPath=abc.default\n")
				touchDB(t, filepath.Join(snap, "abc.default", "cookies.sqlite"), EngineFirefox)
				flat := filepath.Join(home, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox")
				abs := filepath.Join(home, "elsewhere", "xyz.work")
				writeFile(t, filepath.Join(flat, "profiles.ini"), "[Profile1]\nName=work\nIsRelative=0\nPath="+abs+"\n\n[Profile0]\nName=gone\nIsRelative=1\nPath=missing.default\n")
				touchDB(t, filepath.Join(abs, "cookies.sqlite"), EngineFirefox)
			},
			want: []want{
				{Chrome, "Person 1", ".config/google-chrome/Default/Network/Cookies"},
				{Chrome, "Work", ".config/google-chrome/Profile 2/Cookies"},
				{Chrome, "Profile 7", ".config/google-chrome/Profile 7/Network/Cookies"},
				{Chromium, "Default", "snap/chromium/common/chromium/Default/Cookies"},
				{Brave, "Default", ".config/BraveSoftware/Brave-Browser/Default/Network/Cookies"},
				{Opera, "Default", ".config/opera/Network/Cookies"},
				{Firefox, "default", "snap/firefox/common/.mozilla/firefox/abc.default/cookies.sqlite"},
				{Firefox, "work", "elsewhere/xyz.work/cookies.sqlite"},
			},
		},
		{
			name: "linux XDG_CONFIG_HOME",
			goos: "linux",
			vars: func(home string) map[string]string {
				return map[string]string{"XDG_CONFIG_HOME": filepath.Join(home, "cfg")}
			},
			setup: func(t *testing.T, home string) {
				touchDB(t, filepath.Join(home, "cfg", "microsoft-edge", "Default", "Network", "Cookies"), EngineChromium)
				writeFile(t, filepath.Join(home, "cfg", "mozilla", "firefox", "profiles.ini"), "[Profile0]\nName=new\nIsRelative=1\nPath=Profiles/n.default\n")
				touchDB(t, filepath.Join(home, "cfg", "mozilla", "firefox", "Profiles", "n.default", "cookies.sqlite"), EngineFirefox)
			},
			want: []want{
				{Edge, "Default", "cfg/microsoft-edge/Default/Network/Cookies"},
				{Firefox, "new", "cfg/mozilla/firefox/Profiles/n.default/cookies.sqlite"},
			},
		},
		{
			name: "macOS with Safari in both places",
			goos: "darwin",
			setup: func(t *testing.T, home string) {
				as := filepath.Join(home, "Library", "Application Support")
				touchDB(t, filepath.Join(as, "Google", "Chrome", "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(as, "Microsoft Edge", "Profile 1", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(as, "Vivaldi", "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(as, "com.operasoftware.Opera", "Default", "Network", "Cookies"), EngineChromium)
				writeFile(t, filepath.Join(as, "Firefox", "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/q.default-release\n")
				touchDB(t, filepath.Join(as, "Firefox", "Profiles", "q.default-release", "cookies.sqlite"), EngineFirefox)
				writeSafari(t, filepath.Join(home, "Library", "Containers", "com.apple.Safari", "Data", "Library", "Cookies", "Cookies.binarycookies"), []string{".zoom.us"})
				writeSafari(t, filepath.Join(home, "Library", "Cookies", "Cookies.binarycookies"), []string{"old.example"})
			},
			want: []want{
				{Chrome, "Default", "Library/Application Support/Google/Chrome/Default/Network/Cookies"},
				{Edge, "Profile 1", "Library/Application Support/Microsoft Edge/Profile 1/Network/Cookies"},
				{Vivaldi, "Default", "Library/Application Support/Vivaldi/Default/Network/Cookies"},
				{Opera, "Default", "Library/Application Support/com.operasoftware.Opera/Default/Network/Cookies"},
				{Firefox, "default-release", "Library/Application Support/Firefox/Profiles/q.default-release/cookies.sqlite"},
				{Safari, "Safari", "Library/Containers/com.apple.Safari/Data/Library/Cookies/Cookies.binarycookies"},
			},
		},
		{
			name: "windows LOCALAPPDATA and APPDATA",
			goos: "windows",
			vars: func(home string) map[string]string {
				return map[string]string{"LOCALAPPDATA": filepath.Join(home, "AppData", "Local"), "APPDATA": filepath.Join(home, "AppData", "Roaming")}
			},
			setup: func(t *testing.T, home string) {
				local := filepath.Join(home, "AppData", "Local")
				roaming := filepath.Join(home, "AppData", "Roaming")
				touchDB(t, filepath.Join(local, "Google", "Chrome", "User Data", "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(local, "Microsoft", "Edge", "User Data", "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(local, "BraveSoftware", "Brave-Browser", "User Data", "Default", "Network", "Cookies"), EngineChromium)
				touchDB(t, filepath.Join(roaming, "Opera Software", "Opera Stable", "Network", "Cookies"), EngineChromium)
				writeFile(t, filepath.Join(roaming, "Mozilla", "Firefox", "profiles.ini"), "[Profile0]\r\nName=default-release\r\nIsRelative=1\r\nPath=Profiles/w.default-release\r\nDefault=1\r\n")
				touchDB(t, filepath.Join(roaming, "Mozilla", "Firefox", "Profiles", "w.default-release", "cookies.sqlite"), EngineFirefox)
				// Safari paths mean nothing on Windows.
				writeSafari(t, filepath.Join(home, "Library", "Cookies", "Cookies.binarycookies"), []string{"x.example"})
			},
			want: []want{
				{Chrome, "Default", "AppData/Local/Google/Chrome/User Data/Default/Network/Cookies"},
				{Edge, "Default", "AppData/Local/Microsoft/Edge/User Data/Default/Network/Cookies"},
				{Brave, "Default", "AppData/Local/BraveSoftware/Brave-Browser/User Data/Default/Network/Cookies"},
				{Opera, "Default", "AppData/Roaming/Opera Software/Opera Stable/Network/Cookies"},
				{Firefox, "default-release", "AppData/Roaming/Mozilla/Firefox/Profiles/w.default-release/cookies.sqlite"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			tc.setup(t, home)
			env := Env{Home: home, GOOS: tc.goos}
			if tc.vars != nil {
				env.Vars = tc.vars(home)
			}
			got, err := Discover(env)
			if err != nil {
				t.Fatal(err)
			}
			var gotW []want
			for _, p := range got {
				f := ""
				if len(p.CookieFiles) > 0 {
					f, _ = filepath.Rel(home, p.CookieFiles[0])
				}
				gotW = append(gotW, want{p.Browser, p.Name, filepath.ToSlash(f)})
			}
			if !slices.Equal(gotW, tc.want) {
				t.Errorf("got\n%v\nwant\n%v", gotW, tc.want)
			}
		})
	}
}

func writeSafari(t *testing.T, path string, domains []string) {
	t.Helper()
	f := &binarycookies.File{Metadata: []byte("bplist00-fake-policy")}
	for i, d := range domains {
		f.Pages = append(f.Pages, binarycookies.Page{Cookies: []binarycookies.Cookie{{
			Domain: d, Name: fmt.Sprintf("safari%d", i), Path: "/", Value: "SAFARIVALUE" + strings.Trim(d, "."),
			Flags: binarycookies.FlagSecure, Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		}}})
	}
	b, err := binarycookies.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
}

func TestSafariClear(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "Library", "Containers", "com.apple.Safari", "Data", "Library", "Cookies", "Cookies.binarycookies")
	writeSafari(t, path, []string{".zoom.us", "us02web.zoom.us", "notzoom.us", ".mybank.co.uk", "meet.google.com"})
	env := &Env{Home: home, GOOS: "darwin"}
	sys := &system{safariRunning: func(context.Context) bool { return false }}

	infos, err := List(t.Context(), Options{Env: env, sys: sys})
	if err != nil || len(infos) != 1 || infos[0].Cookies != 5 || infos[0].Sites != 4 {
		t.Fatalf("List: %+v, %v", infos, err)
	}
	rep, err := Clear(t.Context(), Options{Env: env, Domains: []string{"zoom.us", "meet.google.com"}, sys: sys})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Results[0]; r.Status != StatusCleared || r.Before != 5 || r.Removed != 3 || r.Kept != 2 {
		t.Fatalf("got %+v", r)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := binarycookies.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, c := range f.Cookies() {
		left = append(left, c.Domain)
	}
	if !slices.Equal(left, []string{"notzoom.us", ".mybank.co.uk"}) {
		t.Errorf("left %v", left)
	}
	if string(f.Metadata) != "bplist00-fake-policy" {
		t.Error("metadata lost")
	}
	if bytes := string(b); strings.Contains(bytes, "SAFARIVALUEzoom") || strings.Contains(bytes, "SAFARIVALUEmeet") {
		t.Error("cleared Safari values still in the file")
	}

	// Safari open: skipped.
	sys.safariRunning = func(context.Context) bool { return true }
	rep, _ = Clear(t.Context(), Options{Env: env, sys: sys})
	if r := rep.Results[0]; r.Status != StatusSkipped || r.Reason != ReasonBrowserRunning {
		t.Errorf("Safari open: got %+v", r)
	}
}

func TestPermissionDeniedSaysHowToGrantFullDiskAccess(t *testing.T) {
	denied := fmt.Errorf("reading Cookies.binarycookies: %w", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission})
	reason, detail, fix := explain(denied, "darwin")
	if reason != ReasonPermissionDenied || !strings.Contains(fix, "System Settings > Privacy & Security > Full Disk Access, turn on SessionGuard") || detail == "" {
		t.Errorf("got %q %q %q", reason, detail, fix)
	}
	if os.Geteuid() != 0 { // root reads anything
		home := t.TempDir()
		path := filepath.Join(home, "Library", "Cookies", "Cookies.binarycookies")
		writeSafari(t, path, []string{"a.example"})
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		rep, _ := Clear(t.Context(), Options{Env: &Env{Home: home, GOOS: "darwin"}, sys: &system{}})
		if r := rep.Results[0]; r.Status != StatusError || r.Fix != FullDiskAccessFix {
			t.Errorf("got %+v", r)
		}
	}
}

// A permission error elsewhere than macOS is about whose the file is: no
// System Settings to open, and the advice says to run as the browser's
// owner.
func TestPermissionDeniedElsewhereSaysWhoseFileItIs(t *testing.T) {
	denied := fmt.Errorf("opening Cookies: %w", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission})
	for _, goos := range []string{"linux", "windows"} {
		reason, detail, fix := explain(denied, goos)
		if reason != ReasonPermissionDenied || strings.Contains(fix, "System Settings") || strings.Contains(fix, "Full Disk Access") {
			t.Errorf("%s: got %q %q", goos, reason, fix)
		}
		if !strings.Contains(fix, "person whose browser this is") || !strings.Contains(detail, "another account") {
			t.Errorf("%s: got detail %q fix %q, want it to say whose file it is", goos, detail, fix)
		}
	}
	if os.Geteuid() != 0 { // root reads anything
		home := t.TempDir()
		path := filepath.Join(home, ".config", "chromium", "Default", "Cookies")
		writeCookieDB(t, path, EngineChromium, "wal", sampleCookies)
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		rep, _ := Clear(t.Context(), Options{Env: &Env{Home: home, GOOS: "linux"}})
		if r := rep.Results[0]; r.Status != StatusError || r.Fix != otherAccountFix {
			t.Errorf("got %+v", r)
		}
	}
}

func TestFiltersAndUsageErrors(t *testing.T) {
	home := t.TempDir()
	touchDB(t, filepath.Join(home, ".config", "chromium", "Default", "Cookies"), EngineChromium)
	touchDB(t, filepath.Join(home, ".config", "chromium", "Profile 1", "Cookies"), EngineChromium)
	env := &Env{Home: home, GOOS: "linux"}
	sys := &system{hostname: os.Hostname, alive: pidAlive, fileLockHolder: fileLockHolder, localIP: isLocalIP}
	for _, o := range []Options{
		{Browsers: []string{"netscape"}},
		{Domains: []string{"zoom us"}},
		{Keep: []string{""}},
		{Profiles: []string{"nobody"}},
		{Browsers: []string{Firefox}},
	} {
		o.Env, o.sys = env, sys
		if _, err := Clear(t.Context(), o); !errors.Is(err, ErrUsage) {
			t.Errorf("%+v: got %v, want ErrUsage", o, err)
		}
	}
	rep, err := Clear(t.Context(), Options{Env: env, sys: sys, Profiles: []string{"profile 1"}, DryRun: true})
	if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != StatusDryRun || rep.Results[0].Removed != 2 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if n, _ := countStore(t.Context(), filepath.Join(home, ".config", "chromium", "Profile 1", "Cookies"), EngineChromium); n.cookies != 2 {
		t.Error("dry run changed the store")
	}
}

// TestDiscoverChannelsAndForks: the other release channels of each
// browser, and the browsers built on them, are found where they keep
// their data (written out here, not taken from the catalogue).
func TestDiscoverChannelsAndForks(t *testing.T) {
	const (
		lin = ".config/"
		mac = "Library/Application Support/"
		win = "AppData/Local/"
		roa = "AppData/Roaming/"
	)
	cases := []struct{ goos, dir, browser string }{
		{"linux", lin + "google-chrome-beta", Chrome},
		{"linux", lin + "google-chrome-unstable", Chrome},
		{"darwin", mac + "Google/Chrome Beta", Chrome},
		{"darwin", mac + "Google/Chrome Dev", Chrome},
		{"darwin", mac + "Google/Chrome Canary", Chrome},
		{"windows", win + "Google/Chrome Beta/User Data", Chrome},
		{"windows", win + "Google/Chrome Dev/User Data", Chrome},
		{"windows", win + "Google/Chrome SxS/User Data", Chrome},
		{"linux", lin + "microsoft-edge-beta", Edge},
		{"linux", lin + "microsoft-edge-dev", Edge},
		{"darwin", mac + "Microsoft Edge Beta", Edge},
		{"darwin", mac + "Microsoft Edge Dev", Edge},
		{"darwin", mac + "Microsoft Edge Canary", Edge},
		{"windows", win + "Microsoft/Edge Beta/User Data", Edge},
		{"windows", win + "Microsoft/Edge Dev/User Data", Edge},
		{"windows", win + "Microsoft/Edge SxS/User Data", Edge},
		{"linux", lin + "BraveSoftware/Brave-Browser-Beta", Brave},
		{"linux", lin + "BraveSoftware/Brave-Browser-Nightly", Brave},
		{"darwin", mac + "BraveSoftware/Brave-Browser-Nightly", Brave},
		{"windows", win + "BraveSoftware/Brave-Browser-Beta/User Data", Brave},
		{"linux", lin + "vivaldi-snapshot", Vivaldi},
		{"darwin", mac + "Vivaldi Snapshot", Vivaldi},
		{"linux", lin + "opera-beta", Opera},
		{"linux", lin + "opera-developer", Opera},
		{"darwin", mac + "com.operasoftware.OperaNext", Opera},
		{"darwin", mac + "com.operasoftware.OperaGX", Opera},
		{"windows", roa + "Opera Software/Opera Next", Opera},
		{"windows", roa + "Opera Software/Opera Developer", Opera},
		{"windows", roa + "Opera Software/Opera GX Stable", Opera},
		{"darwin", mac + "Arc/User Data", Arc},
		{"linux", ".librewolf", LibreWolf},
		{"linux", ".var/app/io.gitlab.librewolf-community/.librewolf", LibreWolf},
		{"darwin", mac + "librewolf", LibreWolf},
		{"windows", roa + "librewolf", LibreWolf},
		{"linux", ".waterfox", Waterfox},
		{"darwin", mac + "Waterfox", Waterfox},
		{"windows", roa + "Waterfox", Waterfox},
	}
	for _, tc := range cases {
		t.Run(tc.goos+"/"+tc.dir, func(t *testing.T) {
			home := t.TempDir()
			dir := filepath.Join(home, filepath.FromSlash(tc.dir))
			var want string
			if tc.browser == LibreWolf || tc.browser == Waterfox {
				writeFile(t, filepath.Join(dir, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=x.default\n")
				want = filepath.Join(dir, "x.default", "cookies.sqlite")
				touchDB(t, want, EngineFirefox)
			} else {
				want = filepath.Join(dir, "Default", "Network", "Cookies")
				touchDB(t, want, EngineChromium)
			}
			got, err := Discover(Env{Home: home, GOOS: tc.goos})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Browser != tc.browser || !slices.Equal(got[0].CookieFiles, []string{want}) {
				t.Errorf("Discover = %+v, want one %s profile with %s", got, tc.browser, want)
			}
		})
	}
}

// TestLockedSaysWhatHoldsIt: a store the browser holds is explained in
// the person's words, not SQLite's ("database is locked (5)
// (SQLITE_BUSY)", which a tester saw under cookies list's table).
func TestLockedSaysWhatHoldsIt(t *testing.T) {
	locked := fmt.Errorf("reading /home/pat/.mozilla/firefox/x/cookies.sqlite: %w: database is locked (5) (SQLITE_BUSY)", ErrLocked)
	reason, detail, fix := explain(locked, "linux")
	if reason != ReasonBrowserRunning || strings.Contains(detail, "SQLITE") || !strings.Contains(detail, "while it is open") || !strings.Contains(fix, "Close the browser") {
		t.Errorf("got %q %q %q", reason, detail, fix)
	}
}
