package credentials_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"

	"github.com/sessionguard/sessionguard/agent/credentials"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "sgd_tok_5f1c0ffee5ecret"

var creds = credentials.Creds{ServerURL: "https://sessionguard.example.org", DeviceID: "dev-1", Token: token}

// memKeyring is a working keyring that counts its calls.
type memKeyring struct {
	mu    sync.Mutex
	m     map[string]string
	calls atomic.Int32
}

func (k *memKeyring) funcs() credentials.FuncKeyring {
	k.m = map[string]string{}
	return credentials.FuncKeyring{
		SetFunc: func(s, u, p string) error {
			k.calls.Add(1)
			k.mu.Lock()
			defer k.mu.Unlock()
			k.m[s+"/"+u] = p
			return nil
		},
		GetFunc: func(s, u string) (string, error) {
			k.calls.Add(1)
			k.mu.Lock()
			defer k.mu.Unlock()
			p, ok := k.m[s+"/"+u]
			if !ok {
				return "", keyring.ErrNotFound
			}
			return p, nil
		},
		DeleteFunc: func(s, u string) error {
			k.calls.Add(1)
			k.mu.Lock()
			defer k.mu.Unlock()
			if _, ok := k.m[s+"/"+u]; !ok {
				return keyring.ErrNotFound
			}
			delete(k.m, s+"/"+u)
			return nil
		},
	}
}

// hangingKeyring blocks every call until the test ends.
func hangingKeyring(t *testing.T, calls *atomic.Int32) credentials.FuncKeyring {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return credentials.FuncKeyring{
		SetFunc:    func(string, string, string) error { calls.Add(1); <-release; return nil },
		GetFunc:    func(string, string) (string, error) { calls.Add(1); <-release; return "", nil },
		DeleteFunc: func(string, string) error { calls.Add(1); <-release; return nil },
	}
}

func newStore(t *testing.T, k credentials.Keyring, timeout time.Duration) (*credentials.Store, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	s, err := credentials.New(credentials.Options{
		Path:    filepath.Join(t.TempDir(), "state", "credentials.json"),
		Keyring: k,
		Timeout: timeout,
		Logger:  slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, &logs
}

type stored struct {
	TokenIn string `json:"token_in"`
	Token   string `json:"token"`
}

func readFile(t *testing.T, s *credentials.Store) (stored, os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	var f stored
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	return f, fi.Mode().Perm()
}

func TestSaveLoadDelete(t *testing.T) {
	var calls atomic.Int32
	var mem memKeyring
	cases := []struct {
		name    string
		keyring credentials.Keyring
		// wantIn is where the token must end up.
		wantIn string
		// wantWarn: the fallback is logged.
		wantWarn bool
		maxTime  time.Duration
	}{
		{"keyring works", mem.funcs(), "keyring", false, time.Second},
		{"no keyring", credentials.NoKeyring, "file", true, time.Second},
		{"keyring fails with the token in its error", credentials.FuncKeyring{SetFunc: func(_, _, p string) error {
			return fmt.Errorf("dbus said no to %q", p)
		}}, "file", true, time.Second},
		// The bound is honoured: a hanging keyring costs the timeout, not
		// forever (the real default is 3 s; 200 ms here).
		{"keyring hangs", hangingKeyring(t, &calls), "file", true, 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, logs := newStore(t, tc.keyring, 200*time.Millisecond)
			if _, err := s.Load(); !errors.Is(err, credentials.ErrNotEnrolled) {
				t.Fatalf("Load before Save = %v, want ErrNotEnrolled", err)
			}
			start := time.Now()
			if err := s.Save(creds); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > tc.maxTime {
				t.Fatalf("Save took %v, want under %v", d, tc.maxTime)
			}
			f, mode := readFile(t, s)
			if f.TokenIn != tc.wantIn {
				t.Fatalf("token_in %q, want %q", f.TokenIn, tc.wantIn)
			}
			if tc.wantIn == "keyring" && f.Token != "" {
				t.Fatal("token in the file although the keyring took it")
			}
			if runtime.GOOS != "windows" && mode != 0o600 {
				t.Fatalf("file mode %v, want 0600", mode)
			}
			if runtime.GOOS != "windows" {
				dir, _ := os.Stat(filepath.Dir(s.Path()))
				if dir.Mode().Perm() != 0o700 {
					t.Fatalf("dir mode %v, want 0700", dir.Mode().Perm())
				}
			}
			got, err := s.Load()
			if err != nil || got != creds {
				t.Fatalf("Load = %+v, %v", got, err)
			}
			if tok, err := s.Token(); err != nil || tok != token {
				t.Fatalf("Token = %q, %v", tok, err)
			}
			// A fresh store (another process) reads the same.
			var logs2 bytes.Buffer
			other, err := credentials.New(credentials.Options{Path: s.Path(), Keyring: tc.keyring, Timeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs2, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantIn == "file" {
				if got, err := other.Load(); err != nil || got != creds {
					t.Fatalf("other store Load = %+v, %v", got, err)
				}
			}
			if err := s.Delete(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load(); !errors.Is(err, credentials.ErrNotEnrolled) {
				t.Fatalf("Load after Delete = %v", err)
			}
			if err := s.Delete(); err != nil {
				t.Fatalf("second Delete: %v", err)
			}
			all := logs.String() + logs2.String()
			if strings.Contains(all, token) {
				t.Fatalf("the token reached the log:\n%s", all)
			}
			if warned := strings.Contains(all, "keyring unavailable"); warned != tc.wantWarn {
				t.Fatalf("fallback warning %v, want %v:\n%s", warned, tc.wantWarn, all)
			}
		})
	}
	if len(mem.m) != 0 {
		t.Fatalf("keyring entry left after Delete: %v", mem.m)
	}
}

// After one timeout, later saves in the same process go straight to the
// file instead of waiting again.
func TestHangingKeyringAskedOnce(t *testing.T) {
	var calls atomic.Int32
	s, _ := newStore(t, hangingKeyring(t, &calls), 100*time.Millisecond)
	for range 3 {
		if err := s.Save(creds); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("keyring called %d times, want 1", n)
	}
}

// The token is in the keyring, which then hangs: Load fails within the
// bound instead of blocking the agent.
func TestLoadFromHangingKeyringIsBounded(t *testing.T) {
	var mem memKeyring
	k := mem.funcs()
	path := filepath.Join(t.TempDir(), "credentials.json")
	s, err := credentials.New(credentials.Options{Path: path, Keyring: k})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(creds); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	hung, err := credentials.New(credentials.Options{Path: path, Keyring: hangingKeyring(t, &calls), Timeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = hung.Load()
	if !errors.Is(err, credentials.ErrKeyringTimeout) {
		t.Fatalf("Load = %v, want ErrKeyringTimeout", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("Load took %v", d)
	}
	// The entry vanished from the keyring: not enrolled, said clearly.
	delete(mem.m, credentials.KeyringService+"/"+credentials.KeyringUser)
	s2, _ := credentials.New(credentials.Options{Path: path, Keyring: k})
	if _, err := s2.Load(); !errors.Is(err, credentials.ErrNotEnrolled) {
		t.Fatalf("Load with the keyring entry gone = %v", err)
	}
}

// Load is called before every batch of reports: it must not ask the
// keyring each time, yet see a re-enrolment made by another process.
func TestLoadCachesUntilTheFileChanges(t *testing.T) {
	var mem memKeyring
	k := mem.funcs()
	path := filepath.Join(t.TempDir(), "credentials.json")
	agentStore, _ := credentials.New(credentials.Options{Path: path, Keyring: k})
	cliStore, _ := credentials.New(credentials.Options{Path: path, Keyring: k})
	if err := cliStore.Save(creds); err != nil {
		t.Fatal(err)
	}
	before := mem.calls.Load()
	for range 5 {
		if c, err := agentStore.Load(); err != nil || c.Token != token {
			t.Fatalf("Load = %+v, %v", c, err)
		}
	}
	if n := mem.calls.Load() - before; n != 1 {
		t.Fatalf("%d keyring calls for 5 loads, want 1", n)
	}
	again := creds
	again.Token, again.DeviceID = "sgd_tok_new", "dev-2"
	if err := cliStore.Save(again); err != nil {
		t.Fatal(err)
	}
	if c, err := agentStore.Load(); err != nil || c != again {
		t.Fatalf("after re-enrolment Load = %+v, %v", c, err)
	}
}

func TestLooseFileRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	s, _ := newStore(t, credentials.NoKeyring, time.Second)
	if err := s.Save(creds); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	s2, _ := credentials.New(credentials.Options{Path: s.Path(), Keyring: credentials.NoKeyring})
	if _, err := s2.Load(); !errors.Is(err, credentials.ErrInsecureFile) {
		t.Fatalf("Load of a 0644 file = %v, want ErrInsecureFile", err)
	}
}

func TestSaveRefusesIncompleteCreds(t *testing.T) {
	s, _ := newStore(t, credentials.NoKeyring, time.Second)
	for _, c := range []credentials.Creds{
		{ServerURL: "https://x.example", DeviceID: "d"},
		{ServerURL: "https://x.example", Token: "t"},
		{ServerURL: "http://x.example", DeviceID: "d", Token: "t"},
	} {
		if err := s.Save(c); !errors.Is(err, credentials.ErrInvalid) {
			t.Errorf("Save(%+v) = %v, want ErrInvalid", c, err)
		}
	}
}

// On this machine there is no Secret Service (and, as root, no session
// bus): the real keyring must fail or time out within the default bound and
// the token land in the file.
func TestSystemKeyringFallsBack(t *testing.T) {
	if testing.Short() {
		t.Skip("may wait for the real keyring's timeout")
	}
	var logs bytes.Buffer
	s, err := credentials.New(credentials.Options{Path: filepath.Join(t.TempDir(), "c.json"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Save(creds); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Delete() })
	if d := time.Since(start); d > credentials.DefaultKeyringTimeout+time.Second {
		t.Fatalf("Save took %v", d)
	}
	f, _ := readFile(t, s)
	t.Logf("system keyring: token_in=%s after %v", f.TokenIn, time.Since(start))
	if got, err := s.Load(); err != nil || got != creds {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if strings.Contains(logs.String(), token) {
		t.Fatal("token logged")
	}
}

func TestDefaultPath(t *testing.T) {
	p, err := credentials.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case runtime.GOOS == "linux" && os.Geteuid() == 0:
		if p != "/var/lib/sessionguard/credentials.json" {
			t.Fatalf("root path %q", p)
		}
	case runtime.GOOS == "linux":
		t.Setenv("XDG_STATE_HOME", "/xdg/state")
		if p, _ := credentials.DefaultPath(); p != "/xdg/state/sessionguard/credentials.json" {
			t.Fatalf("user path %q", p)
		}
	}
}

func TestParseServerURL(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"https://SG.Example.org/", "https://sg.example.org", nil},
		{" https://sg.example.org:8443/base/ ", "https://sg.example.org:8443/base", nil},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", nil},
		{"http://localhost:8080/", "http://localhost:8080", nil},
		{"http://[::1]:9", "http://[::1]:9", nil},
		{"http://sg.example.org", "", credentials.ErrInsecureServerURL},
		{"http://10.0.0.1", "", credentials.ErrInsecureServerURL},
		{"", "", credentials.ErrBadServerURL},
		{"sg.example.org", "", credentials.ErrBadServerURL},
		{"ftp://sg.example.org", "", credentials.ErrBadServerURL},
		{"https://", "", credentials.ErrBadServerURL},
		{"https://user:pw@sg.example.org", "", credentials.ErrBadServerURL},
		{"https://sg.example.org/?x=1", "", credentials.ErrBadServerURL},
		{"https://sg.example.org/#frag", "", credentials.ErrBadServerURL},
		{"https://sg.example.org:99999", "", credentials.ErrBadServerURL},
		{"https://sg.exa mple.org", "", credentials.ErrBadServerURL},
	}
	for _, tc := range cases {
		got, err := credentials.ParseServerURL(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("ParseServerURL(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("password echoed: %v", err)
		}
	}
}

// Without a session bus the system keyring is not asked: go-keyring's
// D-Bus library would otherwise run dbus-launch from PATH (as root, from
// the agent's service) to start a bus of its own. A dbus-launch that
// notes being run stands first on PATH; it must never run.
func TestSystemKeyringStartsNoBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is Linux's")
	}
	bin, marker := t.TempDir(), filepath.Join(t.TempDir(), "ran")
	script := "#!/bin/sh\necho ran > " + marker + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no bus socket in it
	s, err := credentials.New(credentials.Options{Path: filepath.Join(t.TempDir(), "c.json"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(creds); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(); err != nil || got != creds {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if f, _ := readFile(t, s); f.TokenIn != "file" {
		t.Errorf("token in %q, want the file", f.TokenIn)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("dbus-launch was run from PATH")
	}
}
