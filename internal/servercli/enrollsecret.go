package servercli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (e *env) enrollSecretCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "enroll-secret",
		Short: "Create, list and revoke enrol secrets",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("enroll-secret: not implemented yet")
		},
	}
}
