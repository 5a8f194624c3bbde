package browsers

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"modernc.org/sqlite" // the "sqlite" driver, and selectorFunc
)

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// Errors that make a profile's result "error"; the reason says which.
var (
	ErrNotDatabase = errors.New("the cookie file is not an SQLite database")
	ErrDamaged     = errors.New("the cookie database is damaged")
	ErrSchema      = errors.New("the cookie database does not have the expected table")
	ErrLocked      = errors.New("another program has the cookie database locked")
)

// cookieTable is the table and host column of an engine's cookie store.
func cookieTable(e Engine) (table, host string) {
	if e == EngineFirefox {
		return "moz_cookies", "host"
	}
	return "cookies", "host_key"
}

// checkHeader refuses files that are not SQLite before SQLite sees them.
// An empty file is an empty database.
func checkHeader(path string) (empty bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	if n == 0 && errors.Is(err, io.EOF) {
		return true, nil
	}
	if err != nil || !bytes.Equal(head, sqliteHeader) {
		return false, ErrNotDatabase
	}
	return false, nil
}

// openStore opens one connection to a cookie database.
// A read-only open only counts and gives up quickly on a locked database
// (Firefox holds its store exclusively while it runs).
func openStore(ctx context.Context, path string, readOnly bool) (*sql.DB, *sql.Conn, error) {
	dsn := path + "?_pragma=busy_timeout(5000)&_txlock=immediate"
	if readOnly {
		dsn = path + "?_pragma=busy_timeout(300)&_pragma=query_only(1)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("opening %s: %w", path, classify(err))
	}
	return db, conn, nil
}

// classify turns SQLite's messages about broken files into our sentinels.
func classify(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database") || strings.Contains(msg, "SQLITE_NOTADB"):
		return fmt.Errorf("%w: %w", ErrNotDatabase, err)
	case strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_CORRUPT"):
		return fmt.Errorf("%w: %w", ErrDamaged, err)
	case strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column"):
		return fmt.Errorf("%w: %w", ErrSchema, err)
	case strings.Contains(msg, "database is locked") || strings.Contains(msg, "SQLITE_BUSY"):
		return fmt.Errorf("%w: %w", ErrLocked, err)
	}
	return err
}

// storedCookie is what clearing needs of a cookie: its row and host.
type storedCookie struct {
	rowid int64
	host  string
}

func readHosts(ctx context.Context, conn *sql.Conn, e Engine) ([]storedCookie, error) {
	table, col := cookieTable(e)
	rows, err := conn.QueryContext(ctx, "SELECT rowid, "+col+" FROM "+table)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []storedCookie
	for rows.Next() {
		var c storedCookie
		var host sql.NullString
		if err := rows.Scan(&c.rowid, &host); err != nil {
			return nil, classify(err)
		}
		c.host = host.String
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// quickCheck runs SQLite's structural check so a damaged file is reported
// instead of half-cleared.
func quickCheck(ctx context.Context, conn *sql.Conn) error {
	var res string
	if err := conn.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return classify(err)
	}
	if res != "ok" {
		return fmt.Errorf("%w: %s", ErrDamaged, res)
	}
	return nil
}

// storeCount is what a cookie store holds.
type storeCount struct {
	cookies int
	sites   map[string]bool
}

// countStore reads how many cookies a store holds and for which sites.
func countStore(ctx context.Context, path string, e Engine) (storeCount, error) {
	sc := storeCount{sites: map[string]bool{}}
	empty, err := checkHeader(path)
	if err != nil || empty {
		return sc, err
	}
	db, conn, err := openStore(ctx, path, true)
	if err != nil {
		return sc, err
	}
	defer db.Close()
	defer conn.Close()
	cookies, err := readHosts(ctx, conn, e)
	if err != nil {
		return sc, fmt.Errorf("reading %s: %w", path, err)
	}
	sc.cookies = len(cookies)
	for _, c := range cookies {
		sc.sites[site(c.host)] = true
	}
	return sc, nil
}

// clearResult is the outcome of clearing one cookie store.
type clearResult struct {
	before, removed int
}

// clearStore deletes the selected cookies from one SQLite cookie store so
// that they cannot be recovered from the file: secure_delete overwrites the
// freed cells, VACUUM rebuilds the file without free pages, the WAL is
// checkpointed and truncated, and a rollback journal is truncated on commit.
func clearStore(ctx context.Context, path string, e Engine, sel selector, dryRun bool) (clearResult, error) {
	var res clearResult
	empty, err := checkHeader(path)
	if err != nil || empty {
		return res, err
	}
	db, conn, err := openStore(ctx, path, dryRun)
	if err != nil {
		return res, err
	}
	defer db.Close()
	defer conn.Close()

	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return res, fmt.Errorf("reading %s: %w", path, classify(err))
	}
	if err := quickCheck(ctx, conn); err != nil {
		return res, fmt.Errorf("checking %s: %w", path, err)
	}
	if dryRun {
		cookies, err := readHosts(ctx, conn, e)
		if err != nil {
			return res, fmt.Errorf("reading %s: %w", path, err)
		}
		res.before = len(cookies)
		for _, c := range cookies {
			if sel.remove(c.host) {
				res.removed++
			}
		}
		return res, nil
	}

	mode = strings.ToLower(mode)
	pragmas := []string{"PRAGMA secure_delete=ON"}
	if mode != "wal" {
		// A persisted rollback journal keeps old pages; TRUNCATE empties
		// it at every commit. It is a per-connection setting.
		pragmas = append(pragmas, "PRAGMA journal_mode=TRUNCATE")
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return res, fmt.Errorf("preparing %s: %w", path, classify(err))
		}
	}
	// Read and delete in one write transaction (BEGIN IMMEDIATE), so a
	// browser helper still writing cannot slip rows in between.
	if res, err = deleteSelected(ctx, conn, e, sel); err != nil {
		return res, fmt.Errorf("deleting cookies from %s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM"); err != nil {
		return res, fmt.Errorf("compacting %s: %w", path, classify(err))
	}
	if mode == "wal" {
		var busy, logFrames, done int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return res, fmt.Errorf("checkpointing %s: %w", path, classify(err))
		}
		if busy != 0 {
			return res, fmt.Errorf("checkpointing %s: another program is using the database", path)
		}
	}
	return res, nil
}

// deleteSelected counts the cookies and removes the selected ones in one
// transaction, with one statement: every cookie, or those the selector
// picks, asked row by row of the selector through a SQL function (no
// rows read into Go, no statement built per batch of ids).
func deleteSelected(ctx context.Context, conn *sql.Conn, e Engine, sel selector) (clearResult, error) {
	var res clearResult
	table, col := cookieTable(e)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, classify(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&res.before); err != nil {
		return res, classify(err)
	}
	var r sql.Result
	if sel.all() {
		r, err = tx.ExecContext(ctx, "DELETE FROM "+table)
	} else {
		id := selectors.add(sel)
		defer selectors.remove(id)
		r, err = tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE "+selectorFunc+"(?, "+col+")", id)
	}
	if err != nil {
		return res, classify(err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return res, classify(err)
	}
	if err := tx.Commit(); err != nil {
		return res, classify(err)
	}
	res.removed = int(n)
	return res, nil
}

// selectorFunc is the SQL function deleteSelected asks: (selector id,
// host) → whether the cookie goes.
const selectorFunc = "sessionguard_cookie_goes"

// selectorTable holds the selectors of the clears under way, by id, for
// selectorFunc (registered once, for every connection of the driver).
type selectorTable struct {
	mu   sync.Mutex
	next int64
	m    map[int64]selector
}

var selectors = &selectorTable{m: map[int64]selector{}}

func (t *selectorTable) add(s selector) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next++
	t.m[t.next] = s
	return t.next
}

func (t *selectorTable) remove(id int64) {
	t.mu.Lock()
	delete(t.m, id)
	t.mu.Unlock()
}

func (t *selectorTable) get(id int64) (selector, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.m[id]
	return s, ok
}

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(selectorFunc, 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		id, _ := args[0].(int64)
		sel, ok := selectors.get(id)
		if !ok {
			return nil, fmt.Errorf("%s: no clear %d under way", selectorFunc, id)
		}
		var host string
		switch h := args[1].(type) {
		case string:
			host = h
		case []byte:
			host = string(h)
		}
		if sel.remove(host) {
			return int64(1), nil
		}
		return int64(0), nil
	})
}
