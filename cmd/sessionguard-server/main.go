// Command sessionguard-server is the SessionGuard central server: the agent
// API, the fleet dashboard, exports and retention. See `sessionguard-server
// --help`.
package main

import (
	"os"

	"github.com/sessionguard/sessionguard/internal/servercli"
)

func main() {
	os.Exit(servercli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
