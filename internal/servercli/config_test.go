package servercli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSettingsFileThenEnvironmentThenFlags: every command reads the
// service's settings file, the environment wins over it and a flag over
// both, and the command says which database it uses and where that came
// from.
func TestSettingsFileThenEnvironmentThenFlags(t *testing.T) {
	dir := t.TempDir()
	fileDB := filepath.Join(dir, "from-file.db")
	config := filepath.Join(dir, "server.env")
	writeSettings(t, config, `# the packaged file's shape
; a comment in systemd's other style
SESSIONGUARD_SERVER_DB="sqlite:`+fileDB+`"
SESSIONGUARD_SERVER_LISTEN=:8443
OTHER_PROGRAM_SETTING=ignored
`)
	cli := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(args, &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, _, errOut := cli("--config", config, "migrate")
	if code != 0 || !strings.Contains(errOut, "Database: sqlite:"+fileDB+" (from "+config+")") {
		t.Fatalf("migrate with the settings file: %d %q", code, errOut)
	}
	if _, err := os.Stat(fileDB); err != nil {
		t.Errorf("the file's database was not used: %v", err)
	}

	envDB := filepath.Join(dir, "from-env.db")
	t.Setenv("SESSIONGUARD_SERVER_DB", "sqlite:"+envDB)
	if code, _, errOut := cli("--config", config, "migrate"); code != 0 || !strings.Contains(errOut, "from the environment (SESSIONGUARD_SERVER_DB)") {
		t.Errorf("the environment does not win over the file: %d %q", code, errOut)
	}
	flagDB := filepath.Join(dir, "from-flag.db")
	if code, _, errOut := cli("--config", config, "--db", "sqlite:"+flagDB, "migrate"); code != 0 || !strings.Contains(errOut, "sqlite:"+flagDB+" (from --db)") {
		t.Errorf("--db does not win: %d %q", code, errOut)
	}

	// SESSIONGUARD_SERVER_CONFIG names the file too.
	t.Setenv("SESSIONGUARD_SERVER_DB", "")
	t.Setenv("SESSIONGUARD_SERVER_CONFIG", config)
	if code, _, errOut := cli("admin", "list"); code != 0 || !strings.Contains(errOut, "(from "+config+")") {
		t.Errorf("SESSIONGUARD_SERVER_CONFIG: %d %q", code, errOut)
	}
}

// TestMistypedDatabaseIsNotCreated: a command that reads or changes what
// is there (admin list, export, subject-access) on a --db path holding no
// database says so, naming where the path came from, and makes nothing;
// a tester's mistyped --db left an empty database and its folders behind
// ("No admin accounts yet", exit 0). admin create, the first-run step,
// still makes one.
func TestMistypedDatabaseIsNotCreated(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo", "sg.db")
	for _, args := range [][]string{{"admin", "list"}, {"export", "devices", "-o", filepath.Join(dir, "d.csv")}, {"subject-access", "export", "--device", "x"}, {"enroll-secret", "list"}} {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"--db", "sqlite:" + missing}, args...), &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), "there is no database at "+missing+" (from --db)") {
			t.Errorf("%v: %d %q", args, code, errOut.String())
		}
		if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v made %s: %v", args, filepath.Dir(missing), err)
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"--db", "sqlite:" + missing, "admin", "create", "--name", "alice", "--password-file", writePassword(t)}, &out, &errOut); code != 0 {
		t.Fatalf("admin create on a new database: %d %q", code, errOut.String())
	}
}

func writePassword(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("correct horse battery staple 42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSettingsFileErrors(t *testing.T) {
	dir := t.TempDir()
	cli := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		return Main(args, &out, &errOut), errOut.String()
	}
	if code, errOut := cli("--config", filepath.Join(dir, "missing.env"), "admin", "list"); code != ExitError || !strings.Contains(errOut, "missing.env") {
		t.Errorf("a named settings file that is missing: %d %q", code, errOut)
	}
	bad := filepath.Join(dir, "bad.env")
	writeSettings(t, bad, "SESSIONGUARD_SERVER_DB sqlite:x\n")
	if code, errOut := cli("--config", bad, "admin", "list"); code != ExitError || !strings.Contains(errOut, "line 1: want KEY=VALUE") {
		t.Errorf("a malformed line: %d %q", code, errOut)
	}
	wrong := filepath.Join(dir, "wrong.env")
	writeSettings(t, wrong, "SESSIONGUARD_SERVER_RETENTION_DAYS=many\n")
	if code, errOut := cli("--config", wrong, "serve"); code != ExitError || !strings.Contains(errOut, "SESSIONGUARD_SERVER_RETENTION_DAYS in "+wrong) {
		t.Errorf("a bad value names the file: %d %q", code, errOut)
	}
	if os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked.env")
		writeSettings(t, locked, "SESSIONGUARD_SERVER_DB=sqlite:x\n")
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		if code, errOut := cli("--config", locked, "admin", "list"); code != ExitError || !strings.Contains(errOut, "sudo -u sessionguard-server") {
			t.Errorf("an unreadable settings file: %d %q", code, errOut)
		}
	}
}

func writeSettings(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
