package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlitePragmas are applied to every connection: WAL so readers never block
// the writer, a busy timeout instead of immediate SQLITE_BUSY, foreign keys
// enforced, secure_delete (what is deleted or replaced is overwritten with
// zeros, so an erased practitioner's name or a purged session's label
// cannot be read back from the file's free space; BenchmarkSaveReportsSteady
// measured no cost: 9,053–11,721 reports/s against 7,837–11,407 without,
// 3 runs each alternating), and synchronous=FULL: every commit is fsynced, so what the
// server acknowledged survives a power cut too, not only a crash. (The
// ingest connection alone runs NORMAL and is made durable by SyncReports
// before a report is acknowledged: see ingestConnection.) Statement
// journals and temporary tables stay in memory. The WAL is checkpointed
// every 16,384 pages (64 MiB) instead of 1,000: every report dirties
// several random pages, and checkpointing (with its fsync) every few
// hundred reports cost about a third of ingest throughput.
//
// The page cache is sized by the connection's role: readerCacheKiB here
// for the pooled connections, writerCacheKiB for the ingest connection
// (ingestConnection), the one writer of reports and enrolments. With
// 32 MiB on every connection the server held 270–408 MiB under load, and a
// reader's cache bought little: under WAL a connection drops its whole
// cache whenever it starts reading after another connection wrote, which
// under ingest is nearly every read, and the pages it then reads again
// come from the operating system's cache. No mmap_size either: mapped
// pages of the database would count in the server's resident memory.
//
// busy_timeout comes first so that the others, run on every new connection,
// wait rather than fail while another connection writes.
var sqlitePragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)",
	"secure_delete(ON)", "temp_store(MEMORY)", "cache_size(-" + strconv.Itoa(readerCacheKiB) + ")", "wal_autocheckpoint(16384)"}

// Page cache sizes, in KiB (see sqlitePragmas).
const (
	readerCacheKiB = 2 << 10
	// The ingest connection's commits split and rewrite pages of the
	// devices, check_runs and sessions tables and their indexes: without
	// them cached, each commit reads them again (profiled when the pool
	// handed ingest any connection; see ingestTx).
	//
	// Not more, because a commit can cost SQLite a walk over the whole
	// cache: when a b-tree balance reorders sibling pages it parks one
	// under the number of the PENDING_BYTE page (262,145 with 4 KiB
	// pages), and the commit's page-cache truncation to the database's
	// size then visits every hash bucket and every cached page
	// (pcache1TruncateUnsafe) whenever the database is under 1 GiB. Under
	// sgload that was nearly every commit (rows of the devices table grow
	// at a device's first report and split their pages): 6–8% of the
	// server's CPU with 32 MiB. At 16 MiB the walk is half as long and the
	// pages it no longer holds are mostly random leaves a 32 MiB cache
	// missed too: the writer's own CPU a report (thread CPU time, sgload,
	// 100k devices, loaded machine) went from 29–38 µs to 25.5–26.9 µs.
	// 8 MiB was about as good on CPU (22.8–31.9 µs) but reads more pages
	// again, each a system call on the one writer, which then waits for
	// the CPU behind the request handlers.
	writerCacheKiB = 16 << 10
)

// sqliteMaxConns bounds one store's SQLite connections.
const sqliteMaxConns = 16

func openSQLite(ctx context.Context, path string) (Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: SQLite path %q is empty or holds ? or #", ErrInvalid, path)
	}
	// A new database is the owner's alone whatever the umask: SQLite
	// gives the -wal and -shm files it creates the database file's mode.
	// (It holds device token hashes, practitioners' names, session labels.)
	if !strings.HasPrefix(path, "file:") && !strings.Contains(path, ":memory:") {
		if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		}
	}
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	// Write transactions take the lock up front, so two of them never both
	// read then deadlock on upgrade (which busy_timeout cannot resolve).
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	// Keep the connections open: database/sql's default keeps 2 idle, and
	// a new SQLite connection re-reads the schema and re-applies the
	// pragmas. Readers run in parallel under WAL; writers queue on the
	// database lock (busy_timeout) anyway.
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w%s", path, err, whyCannotOpen(path))
	}
	walPath, err := sqliteWALPath(ctx, db, path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	s := &sqlStore{db: db, walPath: walPath, d: dialect{
		name:              "sqlite",
		goose:             goose.DialectSQLite3,
		dir:               "sqlite",
		isUniqueViolation: sqliteUniqueViolation,
	}, stopCheckpoints: make(chan struct{}), checkpointsDone: make(chan struct{})}
	go s.checkpointLoop() //nolint:gosec // lives as long as the store, not the caller's ctx; Close stops it
	return s, nil
}

// sqliteWALPath returns the database's WAL file, or "" when it is not in
// WAL mode (SQLite keeps an in-memory database in mode "memory").
func sqliteWALPath(ctx context.Context, db *sql.DB, path string) (string, error) {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return "", err
	}
	if !strings.EqualFold(mode, "wal") {
		return "", nil
	}
	return strings.TrimPrefix(path, "file:") + "-wal", nil
}

// checkpointEvery is how often the WAL is checkpointed in the background.
const checkpointEvery = 100 * time.Millisecond

// checkpointLoop copies committed WAL pages into the database file every
// checkpointEvery, on a connection of its own, until Close. Left to
// wal_autocheckpoint, the connection that commits past the threshold does
// the whole copy itself: with the group-commit writer that is the ingest
// path, which then stalls (15% of its CPU, and the p99 latency). A PASSIVE
// checkpoint waits for no one and copies what no reader still needs; once
// all is copied the next commit starts the WAL from its beginning, so it
// stays short and the autocheckpoint (still set, as a backstop) rarely
// fires.
func (s *sqlStore) checkpointLoop() {
	defer close(s.checkpointsDone)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.stopCheckpoints:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			// A failed checkpoint is retried at the next tick; the
			// autocheckpoint is the backstop.
			_, _ = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			cancel()
		}
	}
}

func sqliteUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// sqliteFold is the SQL function sqliteFolded lower-cases non-ASCII text
// with (Go's Unicode lower case).
const sqliteFold = "sg_fold"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(sqliteFold, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if s, ok := args[0].(string); ok {
			return strings.ToLower(s), nil
		}
		return args[0], nil
	})
}

// sqliteFolded is a text expression of SQLite's, as a search's LIKE
// pattern (likeContains: lower case) is to be matched against: SQLite's
// LIKE and LOWER fold ASCII letters only, so a search for "élodie"
// would miss "Élodie’s MacBook". A pattern with letters beyond ASCII
// matches the expression lower-cased by sqliteFold, a Go function called
// for every row; any other matches the expression itself, as LIKE already
// folds its ASCII letters (what LOWER would do, without its copy a row).
func sqliteFolded(expr, like string) string {
	for i := range len(like) {
		if like[i] >= utf8.RuneSelf {
			return sqliteFold + `(` + expr + `)`
		}
	}
	return `(` + expr + `)`
}
