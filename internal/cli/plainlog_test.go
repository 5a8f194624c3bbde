package cli

import (
	"bytes"
	"errors"
	"testing"
)

func TestPlainLogger(t *testing.T) {
	var b bytes.Buffer
	log := newPlainLogger(&b).With("file", "/run/sessionguard/agent.sock.lock")
	log.Info("checks ran", "ready", false) // below the level: not shown
	log.Warn("session log needs repair; appends refused", "line", 5)
	log.Error("spooling report failed", "kind", "check_run", "err", errors.New("disk full\nno space"))
	want := "Note: Session log needs repair; appends refused.\nProblem: Spooling report failed (disk full no space).\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
