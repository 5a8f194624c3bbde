package servercli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (e *env) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("migrate: not implemented yet")
		},
	}
}
