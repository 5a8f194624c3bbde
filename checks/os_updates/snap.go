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
// snap (`snap refresh --hold`) or for some (`snap refresh --hold <snap>`),
// or whether snapd, which refreshes them, is not running at all. Nil when
// snapd is not installed (without /usr/bin/snap no snap app can start),
// or when it did not answer and no snap is installed.
type snaps struct {
	// HeldAll: automatic refreshes of all snaps are held, until HeldUntil
	// (nil: indefinitely).
	HeldAll   bool       `json:"held_all,omitempty"`
	HeldUntil *time.Time `json:"held_until,omitempty"`
	// Held is how many snaps have their refreshes held.
	Held int `json:"held"`
	// Installed is how many snaps are on disk (/var/lib/snapd/snaps),
	// read only when snapd did not answer.
	Installed int `json:"installed,omitempty"`
	// NotRunning: snapd does not listen on its socket, so nothing
	// refreshes the installed snaps.
	NotRunning bool `json:"not_running,omitempty"`
	// Unread: snapd's answer, or the snaps on disk when snapd did not
	// answer, could not be read: whether snaps are held cannot be told.
	Unread *unread `json:"unread,omitempty"`
}

// snapBlobs is where snapd keeps every installed snap's file,
// <name>_<revision>.snap, on every distribution (the mount folder is /snap
// on Debian and Ubuntu, /var/lib/snapd/snap on Fedora). Reading it needs
// no snapd.
const snapBlobs = "/var/lib/snapd/snaps"

// snapdNotRunning is why snapd did not answer when nothing listens on its
// socket.
const snapdNotRunning = "snapd is not running"

// collectSnaps asks snapd (on its local socket; the store is never
// contacted) for its refresh hold and the snaps held one by one. When
// snapd does not answer, the snaps on disk say whether that matters.
func collectSnaps(ctx context.Context, p probe.Probe, f *facts) {
	out, err := p.Run(ctx, probe.CmdSnap, "refresh", "--time", "--abs-time")
	if errors.Is(err, probe.ErrNotFound) {
		return
	}
	var s snaps
	what := `snapd's answer to "snap refresh --time"`
	why := snapdAnswer(out, err)
	if why == "" {
		var ok bool
		if s, ok = parseSnapRefreshTime(out.Stdout, f.At); !ok {
			why = notRecognised(out)
		}
	}
	if why == "" {
		what = `snapd's list of snaps ("snap list")`
		list, err := p.Run(ctx, probe.CmdSnap, "list")
		if why = snapdAnswer(list, err); why == "" {
			var ok bool
			if s.Held, ok = parseSnapListHeld(list.Stdout); !ok {
				why = notRecognised(list)
			}
		}
	}
	if why == "" {
		f.Snaps = &s
		return
	}
	f.Errors = append(f.Errors, "snap: "+why)
	if s.HeldAll { // every snap is held, whatever snap list would say
		f.Snaps = &s
		return
	}
	installed, err := snapsOnDisk(p)
	switch {
	case err != nil:
		f.addError("snap files", err)
		s.Unread = &unread{What: "which snaps are installed (" + snapBlobs + "; snapd did not answer: " + why + ")", Why: probe.ErrorKind(err)}
	case installed == 0:
		return // no snap to refresh
	case why == snapdNotRunning:
		s.NotRunning = true
	default:
		s.Unread = &unread{What: what, Why: why}
	}
	s.Installed = installed
	f.Snaps = &s
}

// snapdAnswer is why snapd gave no answer to a snap command: "" when it
// answered (exit status 0), snapdNotRunning when nothing listens on its
// socket (the client's "cannot communicate with server: ... dial unix
// /run/snapd.socket: connect: no such file or directory" or "connection
// refused", after it has retried for five seconds), else the probe's
// error kind or the exit status.
func snapdAnswer(out probe.Output, err error) string {
	switch {
	case err != nil:
		return probe.ErrorKind(err)
	case out.ExitCode == 0:
		return ""
	}
	msg := string(out.Stderr)
	if strings.Contains(msg, "cannot communicate with server") &&
		(strings.Contains(msg, "connect: no such file or directory") || strings.Contains(msg, "connect: connection refused")) {
		return snapdNotRunning
	}
	return notRecognised(out)
}

func notRecognised(out probe.Output) string {
	return fmt.Sprintf("answer not recognised (exit status %d)", out.ExitCode)
}

// snapsOnDisk counts the snaps whose files are in snapBlobs (partial/
// holds downloads in progress). Several revisions of one snap count once.
func snapsOnDisk(p probe.Probe) (int, error) {
	names, err := p.ReadDir(snapBlobs)
	if errors.Is(err, probe.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, n := range names {
		base, ok := strings.CutSuffix(n, ".snap")
		if i := strings.LastIndexByte(base, '_'); ok && i > 0 {
			seen[base[:i]] = true
		}
	}
	return len(seen), nil
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
