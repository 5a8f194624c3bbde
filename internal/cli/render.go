package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/sessionguard/sessionguard/checks"
)

// statusStyle is how a status is shown: a symbol and an ANSI colour.
var statusStyle = map[checks.Status]struct {
	symbol, colour, word string
}{
	checks.Pass:          {"✔", "32", "pass"},
	checks.Warn:          {"!", "33", "warn"},
	checks.Fail:          {"✘", "31", "FAIL"},
	checks.Unknown:       {"?", "35", "unknown"},
	checks.NotApplicable: {"–", "90", "n/a"},
}

// isColourTerminal reports whether w is a terminal that wants colour
// (NO_COLOR unset, TERM not "dumb").
func isColourTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// painter returns a function that wraps text in an ANSI colour code, or
// leaves it alone when colour is off.
func painter(colour bool) func(code, s string) string {
	return func(code, s string) string {
		if !colour {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
}

// renderHuman writes one line per check, the fix under every non-passing
// one, and the verdict.
func renderHuman(w io.Writer, rep checks.Report, colour bool) {
	paint := painter(colour)
	width := 0
	for _, r := range rep.Results {
		width = max(width, utf8.RuneCountInString(r.Title))
	}
	indent := strings.Repeat(" ", width+13)
	for _, r := range rep.Results {
		st := statusStyle[r.Status]
		optional := ""
		if !r.Required {
			optional = " (optional)"
		}
		fmt.Fprintf(w, "%s %-7s  %-*s  %s%s\n", paint(st.colour, st.symbol), paint(st.colour, st.word), width, r.Title, r.Summary, optional)
		if r.Status == checks.Unknown && r.Reason != "" {
			fmt.Fprintf(w, "%sWhy: %s\n", indent, r.Reason)
		}
		if r.Status != checks.Pass && r.Status != checks.NotApplicable && r.Fix != "" {
			fmt.Fprintf(w, "%sFix: %s\n", indent, r.Fix)
		}
	}
	fmt.Fprintln(w)
	host := rep.Host.OS
	if rep.Host.OSVersion != "" {
		host += " (" + rep.Host.OSVersion + ")"
	}
	if rep.Ready {
		fmt.Fprintf(w, "%s This computer is ready for a session. [%s, %d %s in %d ms]\n", paint("32", "READY"), host, len(rep.Results), plural(len(rep.Results), "check", "checks"), rep.DurationMS)
		return
	}
	fmt.Fprintf(w, "%s Fix the required items above before your next session. [%s, %d %s in %d ms]\n", paint("31", "NOT READY"), host, len(rep.Results), plural(len(rep.Results), "check", "checks"), rep.DurationMS)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
