package servercli

import (
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Command returns the sessionguard-server command tree as Main runs it,
// writing nowhere: for generating the man pages and shell completions that
// the server package installs (packaging/cmd/sgdocs).
func Command() *cobra.Command {
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv}
	return e.rootCommand()
}
