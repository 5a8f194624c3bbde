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
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
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

// cookiePartition is the column of an engine's cookie store that holds a
// cookie's partition, and how the partition's top-level site is read from
// it ("" for an unpartitioned cookie): Chromium's CHIPS top_frame_site_key,
// Firefox's originAttributes (partitionKey, or firstPartyDomain).
func cookiePartition(e Engine) (col string, site func(string) string) {
	if e == EngineFirefox {
		return "originAttributes", firefoxPartitionSite
	}
	return "top_frame_site_key", chromiumPartitionSite
}

// querier is a connection or a transaction, asked for one row.
type querier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// partitionExpr is what a query reads for the partition of each cookie:
// the engine's partition column, or an empty string where the store has
// none (an older browser's).
func partitionExpr(ctx context.Context, q querier, e Engine) (string, error) {
	table, _ := cookieTable(e)
	col, _ := cookiePartition(e)
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2 COLLATE NOCASE", table, col).Scan(&n); err != nil {
		return "", classify(err)
	}
	if n == 0 {
		return "''", nil
	}
	return col, nil
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
// A read-only open only reads and gives up quickly on a locked database
// (Firefox holds its store exclusively while it runs); what it sorts stays
// in memory.
func openStore(ctx context.Context, path string, readOnly bool) (*sql.DB, *sql.Conn, error) {
	dsn := path + "?_pragma=busy_timeout(5000)&_txlock=immediate"
	if readOnly {
		dsn = path + "?_pragma=busy_timeout(300)&_pragma=query_only(1)&_pragma=temp_store(2)"
	}
	db, err := sql.Open(storeDriver, dsn)
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
	if err == nil {
		return nil
	}
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

// storedCookie is what clearing needs of a cookie: its row, host and the
// top-level site of its partition ("" when it has none).
type storedCookie struct {
	rowid     int64
	host      string
	partition string
}

func readHosts(ctx context.Context, conn *sql.Conn, e Engine) ([]storedCookie, error) {
	table, col := cookieTable(e)
	part, err := partitionExpr(ctx, conn, e)
	if err != nil {
		return nil, err
	}
	_, partitionSite := cookiePartition(e)
	rows, err := conn.QueryContext(ctx, "SELECT rowid, "+col+", "+part+" FROM "+table)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []storedCookie
	for rows.Next() {
		var c storedCookie
		var host, key sql.NullString
		if err := rows.Scan(&c.rowid, &host, &key); err != nil {
			return nil, classify(err)
		}
		c.host, c.partition = host.String, partitionSite(key.String)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	return out, nil
}

// quickCheck runs SQLite's structural check so a damaged file is reported
// instead of half-cleared.
func quickCheck(ctx context.Context, q querier) error {
	var res string
	if err := q.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
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
	if dryRun {
		return countSelected(ctx, path, e, sel)
	}
	var plans *planner
	if !sel.all() && planBeside() {
		// Opened beside the writer's connection, planning once the
		// writer holds the lock (see deleteSelected).
		plans = startPlanner(ctx, path, e, sel)
		defer plans.wait(true) //nolint:errcheck // ends it: its connection is closed before this returns
	}
	db, conn, err := openStore(ctx, path, false)
	if err != nil {
		return res, err
	}
	defer db.Close()
	defer conn.Close()

	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return res, fmt.Errorf("reading %s: %w", path, classify(err))
	}
	mode = strings.ToLower(mode)
	// temp_store: VACUUM builds the new file in a temporary database,
	// which stays in memory rather than in a file the cookies are written
	// to. These are settings of this connection: the file is not changed
	// by them.
	pragmas := []string{"PRAGMA secure_delete=ON", "PRAGMA temp_store=MEMORY"}
	if mode != "wal" {
		// A persisted rollback journal keeps old pages; TRUNCATE empties
		// it at every commit.
		pragmas = append(pragmas, "PRAGMA journal_mode=TRUNCATE")
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return res, fmt.Errorf("preparing %s: %w", path, classify(err))
		}
	}
	if res, err = deleteSelected(ctx, conn, e, sel, plans); err != nil {
		return res, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM"); err != nil {
		return res, fmt.Errorf("compacting %s: %w", path, classify(err))
	}
	clearStep("vacuumed")
	if mode == "wal" {
		var busy, logFrames, done int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
			return res, fmt.Errorf("checkpointing %s: %w", path, classify(err))
		}
		if busy != 0 {
			return res, fmt.Errorf("checkpointing %s: another program is using the database", path)
		}
		clearStep("checkpointed")
	}
	return res, nil
}

// countSelected is a dry run: it checks the store and counts what a clear
// would remove, read-only.
func countSelected(ctx context.Context, path string, e Engine, sel selector) (clearResult, error) {
	var res clearResult
	// A dry run says what a clear would do: one that could not write the
	// store would fail, so the dry run fails the same way.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return res, fmt.Errorf("opening %s: %w", path, err)
	}
	f.Close()
	db, conn, err := openStore(ctx, path, true)
	if err != nil {
		return res, err
	}
	defer db.Close()
	defer conn.Close()
	if err := quickCheck(ctx, conn); err != nil {
		return res, fmt.Errorf("checking %s: %w", path, err)
	}
	cookies, err := readHosts(ctx, conn, e)
	if err != nil {
		return res, fmt.Errorf("reading %s: %w", path, err)
	}
	res.before = len(cookies)
	for _, c := range cookies {
		if sel.removeCookie(c.host, c.partition) {
			res.removed++
		}
	}
	return res, nil
}

// clearStep marks the steps of a clear: "locked", "checked", "planned",
// "emptied", "put back" and "deleted" inside the write transaction,
// "committed", "vacuumed" and (WAL) "checkpointed" after it; "planning"
// and "replanning" are the planner's (another goroutine), once the writer
// holds the lock. Tests replace it to kill the process at a step (a crash
// anywhere must lose nothing that is kept) or to act while the clear holds
// the lock, and BenchmarkClearSteps to time each step.
var clearStep = func(string) {}

// deleteSelected checks the store and removes the selected cookies in one
// write transaction: BEGIN IMMEDIATE takes the store's write lock first,
// so nobody else can commit until we do, and quick_check and everything
// after it see the state that is changed. Clearing every cookie is one
// DELETE without WHERE: SQLite's truncate shortcut, which frees whole
// pages instead of removing row by row from the table and each of its
// indexes. Keeping some needs a plan (planKeep asks the selector once per
// distinct host), read after quick_check or, given plans, on the
// planner's own read-only connection while quick_check runs on this one
// (see planBeside): with the write lock held that connection
// reads exactly the state this transaction changes (in WAL mode the
// newest commit, which is this transaction's snapshot; with a rollback
// journal our RESERVED lock still lets readers in and keeps writers
// out), or keeps the plan it read ahead of the lock when that state is
// the one it read, and it ends its read before anything is written. The plan is
// then carried out the cheaper of two ways:
//
//   - keeping few: the plan holds the kept rows as they are stored, the
//     table is emptied by the same DELETE as clearing all, and the kept
//     rows are put back with their rowids;
//   - otherwise: the rows of the hosts that go are deleted, found by host
//     (through the table's index where it has one).
//
// A partitioned cookie of a kept host may still go (its partition's site
// is listed, or not kept): the plan lists those rows by rowid
// (partitionedGoing), and either way leaves them out too.
//
// Either way secure_delete overwrites what is freed, the caller's VACUUM
// rebuilds the file, a kept row goes back exactly as it was, and the
// counts must come out as planned or everything is rolled back.
func deleteSelected(ctx context.Context, conn *sql.Conn, e Engine, sel selector, plans *planner) (clearResult, error) {
	var res clearResult
	table, col := cookieTable(e)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("locking: %w", classify(err))
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if plans != nil {
		close(plans.locked)
	}
	clearStep("locked")
	checked := quickCheck(ctx, tx)
	if checked != nil {
		plans.wait(true) //nolint:errcheck // the store is refused either way
		return res, fmt.Errorf("checking: %w", checked)
	}
	clearStep("checked")
	if sel.all() {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&res.before); err != nil {
			return res, fmt.Errorf("counting cookies: %w", classify(err))
		}
		res.removed, err = execCount(ctx, tx, "DELETE FROM "+table)
		clearStep("emptied")
	} else {
		var plan keepPlan
		if plans != nil {
			plan, err = plans.wait(false)
		} else {
			plan, err = planKeep(ctx, tx, e, sel)
		}
		if err != nil {
			return clearResult{before: plan.rows}, fmt.Errorf("planning: %w", err)
		}
		res, err = clearSome(ctx, tx, table, col, plan)
	}
	if err != nil {
		return res, fmt.Errorf("deleting cookies: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("committing: %w", classify(err))
	}
	clearStep("committed")
	return res, nil
}

// planBeside says whether a clear that keeps some cookies reads its plan
// on a planner's connection while quick_check runs, or after it in the
// write transaction: beside only pays with a second CPU to run it on (it
// costs the second connection's open and its own reads of the pages).
var planBeside = func() bool { return runtime.GOMAXPROCS(0) > 1 }

// planner plans a clear that keeps some cookies on a second, read-only
// connection to the store, so that the plan is read while the writer's
// connection opens, takes its lock and runs quick_check (see
// deleteSelected). The connection is opened at once, beside the
// writer's, and the plan read at once too, ahead of the writer's lock;
// once locked is closed it is kept if nobody has committed to the store
// since, or read again (see run). The plan is handed over as soon as its
// reads are over, and the connection closed after it.
type planner struct {
	locked chan struct{} // closed when the writer holds the write lock
	cancel context.CancelFunc
	ready  chan struct{} // closed when plan and err are set: the planner reads no more
	done   chan struct{} // closed when its connection is closed too
	plan   keepPlan
	err    error
}

func startPlanner(ctx context.Context, path string, e Engine, sel selector) *planner {
	ctx, cancel := context.WithCancel(ctx)
	p := &planner{locked: make(chan struct{}), cancel: cancel, ready: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		db, conn, err := openStore(ctx, path, true)
		if err != nil {
			p.err = err
			close(p.ready)
			return
		}
		p.plan, p.err = p.run(ctx, conn, e, sel)
		close(p.ready)
		conn.Close()
		db.Close()
	}()
	return p
}

// run reads the plan ahead and, once the writer holds the lock, keeps it
// only if the store is still as it was read: PRAGMA data_version, read in
// the plan's own read transaction and again under the lock, differs
// exactly when another connection has committed in between (its
// documented use). Otherwise (a commit in between, or the read ahead
// failed) the plan is read again, under the lock.
func (p *planner) run(ctx context.Context, conn *sql.Conn, e Engine, sel selector) (keepPlan, error) {
	ahead, version, aheadErr := readPlan(ctx, conn, e, sel)
	select {
	case <-p.locked:
	case <-ctx.Done():
		return keepPlan{}, ctx.Err()
	}
	clearStep("planning")
	if aheadErr == nil {
		var now int64
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&now); err != nil {
			return keepPlan{}, classify(err)
		}
		if now == version {
			return ahead, nil
		}
	}
	clearStep("replanning")
	plan, _, err := readPlan(ctx, conn, e, sel)
	return plan, err
}

// readPlan reads a plan in one read transaction, and the store's
// data_version in that transaction's snapshot.
func readPlan(ctx context.Context, conn *sql.Conn, e Engine, sel selector) (keepPlan, int64, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // a deferred BEGIN
	if err != nil {
		return keepPlan{}, 0, classify(err)
	}
	defer tx.Rollback() //nolint:errcheck // it only read
	// The transaction's first read: it takes the snapshot.
	var version int64
	if err := tx.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
		return keepPlan{}, 0, classify(err)
	}
	plan, err := planKeep(ctx, tx, e, sel)
	return plan, version, err
}

// wait returns the plan once it is read; stop cancels whatever the
// planner is still doing and returns only when its connection is closed
// too. A nil planner has nothing to wait for.
func (p *planner) wait(stop bool) (keepPlan, error) {
	if p == nil {
		return keepPlan{}, nil
	}
	if stop {
		p.cancel()
		<-p.done
	}
	<-p.ready
	return p.plan, p.err
}

// clearSome removes the cookies the plan says go, in the caller's
// transaction (which holds the write lock the plan was read under).
func clearSome(ctx context.Context, tx *sql.Tx, table, col string, plan keepPlan) (clearResult, error) {
	res := clearResult{before: plan.rows}
	var err error
	clearStep("planned")
	switch {
	case plan.nothingGoes():
		return res, nil
	case len(plan.keep) == 0:
		res.removed, err = execCount(ctx, tx, "DELETE FROM "+table)
	default:
		if plan.copyAside {
			res.removed, err = clearKeeping(ctx, tx, table, plan)
			break
		}
		deleteWhere := func(in string, args []any) (int, error) {
			return execCount(ctx, tx, "DELETE FROM "+table+" WHERE "+in, args...)
		}
		res.removed, err = forHosts(col, plan.gone, deleteWhere)
		if err == nil {
			var partitioned int
			partitioned, err = forRowids(plan.partitionedGone, deleteWhere)
			res.removed += partitioned
			if err == nil && partitioned != len(plan.partitionedGone) {
				err = fmt.Errorf("%w: planned to remove %d partitioned cookies, removed %d", ErrDamaged, len(plan.partitionedGone), partitioned)
			}
		}
		if err == nil {
			// Every row left is one the plan keeps.
			var left int
			if err = tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&left); err != nil {
				err = classify(err)
			} else if left != plan.stays() {
				err = fmt.Errorf("%w: planned to keep %d cookies, %d left", ErrDamaged, plan.stays(), left)
			}
		}
		clearStep("deleted")
	}
	if err == nil && res.removed != plan.rows-plan.stays() {
		// Cannot happen under the write lock; if it did, roll back.
		err = fmt.Errorf("%w: planned to keep %d of %d cookies, removed %d", ErrDamaged, plan.stays(), plan.rows, res.removed)
	}
	return res, err
}

// execCount runs a statement and returns the rows it changed.
func execCount(ctx context.Context, tx *sql.Tx, q string, args ...any) (int, error) {
	r, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, classify(err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, classify(err)
	}
	return int(n), nil
}

// copyAsideMaxShare is the largest share of a store's cookies kept by
// reading them into the plan and clearing the table; past it, deleting the
// rows of the hosts that go is cheaper (BenchmarkClearKeepShare measures
// the cross-over: 10,000 cookies, kept rows read and put back one by one,
// between 10 and 15 %).
var copyAsideMaxShare = 0.1

// keepPlan is how clearSome clears a store that keeps some cookies.
type keepPlan struct {
	rows, kept int      // cookies in the store, and those of them that stay (-1: not yet counted)
	keep, gone []any    // the distinct hosts whose cookies stay / go, as stored
	copyAside  bool     // the kept rows are in keptRows: empty the table and put them back
	maxKept    int      // the most kept rows copied aside
	cols       []string // the table's columns, for copying aside
	keptRowids []int64  // the kept rows' rowids, when the scan found them (see scanHosts)
	// unread are the cookies whose host was not read (see scanCandidates):
	// they go, their hosts are not in gone, and only copying aside removes
	// them.
	unread   int
	keptRows [][]any // with copyAside, the kept rows as stored: rowid, then cols
	// partitioned are the kept hosts the scan saw with a partition (see
	// scanHosts); partitionedGone the rowids of partitioned cookies that
	// go though their host stays (see partitionedGoing): rows of kept
	// hosts, counted in kept and read into keptRows, that clearing
	// removes too.
	partitioned     []any
	partitionedGone []int64
}

// stays is how many cookies remain after the plan is carried out.
func (p keepPlan) stays() int { return p.kept - len(p.partitionedGone) }

// nothingGoes reports whether the plan keeps every cookie.
func (p keepPlan) nothingGoes() bool {
	return len(p.gone) == 0 && p.unread == 0 && len(p.partitionedGone) == 0
}

// planKeep reads the distinct hosts of the store and asks the selector
// once per host which stay (each exact stored value on its own: ".Zoom.us"
// and "zoom.us", or a TEXT and a BLOB host, are asked separately and
// matched back exactly, so no host is decided for another). Copying aside
// is planned when the share allows it and nothing stands in the way of
// emptying the table wholesale: a trigger on the table (the truncate
// shortcut is off, and putting rows back would fire inserts), or a column
// copying could not carry (see copyColumns). Where an index leads with the
// host, the distinct hosts are read from it in order and the kept rows
// counted by a few index seeks. Where none does (Firefox's), SELECT
// DISTINCT would sort every row's host into a temporary b-tree; instead
// one scan (scanHosts) hands every row's host to Go, which tells the
// hosts apart, and returns the rowids of the kept rows: they are counted
// here, and read by rowid rather than by scanning the table again. A
// store where that scan meets a numeric host (only a column without TEXT
// affinity holds one) is planned by SELECT DISTINCT, and its kept rows
// counted as they are read (one pass, not two), or here when they are
// not. Copying aside, the plan reads the kept rows themselves (readKept),
// so that the writer only empties the table and puts them back. Last, the
// rows with a partition of the kept hosts are read (partitionedGoing) and
// those that go though their host stays listed (kept counts them, stays
// does not): the scan notes which kept hosts have such rows, so a store
// without any costs no more reads; otherwise they are found through the
// host's index when fewer hosts stay than go, or by reading every row.
func planKeep(ctx context.Context, tx *sql.Tx, e Engine, sel selector) (keepPlan, error) {
	plan, err := planKeepBy(ctx, tx, e, sel, searchable(sel))
	if errors.Is(err, errHostsUnread) {
		plan, err = planKeepBy(ctx, tx, e, sel, false)
	}
	return plan, err
}

// errHostsUnread is planKeepBy's when it searched the store for the kept
// sites (scanCandidates) and the plan cannot copy the kept rows aside:
// removing the rest by host needs every host read.
var errHostsUnread = errors.New("the hosts that go were not read")

// planKeepBy is planKeep, with the hosts searched for the kept sites
// (scanCandidates) where search allows and no index leads with the host.
func planKeepBy(ctx context.Context, tx *sql.Tx, e Engine, sel selector, search bool) (keepPlan, error) {
	table, col := cookieTable(e)
	plan := keepPlan{kept: -1}
	// Hosts are matched back by value; only UTF-8 text comes back from Go
	// byte for byte (browsers write UTF-8).
	var enc string
	if err := tx.QueryRowContext(ctx, "PRAGMA encoding").Scan(&enc); err != nil {
		return plan, classify(err)
	}
	if enc != "UTF-8" {
		return plan, fmt.Errorf("%w: text encoding %s, not a browser's UTF-8", ErrSchema, enc)
	}
	indexed, err := hostIndexed(ctx, tx, table, col)
	if err != nil {
		return plan, err
	}
	part, err := partitionExpr(ctx, tx, e)
	if err != nil {
		return plan, err
	}
	scanned := false
	if !indexed && search {
		if scanned, err = scanCandidates(ctx, tx, table, col, part, sel, &plan); err != nil {
			return plan, err
		}
	}
	if !indexed && !scanned {
		if scanned, err = scanHosts(ctx, tx, table, col, part, sel, &plan); err != nil {
			return plan, err
		}
	}
	if !scanned {
		if err := distinctHosts(ctx, tx, table, col, sel, &plan); err != nil {
			return plan, err
		}
	}
	// The partitioned rows of kept hosts: of the hosts the scan saw with
	// one, or of the kept hosts through the host's index when fewer stay
	// than go, or else of every host (nil).
	var hosts []any
	look := true
	switch {
	case scanned:
		hosts, look = plan.partitioned, len(plan.partitioned) > 0
	case len(plan.keep) == 0:
		look = false
	case indexed && len(plan.keep) <= len(plan.gone):
		hosts = plan.keep
	}
	if look {
		if plan.partitionedGone, err = partitionedGoing(ctx, tx, e, part, sel, hosts); err != nil {
			return plan, err
		}
	}
	switch {
	case plan.nothingGoes():
		plan.kept = plan.rows
		return plan, nil
	case len(plan.keep) == 0:
		plan.kept = 0
		return plan, nil
	}
	if plan.maxKept = int(copyAsideMaxShare * float64(plan.rows)); plan.maxKept > 0 {
		if plan.cols, err = copyColumns(ctx, tx, table); err != nil {
			return plan, err
		}
		plan.copyAside = plan.cols != nil
	}
	switch {
	case scanned:
		// Counted by the scan.
	case !plan.copyAside || indexed:
		// Counting is a few index seeks, or needed anyway.
		if plan.kept, err = countKept(ctx, tx, table, col, plan); err != nil {
			return plan, err
		}
	}
	plan.copyAside = plan.copyAside && plan.kept <= plan.maxKept
	if plan.unread > 0 && !plan.copyAside {
		return plan, errHostsUnread
	}
	if plan.copyAside {
		if err := readKept(ctx, tx, table, col, &plan); err != nil {
			return plan, err
		}
	}
	if plan.kept < 0 {
		// More stay than copying aside pays for.
		plan.kept, err = countKept(ctx, tx, table, col, plan)
	}
	return plan, err
}

// readKept reads the kept rows into plan.keptRows, every value as it is
// stored (read as +column, which has no declared type for the driver to
// convert by, and an empty BLOB kept apart from NULL): by the rowids the
// scan found, when it did, and then each row must hold one of the kept
// hosts and none be missing; otherwise by host, and more than maxKept of
// them (when they were not counted) means they are not copied aside.
func readKept(ctx context.Context, tx *sql.Tx, table, col string, plan *keepPlan) error {
	query := "SELECT rowid, +" + strings.Join(quoteNames(plan.cols), ", +") + " FROM " + table + " WHERE "
	limit := " LIMIT " + strconv.Itoa(plan.maxKept+1) // one more tells it is too many
	plan.keptRows = nil
	read := func(in string, args []any) (int, error) {
		rows, err := tx.QueryContext(ctx, query+in+limit, args...)
		if err != nil {
			return 0, classify(err)
		}
		defer rows.Close()
		for rows.Next() && len(plan.keptRows) <= plan.maxKept {
			row := make([]any, len(plan.cols)+1)
			dest := make([]any, len(row))
			for i := range row {
				dest[i] = &row[i]
			}
			if err := rows.Scan(dest...); err != nil {
				return 0, classify(err)
			}
			for i, v := range row {
				if b, isBlob := v.([]byte); isBlob && b == nil {
					row[i] = []byte{} // the driver reads an empty BLOB as nil, and would write nil as NULL
				}
			}
			plan.keptRows = append(plan.keptRows, row)
		}
		return 0, classify(rows.Err())
	}
	if plan.keptRowids != nil {
		if _, err := forRowids(plan.keptRowids, read); err != nil {
			return err
		}
		if err := keptHostsOnly(plan, col); err != nil {
			return err
		}
	} else if _, err := forHosts(col, plan.keep, read); err != nil {
		return err
	}
	switch n := len(plan.keptRows); {
	case n > plan.maxKept:
		plan.copyAside, plan.keptRows = false, nil
	case plan.kept >= 0 && n != plan.kept:
		return fmt.Errorf("%w: planned to keep %d cookies, read %d", ErrDamaged, plan.kept, n)
	default:
		plan.kept = n
	}
	return nil
}

// keptHostsOnly checks that every kept row read by rowid holds one of the
// plan's kept hosts, told apart as the scan tells them (storageKey).
func keptHostsOnly(plan *keepPlan, col string) error {
	at := slices.IndexFunc(plan.cols, func(c string) bool { return strings.EqualFold(c, col) }) + 1
	kept := map[string]bool{}
	for _, h := range plan.keep {
		if k, ok := storageKey(h); ok {
			kept[k] = true
		}
	}
	for _, row := range plan.keptRows {
		if k, ok := storageKey(row[at]); !ok || !kept[k] {
			return fmt.Errorf("%w: kept rowid %v holds a host that goes", ErrDamaged, row[0])
		}
	}
	return nil
}

// storageKey is a host as a scan tells hosts apart: by storage class
// (TEXT, BLOB or NULL) and bytes; false for a number, which no scan keeps.
func storageKey(h any) (string, bool) {
	switch h := h.(type) {
	case string:
		return "text " + h, true
	case []byte:
		return "blob " + string(h), true
	case nil:
		return "null", true
	}
	return "", false
}

// distinctHosts reads the rows of the store and its distinct hosts into
// plan, each host asked of sel once.
func distinctHosts(ctx context.Context, tx *sql.Tx, table, col string, sel selector, plan *keepPlan) error {
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&plan.rows); err != nil {
		return classify(err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT "+col+" COLLATE BINARY FROM "+table)
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var host any
		if err := rows.Scan(&host); err != nil {
			return classify(err)
		}
		if sel.remove(hostString(host)) {
			plan.gone = append(plan.gone, host)
		} else {
			plan.keep = append(plan.keep, host)
		}
	}
	return classify(rows.Err())
}

// storeDriver is the driver every connection to a cookie store is opened
// with: modernc's SQLite, with hostStaysFunc defined on its connections
// alone.
const storeDriver = "sessionguard-sqlite"

// hostStaysFunc is the SQL function scanHosts reads the store with:
// hostStaysFunc(scan, host, partition) hands a row's host to the hostScan
// registered as scan and returns whether the row stays by its host; the
// scan notes a kept host whose row has a partition. A scalar function: SQLite
// calls an aggregate's step through more of the driver's bookkeeping.
const hostStaysFunc = "sessionguard_host_stays"

// storeSQLite is the driver registered as storeDriver (by init).
var storeSQLite = &sqlite.Driver{}

func init() {
	storeSQLite.MustRegisterFunction(hostStaysFunc, &sqlite.FunctionImpl{
		NArgs: 3,
		// The host is read in place; hostStays copies it before keeping it.
		VolatileArgs: true,
		Scalar:       hostStays,
	})
	sql.Register(storeDriver, storeSQLite)
}

// hostScans are the scans under way, each under the number its query
// names; hostScanLatest is the one begun last (found without the lock
// when clears do not overlap).
var (
	hostScans      scanRegistry
	hostScanLatest atomic.Pointer[hostScan]
)

// scanRegistry numbers the scans under way with the smallest numbers
// free, from 1. The number is an argument of every row's call of
// hostStaysFunc, and the driver boxes it into an interface for each
// call: Go boxes an integer below 256 without allocating, and a counter
// that only grew would pass 255 in a long-lived process (the tray clears
// after every session) and cost an allocation a row from then on.
type scanRegistry struct {
	mu    sync.Mutex
	scans []*hostScan // scans[i] is numbered i+1; nil is free
}

// add gives s the smallest free number and registers it under it.
func (r *scanRegistry) add(s *hostScan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.Index(r.scans, nil)
	if i < 0 {
		i = len(r.scans)
		r.scans = append(r.scans, nil)
	}
	r.scans[i] = s
	s.id = int64(i + 1)
}

// remove frees s's number.
func (r *scanRegistry) remove(s *hostScan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := s.id - 1; i >= 0 && i < int64(len(r.scans)) && r.scans[i] == s {
		r.scans[i] = nil
	}
}

// find returns the scan numbered id, or nil.
func (r *scanRegistry) find(id int64) *hostScan {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id < 1 || id > int64(len(r.scans)) {
		return nil
	}
	return r.scans[id-1]
}

// hostScan is what scanHosts gathers of a store: each distinct host,
// whether it stays, and the rows read. Hosts are told apart as SQLite
// does under BINARY collation: by storage class (TEXT, BLOB or NULL) and
// exact bytes.
type hostScan struct {
	id         int64
	sel        selector
	text, blob map[string]bool // whether the rows of a host stay
	null       int             // NULL: 0 not seen, 1 stays, 2 goes
	keep, gone []any
	rows       int
	numeric    bool // a host was an INTEGER or REAL: the scan does not count
	// partitioned are the kept hosts seen in a row with a partition, as
	// stored, told apart by storageKey in partitionedSeen.
	partitioned     []any
	partitionedSeen map[string]bool
}

// newHostScan is an empty scan asking sel.
func newHostScan(sel selector) *hostScan {
	return &hostScan{sel: sel, text: map[string]bool{}, blob: map[string]bool{}, partitionedSeen: map[string]bool{}}
}

func hostStays(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	s := hostScanLatest.Load()
	if id, _ := args[0].(int64); s == nil || s.id != id {
		if s = hostScans.find(id); s == nil {
			return nil, fmt.Errorf("%s: no scan %v", hostStaysFunc, args[0])
		}
	}
	if s.see(args[1], args[2]) {
		return int64(1), nil
	}
	return int64(0), nil
}

// see counts a row of host (in SQLite's memory, read in place: copied
// before it is kept) with partition, decides its host the first time it
// is seen, and returns whether the row stays by its host.
func (s *hostScan) see(host, partition any) bool {
	s.rows++
	var stays, seen bool
	switch h := host.(type) {
	case string:
		if stays, seen = s.text[h]; !seen {
			h = strings.Clone(h)
			stays = s.decide(h, h)
			s.text[h] = stays
		}
	case []byte:
		if stays, seen = s.blob[string(h)]; !seen {
			stays = s.decide(slices.Clone(h), string(h))
			s.blob[string(h)] = stays
		}
	case nil:
		if s.null == 0 {
			s.null = 2
			if s.decide(nil, "") {
				s.null = 1
			}
		}
		stays = s.null == 1
	default:
		s.numeric = true
	}
	if stays && hasPartition(partition) {
		s.notePartitioned(host)
	}
	return stays
}

// notePartitioned lists a kept host (in SQLite's memory: copied) seen in a
// row with a partition, once.
func (s *hostScan) notePartitioned(host any) {
	k, _ := storageKey(host) // a copy
	if s.partitionedSeen[k] {
		return
	}
	s.partitionedSeen[k] = true
	switch h := host.(type) {
	case string:
		host = strings.Clone(h)
	case []byte:
		host = slices.Clone(h)
	}
	s.partitioned = append(s.partitioned, host)
}

// decide asks the selector about a host seen for the first time, as
// stored and as the selector reads it, and lists it.
func (s *hostScan) decide(stored any, host string) bool {
	if s.sel.remove(host) {
		s.gone = append(s.gone, stored)
		return false
	}
	s.keep = append(s.keep, stored)
	return true
}

// scanHosts reads every row's host in one scan (of the smallest index
// that holds the host, or the table) into plan: the rows, the distinct
// hosts each asked of sel once, and the rowids of the rows that stay.
// The rows asked about are the plan's rows, with no count(*) of their
// own: clearing checks them against the table it changes (what emptying
// the table removed, or the rows left after deleting by host) and rolls
// back if a row was missed or asked about twice. It reports false, and
// leaves plan as it was, if a host is an INTEGER or REAL: SQLite compares
// those by number (7 = 7.0), which hostScan does not.
func scanHosts(ctx context.Context, tx *sql.Tx, table, col, part string, sel selector, plan *keepPlan) (bool, error) {
	scan := newHostScan(sel)
	hostScans.add(scan)
	hostScanLatest.Store(scan)
	defer func() {
		hostScanLatest.CompareAndSwap(scan, nil)
		hostScans.remove(scan)
	}()
	kept, err := tx.QueryContext(ctx, "SELECT rowid FROM "+table+" WHERE "+hostStaysFunc+"(?1, "+col+", "+part+")", scan.id) //nolint:gosec // table, col and part are this package's names (cookieTable, partitionExpr), never read from the store
	if err != nil {
		return false, classify(err)
	}
	defer kept.Close()
	var rowids []int64
	rowidsOK := true
	for kept.Next() {
		var rowid any
		if err := kept.Scan(&rowid); err != nil {
			return false, classify(err)
		}
		r, ok := rowid.(int64)
		rowidsOK = rowidsOK && ok // not, under a column named "rowid"
		rowids = append(rowids, r)
	}
	if err := kept.Err(); err != nil {
		return false, classify(err)
	}
	if scan.numeric {
		return false, nil
	}
	plan.rows, plan.keep, plan.gone, plan.kept = scan.rows, scan.keep, scan.gone, len(rowids)
	plan.partitioned = scan.partitioned
	if rowidsOK {
		plan.keptRowids = rowids
	}
	return true, nil
}

// searchedSites is the most kept sites scanCandidates searches a store
// for: each costs SQLite a search of every row's host. BenchmarkPlanScan,
// 10,000 cookies: searching for one site 0.8–1.4 ms, two 1.4, three 1.9,
// four 2.5, against scanHosts' 2.0 ms whatever the sites; and scanHosts
// allocates 275 KB (a string a row) that searching does not (5–10 KB).
const searchedSites = 3

// searchable reports whether a plan may be read by scanCandidates: the
// selector keeps a few sites and lists none (a domain list keeps every
// host it does not list, whatever the host holds).
func searchable(sel selector) bool {
	return len(sel.domains) == 0 && len(sel.keep) > 0 && len(sel.keep) <= searchedSites
}

// scanCandidates reads into plan what scanHosts does, for a selector that
// only keeps a few sites (searchable), without handing every row's host
// to Go: SQLite searches each host for each kept site's name (instr, byte
// for byte, which is how keptBy reads a host: no host keptBy keeps lacks
// the name), only the rows that hold one are read and decided, and the
// rows are counted. Every row not read goes; they are counted in
// plan.unread, whose hosts are not listed in plan.gone: such a plan can
// only be carried out by copying the kept rows aside (planKeep reads the
// plan again by scanHosts otherwise). It reports false, and leaves plan
// as it was, where scanHosts would, or when a rowid is not a number (the
// table has a column named rowid).
func scanCandidates(ctx context.Context, tx *sql.Tx, table, col, part string, sel selector, plan *keepPlan) (bool, error) {
	scan := newHostScan(sel)
	search := make([]string, len(sel.keep))
	args := make([]any, len(sel.keep))
	for i, d := range sel.keep {
		search[i] = "instr(" + col + ", ?" + strconv.Itoa(i+1) + ")"
		args[i] = d
	}
	rows, err := tx.QueryContext(ctx, "SELECT rowid, "+col+", "+part+" FROM "+table+" WHERE "+strings.Join(search, " OR "), args...) //nolint:gosec // table, col and part are this package's names (cookieTable, partitionExpr), never read from the store
	if err != nil {
		return false, classify(err)
	}
	defer rows.Close()
	var rowids []int64
	for rows.Next() {
		var rowid, host, partition any
		if err := rows.Scan(&rowid, &host, &partition); err != nil {
			return false, classify(err)
		}
		r, ok := rowid.(int64)
		if !ok {
			return false, nil
		}
		if scan.see(host, partition) {
			rowids = append(rowids, r)
		}
	}
	if err := rows.Err(); err != nil {
		return false, classify(err)
	}
	if scan.numeric {
		return false, nil
	}
	var count int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&count); err != nil {
		return false, classify(err)
	}
	plan.rows, plan.unread, plan.keep, plan.gone, plan.kept = count, count-scan.rows, scan.keep, scan.gone, len(rowids)
	plan.partitioned, plan.keptRowids = scan.partitioned, rowids
	return true, nil
}

// partitionedGoing lists the rowids of the partitioned cookies that go
// though the selector keeps their host (a bank's cookie set in a frame on
// zoom.us's page, clearing zoom.us or keeping only the bank): planning by
// host decides for the host alone, which keeps such a row and never
// removes one that should stay (see selector.remove). It reads the rows
// with a partition (part, see partitionExpr) of the given hosts, or of
// every host when hosts is nil; none in a store without the partition
// column.
func partitionedGoing(ctx context.Context, tx *sql.Tx, e Engine, part string, sel selector, hosts []any) ([]int64, error) {
	if part == "''" {
		return nil, nil
	}
	table, col := cookieTable(e)
	_, partitionSite := cookiePartition(e)
	var gone []int64
	read := func(in string, args []any) (int, error) {
		rows, err := tx.QueryContext(ctx, "SELECT rowid, "+col+", "+part+" FROM "+table+" WHERE "+in+" AND "+part+" <> ''", args...) //nolint:gosec // names from cookieTable and partitionExpr; the hosts are bound arguments
		if err != nil {
			return 0, classify(err)
		}
		defer rows.Close()
		for rows.Next() {
			var rowid, host, key any
			if err := rows.Scan(&rowid, &host, &key); err != nil {
				return 0, classify(err)
			}
			h := hostString(host)
			if sel.remove(h) || !sel.removeCookie(h, partitionSite(hostString(key))) {
				continue
			}
			id, ok := rowid.(int64)
			if !ok { // a column named "rowid"
				return 0, fmt.Errorf("%w: %s has a column named rowid", ErrSchema, table)
			}
			gone = append(gone, id)
		}
		return 0, classify(rows.Err())
	}
	var err error
	if hosts == nil {
		_, err = read("1", nil)
	} else {
		_, err = forHosts(col, hosts, read)
	}
	return gone, err
}

// hasPartition reports whether a partition column value is other than
// the empty string, as SQL's comparison tells (NULL is not).
func hasPartition(v any) bool { return v != nil && v != "" }

// hostIndexed reports whether an index of table leads with the host
// column col, so that counting the rows of some hosts takes a few index
// seeks rather than a scan of the table.
func hostIndexed(ctx context.Context, tx *sql.Tx, table, col string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pragma_index_list(?1) AS l, pragma_index_info(l.name) AS i WHERE i.seqno = 0 AND i.name = ?2 COLLATE NOCASE", table, col).Scan(&n)
	return n > 0, classify(err)
}

// countKept counts the rows of the plan's kept hosts, by the shorter list
// of hosts.
func countKept(ctx context.Context, tx *sql.Tx, table, col string, plan keepPlan) (int, error) {
	count := func(in string, args []any) (int, error) {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE "+in, args...).Scan(&n); err != nil {
			return 0, classify(err)
		}
		return n, nil
	}
	if len(plan.keep) <= len(plan.gone) {
		return forHosts(col, plan.keep, count)
	}
	gone, err := forHosts(col, plan.gone, count)
	return plan.rows - gone, err
}

// hostChunk is the most hosts, or rowids, one statement names (SQLite
// allows 32,766 parameters; a browser keeps at most ~3,300 cookies).
var hostChunk = 10000

// forHosts calls f with the condition that col holds one of hosts (exact
// stored values, compared byte for byte) and its arguments, once per chunk
// of hosts, and once more for NULL if nil is among them (on its own, so
// that an IN list can still use the table's index), and sums what f
// returns.
func forHosts(col string, hosts []any, f func(in string, args []any) (int, error)) (int, error) {
	values := make([]any, 0, len(hosts))
	null := false
	for _, h := range hosts {
		if h == nil {
			null = true
		} else {
			values = append(values, h)
		}
	}
	total, err := forChunks(col+" COLLATE BINARY", values, f)
	if err == nil && null {
		var n int
		n, err = f(col+" IS NULL", nil)
		total += n
	}
	return total, err
}

// forChunks calls f with the condition that expr is one of values, and
// those values, once per hostChunk of them, and sums what f returns.
func forChunks(expr string, values []any, f func(in string, args []any) (int, error)) (int, error) {
	total := 0
	for len(values) > 0 {
		chunk := values[:min(len(values), hostChunk)]
		values = values[len(chunk):]
		n, err := f(expr+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+")", chunk)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
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

// clearKeeping empties table and puts back the kept rows the plan read,
// with their rowids, in the caller's transaction (which holds the write
// lock the plan was read under), and returns how many rows went. The
// table must have held the rows the plan counted, and every kept row must
// go back.
func clearKeeping(ctx context.Context, tx *sql.Tx, table string, plan keepPlan) (int, error) {
	cleared, err := execCount(ctx, tx, "DELETE FROM main."+table)
	if err != nil {
		return 0, err
	}
	if cleared != plan.rows {
		return 0, fmt.Errorf("%w: planned for %d cookies, the table held %d", ErrDamaged, plan.rows, cleared)
	}
	clearStep("emptied")
	// One statement, prepared once, puts every row back.
	put, err := tx.PrepareContext(ctx, "INSERT INTO main."+table+"(rowid, "+strings.Join(quoteNames(plan.cols), ", ")+") VALUES ("+
		strings.TrimSuffix(strings.Repeat("?,", len(plan.cols)+1), ",")+")")
	if err != nil {
		return 0, classify(err)
	}
	defer put.Close()
	putBack := 0
	partitionedGone := make(map[int64]bool, len(plan.partitionedGone))
	for _, id := range plan.partitionedGone {
		partitionedGone[id] = true
	}
	for _, row := range plan.keptRows {
		if id, ok := row[0].(int64); ok && partitionedGone[id] {
			continue
		}
		r, err := put.ExecContext(ctx, row...)
		if err != nil {
			return 0, classify(err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return 0, classify(err)
		}
		putBack += int(n)
	}
	if putBack != plan.stays() {
		return 0, fmt.Errorf("%w: planned to keep %d cookies, put back %d", ErrDamaged, plan.stays(), putBack)
	}
	clearStep("put back")
	return cleared - putBack, nil
}

// forRowids calls f with the condition that the rowid is one of rowids,
// and its arguments, once per hostChunk of them, and sums what f returns.
func forRowids(rowids []int64, f func(in string, args []any) (int, error)) (int, error) {
	args := make([]any, len(rowids))
	for i, r := range rowids {
		args[i] = r
	}
	return forChunks("rowid", args, f)
}

// copyColumns is the columns of table, or nil when its rows cannot be
// copied aside and back by them: a hidden or generated
// column (table_xinfo lists those), a column named like the rowid, or a
// trigger on the table.
func copyColumns(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name, hidden, (SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?1 COLLATE NOCASE) FROM pragma_table_xinfo(?1)", table)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var names []string
	copyable := true
	for rows.Next() {
		var name string
		var hidden, triggers int
		if err := rows.Scan(&name, &hidden, &triggers); err != nil {
			return nil, classify(err)
		}
		switch strings.ToLower(name) {
		case "rowid", "oid", "_rowid_":
			copyable = false
		}
		copyable = copyable && hidden == 0 && triggers == 0
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	if !copyable {
		return nil, nil
	}
	return names, nil
}

// quoteNames quotes SQL identifiers.
func quoteNames(names []string) []string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
	}
	return quoted
}
