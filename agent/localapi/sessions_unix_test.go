//go:build unix

package localapi

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sessionguard/sessionguard/report"
)

// logBackend is a fake agent that can show its session log.
type logBackend struct {
	*fakeBackend
	log SessionLog
}

func (b logBackend) SessionLog(context.Context) (SessionLog, error) {
	b.calls.Add(1)
	return b.log, nil
}

// serveBackend serves b on a new socket and returns a client of it and
// the socket's path.
func serveBackend(t *testing.T, b Backend, authorize func(Peer) bool) (*Client, string) {
	t.Helper()
	path := filepath.Join(reachableDir(t), "agent.sock")
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(b, authorize))
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	c := NewClient(path)
	t.Cleanup(func() { c.Close(); srv.Close() })
	return c, path
}

// TestSessionLogEndpoint: the session log is for root and the console
// user only; an agent without it says so in a way the CLI can tell.
func TestSessionLogEndpoint(t *testing.T) {
	want := SessionLog{Path: "/var/lib/sessionguard/sessions.log", Records: 1, Head: "ab",
		Entries: []SessionEntry{{Seq: 1, Record: report.SessionRecord{SessionID: "s1", Event: report.SessionStart, Label: "CR-1"}}}}
	b := logBackend{newFake(), want}

	c, path := serveBackend(t, b, allowAll)
	got, err := c.SessionLog(t.Context())
	if err != nil || got.Path != want.Path || got.Records != 1 || len(got.Entries) != 1 || got.Entries[0].Record.Label != "CR-1" {
		t.Fatalf("allowed: %+v, %v", got, err)
	}

	before := b.calls.Load()
	refused, _ := serveBackend(t, b, func(Peer) bool { return false })
	_, err = refused.SessionLog(t.Context())
	if !errors.Is(err, ErrForbidden) {
		t.Errorf("another user: %v, want ErrForbidden", err)
	}
	if b.calls.Load() != before {
		t.Error("the backend was asked for the log of a user who may not read it")
	}

	// An agent (backend) without the log: ErrUnsupported.
	old, _ := serveBackend(t, newFake(), allowAll)
	if _, err := old.SessionLog(t.Context()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("old agent: %v, want ErrUnsupported", err)
	}

	// Only GET; a browser never.
	if code, e, _ := rawDo(t, path, "POST", Prefix+PathSessions, nil, ""); code != 405 {
		t.Errorf("POST sessions: %d %+v", code, e)
	}
	if code, e, _ := rawDo(t, path, "GET", Prefix+PathSessions, map[string]string{"Origin": "null"}, ""); code != 403 {
		t.Errorf("GET sessions from a page: %d %+v", code, e)
	}
}
