package spool_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var agent = report.Agent{Version: "test"}

// checkRun returns a valid check run envelope whose JSON is padded by about
// pad bytes.
func checkRun(pad int) report.Envelope {
	rep := checks.Report{StartedAt: time.Now(), Ready: true, Results: []checks.Result{{ID: "firewall", Status: checks.Pass, Summary: strings.Repeat("x", pad)}}}
	return report.NewCheckRun(agent, rep)
}

func session(pad int) report.Envelope {
	return report.NewSession(agent, report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "case-" + strings.Repeat("1", pad), Ready: true})
}

func ids(envs []report.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.ID
	}
	return out
}

func open(t testing.TB, dir string, max int64) (*spool.Spool, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	s, err := spool.Open(dir, max, spool.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return s, &logs
}

func pending(t testing.TB, s *spool.Spool) []string {
	t.Helper()
	envs, err := s.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return ids(envs)
}

func TestOrderSurvivesReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	s, _ := open(t, dir, 0)
	var want []string
	for i := range 20 {
		env := checkRun(10)
		if i%3 == 0 {
			env = session(3)
		}
		if err := s.Put(env); err != nil {
			t.Fatal(err)
		}
		want = append(want, env.ID)
	}
	if got := pending(t, s); !slices.Equal(got, want) {
		t.Fatalf("pending order\n got %v\nwant %v", got, want)
	}
	s2, _ := open(t, dir, 0)
	if got := pending(t, s2); !slices.Equal(got, want) {
		t.Fatalf("after reopen\n got %v\nwant %v", got, want)
	}
	// Puts after a reopen come after what was there, even if the clock
	// went backwards: the sequence continues from the files.
	env := checkRun(1)
	if err := s2.Put(env); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, s2); got[len(got)-1] != env.ID || len(got) != len(want)+1 {
		t.Fatalf("new put not last: %v", got)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("spool dir mode %v, want 0700", fi.Mode().Perm())
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
			}
		}
	}
}

func TestLooseDirectoryIsTightened(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix modes")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	open(t, dir, 0)
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, want 0700", fi.Mode().Perm())
	}
}

func TestSameIDTwiceIsOneEntry(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, 0)
	env := session(1)
	for range 3 {
		if err := s.Put(env); err != nil {
			t.Fatal(err)
		}
	}
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1", s.Len())
	}
	s2, _ := open(t, dir, 0)
	if err := s2.Put(env); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, s2); len(got) != 1 {
		t.Fatalf("after reopen and re-put: %v", got)
	}
}

func TestAck(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, 0)
	a, b, c := checkRun(1), session(1), checkRun(1)
	for _, e := range []report.Envelope{a, b, c} {
		if err := s.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{b.ID, b.ID, report.NewID()} {
		if err := s.Ack(id); err != nil {
			t.Fatalf("Ack(%s): %v", id, err)
		}
	}
	want := []string{a.ID, c.ID}
	if got := pending(t, s); !slices.Equal(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
	s2, _ := open(t, dir, 0)
	if got := pending(t, s2); !slices.Equal(got, want) {
		t.Fatalf("after reopen got %v want %v", got, want)
	}
	if s2.Bytes() <= 0 {
		t.Fatalf("Bytes = %d", s2.Bytes())
	}
	for _, id := range want {
		if err := s2.Ack(id); err != nil {
			t.Fatal(err)
		}
	}
	if s2.Len() != 0 || s2.Bytes() != 0 {
		t.Fatalf("Len %d Bytes %d after acking everything", s2.Len(), s2.Bytes())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

func TestInvalidEnvelopeRefused(t *testing.T) {
	s, _ := open(t, t.TempDir(), 0)
	bad := checkRun(1)
	bad.ID = "../../etc/passwd"
	if err := s.Put(bad); !errors.Is(err, report.ErrInvalid) {
		t.Fatalf("Put(bad id) = %v, want ErrInvalid", err)
	}
	if s.Len() != 0 {
		t.Fatal("invalid envelope stored")
	}
}

func TestCorruptFilesMovedAside(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, 0)
	good, torn, mismatched := checkRun(1), session(1), checkRun(1)
	for _, e := range []report.Envelope{good, torn, mismatched} {
		if err := s.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	name := func(id string) string {
		m, _ := filepath.Glob(filepath.Join(dir, "*-"+id+".json"))
		if len(m) != 1 {
			t.Fatalf("file of %s: %v", id, m)
		}
		return m[0]
	}
	// A torn write: half the JSON.
	data, _ := os.ReadFile(name(torn.ID))
	if err := os.WriteFile(name(torn.ID), data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	// Valid JSON, but another envelope than the name says.
	other, _ := json.Marshal(checkRun(1))
	if err := os.WriteFile(name(mismatched.ID), other, 0o600); err != nil {
		t.Fatal(err)
	}
	// A stranger, and a temporary file left by a crash mid-Put.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".00000000000000000001-session-"+report.NewID()+".json.tmp-123")
	if err := os.WriteFile(tmp, []byte(`{"sch`), 0o600); err != nil {
		t.Fatal(err)
	}

	s2, logs := open(t, dir, 0)
	if got := pending(t, s2); !slices.Equal(got, []string{good.ID}) {
		t.Fatalf("pending %v, want only the good one", got)
	}
	moved, _ := os.ReadDir(filepath.Join(dir, spool.CorruptDir))
	if len(moved) != 3 {
		t.Fatalf("corrupt/ holds %d files, want 3 (torn, mismatched, stranger)", len(moved))
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file not removed: %v", err)
	}
	if n := strings.Count(logs.String(), "spool file unreadable"); n != 3 {
		t.Fatalf("%d warnings, want 3:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "case-") {
		t.Fatalf("a label reached the log:\n%s", logs)
	}

	// Corruption after Open is caught by Pending.
	if err := os.WriteFile(name(good.ID), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := pending(t, s2); len(got) != 0 {
		t.Fatalf("pending %v, want none", got)
	}
	if s2.Len() != 0 {
		t.Fatalf("Len %d", s2.Len())
	}
}

func TestDeadLetter(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, 0)
	a, b := checkRun(1), checkRun(1)
	_ = s.Put(a)
	_ = s.Put(b)
	if err := s.DeadLetter(a.ID, "HTTP 400"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeadLetter(a.ID, "again"); !errors.Is(err, spool.ErrNotFound) {
		t.Fatalf("second DeadLetter = %v, want ErrNotFound", err)
	}
	if got := pending(t, s); !slices.Equal(got, []string{b.ID}) {
		t.Fatalf("pending %v", got)
	}
	m, _ := filepath.Glob(filepath.Join(dir, spool.DeadLetterDir, "*-"+a.ID+".json"))
	if len(m) != 1 {
		t.Fatalf("dead letter not kept: %v", m)
	}
	// Dead letters are not resurrected by a reopen.
	s2, _ := open(t, dir, 0)
	if s2.Len() != 1 {
		t.Fatalf("Len after reopen %d", s2.Len())
	}
}

func size(t *testing.T, env report.Envelope) int64 {
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(b))
}

func TestBoundDropsOldestCheckRunsNeverSessions(t *testing.T) {
	cases := []struct {
		name string
		// puts: 'c' check run, 's' session, in order.
		puts string
		// max in units of one envelope (all are padded to about the same
		// size).
		max int
		// want: indexes into puts that remain.
		want   []int
		warned string
	}{
		{"under the bound", "cscs", 10, []int{0, 1, 2, 3}, ""},
		{"oldest check runs go first", "ccsccs", 4, []int{2, 3, 4, 5}, "dropped oldest check runs"},
		{"sessions kept even in the middle", "scscsc", 4, []int{0, 2, 4, 5}, "dropped oldest check runs"},
		{"only sessions: bound exceeded", "sssss", 3, []int{0, 1, 2, 3, 4}, "session records only"},
		{"newest check run kept over sessions", "sssc", 3, []int{0, 1, 2, 3}, "session records only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const pad = 2000
			unit := max(size(t, checkRun(pad)), size(t, session(pad)))
			dir := t.TempDir()
			s, logs := open(t, dir, int64(tc.max)*unit+unit/2)
			var all []string
			for _, k := range tc.puts {
				env := checkRun(pad)
				if k == 's' {
					env = session(pad)
				}
				if err := s.Put(env); err != nil {
					t.Fatal(err)
				}
				all = append(all, env.ID)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, all[i])
			}
			if got := pending(t, s); !slices.Equal(got, want) {
				t.Fatalf("kept %v\nwant %v", got, want)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			if len(files) != len(want) {
				t.Fatalf("%d files on disk, want %d", len(files), len(want))
			}
			if tc.warned == "" && logs.Len() > 0 || tc.warned != "" && !strings.Contains(logs.String(), tc.warned) {
				t.Fatalf("logs %q, want %q", logs, tc.warned)
			}
		})
	}
}

// A smaller bound at the next Open applies to what is already there.
func TestBoundAppliedAtOpen(t *testing.T) {
	dir := t.TempDir()
	s, _ := open(t, dir, 0)
	var sessions []string
	for i := range 10 {
		env := checkRun(500)
		if i%2 == 1 {
			env = session(500)
			sessions = append(sessions, env.ID)
		}
		if err := s.Put(env); err != nil {
			t.Fatal(err)
		}
	}
	s2, _ := open(t, dir, 1)
	if got := pending(t, s2); !slices.Equal(got, sessions) {
		t.Fatalf("got %v, want the sessions %v", got, sessions)
	}
}

func TestConcurrentPutAndAck(t *testing.T) {
	s, _ := open(t, t.TempDir(), 0)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				if err := s.Put(checkRun(1)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	acked := 0
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		envs, err := s.Oldest(5)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range envs {
			if err := s.Ack(e.ID); err != nil {
				t.Fatal(err)
			}
			acked++
		}
	}
	rest, _ := s.Pending()
	if acked+len(rest) != writers*each {
		t.Fatalf("acked %d + pending %d != %d", acked, len(rest), writers*each)
	}
}

// BenchmarkPut measures a durable Put (write, fsync file, rename, fsync
// directory).
func BenchmarkPut(b *testing.B) {
	for _, kind := range []string{report.KindCheckRun, report.KindSession} {
		b.Run(kind, func(b *testing.B) {
			s, _ := open(b, b.TempDir(), 1<<40)
			envs := make([]report.Envelope, b.N)
			for i := range envs {
				if kind == report.KindSession {
					envs[i] = session(8)
				} else {
					envs[i] = checkRun(60)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.Put(envs[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
