package servercli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/web/password"
)

func adminHash(t *testing.T, dsn, name string) store.Admin {
	t.Helper()
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := st.Admin(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func verify(t *testing.T, a store.Admin, pw string) bool {
	t.Helper()
	ok, err := password.Verify(pw, a.PasswordHash)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestAdminCommands(t *testing.T) {
	stdinTerminal = func() bool { return false } // no prompt under go test
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "var", "sg.db")

	// Generated password: printed once on stdout, stored as argon2id.
	code, out, errOut := run(t, dsn, "admin", "create", "--name", "alice")
	generated := strings.TrimSpace(out)
	if code != 0 || len(generated) != 20 || !strings.Contains(errOut, "shown once") {
		t.Fatalf("create alice: %d %q %q", code, out, errOut)
	}
	alice := adminHash(t, dsn, "alice")
	if !strings.HasPrefix(alice.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || !verify(t, alice, generated) {
		t.Errorf("alice's stored hash %q does not verify the printed password", alice.PasswordHash)
	}

	// From a file: nothing printed on stdout.
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("a long enough password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, dsn, "admin", "create", "--name", "bob", "--password-file", pwFile)
	if code != 0 || out != "" {
		t.Fatalf("create bob: %d %q %q", code, out, errOut)
	}
	if !verify(t, adminHash(t, dsn, "bob"), "a long enough password") {
		t.Error("bob's password from the file does not verify")
	}

	// Refusals.
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("short\n"), 0o600)
	for _, args := range [][]string{
		{"admin", "create", "--name", "alice"},
		{"admin", "create", "--name", " spaced "},
		{"admin", "create"},
		{"admin", "create", "--name", "carol", "--password-file", short},
		{"admin", "create", "--name", "carol", "--password-file", filepath.Join(dir, "missing")},
		{"admin", "disable", "nobody"},
		{"admin", "set-password", "nobody"},
	} {
		if code, _, errOut := run(t, dsn, args...); code != ExitError || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want an explained error", args, code, errOut)
		}
	}

	// set-password replaces the hash.
	code, out, _ = run(t, dsn, "admin", "set-password", "alice")
	if code != 0 || verify(t, adminHash(t, dsn, "alice"), generated) || !verify(t, adminHash(t, dsn, "alice"), strings.TrimSpace(out)) {
		t.Errorf("set-password: %d %q", code, out)
	}

	if code, _, _ := run(t, dsn, "admin", "disable", "bob"); code != 0 {
		t.Fatalf("disable: %d", code)
	}
	code, out, _ = run(t, dsn, "admin", "list")
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "bob") || strings.Count(out, "disabled") != 1 || strings.Contains(out, "argon2") {
		t.Errorf("list: %d\n%s", code, out)
	}

	// A disabled admin can be let back in (a tester found no way to).
	if code, _, _ := run(t, dsn, "admin", "enable", "bob"); code != 0 {
		t.Fatalf("enable: %d", code)
	}
	if code, out, _ = run(t, dsn, "admin", "list"); strings.Contains(out, "disabled") {
		t.Errorf("bob still disabled: %d\n%s", code, out)
	}
	if code, _, errOut := run(t, dsn, "admin", "enable", "nobody"); code == 0 || !strings.Contains(errOut, "no admin named") {
		t.Errorf("enable nobody: %d %q", code, errOut)
	}

	// Every change is in the audit log, by "cli", with no password.
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.AuditLog(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Actor+" "+e.Action+" "+e.Target)
		if strings.Contains(e.Detail, generated) {
			t.Error("a password reached the audit log")
		}
	}
	want := "cli admin.enable bob|cli admin.disable bob|cli admin.set_password alice|cli admin.create bob|cli admin.create alice"
	if strings.Join(got, "|") != want {
		t.Errorf("audit log %q, want %q", strings.Join(got, "|"), want)
	}
}
