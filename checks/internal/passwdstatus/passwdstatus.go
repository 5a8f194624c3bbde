// Package passwdstatus asks passwd -S whether the person at the screen's
// account has a password: user_accounts fails an empty one, and
// screen_lock will not say the screen locks "with a password" for it.
package passwdstatus

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// The states passwd -S tells.
const (
	Set    = "set"
	Empty  = "empty"
	Locked = "locked"
)

// EmptyFix tells a person how to give their account a password.
const EmptyFix = "Give your account a password: open Settings > Users (or System Settings > Users), choose your account and set a password (turn off \"log in without a password\"), or type passwd in a terminal."

// ErrNotRecognised is an answer of passwd -S that is not one of its forms.
var ErrNotRecognised = errors.New("password status not recognised")

// Parse reads the status word of passwd -S: shadow-utils (Debian, Ubuntu,
// Arch, openSUSE) prints "NAME P|NP|L DATE MIN MAX WARN INACTIVE",
// Fedora's and RHEL's passwd "NAME PS|NP|LK DATE … (Password set, SHA512
// crypt.)". NP is an empty password: signing in, and unlocking the
// screen, takes none.
func Parse(b []byte) (string, error) {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(line)
	if len(f) < 2 {
		return "", ErrNotRecognised
	}
	switch f[1] {
	case "P", "PS":
		return Set, nil
	case "NP":
		return Empty, nil
	case "L", "LK":
		return Locked, nil
	}
	return "", ErrNotRecognised
}

// Ask runs passwd -S for the person at the screen u: as that person first
// (shadow-utils' passwd answers its own user, so an agent run by the
// person can ask), then as the agent naming the account (Fedora's and
// RHEL's passwd answers root only). problem says what could not be read
// (never passwd's stderr, which names the account).
func Ask(ctx context.Context, p probe.Probe, u probe.User) (status, problem string) {
	out, err := p.RunAsConsoleUser(ctx, probe.CmdPasswd, "-S")
	if (err != nil || out.ExitCode != 0) && u.Name != "" {
		out, err = p.Run(ctx, probe.CmdPasswd, "-S", u.Name)
	}
	switch {
	case err != nil:
		return "", "passwd -S: " + probe.ErrorKind(err)
	case out.ExitCode != 0:
		return "", "passwd -S: exit status " + strconv.Itoa(out.ExitCode)
	}
	st, err := Parse(out.Stdout)
	if err != nil {
		return "", "passwd -S: " + err.Error()
	}
	return st, ""
}
