package probe

import (
	"errors"
	"testing"
)

func TestConsolePresence(t *testing.T) {
	at := func(manifest string) Probe {
		r, err := OpenReplay(writeBundle(t, map[string]string{ManifestFile: manifest}))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	u, presence, err := ConsolePresence(at(`{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z","console_user":{"uid":"1000"}}`))
	if err != nil || presence != ConsoleSignedIn || u.UID != "1000" {
		t.Errorf("signed in: %+v %q %v", u, presence, err)
	}
	u, presence, err = ConsolePresence(at(`{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`))
	if err != nil || presence != ConsoleNone || u.UID != "" {
		t.Errorf("nobody: %+v %q %v", u, presence, err)
	}
	_, presence, err = ConsolePresence(deniedConsole{Probe: at(`{"format":"sessionguard.evidence/v1","goos":"linux","recorded_at":"2026-11-01T10:00:00Z"}`)})
	if presence != ConsoleUnknown || !errors.Is(err, ErrAccessDenied) {
		t.Errorf("cannot tell: %q %v", presence, err)
	}
}

// deniedConsole is a probe that may not ask who is at the screen.
type deniedConsole struct{ Probe }

func (deniedConsole) ConsoleUser() (User, error) { return User{}, ErrAccessDenied }
