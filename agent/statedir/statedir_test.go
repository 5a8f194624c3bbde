package statedir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	home := func() (string, error) { return "/home/ann", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
	cases := []struct {
		name string
		goos string
		euid int
		env  map[string]string
		home func() (string, error)
		want string
	}{
		{"linux root", "linux", 0, nil, home, "/var/lib/sessionguard"},
		{"macOS root", "darwin", 0, nil, home, "/Library/Application Support/SessionGuard"},
		{"user with XDG", "linux", 1000, map[string]string{"XDG_STATE_HOME": "/x/state"}, home, "/x/state/sessionguard"},
		{"user, relative XDG ignored", "linux", 1000, map[string]string{"XDG_STATE_HOME": "state"}, home, "/home/ann/.local/state/sessionguard"},
		{"user", "linux", 1000, nil, home, "/home/ann/.local/state/sessionguard"},
		{"macOS user", "darwin", 501, nil, home, "/home/ann/Library/Application Support/SessionGuard"},
		{"macOS user ignores XDG", "darwin", 501, map[string]string{"XDG_STATE_HOME": "/x/state"}, home, "/home/ann/Library/Application Support/SessionGuard"},
		{"no home", "linux", 1000, nil, noHome, ""},
		{"windows", "windows", -1, map[string]string{"ProgramData": `D:\PD`}, home, `D:\PD\SessionGuard`},
		{"windows default", "windows", -1, nil, home, `C:\ProgramData\SessionGuard`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && c.goos != "windows" {
				t.Skip("Unix paths")
			}
			if got := dir(c.goos, c.euid, env(c.env), c.home); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if join(`C:\ProgramData\SessionGuard`, "sessions.log") != `C:\ProgramData\SessionGuard\sessions.log` || join("", "x") != "" {
		t.Error("join")
	}
	if f := File("sessions.log"); !strings.HasSuffix(f, "sessions.log") || !strings.HasPrefix(f, Dir()) {
		t.Errorf("File = %q, Dir = %q", f, Dir())
	}
}

func TestMkdirPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "sessionguard")
	if err := MkdirPrivate(dir); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		t.Fatalf("not made: %v", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o700 {
		t.Errorf("mode %v, want 0700", st.Mode().Perm())
	}
	if err := MkdirPrivate(dir); err != nil {
		t.Errorf("second call: %v", err)
	}
}

func TestSystemDirWhoeverAsks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Linux path")
	}
	if got := SystemDir(); got != "/var/lib/sessionguard" {
		t.Errorf("SystemDir() = %q", got)
	}
}
