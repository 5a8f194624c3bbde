//go:build unix

package localapi

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFloodByAnotherUser is the attack of issue 16 item 8: an
// unprivileged user (nobody) opens as many watch streams and requests as
// it can and reopens each as soon as it closes, while root starts a
// session. The agent's descriptors are finite (a service's LimitNOFILE;
// here the test lowers its own soft limit to fdBudget so that the flood
// reaches it): without per-user limits the flood takes every descriptor
// and root's start waits for ever; with them, root's start succeeds within
// the bound.
func TestFloodByAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as nobody")
	}
	const (
		fdBudget = 128
		bound    = 3 * time.Second
	)
	fake := newFake()
	console := CachedConsoleUID(func() (string, error) { return "1000", nil }, time.Second)
	ts := startServerWith(t, fake, DefaultAuthorizer(console), func(ln net.Listener) net.Listener {
		return LimitListener(ln, DefaultLimits, console)
	})

	// Root's client is another process, as `sudo sessionguard session
	// start` is: it does not share the agent's descriptors. It is started
	// now (exec needs descriptors) and waits for a line on stdin.
	root := childCommand(t, ts.path, "start", 30*time.Second)
	var rootOut strings.Builder
	root.Stdout, root.Stderr = &rootOut, &rootOut
	goSignal, err := root.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := root.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = root.Process.Kill() }()

	cmd := nobodyCommand(t, ts.path, "flood")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lower := old
	lower.Cur = fdBudget
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lower); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) //nolint:errcheck // restoring
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "READY\n" {
		t.Fatalf("flood child: %q %v", line, err)
	}

	start := time.Now()
	if _, err := goSignal.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	finished := make(chan error, 1)
	go func() { finished <- root.Wait() }()
	select {
	case err := <-finished:
		if err != nil || !strings.Contains(rootOut.String(), "STARTED") {
			t.Fatalf("root's session start during the flood failed after %v: %v\n%s", time.Since(start).Round(time.Millisecond), err, rootOut.String())
		}
	case <-time.After(bound):
		t.Fatalf("root's session start did not finish within %v during the flood", bound)
	}
	took := time.Since(start).Round(time.Millisecond)
	if fake.openSession() == nil {
		t.Fatal("no session open")
	}
	t.Logf("root started a session during the flood in %v", took)
}

// TestLimiter: each ordinary user has PerUser connections, all of them
// Others; root and the console user have their own reserve.
func TestLimiter(t *testing.T) {
	lm := &limiter{l: Limits{PerUser: 2, Others: 3, Reserved: 2}, console: func() (string, error) { return "1000", nil }, byUID: map[string]int{}}
	take := func(p Peer) bool { _, ok := lm.take(p); return ok }
	a, b := Peer{UID: "2000"}, Peer{UID: "2001"}
	root, con := Peer{UID: "0", Privileged: true}, Peer{UID: "1000"}
	for i, want := range []bool{true, true, false} {
		if take(a) != want {
			t.Fatalf("PerUser: connection %d taken = %v", i+1, !want)
		}
	}
	if !take(b) || take(b) || take(Peer{}) {
		t.Fatal("Others")
	}
	for _, p := range []Peer{root, root, con, con} {
		if !take(p) {
			t.Fatalf("%+v refused within its reserve", p)
		}
	}
	if take(root) || take(con) {
		t.Fatal("Reserved")
	}
	lm.release(a, classOther)
	if !take(b) {
		t.Fatal("a released connection is not given back")
	}
}

// TestCachedConsoleUID: one lookup per TTL, however many callers.
func TestCachedConsoleUID(t *testing.T) {
	now := time.Unix(1000, 0)
	calls := 0
	f := cachedConsoleUID(func() (string, error) { calls++; return strconv.Itoa(calls), nil }, 5*time.Second, func() time.Time { return now })
	for range 100 {
		if uid, _ := f(); uid != "1" {
			t.Fatalf("uid %s", uid)
		}
	}
	now = now.Add(6 * time.Second)
	if uid, _ := f(); uid != "2" || calls != 2 {
		t.Fatalf("after the TTL: uid %s, %d lookups", uid, calls)
	}
	now = now.Add(-time.Hour) // the clock stepped back: look again
	if uid, _ := f(); uid != "3" {
		t.Fatalf("after a clock step: uid %s", uid)
	}
}

func BenchmarkLimitedAccept(b *testing.B) {
	lm := &limiter{l: DefaultLimits, console: CachedConsoleUID(func() (string, error) { return "1000", nil }, time.Minute), byUID: map[string]int{}}
	p := Peer{UID: "2000"}
	for b.Loop() {
		c, ok := lm.take(p)
		if ok {
			lm.release(p, c)
		}
	}
}
