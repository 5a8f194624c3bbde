package browsers

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Firefox's profile menu (profile groups, Firefox ≥ 138) keeps the
// profiles it creates out of profiles.ini: only the group's first profile
// is there, with StoreID=<id>; the others are rows of the Profiles table
// (path, name) of "Profile Groups/<id>.sqlite" in the folder holding
// profiles.ini, each path relative to that folder (backslashes on
// Windows). Firefox keeps that database open in WAL mode while it runs.

// groupProfileRow is one row of a profile group's Profiles table.
type groupProfileRow struct {
	path, name string
}

// firefoxGroupProfiles lists the profiles of every profile group database
// under root that are not already in known (directories from
// profiles.ini), and adds them to it. A database that cannot be read is
// passed over: its profiles are found as unlisted folders
// (unlistedFirefoxProfiles).
func firefoxGroupProfiles(browser, root string, known map[string]bool) []Profile {
	dbs, _ := filepath.Glob(filepath.Join(root, "Profile Groups", "*.sqlite"))
	var out []Profile
	for _, db := range dbs {
		rows, err := readGroupProfiles(db)
		if err != nil {
			continue
		}
		for _, r := range rows {
			p := filepath.FromSlash(strings.ReplaceAll(r.path, `\`, "/"))
			dir := p
			if !filepath.IsAbs(p) {
				dir = filepath.Join(root, p)
			}
			dir = filepath.Clean(dir)
			if known[dir] || !isDir(dir) {
				continue
			}
			known[dir] = true
			name := r.name
			if name == "" {
				name = filepath.Base(dir)
			}
			out = append(out, Profile{Browser: browser, Engine: EngineFirefox, Name: name, Dir: dir, LockDir: dir, CookieFiles: cookieFiles(EngineFirefox, dir), dirName: filepath.Base(dir)})
		}
	}
	return out
}

// unlistedFirefoxProfiles lists the folders holding a cookies.sqlite
// where Firefox makes profiles (root itself on Linux, root/Profiles on
// macOS and Windows) that known does not hold, and adds them to it: a
// profile Firefox was started with by folder (firefox --profile
// ~/.mozilla/firefox/adhoc.session), one whose profiles.ini entry was
// removed, or one a group database that could not be read would have
// named.
func unlistedFirefoxProfiles(browser, root string, known map[string]bool) []Profile {
	var out []Profile
	for _, parent := range []string{root, filepath.Join(root, "Profiles")} {
		stores, _ := filepath.Glob(filepath.Join(parent, "*", "cookies.sqlite"))
		for _, store := range stores {
			dir := filepath.Clean(filepath.Dir(store))
			if known[dir] {
				continue
			}
			known[dir] = true
			out = append(out, Profile{Browser: browser, Engine: EngineFirefox, Name: filepath.Base(dir), Dir: dir, LockDir: dir, CookieFiles: cookieFiles(EngineFirefox, dir), dirName: filepath.Base(dir)})
		}
	}
	return out
}

// readGroupProfiles reads a group database's Profiles table from a copy
// of the database and its write-ahead log, so the running Firefox's
// latest commits are seen and its files are never written.
func readGroupProfiles(db string) ([]groupProfileRow, error) {
	tmp, err := os.MkdirTemp("", "sessionguard-groups-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cp := filepath.Join(tmp, "group.sqlite")
	if err := copyFile(db, cp); err != nil {
		return nil, err
	}
	if err := copyFile(db+"-wal", cp+"-wal"); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	conn, err := sql.Open(storeDriver, cp+"?_pragma=busy_timeout(300)")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := conn.QueryContext(ctx, `SELECT path, name FROM Profiles ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []groupProfileRow
	for rows.Next() {
		var r groupProfileRow
		var name sql.NullString
		if err := rows.Scan(&r.path, &name); err != nil {
			return nil, err
		}
		r.name = name.String
		out = append(out, r)
	}
	return out, rows.Err()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
