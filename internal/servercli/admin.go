package servercli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (e *env) adminCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "admin",
		Short: "Manage dashboard admin accounts",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("admin: not implemented yet")
		},
	}
}
