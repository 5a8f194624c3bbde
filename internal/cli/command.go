package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/checks/all"
)

// Command returns the sessionguard command tree as Main runs it, writing
// nowhere: for generating the man pages and shell completions that the
// packages install (packaging/cmd/sgdocs).
func Command() *cobra.Command {
	e := &env{stdout: io.Discard, stderr: io.Discard, checks: all.Checks(), colour: func() bool { return false }}
	return e.rootCommand()
}
