package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/agent/localapi"
)

// versionJSON is `version --json`.
type versionJSON struct {
	Version string `json:"version"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	// Agent is the running agent's version, absent when none answers.
	Agent string `json:"agent,omitempty"`
}

func (e *env) versionCommand() *cobra.Command {
	var (
		socket string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the version of SessionGuard, and of the agent running on this computer",
		Long: `Show the version of this sessionguard program and, when the SessionGuard agent
runs, its version too: after an upgrade they should be the same (restart the
agent when they are not). 'sessionguard --version' prints the first line only.`,
		Example: `  sessionguard version
  sessionguard --version
  sessionguard version --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := versionJSON{Version: Version, OS: runtime.GOOS, Arch: runtime.GOARCH}
			c := localapi.NewClient(socket)
			defer c.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
			defer cancel()
			st, err := c.Status(ctx)
			if err == nil {
				v.Agent = st.Version
			}
			if asJSON {
				return writeJSON(e.stdout, v)
			}
			fmt.Fprintf(e.stdout, "sessionguard %s (%s/%s)\n", v.Version, v.OS, v.Arch)
			switch {
			case errors.Is(err, localapi.ErrAgentNotRunning):
				fmt.Fprintln(e.stdout, "The SessionGuard agent is not running on this computer.")
			case err != nil:
				fmt.Fprintf(e.stdout, "The SessionGuard agent could not be asked for its version: %s\n", oneLine(err.Error()))
			case v.Agent == v.Version:
				fmt.Fprintf(e.stdout, "The SessionGuard agent running on this computer is the same version.\n")
			default:
				fmt.Fprintf(e.stdout, "The SessionGuard agent running on this computer is version %s: restart it to run this one (sudo sessionguard agent stop, then start).\n", v.Agent)
			}
			return nil
		},
	}
	addSocketFlag(cmd, &socket)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the versions as JSON")
	return cmd
}

// addSocketFlag adds --socket to a command that talks to the running
// agent. Empty (the default) tries the system agent's socket, then the
// user's own, as the tray does.
func addSocketFlag(cmd *cobra.Command, socket *string) {
	cmd.Flags().StringVar(socket, "socket", "", "the agent's local API socket (named pipe on Windows); default: the system agent's, then your own")
}
