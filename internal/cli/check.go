package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/evidence"
	"github.com/sessionguard/sessionguard/checks/probe/live"
)

// checkOptions are the flags shared by `check` and `evidence record`.
type checkOptions struct {
	json       bool
	only       []string
	policyFile string
}

func (o *checkOptions) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print the report as JSON (schema "+checks.ReportSchema+")")
	cmd.Flags().StringSliceVar(&o.only, "only", nil, "run only these checks (comma-separated ids, e.g. firewall,antivirus)")
	cmd.Flags().StringVar(&o.policyFile, "policy", "", "judge against this policy file (JSON) instead of the built-in default")
}

// policyOrDefault loads a policy file, or gives the built-in policy when
// no file is named.
func policyOrDefault(file string) (checks.Policy, error) {
	if file == "" {
		return all.DefaultPolicy(), nil
	}
	return all.LoadPolicy(file)
}

// resolve loads the policy and selects the checks.
func (o *checkOptions) resolve(e *env) (checks.Policy, []checks.Check, error) {
	pol, err := policyOrDefault(o.policyFile)
	if err != nil {
		return pol, nil, err
	}
	list, err := checks.Select(e.checks, o.only)
	return pol, list, err
}

func (e *env) checkCommand() *cobra.Command {
	var (
		opts          checkOptions
		replay        string
		local, cached bool
		socket        string
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check this computer (through the SessionGuard agent) and say what to fix",
		Long: `Check this computer and print one line per check (or those named with --only)
with what to fix under each one that is not passing.

When the SessionGuard agent runs (it runs as an administrator, so it can read
everything the checks need), check asks it: a fresh run when you are the person
at this computer's screen or an administrator, else its latest results, which
the tray shows too. --cached takes the latest results without a new run.

When the agent is not running, the checks run here with your own rights, and a
note says so: some may then say unknown, or differ from what the agent would
find. --local always runs them here; so do --policy and --replay (the checks
read a recorded evidence bundle instead of this computer; see 'sessionguard
evidence record').`,
		Example: `  sessionguard check
  sessionguard check --json --only disk_encryption,firewall
  sessionguard check --local
  sessionguard check --replay ./bundle-from-support`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pol, list, err := opts.resolve(e)
			if err != nil {
				return err
			}
			if !local && replay == "" && opts.policyFile == "" {
				rep, from, err := e.checkWithAgent(cmd.Context(), socket, opts, cached)
				if err == nil {
					err = e.printReport(rep, opts.json)
					if !opts.json {
						fmt.Fprintln(e.stdout, from)
					}
					return err
				}
				if !errors.Is(err, localapi.ErrAgentNotRunning) {
					return err
				}
				e.noteNoAgent("the checks ran here")
			}
			var p probe.Probe = live.New()
			if replay != "" {
				if p, err = evidence.OpenReplay(replay); err != nil {
					return err
				}
			}
			rep := checks.Run(cmd.Context(), p, pol, list)
			return e.printReport(rep, opts.json)
		},
	}
	opts.register(cmd)
	cmd.Flags().StringVar(&replay, "replay", "", "read the evidence bundle in `DIR` instead of this computer")
	cmd.Flags().BoolVar(&local, "local", false, "run the checks here, with your own rights, without asking the agent")
	cmd.Flags().BoolVar(&cached, "cached", false, "show the agent's latest results without a new run")
	addSocketFlag(cmd, &socket)
	cmd.MarkFlagsMutuallyExclusive("local", "cached")
	cmd.MarkFlagsMutuallyExclusive("replay", "cached")
	cmd.MarkFlagsMutuallyExclusive("policy", "cached")
	return cmd
}

// noteNoAgent says on stderr, in one sentence, that no agent answered and
// what the command did instead.
func (e *env) noteNoAgent(did string) {
	rights := ""
	if os.Geteuid() != 0 {
		rights = " with your own rights (some may say unknown where the agent would know)"
	}
	fmt.Fprintf(e.stderr, "Note: the SessionGuard agent is not running, so %s%s. Start it with 'sudo sessionguard agent start', or add --local to check here on purpose.\n", did, rights)
}

// agentReportWait bounds waiting for the agent's first run, for a user who
// may not ask for one.
const agentReportWait = 2 * time.Minute

// checkWithAgent asks the running agent: a fresh run when the caller may
// ask for one (and did not ask for --cached), else the latest results.
// --only picks from them. It also says where the report came from.
// ErrAgentNotRunning when no agent answers.
func (e *env) checkWithAgent(ctx context.Context, socket string, opts checkOptions, cached bool) (checks.Report, string, error) {
	c := localapi.NewClient(socket)
	defer c.Close()
	st, err := c.Status(ctx)
	if errors.Is(err, localapi.ErrAgentNotRunning) {
		return checks.Report{}, "", err
	}
	if err != nil {
		return checks.Report{}, "", fmt.Errorf("cannot reach the SessionGuard agent: %w (add --local to check here instead)", err)
	}
	var rep checks.Report
	if st.CanWrite && !cached {
		rep, err = c.Run(ctx)
	} else {
		rep, err = c.Results(ctx)
		if errors.Is(err, localapi.ErrNoResults) {
			rep, err = waitForResults(ctx, c)
		}
	}
	if err != nil {
		return checks.Report{}, "", fmt.Errorf("asking the SessionGuard agent for its results: %w (add --local to check here instead)", err)
	}
	if len(opts.only) > 0 {
		var kept []checks.Result
		for _, r := range rep.Results {
			if slices.Contains(opts.only, r.ID) {
				kept = append(kept, r)
			}
		}
		rep.Results, rep.Ready = kept, checks.ReadyOf(kept)
	}
	if st.Stale && (!st.CanWrite || cached) {
		// The agent's latest results are out of date: they say nothing
		// about the computer now.
		rep.Ready = false
	}
	return rep, agentProvenance(st, rep, cached), nil
}

// agentProvenance is the line under the report that says where it came
// from.
func agentProvenance(st localapi.Status, rep checks.Report, cached bool) string {
	when := rep.StartedAt.Local().Format("15:04")
	switch {
	case st.CanWrite && !cached:
		return "Checked just now by the SessionGuard agent."
	case st.Stale:
		return "These are the SessionGuard agent's latest results, from " + rep.StartedAt.Local().Format("2 Jan 15:04") + ", and they are out of date, so they do not count as ready; the agent is checking again."
	case st.CanWrite:
		return "These are the SessionGuard agent's latest results, from " + when + ". Run 'sessionguard check' to check again."
	default:
		return "These are the SessionGuard agent's latest results, from " + when + ". Only the person at this computer's screen or an administrator can ask it to check again."
	}
}

// waitForResults waits for the agent's first check run (it is starting)
// and returns its results.
func waitForResults(ctx context.Context, c *localapi.Client) (checks.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, agentReportWait)
	defer cancel()
	events, err := c.Watch(ctx)
	if err != nil {
		return checks.Report{}, err
	}
	for ev := range events {
		if !ev.Status.Running && !ev.Status.LastRunAt.IsZero() {
			return c.Results(ctx)
		}
	}
	if ctx.Err() != nil {
		return checks.Report{}, errors.New("the agent has not finished its first check yet")
	}
	return checks.Report{}, errors.New("the agent stopped before its first check finished")
}

// printReport writes the report and turns its verdict into the exit status.
func (e *env) printReport(rep checks.Report, asJSON bool) error {
	if asJSON {
		if err := writeJSON(e.stdout, rep); err != nil {
			return err
		}
	} else {
		renderHuman(e.stdout, rep, e.colour())
	}
	if !rep.Ready {
		return errNotReady
	}
	return nil
}

func (e *env) evidenceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "Record what the checks see, for support and tests",
		Long: `Record what the checks see on this computer as an evidence bundle, which your
IT support replays with 'sessionguard check --replay DIR'.`,
		Example: `  sudo sessionguard evidence record ./evidence-for-support`,
	}
	var opts checkOptions
	record := &cobra.Command{
		Use:   "record DIR",
		Short: "Run the checks and save every command output and file they read into DIR",
		Long: `Run every check against this computer and save what they saw (command output,
files, registry values, WMI rows) as an evidence bundle in DIR, a new folder
this command makes (it must not exist yet, and the folder it is made in must
be yours or root's). Send the bundle to your IT support; they replay it with
'sessionguard check --replay DIR'. The bundle holds only what the checks read,
with network names and hardware addresses replaced by pseudonyms; look through
it before you send it.`,
		Example: `  sudo sessionguard evidence record ./evidence-for-support
  sessionguard evidence record /tmp/bundle --only firewall --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("%s needs exactly one DIR argument (see '%s --help')", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			pol, list, err := opts.resolve(e)
			if err != nil {
				return err
			}
			// Refused early, before the checks run; WriteBundle makes the
			// folder itself, exclusively (see probe.Recorder.WriteBundle).
			if err := evidence.CheckBundleTarget(args[0]); err != nil {
				return err
			}
			// Network names and hardware addresses are pseudonymised in
			// the bundle by the checks that read them.
			rec := checks.NewRecorder(live.New(), list)
			rep := checks.Run(cmd.Context(), rec, pol, list)
			if err := rec.WriteBundle(args[0]); err != nil {
				return err
			}
			if !opts.json {
				fmt.Fprintf(e.stdout, "Evidence bundle written to %s\n\n", args[0])
			}
			return e.printReport(rep, opts.json)
		},
	}
	opts.register(record)
	cmd.AddCommand(record)
	return cmd
}
