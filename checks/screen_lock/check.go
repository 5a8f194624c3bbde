package screenlock

import (
	"context"
	"fmt"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// ID is the stable check identifier.
const ID = "screen_lock"

// Check is the screen lock check.
var Check checks.Check = checks.Definition[facts]{
	CheckID:    ID,
	CheckTitle: "Screen lock",
	Meta:       checks.Meta{Required: true, Controls: []string{checks.ControlSecureConfig, checks.ControlUserAccess}, Settings: []checks.Setting{maxSecondsSetting}},
	Collect:    collect,
	Evaluate:   evaluate,
	UnknownFix: unknownFix,
	Scrub:      scrub,
	// swayidle, xautolock and xidlehook take their timeouts as
	// arguments.
	ProcessArgs: argsRead,
}

// maxSecondsSetting is the longest idle time allowed before the screen
// locks with a password.
var maxSecondsSetting = checks.Number{Name: "screen_lock_max_seconds", Label: "The screen locks with a password after at most", After: "idle",
	Units: []checks.Unit{checks.Minutes, checks.Seconds, checks.Hours}, Default: 600, Min: 1, Max: 86400}

// Console user presence.
const (
	consoleSignedIn = probe.ConsoleSignedIn
	consoleNone     = probe.ConsoleNone
	consoleUnknown  = probe.ConsoleUnknown
)

// facts are the raw observations: settings as numbers and switches, in
// seconds where the source counts in minutes, and where each was read. No
// user name, home folder, user id or SID is kept.
type facts struct {
	OS string `json:"os"`
	// ConsoleUser is signed_in, none (nobody at the screen) or unknown.
	ConsoleUser string `json:"console_user"`
	// Errors lists what could not be read (never with names or paths of a
	// home folder).
	Errors []string `json:"errors,omitempty"`

	// AwakeHolds are the programs keeping the screen from locking right
	// now (idle inhibitors: see awakeHold); empty when none or not read.
	AwakeHolds []awakeHold `json:"awake_holds,omitempty"`
	// AwakeHoldsRead: they were read (none held is then known). False in
	// facts of older agents and where they are not read.
	AwakeHoldsRead bool `json:"awake_holds_read,omitempty"`
	// AwakeHoldsUnread says why they could not be read ("gnome-session:
	// not found"). The settings still decide then: a hold only ever makes
	// a verdict worse.
	AwakeHoldsUnread string `json:"awake_holds_unread,omitempty"`

	Linux   *linuxFacts   `json:"linux,omitempty"`
	Darwin  *darwinFacts  `json:"darwin,omitempty"`
	Windows *windowsFacts `json:"windows,omitempty"`
}

// collect gathers the facts for the probe's operating system.
func collect(ctx context.Context, p probe.Probe) (facts, error) {
	f := facts{OS: p.GOOS(), ConsoleUser: consoleUnknown}
	switch p.GOOS() {
	case "linux":
		collectLinux(ctx, p, &f)
	case "darwin":
		collectDarwin(ctx, p, &f)
	case "windows":
		collectWindows(ctx, p, &f)
	default:
		return f, fmt.Errorf("the screen lock is not checked on %s", p.GOOS())
	}
	return f, nil
}

// consoleUser asks the probe for the person at the screen and records
// whether there is one.
func consoleUser(p probe.Probe, f *facts) (probe.User, bool) {
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	if err != nil {
		f.addError("console user", err)
	}
	return u, presence == consoleSignedIn
}

func (f *facts) addError(what string, err error) {
	f.Errors = append(f.Errors, what+": "+probe.ErrorKind(err))
}

func intPtr(n int) *int { return &n }

func boolPtr(b bool) *bool { return &b }
