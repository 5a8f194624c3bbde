package browsers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCatalogueDrivesDiscovery: for every OS, every folder the catalogue
// names for a browser is found by Discover as that browser's, and no folder
// is claimed by two browsers.
func TestCatalogueDrivesDiscovery(t *testing.T) {
	for _, goos := range []string{"linux", "freebsd", "darwin", "windows"} {
		seen := map[string]string{}
		for _, b := range Known() {
			env := Env{Home: "/h", GOOS: goos}
			for i, d := range env.dirs(b) {
				if other, dup := seen[d]; dup {
					t.Errorf("%s: %s and %s both keep data in %s", goos, other, b.ID, d)
				}
				seen[d] = b.ID
				home := t.TempDir()
				env := Env{Home: home, GOOS: goos}
				dir := env.dirs(b)[i]
				var wantFile string
				switch b.Engine {
				case EngineChromium:
					wantFile = filepath.Join(dir, "Default", "Network", "Cookies")
					touchDB(t, wantFile, EngineChromium)
				case EngineFirefox:
					writeFile(t, filepath.Join(dir, "profiles.ini"), "[Profile0]\nName=p\nIsRelative=1\nPath=p.default\n")
					wantFile = filepath.Join(dir, "p.default", "cookies.sqlite")
					touchDB(t, wantFile, EngineFirefox)
				case EngineSafari:
					wantFile = filepath.Join(dir, "Cookies.binarycookies")
					writeSafari(t, wantFile, []string{".zoom.us"})
				default:
					t.Fatalf("%s: engine %q unknown to the test", b.ID, b.Engine)
				}
				got, err := Discover(env)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].Browser != b.ID || got[0].Engine != b.Engine || !slices.Equal(got[0].CookieFiles, []string{wantFile}) {
					t.Errorf("%s, %s in %s: Discover = %+v, want one %s profile with %s", goos, b.ID, dir, got, b.ID, wantFile)
				}
			}
		}
		if goos != "windows" && len(seen) == 0 {
			t.Errorf("%s: the catalogue names no folder", goos)
		}
	}
}

// TestCatalogueNames: the names people see and type lead to the same
// browser, in the catalogue's order, and no name leads to two.
func TestCatalogueNames(t *testing.T) {
	var ids []string
	typed := map[string]string{}
	for _, b := range Known() {
		ids = append(ids, b.ID)
		if Names[b.ID] != b.Name {
			t.Errorf("Names[%s] = %q, want %q", b.ID, Names[b.ID], b.Name)
		}
		for _, s := range append([]string{b.ID, b.Name, strings.ToUpper(b.ID), " " + b.Name + " "}, b.Aliases...) {
			if got := normaliseBrowser(s); got != b.ID {
				t.Errorf("normaliseBrowser(%q) = %q, want %q", s, got, b.ID)
			}
			if other, dup := typed[strings.ToLower(strings.TrimSpace(s))]; dup && other != b.ID {
				t.Errorf("%q names both %s and %s", s, other, b.ID)
			}
			typed[strings.ToLower(strings.TrimSpace(s))] = b.ID
		}
		if len(b.Processes) == 0 && len(b.Binaries) == 0 {
			t.Errorf("%s: no process name, so --close-browsers could never close it", b.ID)
		}
	}
	if !slices.Equal(IDs(), ids) || len(Names) != len(ids) {
		t.Errorf("IDs() = %v, Names = %v; want the catalogue's %v", IDs(), Names, ids)
	}
	if got := normaliseBrowser("netscape"); got != "" {
		t.Errorf("normaliseBrowser(netscape) = %q, want unknown", got)
	}
}

// TestBrowserLike: the process names each browser runs under on Linux,
// macOS and Windows are browsers; other programs that may hold a reused
// pid are not.
func TestBrowserLike(t *testing.T) {
	real := map[string][]string{
		Chrome:    {"chrome", "Google Chrome", "chrome.exe"},
		Chromium:  {"chromium", "chromium-browse", "Chromium"},
		Edge:      {"msedge", "msedge.exe"},
		Brave:     {"brave", "Brave Browser", "brave.exe"},
		Vivaldi:   {"vivaldi-bin", "Vivaldi", "vivaldi.exe"},
		Opera:     {"opera", "Opera", "opera.exe"},
		Firefox:   {"firefox", "firefox-esr", "firefox-bin", "firefox.exe"},
		Safari:    {"Safari"},
		Arc:       {"Arc"},
		LibreWolf: {"librewolf", "librewolf.exe"},
		Waterfox:  {"waterfox", "waterfox.exe"},
	}
	for _, b := range Known() {
		names, ok := real[b.ID]
		if !ok {
			t.Errorf("%s: no real process names in this test", b.ID)
		}
		for _, n := range names {
			if !browserLike(n) {
				t.Errorf("browserLike(%q) = false, want true (%s)", n, b.ID)
			}
		}
	}
	for _, n := range []string{"bash", "sessionguard", "zoom", "Teams", "systemd", "", "research", "archiver"} {
		if browserLike(n) {
			t.Errorf("browserLike(%q) = true, want false", n)
		}
	}
}

// TestNoCatalogueOutsideIt: no Go code outside this package (tests aside)
// writes a browser's name, alias, data folder or cookie store in a string
// of its own (as it is written in the catalogue); it asks the catalogue
// (Known, Names, IDs).
func TestNoCatalogueOutsideIt(t *testing.T) {
	var words []string
	for _, b := range Known() {
		words = append(words, b.Name)
		words = append(words, b.Aliases...)
		for _, ds := range b.dirs {
			for _, d := range ds {
				words = append(words, d.path)
			}
		}
	}
	for _, files := range engineCookieFiles {
		for _, f := range files {
			if strings.ContainsAny(f, "./") { // not the bare word Cookies
				words = append(words, f)
			}
		}
	}
	reverseDNS := regexp.MustCompile(`^(com|org|net|io)\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
	pats := make([]*regexp.Regexp, len(words))
	for i, w := range words { // whole words: "Opera", not "Operation"
		pats[i] = regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(w) + `($|[^A-Za-z0-9_])`)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path == filepath.Join(root, "browsers") || name == "testdata" || strings.HasPrefix(name, ".") || name == "vendor" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || reverseDNS.MatchString(s) {
				// A reverse-DNS identifier (org.chromium.chromoting,
				// Chrome Remote Desktop's service) names a program of
				// its own, not a browser.
				return true
			}
			for i, w := range words {
				if pats[i].MatchString(s) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s: the string %q names %q, which belongs to the catalogue in browsers/catalogue.go", rel, s, w)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked under %s", checked, root)
	}
}
