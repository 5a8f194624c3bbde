package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqlitePragmas are applied to every connection: WAL so readers never block
// the writer, a busy timeout instead of immediate SQLITE_BUSY, foreign keys
// enforced, and synchronous=NORMAL (with WAL, durable across a process crash;
// only a power cut can lose the last commits). Statement journals and
// temporary tables stay in memory and each connection caches 32 MiB of
// pages: without these, ingest spends most of its time in pwrite and pread.
//
// busy_timeout comes first so that the others, run on every new connection,
// wait rather than fail while another connection writes.
var sqlitePragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)",
	"temp_store(MEMORY)", "cache_size(-32768)"}

func openSQLite(ctx context.Context, path string) (Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("%w: SQLite path %q is empty or holds ? or #", ErrInvalid, path)
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
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	return &sqlStore{db: db, d: dialect{
		name:              "sqlite",
		goose:             goose.DialectSQLite3,
		dir:               "sqlite",
		isUniqueViolation: sqliteUniqueViolation,
	}}, nil
}

func sqliteUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}
