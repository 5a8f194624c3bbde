package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent/daemon"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/agent/statedir"
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

func addLogFlag(cmd *cobra.Command, path *string, socket *string) {
	cmd.Flags().StringVar(path, "log", "", "read this session log `FILE` yourself instead of asking the agent (default: the agent's, through its socket)")
	addSocketFlag(cmd, socket)
}

// sessionLogRead is a session log as one of the two commands found it.
type sessionLogRead struct {
	localapi.SessionLog
	// fromAgent: the running agent read and checked it.
	fromAgent bool
	// missing: there is no log at Path (no agent ran here, or it was
	// removed).
	missing bool
}

// readSessionLog reads the session log: the file --log names, else the
// running agent's through its socket (the log is root's; the practitioner
// at the screen may read it through the agent), else, with no agent, the
// default file.
func (e *env) readSessionLog(cmd *cobra.Command, path, socket string) (sessionLogRead, error) {
	if path != "" {
		l, err := readSessionLogFile(path)
		switch {
		case l.missing:
			return l, fmt.Errorf("there is no session log at %s", path)
		case errors.Is(err, fs.ErrPermission):
			return l, fmt.Errorf("the session log %s can be read by an administrator only: leave out --log to see it through the SessionGuard agent, or use sudo", path)
		}
		return l, err
	}
	c := localapi.NewClient(socket)
	defer c.Close()
	l, err := c.SessionLog(cmd.Context())
	switch {
	case err == nil:
		return sessionLogRead{SessionLog: l, fromAgent: true}, nil
	case errors.Is(err, localapi.ErrForbidden):
		return sessionLogRead{}, errors.New("only an administrator or the person logged in at this computer's screen may see its sessions; run it with sudo")
	case !errors.Is(err, localapi.ErrAgentNotRunning) && !errors.Is(err, localapi.ErrUnsupported):
		return sessionLogRead{}, fmt.Errorf("asking the SessionGuard agent for the session log: %w", err)
	}
	path = sessionlog.DefaultLogPath()
	if path == "" {
		return sessionLogRead{}, errors.New("the SessionGuard agent is not running and there is no default session log here (no home folder): use --log FILE")
	}
	own, err := readSessionLogFile(path)
	// The system agent's log is there but its agent is not: saying "no
	// sessions" from the user's own (missing) log would mislead.
	if sys := filepath.Join(statedir.SystemDir(), statedir.SessionLogFile); err == nil && own.missing && sys != path {
		if _, serr := os.Stat(sys); !errors.Is(serr, fs.ErrNotExist) {
			return own, fmt.Errorf("the SessionGuard agent is not running, and its session log (%s) can be read through it or by an administrator only: start it with 'sudo sessionguard agent start', or use sudo", sys)
		}
	}
	return own, err
}

// readSessionLogFile reads and checks the log file at path; a log that
// does not exist is missing, not an error.
func readSessionLogFile(path string) (sessionLogRead, error) {
	out := sessionLogRead{SessionLog: localapi.SessionLog{Path: path, Entries: []localapi.SessionEntry{}}}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		out.missing = true
		return out, nil
	case errors.Is(err, fs.ErrPermission):
		return out, fmt.Errorf("the session log %s can be read by an administrator only; start the SessionGuard agent (sudo sessionguard agent start) to see it through the agent, or use sudo: %w", path, fs.ErrPermission)
	case err != nil:
		return out, fmt.Errorf("reading the session log: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return out, fmt.Errorf("session log %s is a folder, not a file", path)
	}
	entries, sum, err := sessionlog.ReadChecked(f)
	l, err := daemon.SessionLogAnswer(path, entries, sum, err)
	if err != nil {
		return out, fmt.Errorf("reading session log %s: %w", path, err)
	}
	out.SessionLog = l
	return out, nil
}

func (e *env) sessionListCommand() *cobra.Command {
	var (
		path, socket string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Show the recorded sessions: times, label, readiness, overrides, cookies cleared",
		Long: `Show the sessions recorded in the session log, oldest first: when each started
and ended, its case label, whether the computer was ready, any override with its
reason, and how many cookies were cleared at the end (and later, when a browser
that was open at the end was cleared afterwards).

The log belongs to the SessionGuard agent; the person at this computer's
screen (and an administrator) sees it through the running agent. With no agent
running, the log file is read directly; --log FILE reads another copy.

Exit codes: 0 listed, 1 the log is broken (the list is shown, with a warning;
see 'sessionguard session verify'), 2 the log cannot be read.`,
		Example: `  sessionguard session list
  sessionguard session list --json
  sudo sessionguard session list --log /root/sessions-copy.log`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := e.readSessionLog(cmd, path, socket)
			if err != nil {
				return err
			}
			trusted := len(l.Entries)
			if l.Broken != nil {
				trusted = l.Broken.Line - 1
			}
			sessions := pairSessions(l.Entries, trusted)
			if asJSON {
				out := sessionListJSON{Schema: sessionListSchema, Log: l.Path, Intact: l.Broken == nil, Sessions: sessions}
				if b := l.Broken; b != nil {
					out.Broken = &brokenJSON{Line: b.Line, Seq: b.Seq, Reason: b.Reason}
				}
				if err := writeJSON(e.stdout, out); err != nil {
					return err
				}
			} else if l.missing {
				fmt.Fprintf(e.stdout, "No sessions recorded yet (there is no session log at %s).\n", l.Path)
			} else {
				renderSessions(e.stdout, sessions, e.titles)
			}
			if b := l.Broken; b != nil {
				fmt.Fprintf(e.stderr, "Warning: the session log is BROKEN at line %d (record seq %s): %s\n", b.Line, seqText(b.Seq), b.Reason)
				fmt.Fprintf(e.stderr, "Records from line %d on cannot be trusted. Run 'sessionguard session verify' for details.\n", b.Line)
				return errLogBroken
			}
			return nil
		},
	}
	addLogFlag(cmd, &path, &socket)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sessions as JSON (schema "+sessionListSchema+")")
	return cmd
}

func (e *env) sessionVerifyCommand() *cobra.Command {
	var path, socket string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove that the session log is intact, or show the first record that is not",
		Long: `Check the hash chain of the session log: every record carries the hash of the
one before it, so a changed, removed, inserted or reordered record shows up.
The first broken line is reported. The hash of the last record is printed: note
it, and a later verify that shows the same hash at the same record proves that
nothing was removed from the end either.

The running SessionGuard agent checks its own log (the person at the screen
may ask it); with no agent running the log file is checked directly; --log
FILE checks another copy. A log that is not there is an error, never "OK":
the agent creates it when it first starts.

Exit codes: 0 intact, 1 broken, 2 there is no log or it cannot be read.`,
		Example: `  sessionguard session verify
  sudo sessionguard session verify --log /var/lib/sessionguard/sessions.log`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := e.readSessionLog(cmd, path, socket)
			if err != nil {
				return err
			}
			if l.missing {
				return fmt.Errorf("there is no session log at %s, so there is nothing to verify (the SessionGuard agent creates it when it first starts; if sessions were recorded here, the log has been removed)", l.Path)
			}
			if l.fromAgent {
				fmt.Fprintf(e.stdout, "Checked by the SessionGuard agent: %s\n", l.Path)
			}
			if b := l.Broken; b != nil {
				fmt.Fprintf(e.stdout, "BROKEN at line %d (record seq %s): %s\n", b.Line, seqText(b.Seq), b.Reason)
				fmt.Fprintf(e.stdout, "Intact before it: %s (the first %d bytes of the file).\n", countNoun(l.Records, "record"), b.Offset)
				fmt.Fprintf(e.stdout, "Keep a copy of %s as evidence before changing anything.\n", l.Path)
				return errLogBroken
			}
			if l.Records == 0 {
				fmt.Fprintln(e.stdout, "OK: no records yet, the log is empty")
				return nil
			}
			fmt.Fprintf(e.stdout, "OK: %s, chain intact\n", countNoun(l.Records, "record"))
			fmt.Fprintf(e.stdout, "Last record (seq %d) hash: %s\n", l.Records, l.Head)
			return nil
		},
	}
	addLogFlag(cmd, &path, &socket)
	return cmd
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
func pairSessions(entries []localapi.SessionEntry, trusted int) []sessionJSON {
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

// renderSessions writes the sessions as a table, and the overrides under
// it with their reasons; titles names the checks that were not passing.
func renderSessions(w io.Writer, sessions []sessionJSON, titles func([]string) string) {
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
				fmt.Fprintf(w, " (not passing: %s)", printable(titles(ov.Checks)))
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
