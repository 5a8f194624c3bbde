package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	agentservice "github.com/sessionguard/sessionguard/agent/service"
)

// newAgentServiceManager makes the Manager behind `agent install`, `start`,
// …; tests replace it.
var newAgentServiceManager = func(run func(ctx context.Context) error) (*agentservice.Manager, error) {
	return agentservice.New(agentservice.Options{Run: run})
}

// agentRunE is the RunE of `agent run`: the agent in the foreground in a
// terminal (Ctrl-C or SIGTERM stops it), or under kardianos's Start/Stop
// when the service manager started it.
func (e *env) agentRunE(run func(ctx context.Context) error) func(cmd *cobra.Command, args []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		return agentservice.Run(cmd.Context(), run)
	}
}

// agentServiceCommands are `agent install`, `uninstall`, `start`, `stop` and
// `status`. run is the agent that `agent run` runs; the service manager
// starts the installed executable with `agent run`.
func (e *env) agentServiceCommands(run func(ctx context.Context) error) []*cobra.Command {
	manager := func() (*agentservice.Manager, error) { return newAgentServiceManager(run) }

	var noStart bool
	install := &cobra.Command{
		Use:   "install",
		Short: "Install the agent as a system service that starts at boot, and start it",
		Long: `Install the SessionGuard agent as a system service: a systemd unit on Linux, a
launchd daemon on macOS, a Windows service. It runs this sessionguard executable
with "agent run" as root (LocalSystem on Windows), starts at boot and is
restarted when it stops. Needs root (sudo) or an administrator.

On a Linux system without systemd, run "sessionguard agent run" in the
foreground instead.`,
		Example: `  sudo sessionguard agent install
  sudo sessionguard agent install --no-start`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			if err := m.Install(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Installed the SessionGuard agent service (%s), which runs %s agent run.\n", m.Platform(), m.Executable())
			if noStart {
				fmt.Fprintln(e.stdout, "It starts at the next boot, or now with: sessionguard agent start")
				return nil
			}
			if err := m.Start(); err != nil {
				return fmt.Errorf("the service is installed but did not start: %w", err)
			}
			fmt.Fprintln(e.stdout, "Started it.")
			return nil
		},
	}
	install.Flags().BoolVar(&noStart, "no-start", false, "install only; the service starts at the next boot")

	uninstall := &cobra.Command{
		Use:   "uninstall",
		Short: "Stop the agent service and remove it",
		Long: `Stop the SessionGuard agent service and remove it from the service manager.
Its state (results, session log, spool) stays on disk. Needs root (sudo) or an
administrator.`,
		Example: `  sudo sessionguard agent uninstall`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			if err := m.Uninstall(); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "Removed the SessionGuard agent service.")
			return nil
		},
	}

	control := func(verb, short, done string, op func(*agentservice.Manager) error) *cobra.Command {
		return &cobra.Command{
			Use:     verb,
			Short:   short,
			Example: "  sudo sessionguard agent " + verb,
			Args:    noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				m, err := manager()
				if err != nil {
					return err
				}
				if err := op(m); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, done)
				return nil
			},
		}
	}
	start := control("start", "Start the installed agent service (needs root or an administrator)",
		"The SessionGuard agent service is running.", (*agentservice.Manager).Start)
	stop := control("stop", "Stop the installed agent service until it is started again or the computer restarts (needs root or an administrator)",
		"The SessionGuard agent service is stopped.", (*agentservice.Manager).Stop)

	status := &cobra.Command{
		Use:   "status",
		Short: "Say whether the agent service is installed and running",
		Long: `Say whether the SessionGuard agent service is running, stopped or not installed.
Any user may ask. The exit code is 0 whenever the state could be read.`,
		Example: `  sessionguard agent status`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := manager()
			if err != nil {
				return err
			}
			st, err := m.Status()
			switch {
			case errors.Is(err, agentservice.ErrNoServiceManager):
				fmt.Fprintf(e.stdout, "The SessionGuard agent service is not installed: %v.\n", err)
				return nil
			case err != nil:
				return err
			}
			fmt.Fprintf(e.stdout, "The SessionGuard agent service is %s.\n", st)
			return nil
		},
	}
	return []*cobra.Command{install, uninstall, start, stop, status}
}
