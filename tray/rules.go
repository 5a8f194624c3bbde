package tray

import (
	"fmt"
	"strconv"
	"strings"
)

// SessionRules are the agent's rules for a session's label and its
// override reason, which the model applies before asking the agent (the
// agent applies them again). They are given as plain values, so the model
// does not link the session log: trayapp fills them from agent/sessionlog.
type SessionRules struct {
	// ValidateLabel screens a case reference: nil when it may be sent, or
	// why not, in words for the practitioner after the error it wraps
	// ("this label cannot be used: it looks like …"). nil sends every
	// label.
	ValidateLabel func(label string) error
	// OverrideReasons are the reasons to pick from to start a session
	// although a required check is not passing; none: no reason can be
	// picked here.
	OverrideReasons []string
	// OverrideReason joins a picked reason and a note ("" for none) into
	// the reason recorded; nil records the picked reason alone.
	OverrideReason func(picked, note string) string
}

// reasonChoices lists the override reasons to pick from, numbered, and
// how to add a note.
func reasonChoices(reasons []string) string {
	var b strings.Builder
	for i, r := range reasons {
		fmt.Fprintf(&b, "%d %s; ", i+1, r)
	}
	return b.String() + "type its number, then if you like a short note about the computer or the situation (never a name, contact details or date of birth), such as \"3 update running\"."
}

// pickedReason reads the answer to AskOverrideReason: a reason's number or
// its words, optionally followed by a note. The agent screens the note.
func (r SessionRules) pickedReason(answer string) (string, bool) {
	join := r.OverrideReason
	if join == nil {
		join = func(picked, _ string) string { return picked }
	}
	answer = strings.TrimSpace(answer)
	first, note, _ := strings.Cut(answer, " ")
	if n, err := strconv.Atoi(strings.TrimRight(first, ".):")); err == nil && n >= 1 && n <= len(r.OverrideReasons) {
		return join(r.OverrideReasons[n-1], strings.TrimLeft(note, " -—:")), true
	}
	for _, reason := range r.OverrideReasons {
		if len(answer) >= len(reason) && strings.EqualFold(answer[:len(reason)], reason) {
			return join(reason, strings.TrimLeft(answer[len(reason):], " -—:")), true
		}
	}
	return "", false
}
