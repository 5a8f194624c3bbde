package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/daemon"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/agent/statedir"
)

// agentOptions locate the agent's files.
type agentOptions struct {
	stateDir   string
	socket     string
	policyFile string
}

// register adds the flags of `agent run`: it listens on the socket.
func (o *agentOptions) register(cmd *cobra.Command) {
	o.registerState(cmd, "")
	cmd.Flags().StringVar(&o.socket, "socket", localapi.DefaultSocketPath(), "the local API socket to listen on")
}

// registerClient adds the flags of a command that asks the running agent
// and, when none runs, works in-process over the state directory. Its
// socket is empty by default: the system agent's, then the user's own,
// so the practitioner reaches the root agent the tray shows.
func (o *agentOptions) registerClient(cmd *cobra.Command) {
	o.registerState(cmd, " (used when no agent runs)")
	addSocketFlag(cmd, &o.socket)
}

func (o *agentOptions) registerState(cmd *cobra.Command, note string) {
	cmd.Flags().StringVar(&o.stateDir, "state-dir", statedir.Default(), "where results, the session log, the spool and credentials live"+note)
	cmd.Flags().StringVar(&o.policyFile, "policy", "", "judge against this policy file instead of the built-in default; an enrolled computer follows its team's policy from the server"+note)
}

func (o *agentOptions) sessionLogPath() string {
	return filepath.Join(o.stateDir, statedir.SessionLogFile)
}

func (e *env) agentCommand() *cobra.Command {
	var opts agentOptions
	run := func(ctx context.Context) error { return e.runAgent(ctx, opts) }
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run or manage the SessionGuard background service",
		Long: `The agent runs the checks at start, every 15 minutes (the policy's
report_interval_seconds) and when the network changes, records sessions, and
sends reports to your organisation's server when this computer is enrolled.
The tray app and 'sessionguard status' read it through a local socket.`,
		Example: `  sudo sessionguard agent install
  sessionguard agent status
  sudo sessionguard agent run --state-dir /tmp/sg-state --socket /tmp/sg-run/agent.sock`,
	}
	runCmd := &cobra.Command{
		Use:   "run",
		Short: "Run the agent in the foreground (the service manager runs this too)",
		Long: `Run the agent in the foreground until Ctrl-C or SIGTERM: what the installed
service runs. It logs structured lines (time=… level=… msg=…) to standard error
for the service manager's journal.`,
		Example: `  sudo sessionguard agent run
  sessionguard agent run --state-dir /tmp/sg-state --socket /tmp/sg-run/agent.sock`,
		Args: noArgs,
		RunE: e.agentRunE(run),
	}
	opts.register(runCmd)
	cmd.AddCommand(runCmd)
	cmd.AddCommand(e.agentServiceCommands(run)...)
	return cmd
}

// daemonConfig is the agent's configuration from the flags: the policy
// file's (or the default), the registered checks, this build's version.
func (e *env) daemonConfig(o agentOptions) (daemon.Config, error) {
	pol, err := policyOrDefault(o.policyFile)
	if err != nil {
		return daemon.Config{}, err
	}
	return daemon.Config{StateDir: o.stateDir, Socket: o.socket, Policy: pol, Checks: e.checks, Version: Version}, nil
}

// runAgent is `agent run`: the agent service in the foreground until ctx
// ends (agent/daemon), logging to stderr.
func (e *env) runAgent(ctx context.Context, o agentOptions) error {
	c, err := e.daemonConfig(o)
	if err != nil {
		return err
	}
	c.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return daemon.Run(ctx, c)
}

// agentConfig is the agent an in-process command runs over the state
// directory when no agent runs (daemon.Open), judging against the policy
// the agent would start with (daemon.TeamPolicy): the team's policy the
// server last gave when this computer is enrolled. policyErr says that it
// is enrolled but that policy cannot be read; the agent then judges
// against the --policy file or the built-in default, which may be more
// lenient, so a command deciding readiness must not say ready. The caller
// closes the log.
func (e *env) agentConfig(o agentOptions) (cfg agent.Config, log *sessionlog.Log, policyErr, err error) {
	c, err := e.daemonConfig(o)
	if err != nil {
		return agent.Config{}, nil, nil, err
	}
	c.Policy, policyErr = daemon.TeamPolicy(o.stateDir, c.Policy)
	cfg, log, err = daemon.Open(c)
	return cfg, log, policyErr, err
}

// sayTeamPolicyUnread tells the practitioner that this computer is not
// ready because its team's policy cannot be read (err from
// daemon.TeamPolicy), and what to do.
func sayTeamPolicyUnread(w io.Writer, err error) {
	fmt.Fprintf(w, "This computer is not ready for a session: SessionGuard cannot read your organisation's policy here, so it cannot tell whether this computer meets it (%s).\n", err)
	fmt.Fprintln(w, "Start the SessionGuard agent with 'sudo sessionguard agent start': it fetches the policy from your organisation's server. If this stays, ask your IT support.")
}
