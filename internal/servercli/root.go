// Package servercli is the sessionguard-server command line: serve,
// migrate, admin, enroll-secret, export and subject-access. Main returns the
// process exit code instead of exiting, so the whole CLI is testable.
//
// Every flag can also be set from the environment as
// SESSIONGUARD_SERVER_<FLAG> (upper case, dashes as underscores), e.g.
// SESSIONGUARD_SERVER_DB=postgres://…, or in the settings file
// /etc/sessionguard-server/server.env (--config), which the server
// package's systemd unit reads too. A flag given on the command line wins
// over the environment, which wins over the file.
package servercli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	// config is the --config flag: the settings file read before the
	// environment and the flags.
	config string
	// dbFrom says where the database setting came from, for the line
	// every command that opens it prints.
	dbFrom string
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
server replicas can share one database.

Settings come from, in this order (a later one wins): the settings file
(--config, default /etc/sessionguard-server/server.env when it exists: the
file the packaged service reads), the environment as
SESSIONGUARD_SERVER_<FLAG> (e.g. SESSIONGUARD_SERVER_DB), then the flags.
Every command that opens the database says which one it uses.`,
		Example: `  sudo -u sessionguard-server sessionguard-server admin create --name alice
  sudo -u sessionguard-server sessionguard-server enroll-secret create --team counselling
  sessionguard-server --db sqlite:/tmp/try.db serve --listen 127.0.0.1:8080`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return e.applyEnvironment(cmd)
		},
	}
	root.SetVersionTemplate("sessionguard-server {{.Version}}\n")
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.PersistentFlags().StringVar(&e.db, "db", DefaultDB, "database: sqlite:PATH or postgres://user:pass@host/db")
	root.PersistentFlags().StringVar(&e.config, "config", DefaultConfigFile, "settings file (KEY=VALUE lines, as systemd's EnvironmentFile); read when it exists")
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
// SESSIONGUARD_SERVER_<FLAG> in the environment, else from the settings
// file.
func (e *env) applyEnvironment(cmd *cobra.Command) error {
	configFlag := cmd.Flag("config")
	if !configFlag.Changed {
		if v := e.getenv(envPrefix + "CONFIG"); v != "" {
			e.config, configFlag.Changed = v, true
		}
	}
	file, err := readConfigFile(e.config, configFlag.Changed)
	if err != nil {
		return err
	}
	e.dbFrom = "the default"
	var errs []error
	seen := map[string]bool{}
	apply := func(f *pflag.Flag) {
		if seen[f.Name] {
			return
		}
		seen[f.Name] = true
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		from := "--" + f.Name
		if !f.Changed {
			v := e.getenv(name)
			from = "the environment (" + name + ")"
			if v == "" {
				v, from = file.values[name], file.path
			}
			if v != "" {
				if err := f.Value.Set(v); err != nil {
					errs = append(errs, fmt.Errorf("%s in %s: %w", name, from, err))
				}
				f.Changed = true
			}
		}
		if f.Name == "db" && f.Changed {
			e.dbFrom = from
		}
	}
	cmd.Flags().VisitAll(apply)
	cmd.InheritedFlags().VisitAll(apply)
	return errors.Join(errs...)
}

// openStore opens the --db database and brings its schema up to date.
// openStore opens (and migrates) the database --db names. create says
// whether a SQLite database that is not there yet may be made: by serve,
// migrate and the first-run commands (admin create, enroll-secret
// create); any other command on a path that holds none says so rather
// than make an empty database (and its folders) where a --db was
// mistyped.
func (e *env) openStore(ctx context.Context, create bool) (store.Store, error) {
	if strings.HasPrefix(e.db, "sqlite:") {
		path := strings.TrimPrefix(strings.TrimPrefix(e.db, "sqlite:"), "//")
		if file, _, _ := strings.Cut(path, "?"); !create && file != ":memory:" {
			if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("there is no database at %s (from %s): check --db, or create it by starting the server (sessionguard-server serve) or with admin create", file, e.dbFrom)
			}
		}
		if dir := dirOf(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("database directory: %w", err)
			}
		}
		// (store.Open creates a new database 0600, and SQLite its -wal
		// and -shm files with the same mode.)
	}
	fmt.Fprintf(e.stderr, "Database: %s (from %s)\n", store.Redact(e.db), e.dbFrom)
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
