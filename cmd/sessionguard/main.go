// Command sessionguard checks that this computer is fit for a confidential
// 1:1 session and records what it saw; see `sessionguard --help`.
package main

import (
	"os"

	"github.com/sessionguard/sessionguard/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
