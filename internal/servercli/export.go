package servercli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (e *env) exportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Export devices, results or sessions as CSV or JSON",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("export: not implemented yet")
		},
	}
}
