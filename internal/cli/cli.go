// Package cli is the sessionguard command line: `check`, `evidence record`
// and, as the agent grows, the session and cookie commands. Main returns the
// process exit code instead of exiting, so the whole CLI is testable.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
)

// Exit codes of the sessionguard command.
const (
	ExitReady    = 0 // every required check passes
	ExitNotReady = 1 // a required check is not passing
	ExitError    = 2 // usage or internal error
)

// Version is set at build time with -ldflags "-X ...cli.Version=…".
var Version = "dev"

// errNotReady is returned by commands whose verdict is "not ready"; it is
// not an error message to print.
var errNotReady = errors.New("not ready")

// env is what the commands write to and which checks they know.
type env struct {
	stdout, stderr io.Writer
	checks         []checks.Check
	// colour reports whether stdout should get ANSI colours.
	colour func() bool
	// processLog: stderr is the process's own, so the default logger may
	// be pointed at it (see logTo).
	processLog bool
}

// Main runs the CLI with args (without the program name) and returns the
// exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, checks: all.Checks(), colour: func() bool { return isColourTerminal(stdout) }, processLog: stderr == os.Stderr}
	return e.main(args)
}

func (e *env) main(args []string) int {
	root := e.rootCommand()
	root.SetArgs(args)
	// Ctrl-C cancels the running checks, which kills the commands they run.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitReady
	case errors.Is(err, errNotReady):
		return ExitNotReady
	default:
		fmt.Fprintf(e.stderr, "sessionguard: %s\n", oneLine(err.Error()))
		return ExitError
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "sessionguard",
		Short: "Checks that this computer is fit for a confidential 1:1 session",
		Long: `SessionGuard checks that this computer is fit for a confidential online session
with a child or vulnerable adult: disk encryption, firewall, anti-virus and more.
Each check says pass, warn, fail, unknown (could not be read) or not applicable,
and tells you in plain English what to fix.

Exit codes: 0 ready, 1 a required check is not passing, 2 usage or internal error.`,
		Example: `  sessionguard check
  sessionguard status
  sessionguard session start --label CR-2291
  sessionguard session end
  sessionguard version`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			if e.processLog {
				logTo(e.stderr, cmd.CommandPath() == "sessionguard agent run")
			}
		},
	}
	root.SetVersionTemplate("sessionguard {{.Version}}\n")
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())
	})
	root.AddCommand(e.checkCommand(), e.evidenceCommand(), e.cookiesCommand(), e.statusCommand(), e.sessionCommand(), e.agentCommand(), e.enrollCommand(), e.onboardCommand(), e.versionCommand())
	return root
}

// noArgs rejects positional arguments with a clear message.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q (see '%s --help')", cmd.CommandPath(), args, cmd.CommandPath())
	}
	return nil
}
