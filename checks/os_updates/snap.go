package osupdates

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// snaps is whether snapd's automatic refreshes are held back: for every
// snap (`snap refresh --hold`) or for some (`snap refresh --hold <snap>`).
// Nil when snapd is not installed or did not answer.
type snaps struct {
	// HeldAll: automatic refreshes of all snaps are held, until HeldUntil
	// (nil: indefinitely).
	HeldAll   bool       `json:"held_all,omitempty"`
	HeldUntil *time.Time `json:"held_until,omitempty"`
	// Held is how many snaps have their refreshes held.
	Held int `json:"held"`
}

// collectSnaps asks snapd (on its local socket; the store is never
// contacted) for its refresh hold and the snaps held one by one.
func collectSnaps(ctx context.Context, p probe.Probe, f *facts) {
	out, err := p.Run(ctx, probe.CmdSnap, "refresh", "--time", "--abs-time")
	if errors.Is(err, probe.ErrNotFound) {
		return
	}
	if err == nil && out.ExitCode != 0 { // snapd not running: "error: cannot communicate with server"
		err = fmt.Errorf("snap exited with status %d", out.ExitCode)
	}
	if err != nil {
		f.addError("snap refresh --time", err)
		return
	}
	s, ok := parseSnapRefreshTime(out.Stdout, f.At)
	if !ok {
		f.Errors = append(f.Errors, "snap refresh --time: answer not recognised")
		return
	}
	list, err := f.run(ctx, p, probe.CmdSnap, "list")
	if err != nil {
		return
	}
	if s.Held, ok = parseSnapListHeld(list); !ok {
		f.Errors = append(f.Errors, "snap list: answer not recognised")
		return
	}
	f.Snaps = &s
}

// parseSnapRefreshTime reads `snap refresh --time --abs-time`: "timer:" or
// "schedule:", "last:", "hold:" (RFC 3339, or "forever" for a hold past
// 100 years) only while a hold is set, "next:".
func parseSnapRefreshTime(b []byte, now time.Time) (s snaps, ok bool) {
	for line := range strings.Lines(string(b)) {
		k, v, found := strings.Cut(strings.TrimSpace(line), ": ")
		if !found {
			continue
		}
		switch k {
		case "timer", "schedule":
			ok = true
		case "hold":
			if v == "forever" {
				s.HeldAll = true
				continue
			}
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return snaps{}, false
			}
			if t.After(now) {
				s.HeldAll, s.HeldUntil = true, timePtr(t)
			}
		}
	}
	return s, ok
}

// parseSnapListHeld counts the rows of `snap list` whose Notes (the last
// column: "-", "classic", "held", "disabled,held"...) say held. With no
// snaps installed it prints nothing on stdout.
func parseSnapListHeld(b []byte) (held int, ok bool) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return 0, true
	}
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !ok {
			if fields[0] != "Name" || fields[len(fields)-1] != "Notes" {
				return 0, false
			}
			ok = true
			continue
		}
		if slices.Contains(strings.Split(fields[len(fields)-1], ","), "held") {
			held++
		}
	}
	return held, ok
}
