package screenlock

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// Power assertions on macOS. A process holding PreventUserIdleDisplaySleep
// keeps the display from turning off however long nobody uses the
// computer (Apple's IOKit documentation of
// kIOPMAssertionTypePreventUserIdleDisplaySleep): caffeinate -d,
// Amphetamine, a call app or a video playing. macOS locks when the screen
// saver starts or the display sleeps; while such an assertion is held the
// display never does. NoDisplaySleepAssertion is the same assertion's
// older name. PreventUserIdleSystemSleep (caffeinate -i) lets the display
// sleep ("the display may dim and idle sleep") and is not counted.
var displaySleepAssertions = []string{"PreventUserIdleDisplaySleep", "NoDisplaySleepAssertion"}

// pmsetAssertion is one assertion of `pmset -g assertions`' "Listed by
// owning process" section.
type pmsetAssertion struct {
	Process string // the owning process's name
	Type    string // PreventUserIdleDisplaySleep, PreventUserIdleSystemSleep, …
}

// pmsetAssertions is what `pmset -g assertions` reports.
type pmsetAssertions struct {
	// SystemWide are the "Assertion status system-wide" levels by type.
	SystemWide map[string]int
	// Held are the assertions listed by owning process.
	Held []pmsetAssertion
}

var (
	pmsetLevelRE   = regexp.MustCompile(`^\s+([A-Za-z]+)\s+([0-9]+)\s*$`)
	pmsetHeldRE    = regexp.MustCompile(`^\s+pid [0-9]+\((.+)\): \[0x[0-9A-Fa-f]+\] [0-9:]+ ([A-Za-z]+) named: `)
	pmsetSectionRE = regexp.MustCompile(`^[A-Z][^:]*:\s*$`)
)

// parsePmsetAssertions reads `pmset -g assertions`: after a date line,
// "Assertion status system-wide:" with one "Type level" line each, then
// "Listed by owning process:" with one line per assertion, `pid
// 98217(caffeinate): [0x00045477000194b3] 00:00:03
// PreventUserIdleSystemSleep named: "caffeinate command-line tool"`,
// each followed by indented lines (its details, its description in the
// system language, its timeout); later
// sections (kernel assertions, idle sleep preventers) are not read. ok is
// false without the system-wide section.
func parsePmsetAssertions(b []byte) (pmsetAssertions, bool) {
	a := pmsetAssertions{SystemWide: map[string]int{}}
	section, seen := "", false
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		if pmsetSectionRE.MatchString(line) {
			section = strings.TrimSpace(line)
			seen = seen || section == "Assertion status system-wide:"
			continue
		}
		switch section {
		case "Assertion status system-wide:":
			if m := pmsetLevelRE.FindStringSubmatch(line); m != nil {
				a.SystemWide[m[1]], _ = strconv.Atoi(m[2])
			}
		case "Listed by owning process:":
			if m := pmsetHeldRE.FindStringSubmatch(line); m != nil {
				a.Held = append(a.Held, pmsetAssertion{Process: m[1], Type: m[2]})
			}
		}
	}
	return a, seen
}

// readPowerAssertions reads which processes keep the display awake right
// now (`pmset -g assertions`) into f.AwakeHolds: each holder of a display
// sleep assertion, by its process name; the assertion on system-wide with
// no process listed holding it is held by a program not named.
func readPowerAssertions(ctx context.Context, p probe.Probe, f *facts) {
	out, err := p.Run(ctx, probe.CmdPmset, "-g", "assertions")
	switch {
	case err != nil:
		f.AwakeHoldsUnread = "pmset -g assertions: " + probe.ErrorKind(err)
		return
	case out.ExitCode != 0:
		f.AwakeHoldsUnread = "pmset -g assertions: failed"
		return
	}
	a, ok := parsePmsetAssertions(out.Stdout)
	if !ok {
		f.AwakeHoldsUnread = "pmset -g assertions: not recognised"
		return
	}
	f.AwakeHoldsRead = true
	on := false
	for _, t := range displaySleepAssertions {
		on = on || a.SystemWide[t] > 0
	}
	for _, h := range a.Held {
		if slices.Contains(displaySleepAssertions, h.Type) {
			f.addAwakeHold(classifyHold(h.Process, ""))
		}
	}
	if on && len(f.AwakeHolds) == 0 {
		f.AwakeHolds = []awakeHold{{Kind: holdOther}}
	}
}

// scrubPmsetAssertions keeps what parsePmsetAssertions reads: the section
// headers, the system-wide levels and each assertion's line up to
// "named:". The names, details and localised messages an app gives its
// assertions (a document, a page or a person it plays) are left out.
func scrubPmsetAssertions(out []byte) []byte {
	var kept strings.Builder
	for line := range strings.Lines(string(out)) {
		t := strings.TrimRight(line, "\r\n")
		switch {
		case pmsetSectionRE.MatchString(t), pmsetLevelRE.MatchString(t):
			kept.WriteString(line)
		case pmsetHeldRE.MatchString(t):
			m := pmsetHeldRE.FindString(t)
			kept.WriteString(m + "\"\"\n")
		}
	}
	return []byte(kept.String())
}
