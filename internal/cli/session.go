package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/daemon"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/internal/text"
	"github.com/sessionguard/sessionguard/report"
)

// backend is the agent the session commands talk to: the running service
// through its socket, or an in-process agent when none runs.
type backend interface {
	Status(ctx context.Context) (localapi.Status, error)
	StartSession(ctx context.Context, req localapi.StartRequest) (report.SessionRecord, error)
	EndSession(ctx context.Context, id string, req localapi.EndRequest) (report.SessionRecord, error)
	AmendCookies(ctx context.Context, id string, req localapi.CookiesRequest) (report.SessionRecord, error)
	Close() error
}

// connect finds the running agent, or makes an in-process one over the
// state directory so every command works without the service.
func (e *env) connect(ctx context.Context, o agentOptions) (backend, bool, error) {
	client := localapi.NewClient(o.socket)
	if _, err := client.Status(ctx); err == nil {
		return client, true, nil
	} else if !errors.Is(err, localapi.ErrAgentNotRunning) {
		client.Close()
		return nil, false, err
	}
	client.Close()
	cfg, log, policyErr, err := e.agentConfig(o)
	if err != nil {
		return nil, false, &standaloneError{err}
	}
	a, err := agent.New(cfg)
	if err != nil {
		log.Close()
		return nil, false, &standaloneError{err}
	}
	return &inProcess{Agent: a, log: log, policyErr: policyErr}, false, nil
}

// noteRecordedHere says that, with no agent, a session command records in
// the state directory's own log, which the agent does not see.
func (e *env) noteRecordedHere(o agentOptions) {
	fmt.Fprintf(e.stderr, "Note: the SessionGuard agent is not running, so this is recorded in %s only. Start the agent with 'sudo sessionguard agent start'.\n", o.sessionLogPath())
}

// standaloneError: no agent runs, and none could be made in-process (the
// state directory cannot be written, a policy file is bad).
type standaloneError struct{ err error }

func (e *standaloneError) Error() string {
	return "the SessionGuard agent is not running, and this cannot be done without it: " + e.err.Error()
}

func (e *standaloneError) Unwrap() error { return e.err }

// inProcess adapts an in-process agent to backend.
type inProcess struct {
	*agent.Agent
	log interface{ Close() error }
	// policyErr: this computer is enrolled but its team's policy cannot
	// be read (see agentConfig), so it is not ready whatever the checks
	// say.
	policyErr error
}

// teamPolicyUnread is b's policyErr when b is an in-process agent.
func teamPolicyUnread(b backend) error {
	if p, ok := b.(*inProcess); ok {
		return p.policyErr
	}
	return nil
}

func (p *inProcess) Status(ctx context.Context) (localapi.Status, error) {
	st := p.Agent.Status(ctx)
	st.CanWrite = true
	return st, nil
}

func (p *inProcess) Close() error { return p.log.Close() }

func (e *env) sessionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "session",
		Short: "Start and end a 1:1 session, and read the session audit trail",
		Long: `Before a session, 'sessionguard session start --label REF' runs every check and
records the start; afterwards 'sessionguard session end' clears your browser
cookies and records the end. Use a case reference as the label (CR-2291), never
a client's name, email address or phone number.`,
		Example: `  sessionguard session start --label CR-2291
  sessionguard session end
  sessionguard session list
  sessionguard session verify`,
	}
	cmd.AddCommand(e.sessionStartCommand(), e.sessionEndCommand(), e.sessionCookiesCommand())
	cmd.AddCommand(e.sessionLogCommands()...)
	return cmd
}

func (e *env) sessionStartCommand() *cobra.Command {
	var (
		opts   agentOptions
		req    localapi.StartRequest
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "start --label REF",
		Short: "Check this computer and record the start of a session",
		Long: `Run every check fresh and, when this computer is ready, record the start of a
session under a pseudonymous case reference. When a required check is not
passing, the session is not started; if your organisation's policy allows it,
--override-reason starts it anyway and records why (one of the reasons listed
under Flags) with, if you like, a short --override-note about the computer or the situation
(never anyone's name, contact details or date of birth).
The label must be your organisation's case reference (by default one word with
a digit, such as CR-2291), never a name.

Exit codes: 0 started, 1 not ready (nothing recorded), 2 usage or internal error.`,
		Example: `  sessionguard session start --label CR-2291
  sessionguard session start --label CR-2291 --override-reason "urgent safeguarding concern" --override-note "laptop update pending"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, running, err := e.connect(cmd.Context(), opts)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := teamPolicyUnread(b); err != nil {
				sayTeamPolicyUnread(e.stdout, err)
				return errNotReady
			}
			if !running {
				e.noteRecordedHere(opts)
			}
			rec, err := b.StartSession(cmd.Context(), req)
			var nr *localapi.NotReadyError
			if errors.As(err, &nr) {
				e.printNotReady(nr)
				return errNotReady
			}
			if errors.Is(err, localapi.ErrSessionOpen) {
				return e.sessionOpenError(cmd.Context(), b)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.stdout, rec)
			}
			fmt.Fprintf(e.stdout, "Session %s started at %s.", rec.Label, rec.At.Local().Format("15:04"))
			if rec.Override != nil {
				fmt.Fprintf(e.stdout, " Started anyway although %s did not pass; your reason was recorded.", e.titles(rec.Override.Checks))
			}
			fmt.Fprintln(e.stdout, "\nAfter the call, run 'sessionguard session end' to clear your browser cookies and close the record.")
			return nil
		},
	}
	opts.registerClient(cmd)
	cmd.Flags().StringVar(&req.Label, "label", "", "a case reference such as CR-2291 (never a name, email address or phone number)")
	cmd.Flags().StringVar(&req.OverrideReason, "override-reason", "", "start although a required check is not passing, when the policy allows it: one of "+strings.Join(quotedReasons(), ", ")+"; the reason is recorded")
	cmd.Flags().StringVar(&req.OverrideNote, "override-note", "", "a short note recorded after the override reason (no names, contact details or dates of birth)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the session record as JSON")
	_ = cmd.MarkFlagRequired("label")
	return cmd
}

// quotedReasons are the override reasons, quoted for the help.
func quotedReasons() []string {
	out := make([]string, len(sessionlog.OverrideReasons))
	for i, r := range sessionlog.OverrideReasons {
		out[i] = strconv.Quote(r)
	}
	return out
}

// sessionOpenError says which session is open (its label, when it
// started) and how to end it.
func (e *env) sessionOpenError(ctx context.Context, b backend) error {
	const end = "end it first with 'sessionguard session end' (or End session in the tray)"
	st, err := b.Status(ctx)
	if err != nil || st.Session == nil {
		return errors.New("a session is already open: " + end)
	}
	at := st.Session.At.Local()
	when := at.Format("15:04")
	if y, m, d := time.Now().Date(); at.Year() != y || at.Month() != m || at.Day() != d {
		when = at.Format("Mon 2 Jan 15:04")
	}
	return fmt.Errorf("session %s is already open (started at %s, %s ago): %s", printable(st.Session.Label), when, roughDuration(time.Since(at)), end)
}

// roughDuration is "5 minutes", "2 hours 10 minutes", "3 days".
func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return countNoun(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return countNoun(h, "hour")
		}
		return countNoun(h, "hour") + " " + countNoun(m, "minute")
	default:
		return countNoun(int(d/(24*time.Hour)), "day")
	}
}

// titles names checks by their titles ("Disk encryption and Firewall"),
// an id only when no check has it.
func (e *env) titles(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id
		for _, c := range e.checks {
			if c.ID() == id {
				names[i] = c.Title()
				break
			}
		}
	}
	if len(names) == 0 {
		return "a required check"
	}
	return text.JoinAnd(names)
}

func (e *env) printNotReady(nr *localapi.NotReadyError) {
	fmt.Fprintf(e.stdout, "This computer is not ready for a session: %s did not pass.\n", e.titles(nr.NotPassing))
	fmt.Fprintln(e.stdout, "Run 'sessionguard check' to see what to fix.")
	if nr.OverrideAllowed {
		fmt.Fprintln(e.stdout, "Your organisation allows starting anyway: add --override-reason \"why it cannot wait\"; the reason is recorded.")
	} else {
		fmt.Fprintln(e.stdout, "Your organisation's policy does not allow starting anyway.")
	}
}

func (e *env) sessionEndCommand() *cobra.Command {
	var (
		opts    agentOptions
		cookies cookieOptions
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "end",
		Short: "Clear browser cookies and record the end of the open session",
		Long: `Clear your browser cookies (as 'sessionguard cookies clear' does, in the
policy's scope) and record the end of the open session with how many cookies
were cleared. A browser that is still open is skipped and named; close it or
add --close-browsers.

Exit codes: 0 ended and every browser cleared, 1 ended but a browser could not
be cleared, 2 no open session, usage or internal error.`,
		Example: `  sessionguard session end
  sessionguard session end --close-browsers
  sessionguard session end --keep mybank.co.uk`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			b, st, err := e.connectToClear(ctx, opts, &cookies)
			if err != nil {
				return err
			}
			defer b.Close()
			if st.Session == nil {
				return errors.New("no session is open (start one with 'sessionguard session start --label REF')")
			}
			cleared, clearErr := cookies.clear(ctx)
			var summary *report.CookieSummary
			if clearErr == nil {
				summary = cleared.Summary()
			}
			rec, err := b.EndSession(ctx, st.Session.SessionID, localapi.EndRequest{Cookies: summary})
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(e.stdout, rec); err != nil {
					return err
				}
			} else {
				if clearErr == nil {
					renderClear(e.stdout, cleared, e.colour())
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprintf(e.stdout, "Session %s ended at %s.\n", rec.Label, rec.At.Local().Format("15:04"))
				if clearErr == nil && !cleared.OK() {
					fmt.Fprintln(e.stdout, "When the browser is closed, run 'sessionguard session cookies' to clear it and add that to this session's record.")
				}
			}
			if clearErr != nil {
				return fmt.Errorf("the session was ended but cookies could not be cleared: %w", clearErr)
			}
			if !cleared.OK() {
				return errNotCleared
			}
			return nil
		},
	}
	opts.registerClient(cmd)
	cookies.registerSessionFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the end record as JSON")
	return cmd
}

func (e *env) sessionCookiesCommand() *cobra.Command {
	var (
		opts    agentOptions
		cookies cookieOptions
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "cookies",
		Short: "Clear cookies a browser kept open at the end of the last session, and record it",
		Long: `When a browser was still open at 'session end', its cookies were skipped (the
end record says how many profiles). Close the browser (or add --close-browsers)
and run this: it clears your cookies as 'session end' did and adds what it did to
that session's record as a record of its own. Only the session that ended last
can be added to, and only until the next one starts.

Exit codes: 0 cleared and recorded, 1 recorded but a browser could not be
cleared, 2 no ended session, usage or internal error.`,
		Example: `  sessionguard session cookies
  sessionguard session cookies --close-browsers`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			b, st, err := e.connectToClear(ctx, opts, &cookies)
			if err != nil {
				return err
			}
			defer b.Close()
			if st.Ended == nil {
				return errors.New("no ended session to add cleared cookies to (a session is open, or none has ended since the agent started recording)")
			}
			cleared, err := cookies.clear(ctx)
			if err != nil {
				return fmt.Errorf("cookies could not be cleared, nothing was recorded: %w", err)
			}
			rec, err := b.AmendCookies(ctx, st.Ended.SessionID, localapi.CookiesRequest{Cookies: cleared.Summary()})
			if err != nil {
				return fmt.Errorf("the cookies were cleared but could not be added to the session's record: %w", err)
			}
			if asJSON {
				if err := writeJSON(e.stdout, rec); err != nil {
					return err
				}
			} else {
				renderClear(e.stdout, cleared, e.colour())
				fmt.Fprintf(e.stdout, "\nAdded to the record of session %s (ended at %s).\n", rec.Label, st.Ended.At.Local().Format("15:04"))
			}
			if !cleared.OK() {
				return errNotCleared
			}
			return nil
		},
	}
	opts.registerClient(cmd)
	cookies.registerSessionFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the cookies record as JSON")
	return cmd
}

// connectToClear connects to the agent, reads its status and points
// cookies at the policy in force (the agent's, maybe the server's) unless
// --policy names a file: what session end and session cookies share.
func (e *env) connectToClear(ctx context.Context, opts agentOptions, cookies *cookieOptions) (backend, localapi.Status, error) {
	b, running, err := e.connect(ctx, opts)
	if err != nil {
		return nil, localapi.Status{}, err
	}
	if !running {
		e.noteRecordedHere(opts)
	}
	st, err := b.Status(ctx)
	if err != nil {
		b.Close()
		return nil, localapi.Status{}, err
	}
	cookies.policyFile = opts.policyFile
	if opts.policyFile == "" {
		cookies.scope = &st
	}
	return b, st, nil
}

// registerSessionFlags adds the clearing flags of session end and session
// cookies.
func (c *cookieOptions) registerSessionFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&c.closeBrowsers, "close-browsers", false, "ask open browsers to quit, wait for them, then clear")
	cmd.Flags().StringArrayVar(&c.keep, "keep", nil, "keep the cookies of this site too (repeatable)")
}

func (e *env) statusCommand() *cobra.Command {
	var (
		opts   agentOptions
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the traffic light: is this computer ready, is a session open",
		Long: `Ask the running SessionGuard agent for its traffic light, as the tray shows it:
its latest results (without running the checks again), the open session and
where it reports. Results the agent says are out of date (the computer slept
since, say) are grey and not ready while it checks again. When no agent runs, the checks run here and now, with your
own rights. 'sessionguard check' shows every check with what to fix.

Exit codes: 0 ready, 1 not ready, 2 usage or internal error.`,
		Example: `  sessionguard status
  sessionguard status --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, running, err := e.statusOf(ctx, opts)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(e.stdout, st); err != nil {
					return err
				}
			} else {
				e.renderStatus(st, running)
			}
			if !st.Ready {
				return errNotReady
			}
			return nil
		},
	}
	opts.registerClient(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

// statusOf asks the running agent for its status; with none it runs the
// checks here (in-process over the state directory when it can be
// written, which keeps an open session in view, else in memory) against
// the policy the agent would start with: the team's policy the server
// last gave when this computer is enrolled. When it is enrolled and that
// policy cannot be read, it says so and the computer is not ready.
func (e *env) statusOf(ctx context.Context, opts agentOptions) (localapi.Status, bool, error) {
	b, running, err := e.connect(ctx, opts)
	var se *standaloneError
	if errors.As(err, &se) && opts.policyFile == "" {
		pol, policyErr := daemon.TeamPolicy(opts.stateDir, all.DefaultPolicy())
		rep := checks.Run(ctx, live.New(), pol, e.checks)
		st := localapi.Status{Version: Version, Light: agent.LightOf(rep), Ready: rep.Ready, LastRunAt: rep.StartedAt}
		return e.unreadTeamPolicyNotReady(st, policyErr), false, nil
	}
	if err != nil {
		return localapi.Status{}, false, err
	}
	defer b.Close()
	if !running {
		if _, err := b.(*inProcess).Run(ctx); err != nil {
			return localapi.Status{}, false, err
		}
	}
	st, err := b.Status(ctx)
	return e.unreadTeamPolicyNotReady(st, teamPolicyUnread(b)), running, err
}

// unreadTeamPolicyNotReady makes st red and not ready when policyErr says
// that the team's policy could not be read, and says so on stderr.
func (e *env) unreadTeamPolicyNotReady(st localapi.Status, policyErr error) localapi.Status {
	if policyErr == nil {
		return st
	}
	sayTeamPolicyUnread(e.stderr, policyErr)
	st.Light, st.Ready = localapi.Red, false
	return st
}

var lightWords = map[localapi.Light]string{
	localapi.Green: "GREEN: ready for a session",
	localapi.Amber: "AMBER: ready, but something needs attention",
	localapi.Red:   "RED: not ready for a session",
	localapi.Grey:  "GREY: no results yet",
}

// staleWords is the headline when the agent's results are out of date.
const staleWords = "GREY: not ready: the last results are out of date; SessionGuard is checking again"

func (e *env) renderStatus(st localapi.Status, running bool) {
	paint := painter(e.colour())
	colours := map[localapi.Light]string{localapi.Green: "32", localapi.Amber: "33", localapi.Red: "31", localapi.Grey: "90"}
	headline := lightWords[st.Light]
	if st.Stale {
		headline = staleWords
	}
	fmt.Fprintln(e.stdout, paint(colours[st.Light], headline))
	if !st.LastRunAt.IsZero() {
		fmt.Fprintf(e.stdout, "Last checked: %s\n", st.LastRunAt.Local().Format("2 Jan 15:04"))
	}
	if st.Session != nil {
		fmt.Fprintf(e.stdout, "Session open: %s since %s\n", st.Session.Label, st.Session.At.Local().Format("15:04"))
	}
	if !running {
		fmt.Fprintln(e.stdout, "The SessionGuard agent is not running, so these results are from a check run here just now; 'sessionguard check' shows them in full.")
	} else if st.Revoked {
		fmt.Fprintf(e.stdout, "This device was removed from %s; ask your IT support for a new enrolment secret and run 'sessionguard enroll' again.\n", st.Server)
	} else if st.Enrolled {
		fmt.Fprintf(e.stdout, "Reporting to %s (%d waiting to send)\n", st.Server, st.Pending)
	}
	switch {
	case st.Stale:
		fmt.Fprintln(e.stdout, "Run 'sessionguard status' again in a minute, or 'sessionguard check' to check now.")
	case st.Light != localapi.Green:
		fmt.Fprintln(e.stdout, "Run 'sessionguard check' to see what to fix.")
	}
}
