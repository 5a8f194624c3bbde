package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/report"
)

// errLogBroken is returned by `session verify` and `session list` when the
// session log's chain is broken. It wraps errNotReady, so it exits with
// code 1.
var errLogBroken = fmt.Errorf("session log broken: %w", errNotReady)

// sessionListSchema names the JSON of `session list --json`.
const sessionListSchema = "sessionguard.sessions.list/v1"

// sessionLogCommands are `session list` and `session verify`.
func (e *env) sessionLogCommands() []*cobra.Command {
	return []*cobra.Command{e.sessionListCommand(), e.sessionVerifyCommand()}
}

func addLogFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "log", sessionlog.DefaultLogPath(), "the session log `FILE`")
}

func (e *env) sessionListCommand() *cobra.Command {
	var (
		path   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show the recorded sessions: times, label, readiness, overrides, cookies cleared",
		Long: `Show the sessions recorded in the session log, oldest first: when each started
and ended, its case label, whether the computer was ready, any override with its
reason, and how many cookies were cleared at the end (and later, when a browser
that was open at the end was cleared afterwards).

Exit codes: 0 listed, 1 the log is broken (the list is shown, with a warning;
see 'sessionguard session verify'), 2 the log cannot be read.`,
		Example: `  sessionguard session list
  sessionguard session list --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := openSessionLog(path)
			if err != nil {
				return err
			}
			var entries []sessionlog.Entry
			if f != nil {
				defer f.Close()
				entries, err = sessionlog.Read(f)
			}
			var broken *sessionlog.BrokenError
			if err != nil && !errors.As(err, &broken) {
				return fmt.Errorf("reading session log %s: %w", path, err)
			}
			trusted := len(entries)
			if broken != nil {
				trusted = broken.Line - 1
			}
			sessions := pairSessions(entries, trusted)
			if asJSON {
				out := sessionListJSON{Schema: sessionListSchema, Log: path, Intact: broken == nil, Sessions: sessions}
				if broken != nil {
					out.Broken = &brokenJSON{Line: broken.Line, Seq: broken.Seq, Reason: broken.Reason}
				}
				if err := writeJSON(e.stdout, out); err != nil {
					return err
				}
			} else if f == nil {
				fmt.Fprintf(e.stdout, "No sessions recorded yet (there is no session log at %s).\n", path)
			} else {
				renderSessions(e.stdout, sessions)
			}
			if broken != nil {
				fmt.Fprintf(e.stderr, "Warning: the session log is BROKEN at line %d (record seq %s): %s\n", broken.Line, seqText(broken.Seq), broken.Reason)
				fmt.Fprintf(e.stderr, "Records from line %d on cannot be trusted. Run 'sessionguard session verify' for details.\n", broken.Line)
				return errLogBroken
			}
			return nil
		},
	}
	addLogFlag(cmd, &path)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sessions as JSON (schema "+sessionListSchema+")")
	return cmd
}

func (e *env) sessionVerifyCommand() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove that the session log is intact, or show the first record that is not",
		Long: `Check the hash chain of the session log: every record carries the hash of the
one before it, so a changed, removed, inserted or reordered record shows up.
The first broken line is reported. The hash of the last record is printed: note
it, and a later verify that shows the same hash at the same record proves that
nothing was removed from the end either.

Exit codes: 0 intact (or no log yet), 1 broken, 2 the log cannot be read.`,
		Example: `  sessionguard session verify
  sessionguard session verify --log /var/lib/sessionguard/sessions.log`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := openSessionLog(path)
			if err != nil {
				return err
			}
			if f == nil {
				fmt.Fprintf(e.stdout, "OK: no records (there is no session log at %s yet).\n", path)
				return nil
			}
			defer f.Close()
			sum, err := sessionlog.Check(f)
			var broken *sessionlog.BrokenError
			switch {
			case errors.As(err, &broken):
				fmt.Fprintf(e.stdout, "BROKEN at line %d (record seq %s): %s\n", broken.Line, seqText(broken.Seq), broken.Reason)
				fmt.Fprintf(e.stdout, "Intact before it: %s (the first %d bytes of the file).\n", countNoun(sum.Records, "record"), broken.Offset)
				fmt.Fprintf(e.stdout, "Keep a copy of %s as evidence before changing anything.\n", path)
				return errLogBroken
			case err != nil:
				return fmt.Errorf("verifying session log %s: %w", path, err)
			case sum.Records == 0:
				fmt.Fprintln(e.stdout, "OK: no records")
			default:
				fmt.Fprintf(e.stdout, "OK: %s, chain intact\n", countNoun(sum.Records, "record"))
				fmt.Fprintf(e.stdout, "Last record (seq %d) hash: %s\n", sum.Records, sum.Head)
			}
			return nil
		},
	}
	addLogFlag(cmd, &path)
	return cmd
}

// openSessionLog opens the log for reading; a log that does not exist yet
// is (nil, nil).
func openSessionLog(path string) (*os.File, error) {
	if path == "" {
		return nil, errors.New("there is no default session log here (no home directory): use --log FILE")
	}
	f, err := os.Open(path)
	switch {
	case err == nil:
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			return nil, fmt.Errorf("session log %s is a directory, not a file", path)
		}
		return f, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("reading session log: %w (the agent's log can be read by root or an administrator only)", err)
	default:
		return nil, fmt.Errorf("reading session log: %w", err)
	}
}

// sessionJSON is one session of `session list --json`: its start and end
// records as logged, either missing when the log does not hold it.
type sessionJSON struct {
	SessionID string                `json:"session_id"`
	Label     string                `json:"label"`
	StartSeq  int64                 `json:"start_seq,omitempty"`
	EndSeq    int64                 `json:"end_seq,omitempty"`
	Start     *report.SessionRecord `json:"start"`
	End       *report.SessionRecord `json:"end"`
	// Later are the cookies records: clearing after the end, when a
	// browser was open at the end (report.SessionCookies).
	Later []*report.SessionRecord `json:"later,omitempty"`
	// Untrusted is set when a record of the session is at or after the
	// log's first broken line.
	Untrusted bool `json:"untrusted,omitempty"`
}

type sessionListJSON struct {
	Schema   string        `json:"schema"`
	Log      string        `json:"log"`
	Intact   bool          `json:"intact"`
	Broken   *brokenJSON   `json:"broken,omitempty"`
	Sessions []sessionJSON `json:"sessions"`
}

type brokenJSON struct {
	Line   int    `json:"line"`
	Seq    int64  `json:"seq,omitempty"`
	Reason string `json:"reason"`
}

// pairSessions joins each start to its end, in the order the sessions
// appear in the log. Entries from trusted on are after a broken line.
func pairSessions(entries []sessionlog.Entry, trusted int) []sessionJSON {
	sessions := []sessionJSON{}
	index := map[string]int{}
	for n, en := range entries {
		rec := en.Record
		i, ok := index[rec.SessionID]
		if !ok || (rec.Event == report.SessionStart && sessions[i].Start != nil) {
			i = len(sessions)
			index[rec.SessionID] = i
			sessions = append(sessions, sessionJSON{SessionID: rec.SessionID, Label: rec.Label})
		}
		s := &sessions[i]
		if n >= trusted {
			s.Untrusted = true
		}
		switch rec.Event {
		case report.SessionStart:
			s.Start, s.StartSeq = &rec, en.Seq
		case report.SessionEnd:
			if s.End == nil {
				s.End, s.EndSeq = &rec, en.Seq
			}
		case report.SessionCookies:
			s.Later = append(s.Later, &rec)
		}
	}
	return sessions
}

func renderSessions(w io.Writer, sessions []sessionJSON) {
	if len(sessions) == 0 {
		fmt.Fprintln(w, "No sessions recorded yet.")
		return
	}
	type override struct {
		n    int
		when string
		s    sessionJSON
	}
	var overrides []override
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tENDED\tLABEL\tREADY\tOVERRIDE\tCOOKIES CLEARED")
	for i, s := range sessions {
		started, ended, ready, over, cookies := "?", "", "?", "–", "–"
		if s.Start != nil {
			started = s.Start.At.Local().Format("2006-01-02 15:04")
			ready = "yes"
			if !s.Start.Ready {
				ready = "no"
				if n := len(s.Start.NotPassing); n > 0 {
					ready = fmt.Sprintf("no (%d not passing)", n)
				}
			}
			if s.Start.Override != nil {
				overrides = append(overrides, override{len(overrides) + 1, started, s})
				over = fmt.Sprintf("yes [%d]", len(overrides))
			}
		}
		switch {
		case s.End != nil:
			ended = s.End.At.Local().Format("2006-01-02 15:04")
			if s.Start != nil && ended[:10] == started[:10] {
				ended = ended[11:]
			}
			cookies = "not recorded"
			if c := s.End.Cookies; c != nil {
				cookies = cookieText(*c)
			}
			for _, later := range s.Later {
				cookies += "; later " + cookieText(*later.Cookies)
			}
		case i == len(sessions)-1:
			ended = "open"
		default:
			ended = "no end recorded"
		}
		label := printable(s.Label)
		if s.Untrusted {
			label += " (untrusted)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", started, ended, label, ready, over, cookies)
	}
	tw.Flush()
	if len(overrides) > 0 {
		fmt.Fprintln(w, "\nOverrides (started although not ready):")
		for _, o := range overrides {
			ov := o.s.Start.Override
			fmt.Fprintf(w, "  [%d] %s %s: %s", o.n, o.when, printable(o.s.Label), printable(ov.Reason))
			if len(ov.Checks) > 0 {
				fmt.Fprintf(w, " (checks: %s)", printable(strings.Join(ov.Checks, ", ")))
			}
			fmt.Fprintln(w)
		}
	}
}

func cookieText(c report.CookieSummary) string {
	s := countNoun(c.Removed, "cookie") + " removed"
	if c.ProfilesSkipped > 0 {
		s += ", " + countNoun(c.ProfilesSkipped, "profile") + " skipped"
	}
	if c.ProfilesFailed > 0 {
		s += ", " + countNoun(c.ProfilesFailed, "profile") + " failed"
	}
	return s
}

// countNoun is "1 record", "2 records".
func countNoun(n int, word string) string {
	return strconv.Itoa(n) + " " + plural(n, word, word+"s")
}

func seqText(seq int64) string {
	if seq <= 0 {
		return "unreadable"
	}
	return strconv.FormatInt(seq, 10)
}

// printable keeps control and formatting characters of a (possibly
// tampered) record out of the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return '�'
		}
		return r
	}, s)
}
