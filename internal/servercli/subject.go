package servercli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sessionguard/sessionguard/server/export"
	"github.com/sessionguard/sessionguard/server/store"
)

func (e *env) subjectAccessCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subject-access",
		Short: "Subject access export and erasure for a device or practitioner",
		Long: `Answer a data subject's request about what SessionGuard stores about them.

A subject is one device (--device ID) or a practitioner (--practitioner NAME):
every device an admin has set that practitioner on (set-practitioner below,
or the dashboard through POST /privacy/practitioner), matched exactly. Device names are host
names given at enrolment and do not identify a person reliably.

  export            everything stored about the subject, as one JSON document
  erase             delete the subject's devices with their check results and
                    session records (asks for --yes)
  set-practitioner  record which practitioner uses a device

Each action is recorded in the audit log (actor "cli") by device ID and
counts only: the log never holds the practitioner's name.`,
		Example: `  sessionguard-server subject-access set-practitioner --device 3f2a… "Jane Smith"
  sessionguard-server subject-access export --practitioner "Jane Smith" -o jane.json
  sessionguard-server subject-access erase --device 3f2a… --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(e.subjectExportCommand(), e.subjectEraseCommand(), e.setPractitionerCommand())
	return cmd
}

// subjectFlags adds --device and --practitioner.
func subjectFlags(cmd *cobra.Command, s *export.Subject) {
	cmd.Flags().StringVar(&s.DeviceID, "device", "", "the device ID")
	cmd.Flags().StringVar(&s.Practitioner, "practitioner", "", "the practitioner, as set on their devices")
	cmd.MarkFlagsOneRequired("device", "practitioner")
	cmd.MarkFlagsMutuallyExclusive("device", "practitioner")
}

func (e *env) subjectExportCommand() *cobra.Command {
	var subj export.Subject
	var output string
	cmd := &cobra.Command{
		Use:   "export (--device ID | --practitioner NAME) [-o FILE]",
		Short: "Write everything stored about a device or practitioner as JSON",
		Long: `Export writes everything the server stores about the subject as one JSON
document (schema sessionguard.subject-access/v1): each device as enrolled, its
check runs and results, its session records and the audit entries about it.
Device tokens are stored only as one-way hashes and are not included. With -o
the file is readable by its owner only.`,
		Example: `  sessionguard-server subject-access export --device 3f2a… -o device.json
  sessionguard-server subject-access export --practitioner "Jane Smith" > jane.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				return e.writeOutput(output, func(w io.Writer) error {
					_, err := export.SubjectExport(ctx, st, w, subj, cliActor)
					return err
				})
			})
		},
	}
	subjectFlags(cmd, &subj)
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func (e *env) subjectEraseCommand() *cobra.Command {
	var subj export.Subject
	var yes bool
	cmd := &cobra.Command{
		Use:   "erase (--device ID | --practitioner NAME) --yes",
		Short: "Delete a device or practitioner's devices with all their data",
		Long: `Erase deletes each of the subject's devices with its check runs, check
results and session records. It cannot be undone: export first if the
subject asked for a copy. An erased device's token is refused from the start
of the erasure; to report again the computer must be enrolled again.

Erasure runs in small batches; if it is interrupted, run it again to finish.`,
		Example: `  sessionguard-server subject-access erase --practitioner "Jane Smith" --yes`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !yes {
				return errors.New("erasure deletes the data for good: add --yes to go ahead")
			}
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				res, err := export.Erase(ctx, st, subj, subj.DeviceID+subj.Practitioner, cliActor)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Erased %d device(s): %d check runs, %d results, %d session records.\n",
					len(res.Devices), res.Runs, res.Results, res.Sessions)
				return nil
			})
		},
	}
	subjectFlags(cmd, &subj)
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm the erasure")
	return cmd
}

func (e *env) setPractitionerCommand() *cobra.Command {
	var deviceID string
	cmd := &cobra.Command{
		Use:   "set-practitioner --device ID NAME",
		Short: `Record which practitioner uses a device ("" clears it)`,
		Long: `Set-practitioner records the practitioner who uses a device (a name or staff
number, at most 200 characters), so subject access by practitioner finds all
their devices. An empty NAME clears it.`,
		Example: `  sessionguard-server subject-access set-practitioner --device 3f2a… "Jane Smith"
  sessionguard-server subject-access set-practitioner --device 3f2a… ""`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withStore(cmd.Context(), func(ctx context.Context, st store.Store) error {
				if err := export.SetPractitioner(ctx, st, deviceID, args[0], cliActor); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, "Saved.")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&deviceID, "device", "", "the device ID")
	_ = cmd.MarkFlagRequired("device")
	return cmd
}
