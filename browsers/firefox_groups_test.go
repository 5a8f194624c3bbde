package browsers

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// writeGroupDB writes a profile group database as Firefox's
// SelectableProfileService creates it (WAL mode) and returns the open
// connection, which keeps the rows inserted last in the write-ahead log.
func writeGroupDB(t *testing.T, path string, rows ...groupProfileRow) *sql.DB {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS "Profiles" (id INTEGER NOT NULL, path TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
			avatar TEXT NOT NULL, themeId TEXT NOT NULL, themeFg TEXT NOT NULL, themeBg TEXT NOT NULL, PRIMARY KEY(id))`,
		`CREATE TABLE IF NOT EXISTS "SharedPrefs" (id INTEGER NOT NULL, name TEXT NOT NULL UNIQUE, value BLOB, isBoolean INTEGER, PRIMARY KEY(id))`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if _, err := db.Exec(`INSERT INTO Profiles VALUES (NULL, ?, ?, 'book', 'default', '', '')`, r.path, r.name); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// A profile made with Firefox's profile menu is only in the group's
// database: it is found and cleared, on each OS's layout.
func TestFirefoxProfileGroups(t *testing.T) {
	cases := []struct {
		goos, root, rowPath string
	}{
		{"linux", ".mozilla/firefox", "Xy12ab34.Work"},
		{"darwin", "Library/Application Support/Firefox", "Profiles/Xy12ab34.Work"},
		{"windows", "AppData/Roaming/Mozilla/Firefox", `Profiles\Xy12ab34.Work`},
	}
	for _, tc := range cases {
		t.Run(tc.goos, func(t *testing.T) {
			home := t.TempDir()
			root := filepath.Join(home, filepath.FromSlash(tc.root))
			sub := ""
			if tc.goos != "linux" {
				sub = "Profiles/"
			}
			writeFile(t, filepath.Join(root, "profiles.ini"),
				"[Profile0]\nName=original\nIsRelative=1\nPath="+sub+"ab.default-release\nStoreID=6a1b2c3d\n")
			writeCookieDB(t, filepath.Join(root, filepath.FromSlash(sub+"ab.default-release"), "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
			groupDir := filepath.Join(root, filepath.FromSlash(sub+"Xy12ab34.Work"))
			writeCookieDB(t, filepath.Join(groupDir, "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
			// The group lists the original profile too, and one removed.
			writeGroupDB(t, filepath.Join(root, "Profile Groups", "6a1b2c3d.sqlite"),
				groupProfileRow{sub + "ab.default-release", "original"},
				groupProfileRow{tc.rowPath, "Work"},
				groupProfileRow{sub + "gone.Old", "Old"})
			env := &Env{Home: home, GOOS: tc.goos}
			ps, err := Discover(*env)
			if err != nil {
				t.Fatal(err)
			}
			var dirs []string
			for _, p := range ps {
				dirs = append(dirs, p.Name+"="+p.Dir)
			}
			if len(ps) != 2 || ps[1].Dir != groupDir || ps[1].Name != "Work" {
				t.Fatalf("profiles %q, want the original and %s", dirs, groupDir)
			}
			rep, err := Clear(t.Context(), Options{Env: env, Browsers: []string{Firefox}})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 2 || !rep.OK() {
				t.Fatalf("results %+v", rep.Results)
			}
			for _, r := range rep.Results {
				if r.Removed != len(sampleCookies) {
					t.Errorf("%s: removed %d of %d", r.Profile, r.Removed, len(sampleCookies))
				}
			}
		})
	}
}

// TestFirefoxGroupDatabaseUnreadable shows that a profile group database
// that cannot be read does not hide its profiles: every folder with a
// cookie store that profiles.ini does not name is cleared instead.
func TestFirefoxGroupDatabaseUnreadable(t *testing.T) {
	home := t.TempDir()
	root := filepath.Join(home, ".mozilla", "firefox")
	writeFile(t, filepath.Join(root, "profiles.ini"), "[Profile0]\nName=original\nIsRelative=1\nPath=ab.default-release\nStoreID=6a1b2c3d\n")
	writeCookieDB(t, filepath.Join(root, "ab.default-release", "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
	work := filepath.Join(root, "Xy12ab34.Work")
	writeCookieDB(t, filepath.Join(work, "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
	writeFile(t, filepath.Join(root, "Profile Groups", "6a1b2c3d.sqlite"), "not a database")
	ps, err := Discover(Env{Home: home, GOOS: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[1].Dir != work {
		t.Fatalf("profiles %+v, want the original and %s", ps, work)
	}
}

// A profile folder that profiles.ini does not name (Firefox started with
// --profile on a folder of its own) is found and cleared like the named
// ones, once, whether or not there is a profiles.ini; a folder without a
// cookie store is not a profile.
func TestFirefoxUnlistedProfileFolders(t *testing.T) {
	for _, withINI := range []bool{true, false} {
		home := t.TempDir()
		root := filepath.Join(home, ".mozilla", "firefox")
		named := filepath.Join(root, "ab.default-release")
		absolute := filepath.Join(root, "cd.absolute")
		adhoc := filepath.Join(root, "adhoc.session")
		want := []string{named, absolute, adhoc} // without profiles.ini all three are unlisted
		if withINI {
			writeFile(t, filepath.Join(root, "profiles.ini"), "[Profile0]\nName=original\nIsRelative=1\nPath=ab.default-release\n\n"+
				"[Profile1]\nName=absolute\nIsRelative=0\nPath="+absolute+"/\n")
		}
		for _, dir := range []string{named, absolute, adhoc} {
			writeCookieDB(t, filepath.Join(dir, "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
		}
		if err := os.MkdirAll(filepath.Join(root, "Crash Reports"), 0o700); err != nil {
			t.Fatal(err)
		}
		env := Env{Home: home, GOOS: "linux"}
		ps, err := Discover(env)
		if err != nil {
			t.Fatal(err)
		}
		var dirs []string
		for _, p := range ps {
			dirs = append(dirs, filepath.Clean(p.Dir))
		}
		slices.Sort(dirs)
		slices.Sort(want)
		if !slices.Equal(dirs, want) {
			t.Fatalf("profiles.ini %v: found %v, want %v", withINI, dirs, want)
		}
		rep, err := Clear(t.Context(), Options{Env: &env, Profiles: []string{"adhoc.session"}})
		if err != nil {
			t.Fatal(err)
		}
		if r := resultFor(t, rep, Firefox); r.Status != StatusCleared || r.Removed != len(sampleCookies) {
			t.Errorf("profiles.ini %v: clearing the unlisted profile: %+v", withINI, r)
		}
	}
}
