package desktop

import (
	"context"
	"fmt"
	"strings"
)

// osascript is macOS's AppleScript runner. The scripts are fixed; the text
// reaches them as run arguments (argv), never inside the script.
const osascriptPath = "/usr/bin/osascript"

// OSAScript notifies and asks through osascript (macOS).
type OSAScript struct{ r runner }

// Notify is "display notification".
func (o OSAScript) Notify(ctx context.Context, title, body string) error {
	r := runner{timeout: NotifyTimeout}
	_, err := r.output(ctx, nil, osascriptArgs(`display notification (item 2 of argv) with title (item 1 of argv)`,
		clip(title, MaxTitle), clip(body, MaxText))...)
	if err != nil {
		return fmt.Errorf("showing a notification with osascript: %w", err)
	}
	return nil
}

// Ask is "display dialog … default answer".
func (o OSAScript) Ask(ctx context.Context, title, prompt string) (string, bool, error) {
	out, err := o.r.output(ctx, nil, osascriptArgs(
		`text returned of (display dialog (item 2 of argv) default answer "" with title (item 1 of argv) buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel")`,
		clip(title, MaxTitle), clip(prompt, MaxText))...)
	if err != nil {
		if exitCode(err) == 1 { // "User canceled." (-128)
			return "", false, nil
		}
		return "", false, fmt.Errorf("asking with osascript: %w", err)
	}
	return answer(out), true, nil
}

// Show is "display dialog" with one OK button.
func (o OSAScript) Show(ctx context.Context, title, text string) error {
	_, err := o.r.output(ctx, nil, osascriptArgs(
		`display dialog (item 2 of argv) with title (item 1 of argv) buttons {"OK"} default button "OK"`,
		clip(title, MaxTitle), clip(text, MaxText))...)
	if err != nil && exitCode(err) != 1 {
		return fmt.Errorf("showing a message with osascript: %w", err)
	}
	return nil
}

// osascriptArgs wraps a one-statement script in "on run argv" so the text
// arrives as data.
func osascriptArgs(statement string, args ...string) []string {
	argv := []string{osascriptPath, "-e", "on run argv", "-e", statement, "-e", "end run"}
	// A leading "-" would be read as an option by osascript.
	for _, a := range args {
		argv = append(argv, strings.TrimLeft(a, "-"))
	}
	return argv
}
