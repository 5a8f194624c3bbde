package servercli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (e *env) subjectAccessCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "subject-access",
		Short: "Subject access export and erasure for a device or practitioner",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("subject-access: not implemented yet")
		},
	}
}
