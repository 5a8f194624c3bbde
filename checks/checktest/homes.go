package checktest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// homeName is an account name after a home root, in a bundle's file or
// its path (JSON doubles a backslash): /home/<name>, /var/home/<name>,
// /home/.ecryptfs/<name>, /Users/<name>, <drive>:\Users\<name>.
var homeName = regexp.MustCompile(`(?:/home/(?:\.ecryptfs/)?|/Users/|(?i:[a-z]:(?:\\\\|\\|/)users(?:\\\\|\\|/)))([^/\\"'\s:;,|&<>()\[\]{}=*?]+)`)

// pseudonymPrefix is how a pseudonymised account name begins.
var pseudonymPrefix = regexp.MustCompile(`^user-[0-9a-f]{16}`)

// HomeNamesLeft lists the account names a written bundle still holds in
// a path under a home folder, anywhere (a file's path, a whole path, a
// path inside an argument, a command's output or a text file): each must
// be a pseudonym or one of the system's own entries (Shared, Public,
// Default, All Users, Guest, dot-folders). Binary content kept base64
// is not looked into.
func HomeNamesLeft(t testing.TB, bundle string) []string {
	t.Helper()
	var left []string
	look := func(where, s string) {
		for _, m := range homeName.FindAllStringSubmatch(s, -1) {
			if !systemHomeEntry(m[1]) && !pseudonymPrefix.MatchString(m[1]) {
				left = append(left, where+": "+m[0])
			}
		}
	}
	err := filepath.WalkDir(bundle, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(bundle, p)
		rel = filepath.ToSlash(rel)
		look(rel, "/"+rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		look(rel, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func systemHomeEntry(name string) bool {
	switch strings.ToLower(strings.TrimRight(name, ".")) {
	case "shared", "guest", "public", "default", "all", "deleted", "desktop.ini", "lost+found", "root":
		return true
	}
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}
