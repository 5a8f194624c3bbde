//go:build linux

package daemon

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/proctest"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

const (
	envCrashChild = "SG_DAEMON_CRASH_CHILD"
	envCrashState = "SG_DAEMON_CRASH_STATE"
	crashLabel    = "CR-4242"
)

// killAfterAppend is the agent's session log that SIGKILLs the process as
// soon as a record is on disk: the crash between the log and the spool.
type killAfterAppend struct{ agent.SessionLog }

func (k killAfterAppend) Append(rec report.SessionRecord) error {
	if err := k.SessionLog.Append(rec); err != nil {
		return err
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}

// crashChild is the enrolled agent, wired as `agent run` wires it, killed
// between writing a session start to its log and spooling it.
func crashChild() {
	o := Config{StateDir: os.Getenv(envCrashState), Policy: all.DefaultPolicy()}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, log, err := Open(o)
	if err != nil {
		panic(err)
	}
	defer log.Close()
	rep, err := startReporter(context.Background(), o, logger, cfg.Log.(sessionLogAdapter), cfg.Probe)
	if err != nil || rep == nil {
		panic(err)
	}
	cfg.Outbox, cfg.Server = rep.reporter, rep.server
	cfg.Log = killAfterAppend{cfg.Log}
	a, err := agent.New(cfg)
	if err != nil {
		panic(err)
	}
	_, err = a.StartSession(context.Background(), localapi.StartRequest{Label: crashLabel})
	panic("not killed: " + errors.Join(err).Error())
}

// TestCrashBetweenLogAndSpool is the fault of issue 16 item 11: the agent
// is SIGKILLed after a session start is in its log and before it is in
// the spool. After a restart the record reaches a real server (the
// server/api handler on SQLite) exactly once, also when the agent is
// restarted again with its delivery marker behind (killed between the
// server's ack and the marker's write).
func TestCrashBetweenLogAndSpool(t *testing.T) {
	if os.Getenv(envCrashChild) == "1" {
		crashChild()
		return
	}
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	srvAPI, err := api.New(st, api.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(srvAPI)
	defer func() { srv.Close(); srvAPI.Close() }()
	_, deviceID, token := storetest.Enrolled(t, st, "team-crash")

	state := t.TempDir()
	creds, err := credentials.New(credentials.Options{Path: filepath.Join(state, statedir.CredentialsFile), Keyring: credentials.NoKeyring})
	if err != nil {
		t.Fatal(err)
	}
	if err := creds.Save(credentials.Creds{ServerURL: srv.URL, DeviceID: deviceID, Token: token}); err != nil {
		t.Fatal(err)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), self, "-test.run=^TestCrashBetweenLogAndSpool$")
	cmd.Env = append(os.Environ(), envCrashChild+"=1", envCrashState+"="+state)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the agent was not killed between log and spool: %v\n%s", err, out)
	}

	o := Config{StateDir: state, Policy: all.DefaultPolicy()}
	log, open, _, err := openSessionLog(o.SessionLogPath())
	if err != nil {
		t.Fatal(err)
	}
	if open == nil || open.Label != crashLabel {
		log.Close()
		t.Fatalf("the start is not in the log: %+v", open)
	}
	log.Close()
	if n := sessionsOnServer(t, st); n != 0 {
		t.Fatalf("%d sessions on the server before the restart", n)
	}

	restart := func() {
		t.Helper()
		cfg, log, err := Open(o)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		rep, err := startReporter(ctx, o, slog.New(slog.DiscardHandler), cfg.Log.(sessionLogAdapter), cfg.Probe)
		if err != nil || rep == nil {
			t.Fatalf("startReporter: %v", err)
		}
		// The spool empties (Ack) before the delivery marker moves, so
		// a run that sends another envelope first may see an empty
		// spool and a sent count with the marker not yet written: wait
		// for the marker too.
		marker := filepath.Join(state, statedir.DeliveredFile)
		moved := func() bool {
			b, _ := os.ReadFile(marker)
			return strings.TrimSpace(string(b)) == "1"
		}
		deadline := time.Now().Add(10 * time.Second)
		for rep.reporter.Len() > 0 || rep.reporter.State().Sent == 0 || !moved() {
			if time.Now().After(deadline) {
				t.Fatalf("the record did not reach the server after a restart: %d pending, state %+v, %d on the server", rep.reporter.Len(), rep.reporter.State(), sessionsOnServer(t, st))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	restart()
	if n := sessionsOnServer(t, st); n != 1 {
		t.Fatalf("%d sessions on the server after the restart, want 1", n)
	}
	marker := filepath.Join(state, statedir.DeliveredFile)
	if b, _ := os.ReadFile(marker); strings.TrimSpace(string(b)) != "1" {
		t.Errorf("delivery marker %q, want 1", b)
	}

	// Killed after the server's ack, before the marker moved: the record
	// is sent again and the server keeps one.
	if err := os.WriteFile(marker, []byte("0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	restart()
	if n := sessionsOnServer(t, st); n != 1 {
		t.Fatalf("%d sessions on the server after a resend, want exactly 1", n)
	}

	// Issue 16 item 12 (files): nothing in the state directory, which
	// holds the label, can be read by another local user.
	if os.Geteuid() == 0 {
		assertUnreadableByNobody(t, state, crashLabel)
	}
}

func sessionsOnServer(t *testing.T, st store.Store) int {
	t.Helper()
	var n int
	db := st.(interface{ DB() *sql.DB }).DB()
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM sessions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// assertUnreadableByNobody tries, as nobody, to read every file under dir
// (the state directory made world-traversable to see past its own mode)
// that holds secret.
func assertUnreadableByNobody(t *testing.T, dir, secret string) {
	t.Helper()
	// Traversable directories (the agent's own is 0700): the files' own
	// modes must keep others out.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(path, 0o711)
		}
		return nil
	})
	held := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(b), secret) {
			return err
		}
		held++
		cmd := proctest.AsNobody(exec.Command("/bin/cat", path))
		if out, err := cmd.CombinedOutput(); err == nil || strings.Contains(string(out), secret) {
			t.Errorf("nobody could read the label in %s", path)
		}
		// Past the directory's mode: the file's own must keep others out.
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o044 != 0 {
			t.Errorf("%s is mode %v: readable by others", path, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if held == 0 {
		t.Fatal("no file holds the label: the check saw nothing")
	}
	t.Logf("%d files hold the label; none readable by another user", held)
}
