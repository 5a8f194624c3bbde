// Command sessionguard-tray is SessionGuard's traffic light in the
// notification area: green when this computer is ready for a confidential
// session, amber with warnings, red when something must be fixed first and
// grey when the SessionGuard agent is not running. Its menu shows every
// check, opens the fix of one that is not OK, runs the checks again and
// starts and ends sessions (clearing browser cookies at the end). See
// `sessionguard-tray --help`; the command is internal/traycli.
package main

import (
	"os"

	"github.com/sessionguard/sessionguard/internal/traycli"
)

func main() {
	os.Exit(traycli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
