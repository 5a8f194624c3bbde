package reporter_test

// The acceptance test of issue 6: "a test kills the agent process (SIGKILL)
// mid-send and while the server is down; after restart every record reaches
// a test server exactly once (count them)".
//
// The "agent" is this test binary re-executed as a child process (see
// TestMain): it spools envelopes, prints each id once Put has returned, and
// runs the reporter against the server URL it is given. The parent plays a
// server that dedupes by id like the real one, holds a request so that the
// child is killed in the middle of a send (once before the server has
// recorded the envelope, once after — so the answer is lost), then goes
// away entirely (connection refused) while a third child is killed, and
// finally comes back for a fourth child that must drain the spool.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/report"
)

const (
	childEnv   = "SG_REPORTER_ACCEPTANCE_CHILD"
	childToken = "sgd_tok_acceptance"
)

// childMain is the agent: SG_SPOOL_DIR, SG_SERVER_URL, SG_PUT (how many
// envelopes to spool first; every third is a session), SG_EXIT_WHEN_EMPTY.
func childMain() int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sp, err := spool.Open(os.Getenv("SG_SPOOL_DIR"), 0, spool.WithLogger(log))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	n, _ := strconv.Atoi(os.Getenv("SG_PUT"))
	for i := range n {
		env := checkRun()
		if i%3 == 2 {
			env = session()
		}
		if err := sp.Put(env); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Println("PUT", env.ID) // only once it is durable
	}
	rep, err := reporter.New(reporter.Config{
		Spool: sp, ServerURL: os.Getenv("SG_SERVER_URL"), Logger: log,
		Token:       func() (string, error) { return childToken, nil },
		BaseBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Println("READY")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = rep.Run(ctx) }()
	var lastErrAt time.Time
	for {
		st := rep.State()
		if st.LastError != "" && !st.LastErrorAt.Equal(lastErrAt) {
			lastErrAt = st.LastErrorAt
			fmt.Println("ERR", st.LastError)
		}
		if os.Getenv("SG_EXIT_WHEN_EMPTY") == "1" && st.Pending == 0 {
			fmt.Println("DRAINED")
			return 0
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// db is the server's store: envelopes by id, like the real server's
// idempotent insert.
type db struct {
	mu       sync.Mutex
	receipts int            // requests carrying an envelope
	seen     map[string]int // receipts per id
	order    []string       // ids in the order first recorded
	dupAcks  int
	// hold, when set, makes request number n (counted over the db's
	// life) block, before or after recording, until the client is gone.
	holdAt     int
	holdCommit bool
	held       chan string
}

func (d *db) handler(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+childToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var env report.Envelope
		if err := json.NewDecoder(r.Body).Decode(&env); err != nil || env.Validate() != nil {
			t.Errorf("bad envelope: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		want := report.PathReports
		if env.Kind == report.KindSession {
			want = report.PathSessions
		}
		if r.URL.Path != want {
			t.Errorf("%s sent to %s", env.Kind, r.URL.Path)
		}
		d.mu.Lock()
		d.receipts++
		n := d.receipts
		hold := d.held != nil && n == d.holdAt
		commit := func() bool {
			dup := d.seen[env.ID] > 0
			if !dup {
				d.order = append(d.order, env.ID)
			} else {
				d.dupAcks++
			}
			d.seen[env.ID]++
			return dup
		}
		var dup bool
		if !hold || d.holdCommit {
			dup = commit()
		}
		held := d.held
		d.mu.Unlock()
		if hold {
			held <- env.ID
			<-r.Context().Done() // the child is killed while we hold it
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(report.Ack{ID: env.ID, Duplicate: dup})
	})
}

func (d *db) setHold(at int, commit bool) chan string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.holdAt, d.holdCommit, d.held = at, commit, make(chan string, 1)
	return d.held
}

func (d *db) snapshot() (receipts int, seen map[string]int, order []string, dupAcks int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen = map[string]int{}
	for k, v := range d.seen {
		seen[k] = v
	}
	return d.receipts, seen, slices.Clone(d.order), d.dupAcks
}

// child is one run of the agent.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	lines  chan string
	stderr *syncBuffer
	puts   []string
}

func startChild(t *testing.T, dir, url string, put int, exitWhenEmpty bool) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "SG_SPOOL_DIR="+dir, "SG_SERVER_URL="+url, "SG_PUT="+strconv.Itoa(put))
	if exitWhenEmpty {
		cmd.Env = append(cmd.Env, "SG_EXIT_WHEN_EMPTY=1")
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, lines: make(chan string, 1024), stderr: stderr}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// expect reads lines until one starts with prefix, collecting PUT ids.
func (c *child) expect(prefix string) string {
	c.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				_ = c.cmd.Wait()
				c.t.Fatalf("child ended before %q; stderr:\n%s", prefix, c.stderr)
			}
			if id, ok := strings.CutPrefix(l, "PUT "); ok {
				c.puts = append(c.puts, id)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			_ = c.cmd.Process.Kill()
			for range c.lines {
			}
			_ = c.cmd.Wait()
			c.t.Fatalf("no %q from the child; stderr:\n%s", prefix, c.stderr)
		}
	}
}

// kill sends SIGKILL and reaps the child.
func (c *child) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		c.t.Fatal(err)
	}
	for l := range c.lines {
		if id, ok := strings.CutPrefix(l, "PUT "); ok {
			c.puts = append(c.puts, id)
		}
	}
	err := c.cmd.Wait()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.Success() {
		c.t.Fatalf("child was not killed: %v", err)
	}
}

func (c *child) wait() {
	c.t.Helper()
	for range c.lines {
	}
	if err := c.cmd.Wait(); err != nil {
		c.t.Fatalf("child: %v; stderr:\n%s", err, c.stderr)
	}
}

func waitHeld(t *testing.T, held chan string) string {
	t.Helper()
	select {
	case id := <-held:
		return id
	case <-time.After(20 * time.Second):
		t.Fatal("the server never held a request")
		return ""
	}
}

func TestKillMidSendAndServerDownLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := filepath.Join(t.TempDir(), "spool")
	d := &db{seen: map[string]int{}}
	srv := httptest.NewServer(d.handler(t))
	defer srv.Close()
	var put []string
	var stderrs []string

	// 1. Killed mid-send before the server recorded the envelope: it
	// accepts two, holds the third.
	held := d.setHold(3, false)
	a := startChild(t, dir, srv.URL, 10, false)
	a.expect("READY")
	heldBefore := waitHeld(t, held)
	a.kill()
	put = append(put, a.puts...)
	stderrs = append(stderrs, a.stderr.String())
	if len(a.puts) != 10 || heldBefore != a.puts[2] {
		t.Fatalf("phase 1: %d puts, held %s", len(a.puts), heldBefore)
	}

	// 2. Killed mid-send after the server recorded it: the answer is lost.
	held = d.setHold(4, true)
	b := startChild(t, dir, srv.URL, 5, false)
	b.expect("READY")
	heldAfter := waitHeld(t, held)
	b.kill()
	put = append(put, b.puts...)
	stderrs = append(stderrs, b.stderr.String())
	if heldAfter != heldBefore {
		t.Fatalf("phase 2 resent %s first, want the unacknowledged %s", heldAfter, heldBefore)
	}

	// 3. The server is down (connection refused); more records are
	// spooled and the agent is killed while retrying.
	url := srv.URL
	srv.Close()
	c := startChild(t, dir, url, 5, false)
	c.expect("READY")
	if l := c.expect("ERR"); !strings.Contains(l, "refused") {
		t.Fatalf("phase 3 error %q, want connection refused", l)
	}
	c.expect("ERR") // still failing, retried after a backoff
	c.kill()
	put = append(put, c.puts...)
	stderrs = append(stderrs, c.stderr.String())

	// 4. The server is back (a new address; the same store).
	srv2 := httptest.NewServer(d.handler(t))
	defer srv2.Close()
	e := startChild(t, dir, srv2.URL, 0, true)
	e.expect("DRAINED")
	e.wait()
	stderrs = append(stderrs, e.stderr.String())

	// Every record put before a kill reached the server exactly once, in
	// the order it was put.
	receipts, seen, order, dupAcks := d.snapshot()
	if len(put) != 20 {
		t.Fatalf("%d records put, want 20", len(put))
	}
	if !slices.Equal(order, put) {
		t.Fatalf("server recorded\n %v\nwant (put order)\n %v", order, put)
	}
	if len(seen) != len(put) {
		t.Fatalf("server has %d distinct records, want %d", len(seen), len(put))
	}
	for _, id := range put {
		if seen[id] == 0 {
			t.Errorf("record %s lost", id)
		}
	}
	// The record whose answer was lost was sent again and deduplicated:
	// the scenario really exercised a resend.
	if seen[heldBefore] < 2 || dupAcks < 1 || receipts <= len(put) {
		t.Fatalf("no resend observed: receipts %d, held record seen %d times, %d duplicate acks", receipts, seen[heldBefore], dupAcks)
	}
	t.Logf("%d records, %d requests, %d duplicates acknowledged", len(put), receipts, dupAcks)

	// The spool is empty, nothing set aside.
	sp, err := spool.Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Len() != 0 {
		t.Fatalf("spool holds %d after draining", sp.Len())
	}
	left, _ := os.ReadDir(dir)
	for _, f := range left {
		t.Errorf("left in the spool directory: %s", f.Name())
	}
	all := strings.Join(stderrs, "\n")
	if strings.Contains(all, childToken) {
		t.Fatalf("the token reached the agent's log:\n%s", all)
	}
	if strings.Contains(all, "case-1234") {
		t.Fatalf("a label reached the agent's log")
	}
}
