package probe

import "errors"

// Whether someone is at the screen, as check facts record it.
const (
	ConsoleSignedIn = "signed_in"
	ConsoleNone     = "none"
	ConsoleUnknown  = "unknown"
)

// ConsolePresence asks p for the person at the screen. It returns the user
// when someone is signed in, the presence word for facts, and the error
// when presence could not be told (nobody signed in is not an error).
func ConsolePresence(p Probe) (User, string, error) {
	u, err := p.ConsoleUser()
	switch {
	case err == nil:
		return u, ConsoleSignedIn, nil
	case errors.Is(err, ErrNotFound):
		return User{}, ConsoleNone, nil
	default:
		return User{}, ConsoleUnknown, err
	}
}
