package servercli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (e *env) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date",
		Long: `Apply every pending schema migration to the --db database and exit.
Running it again is a no-op. serve migrates at start too; use migrate to
upgrade the schema before starting new replicas (PostgreSQL replicas
serialise their migrations with an advisory lock).`,
		Example: `  sessionguard-server migrate
  sessionguard-server migrate --db postgres://sg:…@db/sessionguard`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := e.openStore(cmd.Context(), true)
			if err != nil {
				return err
			}
			if err := st.Close(); err != nil {
				return fmt.Errorf("closing the database: %w", err)
			}
			fmt.Fprintln(e.stdout, "The database schema is up to date.")
			return nil
		},
	}
}
