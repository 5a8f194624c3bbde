package useraccounts

import (
	"context"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "user_accounts"

// Check is the user accounts check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "User accounts",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlUserAccess}},
	Collect:    collectHost,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
}

// state is a three-valued observation.
type state string

// The states of a setting. For ConsoleUserAdmin, On means the console user is
// an administrator and NotApplicable that nobody is signed in at the screen.
const (
	stateOn            state = "on"
	stateOff           state = "off"
	stateUnknown       state = "unknown"
	stateNotApplicable state = "not_applicable"
)

// Console user presence.
const (
	consoleSignedIn = probe.ConsoleSignedIn
	consoleNone     = probe.ConsoleNone
	consoleUnknown  = probe.ConsoleUnknown
)

// facts are the raw observations. No account name, home folder, user id or
// SID is kept: only states, counts and where they were read.
type facts struct {
	OS string `json:"os"`
	// Guest is whether a guest account or guest login is available.
	Guest       state  `json:"guest"`
	GuestSource string `json:"guest_source,omitempty"`
	// AutoLogin is whether the computer signs someone in without a password.
	AutoLogin       state  `json:"auto_login"`
	AutoLoginSource string `json:"auto_login_source,omitempty"`
	// ConsoleUser is signed_in, none (nobody at the screen) or unknown.
	ConsoleUser string `json:"console_user"`
	// ConsoleUserAdmin is on when the person at the screen is an
	// administrator, not_applicable when nobody is signed in there.
	ConsoleUserAdmin state  `json:"console_user_admin"`
	AdminSource      string `json:"admin_source,omitempty"`
	// ConsolePassword is whether the person at the screen's account has a
	// password (Linux, passwd -S as that person): set, empty, locked (no
	// password sign-in), directory (not a local account: its directory
	// keeps the password), unknown; "" when not read (nobody signed in,
	// another operating system).
	ConsolePassword string `json:"console_password,omitempty"`
	// HumanAccounts is how many accounts people sign in with; nil when the
	// account list could not be read.
	HumanAccounts *int `json:"human_accounts,omitempty"`
	// Errors lists what could not be read (never with names).
	Errors []string `json:"errors,omitempty"`

	Linux   *linuxFacts   `json:"linux,omitempty"`
	Darwin  *darwinFacts  `json:"darwin,omitempty"`
	Windows *windowsFacts `json:"windows,omitempty"`
}

// collectHost gathers the facts for the probe's operating system.
func collectHost(ctx context.Context, p probe.Probe) (facts, error) {
	return collect(ctx, p, "/")
}

// collect reads every Unix file under root, so tests can run the collector
// with the live probe over a fake root directory. Live and replay use "/".
func collect(ctx context.Context, p probe.Probe, root string) (facts, error) {
	f := facts{OS: p.GOOS(), Guest: stateUnknown, AutoLogin: stateUnknown, ConsoleUser: consoleUnknown, ConsoleUserAdmin: stateUnknown}
	switch p.GOOS() {
	case "linux":
		collectLinux(ctx, p, root, &f)
	case "darwin":
		collectDarwin(ctx, p, root, &f)
	case "windows":
		collectWindows(ctx, p, &f)
	default:
		return f, fmt.Errorf("user accounts are not checked on %s", p.GOOS())
	}
	if f.Guest == stateUnknown && f.AutoLogin == stateUnknown && f.HumanAccounts == nil && f.ConsoleUserAdmin == stateUnknown {
		return f, fmt.Errorf("nothing about the user accounts could be read: %s", joinErrors(f.Errors))
	}
	return f, nil
}

// consoleUser asks the probe for the person at the screen and records
// whether there is one. ok is false when there is nobody or it is unknown.
func consoleUser(p probe.Probe, f *facts) (probe.User, bool) {
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	if presence == consoleNone {
		f.ConsoleUserAdmin = stateNotApplicable
	}
	if err != nil {
		f.addError("console user", err)
	}
	return u, presence == consoleSignedIn
}

func (f *facts) addError(what string, err error) {
	f.Errors = append(f.Errors, what+": "+probe.ErrorKind(err))
}

func joinErrors(errs []string) string {
	if len(errs) == 0 {
		return "no source answered"
	}
	s := errs[0]
	for _, e := range errs[1:] {
		s += "; " + e
	}
	return s
}

func intPtr(n int) *int { return &n }
