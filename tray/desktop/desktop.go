// Package desktop is what the tray asks of the desktop besides its icon:
// notifications, a one-line question (the case reference, the reason to
// start anyway), a message (how to fix a check) and opening a web address.
//
// Each is a small interface with one implementation per OS, chosen by For:
//
//   - Linux: notifications through the freedesktop service
//     (org.freedesktop.Notifications on the session bus); questions and
//     messages through zenity or kdialog when installed at their usual
//     absolute paths, else a one-page web form on 127.0.0.1 behind a
//     one-time token; addresses through xdg-open.
//   - macOS: osascript (display notification, display dialog); open.
//   - Windows: PowerShell (a toast, an input box, a message box); rundll32.
//
// Programs run by absolute path with argument lists and a timeout, never
// through a shell; text from people and from the agent reaches AppleScript
// as run arguments and PowerShell as environment variables, never as code.
package desktop

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"
)

// Notifier shows desktop notifications.
type Notifier interface {
	Notify(ctx context.Context, title, body string) error
}

// Asker asks one-line questions and shows messages.
type Asker interface {
	// Ask shows prompt and returns what was typed; ok is false when the
	// person cancelled or closed the dialog.
	Ask(ctx context.Context, title, prompt string) (answer string, ok bool, err error)
	// Show shows a message until the person closes it (or ctx ends).
	Show(ctx context.Context, title, text string) error
}

// Opener opens a web address in the person's browser.
type Opener interface {
	Open(ctx context.Context, address string) error
}

// Limits on text passed to dialogs and notifications and read back.
const (
	MaxTitle  = 200
	MaxText   = 4000
	MaxAnswer = 1000
	// NotifyTimeout bounds showing one notification.
	NotifyTimeout = 5 * time.Second
	// AskTimeout bounds how long a question stays open.
	AskTimeout = 10 * time.Minute
)

// ErrNoDialog: no way to ask on this desktop.
var ErrNoDialog = errors.New("no dialog program (zenity, kdialog) and no browser to show a form in")

// clip shortens s to at most n bytes on a rune boundary, dropping NUL bytes
// (which no program argument may hold).
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// firstExisting returns the first of paths that exists as a regular
// executable file, or "".
func firstExisting(paths ...string) string {
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// CheckAddress accepts only absolute http and https addresses, so nothing
// else (a file, a command scheme) is ever handed to the OS opener.
func CheckAddress(address string) error {
	u, err := url.Parse(address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("not a web address: %q (use https://…)", clip(address, 100))
	}
	if strings.ContainsAny(address, " \t\r\n\"") {
		return fmt.Errorf("the web address %q holds spaces or quotes", clip(address, 100))
	}
	return nil
}

// runner runs one program with a timeout (AskTimeout when zero) and an
// argument list.
type runner struct {
	timeout time.Duration
}

// output runs argv[0] (an absolute path) and returns its stdout. The exit
// code is returned as an *exec.ExitError.
func (r runner) output(ctx context.Context, env []string, argv ...string) (string, error) {
	timeout := r.timeout
	if timeout <= 0 {
		timeout = AskTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	hideConsole(cmd)
	var out, errOut limitedBuffer
	out.max, errOut.max = 64<<10, 16<<10
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil && err != nil {
		return "", fmt.Errorf("%s did not finish: %w", argv[0], ctx.Err())
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), ee
		}
		return "", fmt.Errorf("running %s: %w", argv[0], err)
	}
	return out.String(), nil
}

// limitedBuffer keeps at most max bytes of what is written to it.
type limitedBuffer struct {
	b   []byte
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

// exitCode is the exit status of err, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// answer cleans what a dialog printed: one line, bounded.
func answer(out string) string {
	out = strings.TrimRight(out, "\r\n")
	if i := strings.IndexAny(out, "\r\n"); i >= 0 {
		out = out[:i]
	}
	return clip(strings.TrimSpace(out), MaxAnswer)
}
