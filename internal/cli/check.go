package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
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
		return checks.Default(), nil
	}
	return checks.LoadPolicy(file)
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
	var opts checkOptions
	var replay string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run the checks on this computer (or on an evidence bundle) and say what to fix",
		Long: `Run every check (or those named with --only) and print one line per check with
what to fix under each one that is not passing.

With --replay DIR the checks read a recorded evidence bundle instead of this
computer (see 'sessionguard evidence record').`,
		Example: `  sessionguard check
  sessionguard check --json --only disk_encryption,firewall
  sessionguard check --replay ./bundle-from-support`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pol, list, err := opts.resolve(e)
			if err != nil {
				return err
			}
			var p probe.Probe = probe.New()
			if replay != "" {
				if p, err = probe.OpenReplay(replay); err != nil {
					return err
				}
			}
			rep := checks.Run(cmd.Context(), p, pol, list)
			return e.printReport(rep, opts.json)
		},
	}
	opts.register(cmd)
	cmd.Flags().StringVar(&replay, "replay", "", "read the evidence bundle in `DIR` instead of this computer")
	return cmd
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
			if err := probe.CheckBundleTarget(args[0]); err != nil {
				return err
			}
			// Network names and hardware addresses are pseudonymised in
			// the bundle by the checks that read them.
			rec := checks.NewRecorder(probe.New(), list)
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
