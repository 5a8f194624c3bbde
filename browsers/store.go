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
	// temp_store: a kept cookie copied aside stays in memory.
	pragmas := []string{"PRAGMA secure_delete=ON", "PRAGMA temp_store=MEMORY"}
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
// write transaction, choosing per store the cheaper of two ways:
//
//   - Clearing every cookie, and keeping few: the kept rows are copied
//     aside (a temporary table in memory), the table is emptied by one
//     DELETE without WHERE — SQLite's truncate shortcut, which frees whole
//     pages instead of removing row by row from the table and each of its
//     indexes — and the kept rows are put back with their rowids.
//   - Otherwise one DELETE asks the selector row by row through a SQL
//     function (no rows read into Go, no statement built per batch of ids),
//     which costs per row removed.
//
// Either way secure_delete overwrites what is freed and the caller's
// VACUUM rebuilds the file, and a kept row goes back exactly as it was.
func deleteSelected(ctx context.Context, conn *sql.Conn, e Engine, sel selector) (clearResult, error) {
	var res clearResult
	table, col := cookieTable(e)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, classify(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	var r sql.Result
	switch {
	case sel.all():
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&res.before); err != nil {
			return res, classify(err)
		}
		r, err = tx.ExecContext(ctx, "DELETE FROM "+table)
	default:
		var plan keepPlan
		if plan, err = planKeep(ctx, tx, table, col, sel); err != nil {
			return res, err
		}
		res.before = plan.rows
		if plan.copyAside {
			if res.removed, err = clearKeeping(ctx, tx, table, col, plan); err != nil {
				return res, err
			}
			if err := tx.Commit(); err != nil {
				return res, classify(err)
			}
			return res, nil
		}
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

// copyAsideMaxShare is the largest share of a store's cookies kept by
// copying them aside and clearing the table; past it, removing row by row
// is cheaper (BenchmarkClearKeepShare measures the cross-over).
var copyAsideMaxShare = 0.25

// keepPlan is how deleteSelected clears a store that keeps some cookies.
type keepPlan struct {
	rows      int    // cookies in the store
	copyAside bool   // copy the kept rows aside and clear the table
	hosts     []any  // the hosts whose cookies stay, as stored
	cols      string // the table's columns, quoted, for copying aside
}

// planKeep counts the store's cookies per host and asks the selector once
// per distinct host which stay. Copying aside is chosen when few rows stay
// and nothing stands in the way of emptying the table wholesale: a trigger
// on the table (the truncate shortcut is off, and putting rows back would
// fire inserts), a kept cookie without a host (no IN matches NULL), or a
// column copying could not carry (see columnList).
func planKeep(ctx context.Context, tx *sql.Tx, table, col string, sel selector) (keepPlan, error) {
	var plan keepPlan
	rows, err := tx.QueryContext(ctx, "SELECT "+col+", count(*) FROM "+table+" GROUP BY "+col)
	if err != nil {
		return plan, classify(err)
	}
	defer rows.Close()
	kept, nullKept := 0, false
	for rows.Next() {
		var host any
		var n int
		if err := rows.Scan(&host, &n); err != nil {
			return plan, classify(err)
		}
		plan.rows += n
		if sel.remove(hostString(host)) {
			continue
		}
		kept += n
		if host == nil {
			nullKept = true
		}
		plan.hosts = append(plan.hosts, host)
	}
	if err := rows.Err(); err != nil {
		return plan, classify(err)
	}
	if nullKept || float64(kept) > copyAsideMaxShare*float64(plan.rows) {
		return plan, nil
	}
	var triggers int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?", table).Scan(&triggers); err != nil {
		return plan, classify(err)
	}
	if triggers > 0 {
		return plan, nil
	}
	plan.cols, err = columnList(ctx, tx, table)
	plan.copyAside = err == nil && plan.cols != ""
	return plan, err
}

// hostString is a host column value as the selector reads it.
func hostString(v any) string {
	switch h := v.(type) {
	case string:
		return h
	case []byte:
		return string(h)
	}
	return ""
}

// clearKeeping empties table and puts back the rows whose host is one of
// hosts, in the caller's transaction, and returns how many rows went. The
// copy lives in a temporary table in memory (temp_store is MEMORY on this
// connection), so the kept values are never written elsewhere on disk.
func clearKeeping(ctx context.Context, tx *sql.Tx, table, col string, plan keepPlan) (int, error) {
	cols := plan.cols
	steps := []string{
		"CREATE TEMP TABLE sessionguard_kept_hosts(host)",
		"CREATE TEMP TABLE sessionguard_kept AS SELECT rowid AS sessionguard_rowid, " + cols + " FROM main." + table + " WHERE 0",
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, classify(err)
		}
	}
	ins, err := tx.PrepareContext(ctx, "INSERT INTO temp.sessionguard_kept_hosts VALUES(?)")
	if err != nil {
		return 0, classify(err)
	}
	defer ins.Close()
	for _, h := range plan.hosts {
		if _, err := ins.ExecContext(ctx, h); err != nil {
			return 0, classify(err)
		}
	}
	var cleared, putBack int64
	for _, q := range []struct {
		sql string
		n   *int64
	}{
		{"INSERT INTO temp.sessionguard_kept SELECT rowid, " + cols + " FROM main." + table + " WHERE " + col + " IN temp.sessionguard_kept_hosts", nil},
		{"DELETE FROM main." + table, &cleared},
		{"INSERT INTO main." + table + "(rowid, " + cols + ") SELECT * FROM temp.sessionguard_kept", &putBack},
		{"DROP TABLE temp.sessionguard_kept", nil},
		{"DROP TABLE temp.sessionguard_kept_hosts", nil},
	} {
		r, err := tx.ExecContext(ctx, q.sql)
		if err != nil {
			return 0, classify(err)
		}
		if q.n != nil {
			if *q.n, err = r.RowsAffected(); err != nil {
				return 0, classify(err)
			}
		}
	}
	return int(cleared - putBack), nil
}

// columnList is the quoted, comma-separated columns of table, or "" when
// a row could not be copied aside and back by them: a hidden or generated
// column (table_xinfo lists those), or a column named like the rowid.
func columnList(ctx context.Context, tx *sql.Tx, table string) (string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name, hidden FROM pragma_table_xinfo(?)", table)
	if err != nil {
		return "", classify(err)
	}
	defer rows.Close()
	var names []string
	copyable := true
	for rows.Next() {
		var name string
		var hidden int
		if err := rows.Scan(&name, &hidden); err != nil {
			return "", classify(err)
		}
		switch strings.ToLower(name) {
		case "rowid", "oid", "_rowid_":
			copyable = false
		}
		copyable = copyable && hidden == 0
		names = append(names, `"`+strings.ReplaceAll(name, `"`, `""`)+`"`)
	}
	if err := rows.Err(); err != nil {
		return "", classify(err)
	}
	if !copyable {
		return "", nil
	}
	return strings.Join(names, ", "), nil
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
