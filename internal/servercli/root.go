// Package servercli is the sessionguard-server command line: serve,
// migrate, admin, enroll-secret, export and subject-access. Main returns the
// process exit code instead of exiting, so the whole CLI is testable.
//
// Every flag can also be set from the environment as
// SESSIONGUARD_SERVER_<FLAG> (upper case, dashes as underscores), e.g.
// SESSIONGUARD_SERVER_DB=postgres://… — the server package's systemd unit
// reads them from /etc/sessionguard-server/server.env. A flag given on the
// command line wins over the environment.
package servercli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sessionguard/sessionguard/server/store"
)

// Exit codes of sessionguard-server.
const (
	ExitOK    = 0
	ExitError = 2
)

// Version is set at build time with -ldflags "-X ...servercli.Version=…".
var Version = "dev"

// DefaultDB is the embedded default database: SQLite under ./var, so
// `make run` and a first try need no set-up.
const DefaultDB = "sqlite:var/sessionguard-server.db"

// env is what the commands share.
type env struct {
	stdout, stderr io.Writer
	// db is the --db flag: sqlite:PATH or postgres://…
	db string
	// getenv reads the environment (replaced in tests).
	getenv func(string) string
}

// Main runs the CLI with args (without the program name) and returns the
// exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: os.Getenv}
	root := e.rootCommand()
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(stderr, "sessionguard-server: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		return ExitError
	}
	return ExitOK
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "sessionguard-server",
		Short: "The SessionGuard server: agent API, fleet dashboard, exports",
		Long: `sessionguard-server receives check reports and session records from
SessionGuard agents, serves the fleet dashboard to IT admins and designated
safeguarding leads, and exports evidence for data protection officers.

The database is SQLite by default (no set-up) or PostgreSQL, so several
server replicas can share one database. Every flag can also be set from the
environment as SESSIONGUARD_SERVER_<FLAG>, e.g. SESSIONGUARD_SERVER_DB.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return e.applyEnvironment(cmd)
		},
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.PersistentFlags().StringVar(&e.db, "db", DefaultDB, "database: sqlite:PATH or postgres://user:pass@host/db")
	root.AddCommand(
		e.serveCommand(),
		e.migrateCommand(),
		e.enrollSecretCommand(),
		e.adminCommand(),
		e.exportCommand(),
		e.subjectAccessCommand(),
	)
	return root
}

// applyEnvironment fills every flag not given on the command line from
// SESSIONGUARD_SERVER_<FLAG>.
func (e *env) applyEnvironment(cmd *cobra.Command) error {
	var errs []error
	apply := func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		name := "SESSIONGUARD_SERVER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			f.Changed = true
		}
	}
	cmd.Flags().VisitAll(apply)
	cmd.InheritedFlags().VisitAll(apply)
	return errors.Join(errs...)
}

// openStore opens the --db database and brings its schema up to date.
func (e *env) openStore(ctx context.Context) (store.Store, error) {
	if strings.HasPrefix(e.db, "sqlite:") {
		path := strings.TrimPrefix(strings.TrimPrefix(e.db, "sqlite:"), "//")
		if dir := dirOf(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("database directory: %w", err)
			}
		}
	}
	st, err := store.Open(ctx, e.db)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return st, nil
}

func dirOf(path string) string {
	i := strings.LastIndexAny(path, `/\`)
	if i <= 0 {
		return ""
	}
	return path[:i]
}
