package probe

import (
	"errors"
	"fmt"
	"testing"
)

func TestConsolePresence(t *testing.T) {
	u, presence, err := ConsolePresence(console{u: User{UID: "1000"}})
	if err != nil || presence != ConsoleSignedIn || u.UID != "1000" {
		t.Errorf("signed in: %+v %q %v", u, presence, err)
	}
	u, presence, err = ConsolePresence(console{err: fmt.Errorf("console user: %w", ErrNotFound)})
	if err != nil || presence != ConsoleNone || u.UID != "" {
		t.Errorf("nobody: %+v %q %v", u, presence, err)
	}
	_, presence, err = ConsolePresence(console{err: ErrAccessDenied})
	if presence != ConsoleUnknown || !errors.Is(err, ErrAccessDenied) {
		t.Errorf("cannot tell: %q %v", presence, err)
	}
}

// console is a probe that only answers who is at the screen (as the replay
// probe does: a wrapped ErrNotFound when nobody is).
type console struct {
	Probe
	u   User
	err error
}

func (c console) ConsoleUser() (User, error) { return c.u, c.err }
