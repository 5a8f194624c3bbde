package servercli

import (
	"bufio"
	"context"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/internal/atomicfile"
	"github.com/sessionguard/sessionguard/server/export"
	"github.com/sessionguard/sessionguard/server/store"
)

// cliActor names command-line actions in the audit log.
const cliActor = "cli"

func (e *env) exportCommand() *cobra.Command {
	var format, team, since, output string
	cmd := &cobra.Command{
		Use:   "export devices|results|sessions [--format csv|json] [--team T] [--since S] [-o FILE]",
		Short: "Export devices, results or sessions as CSV or JSON",
		Long: `Export writes the devices, the check results or the session records as CSV
(the default) or JSON, for a data protection officer or a Cyber Essentials
assessor. Every result row names the Cyber Essentials control its check
evidences. The export is streamed, so it works on any size of database, and
is recorded in the audit log (actor "cli").

  devices    one row per device: team, practitioner, OS, last seen, readiness
  results    one row per check result, with its Cyber Essentials control(s)
  sessions   one row per session start or end: label, overrides, cookies cleared

--since takes a date (2026-01-31), an RFC 3339 time or a number of days back
(30d): devices seen since, results of check runs started since, session
records from then on. --team takes a team name or ID.

CSV cells that a spreadsheet would run as a formula (starting with = + - @)
are prefixed with an apostrophe. With -o the file is written beside its
final name and renamed into place when complete, readable by its owner only.`,
		Example: `  sessionguard-server export results --since 90d -o results.csv
  sessionguard-server export sessions --team Counselling --format json > sessions.json
  sessionguard-server export devices`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{string(export.Devices), string(export.Results), string(export.Sessions)},
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := export.ParseKind(args[0])
			if err != nil {
				return err
			}
			f, err := export.ParseFormat(format)
			if err != nil {
				return err
			}
			from, err := export.ParseSince(since, time.Now())
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				return e.writeOutput(output, func(w io.Writer) error {
					_, err := export.Export(ctx, st, w, export.Request{Kind: kind, Format: f, Team: team, Since: from}, cliActor)
					return err
				})
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "csv", "csv or json")
	fl.StringVar(&team, "team", "", "only this team (name or ID)")
	fl.StringVar(&since, "since", "", "only records from this date (2026-01-31), time (RFC 3339) or days back (30d)")
	fl.StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

// writeOutput streams what write writes to standard output, or, with a
// path, to a file only its owner can read (exports hold personal data),
// written under a temporary name and renamed into place when complete, so
// a failed export never leaves a short file behind.
func (e *env) writeOutput(path string, write func(io.Writer) error) error {
	if path == "" {
		bw := bufio.NewWriter(e.stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	return atomicfile.WriteWith(path, 0o600, write)
}
