package browsers

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// planStores are the stores the tests of the concurrent plan use: a
// rollback journal (the plan reads beside our RESERVED lock) and WAL (the
// plan reads the newest commit), with and without an index on the host.
var planStores = []struct {
	engine Engine
	mode   string
}{{EngineChromium, "delete"}, {EngineChromium, "wal"}, {EngineFirefox, "wal"}, {EngineFirefox, "delete"}}

// withClearStep runs f with clearStep set to step (safe to call from the
// planner's goroutine too) and puts the old one back.
func withClearStep(step func(string), f func()) {
	defer func(old func(string)) { clearStep = old }(clearStep)
	clearStep = step
	f()
}

// insertSQL adds a cookie to e's table.
func insertSQL(e Engine, host, name, value string) string {
	if e == EngineFirefox {
		return fmt.Sprintf("INSERT INTO moz_cookies(host, name, value) VALUES('%s', '%s', '%s')", host, name, value)
	}
	return fmt.Sprintf("INSERT INTO cookies(creation_utc, host_key, name, value) VALUES(0, '%s', '%s', '%s')", host, name, value)
}

// TestClearPlansWhatItLocked has a browser connection hold the store's
// write lock with changes not yet committed (a new cookie that goes, one
// of a new kept host, one kept cookie deleted and another renewed) when a clear keeping some
// sites starts, and commit them 200 ms later. The clear waits for the
// lock, nobody else can write while it plans and deletes, and the plan
// (read on the planner's own connection, ahead of the browser's commit,
// and read again once the clear holds the lock) is that of the committed
// changes: the rows left are exactly those the selector keeps of the
// store as the browser left it, every way of keeping.
func TestClearPlansWhatItLocked(t *testing.T) {
	cookies := append([]fakeCookie{}, sampleCookies...)
	for i := range 300 {
		cookies = append(cookies, fakeCookie{fmt.Sprintf("w%d.site%d.example", i, i%40), fmt.Sprintf("n%d", i), fmt.Sprintf("VALUEsite%04d-0123456789", i)})
	}
	sel := selector{keep: []string{"mybank.co.uk", "site7.example"}}
	for _, st := range planStores {
		table, _ := cookieTable(st.engine)
		browserWrites := []string{
			insertSQL(st.engine, "late.example", "lategone", "VALUElategone0123456789"),
			insertSQL(st.engine, "late.mybank.co.uk", "latekept", "VALUElatekept0123456789"),
			"DELETE FROM " + table + " WHERE name = 'n7'",                                      // a kept cookie (site7)
			"UPDATE " + table + " SET value = 'VALUEbankrenewed0123456789' WHERE name = 'n47'", // another (site7)
		}
		for _, way := range keepWays {
			t.Run(fmt.Sprintf("%s %s %v", st.engine, st.mode, way), func(t *testing.T) {
				dir := t.TempDir()
				path, ref := filepath.Join(dir, "Cookies"), filepath.Join(dir, "Reference")
				writeCookieDB(t, path, st.engine, st.mode, cookies)
				writeCookieDB(t, ref, st.engine, st.mode, cookies)
				execAll(t, ref, browserWrites...)
				kept, gone := keptAndGone(t, ref, st.engine, sel)
				rows := len(tableRows(t, ref, table))

				browser, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
				if err != nil {
					t.Fatal(err)
				}
				defer browser.Close()
				bc, err := browser.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				defer bc.Close()
				for _, q := range append([]string{"BEGIN IMMEDIATE"}, browserWrites...) {
					if _, err := bc.ExecContext(t.Context(), q); err != nil {
						t.Fatal(err)
					}
				}

				var mu sync.Mutex
				var steps []string
				var lockedAt time.Time
				var othersBlocked error
				step := func(s string) {
					mu.Lock()
					defer mu.Unlock()
					steps = append(steps, s)
					if s == "locked" || s == "planned" {
						lockedAt = time.Now()
						// Another writer must find the store locked.
						othersBlocked = errors.Join(othersBlocked, tryWrite(path, st.engine))
					}
				}
				type outcome struct {
					res clearResult
					err error
				}
				done := make(chan outcome, 1)
				// The way's settings stay until the clear has returned.
				withClearStep(step, func() {
					way.run(func() {
						go func() {
							res, err := clearStore(t.Context(), path, st.engine, sel, false)
							done <- outcome{res, err}
						}()
						time.Sleep(200 * time.Millisecond)
						mu.Lock()
						early := slices.Clone(steps)
						mu.Unlock()
						if len(early) > 0 {
							t.Errorf("the clear went on while the browser held the write lock: %q", early)
						}
						committed := time.Now()
						if _, err := bc.ExecContext(t.Context(), "COMMIT"); err != nil {
							t.Fatal(err)
						}
						out := <-done
						if out.err != nil {
							t.Fatal(out.err)
						}
						if lockedAt.Before(committed) {
							t.Error("the clear took the lock before the browser committed")
						}
						if out.res != (clearResult{before: rows, removed: rows - len(kept)}) {
							t.Errorf("clear counted %+v, the store as committed holds %d of which %d stay", out.res, rows, len(kept))
						}
					})
				})
				if othersBlocked != nil {
					t.Errorf("another connection could write while the clear held the lock: %v", othersBlocked)
				}
				if slices.Contains(steps, "planning") != way.beside {
					t.Errorf("steps %q: planned beside %v", steps, way.beside)
				}
				// Read ahead of the browser's commit, the plan is read again.
				if slices.Contains(steps, "replanning") != way.beside {
					t.Errorf("steps %q: planned beside %v, the plan read ahead not read again", steps, way.beside)
				}
				if got := tableRows(t, path, table); !slices.Equal(got, kept) {
					t.Errorf("rows after clearing differ from the kept rows of the committed store:\n got %d %q\nwant %d %q", len(got), got, len(kept), kept)
				}
				all := storeBytes(t, path)
				for _, v := range gone {
					if bytes.Contains(all, v) {
						t.Errorf("removed value %s still in the files", v)
					}
				}
			})
		}
	}
}

// tryWrite tries to start a write on the store without waiting, and
// returns an error if it could.
func tryWrite(path string, e Engine) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec("BEGIN IMMEDIATE; " + insertSQL(e, "intruder.example", "intruder", "VALUEintruder") + "; COMMIT")
	if err == nil {
		return errors.New("a write went through")
	}
	if !errors.Is(classify(err), ErrLocked) {
		return err
	}
	return nil
}

// execAll runs statements on a store.
func execAll(t *testing.T, path string, qs ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestDamagedStoreRefusedWhilePlanning damages a page quick_check reads
// and the plan does not (another table's), and slows the plan down, so
// quick_check fails while the plan runs: the store is refused as damaged
// and left byte for byte as it was, the plan is stopped, and clearStore
// returns only when the planner's goroutine has ended and both
// connections are closed. A plan that fails (a UTF-16 store) is refused
// the same way.
func TestDamagedStoreRefusedWhilePlanning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	defer func(old func() bool) { planBeside = old }(planBeside)
	planBeside = func() bool { return true }
	sel := selector{keep: []string{"mybank.co.uk"}}
	for _, st := range planStores {
		t.Run(fmt.Sprintf("%s %s", st.engine, st.mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Cookies")
			writeCookieDB(t, path, st.engine, st.mode, sampleCookies)
			execAll(t, path, "CREATE TABLE filler(x)",
				"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) INSERT INTO filler SELECT printf('filler row %d', i) FROM n",
				"PRAGMA wal_checkpoint(TRUNCATE)")
			damagePage(t, path, "filler")
			before := storeBytes(t, path)

			started := make(chan struct{})
			var ended atomic.Bool
			step := func(s string) {
				switch s {
				case "planning":
					close(started)
					time.Sleep(300 * time.Millisecond) // quick_check fails meanwhile
					ended.Store(true)
				case "locked":
					select { // quick_check starts once the plan is under way
					case <-started:
					case <-time.After(10 * time.Second):
						t.Error("the planner never started")
					}
				}
			}
			var err error
			withClearStep(step, func() { _, err = clearStore(t.Context(), path, st.engine, sel, false) })
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "checking") {
				t.Fatalf("clearing a store quick_check finds damaged: %v, want ErrDamaged from the check", err)
			}
			if !ended.Load() {
				t.Error("clearStore returned before the planner had ended")
			}
			assertClosed(t, path)
			if after := storeBytes(t, path); !bytes.Equal(after, before) {
				t.Error("the damaged store changed")
			}
		})
	}
	t.Run("plan fails", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "Cookies")
		execAll(t, path, "PRAGMA encoding = 'UTF-16le'", "CREATE TABLE cookies(host_key TEXT, name TEXT, value TEXT)",
			"INSERT INTO cookies VALUES('.mybank.co.uk', 'bank', 'VALUEbank0123'), ('zoom.us', 'zoom', 'VALUEzoom0123')")
		before := storeBytes(t, path)
		if _, err := clearStore(t.Context(), path, EngineChromium, sel, false); !errors.Is(err, ErrSchema) {
			t.Fatalf("a plan that fails: %v, want ErrSchema", err)
		}
		assertClosed(t, path)
		if after := storeBytes(t, path); !bytes.Equal(after, before) {
			t.Error("the store changed")
		}
	})
}

// damagePage overwrites the b-tree header of a leaf page of table with
// garbage, in the database file (the store has no WAL frames left).
func damagePage(t *testing.T, path, table string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var page, size int64
	err = db.QueryRow("SELECT pageno, pgsize FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 1", table).Scan(&page, &size)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 12), (page-1)*size); err != nil {
		t.Fatal(err)
	}
}

// assertClosed fails if this process still has a file of the store open
// (Linux: /proc/self/fd).
func assertClosed(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, path) {
			t.Errorf("%s is still open after clearStore returned", target)
		}
	}
}

// trickyHosts are hosts a search of the store for a kept site's name
// (scanCandidates) could read otherwise than keptBy: the site's name in
// other cases (ASCII, and letters beyond it Go's lower case folds to
// ASCII: the Kelvin sign, dotted capital I), after a NUL, beside bytes
// that are not UTF-8, with spaces and dots around it, inside another name,
// and hosts stored as BLOB or NULL.
var trickyHosts = []any{
	"mybank.co.uk", ".mybank.co.uk", "www.mybank.co.uk.", " www.mybank.co.uk ", "\twww.mybank.co.uk\u00a0",
	".MyBank.co.uk", "MYBANK.CO.UK", "my\u212aank.co.uk", "www.mybank.co.u\u212a", "s\u0130te7.example", "w1.SITE7.example",
	"evil\x00.mybank.co.uk", "x.mybank.co.uk\x00.evil.example", "\xff.mybank.co.uk", "\xffmybank.co.uk", "mybank.co.uk\xc3",
	"notmybank.co.uk", "mybank.co.uk.evil.example", "mybank.co.ukx", "site7.example.", "w2.site7.example", "site77.example",
	[]byte("www.mybank.co.uk"), []byte(".MYBANK.co.uk"), []byte("evil.example"), nil, "", ".", "..",
}

// TestSearchedPlanAgrees plans keeping a few sites of Firefox stores
// holding trickyHosts (and a partition on some rows) both ways: searching
// the hosts for the kept sites' names (scanCandidates) and handing every
// host to Go (scanHosts). The plans keep the same rows, count the same
// rows and list the same kept and partitioned hosts, and the search is
// the one used where the plan can copy the kept rows aside; where it
// cannot, the plan is read again by scanHosts and lists every host that
// goes.
func TestSearchedPlanAgrees(t *testing.T) {
	defer func(old float64) { copyAsideMaxShare = old }(copyAsideMaxShare)
	path := filepath.Join(t.TempDir(), "cookies.sqlite")
	writeCookieDB(t, path, EngineFirefox, "wal", nil)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range trickyHosts {
		for j, oa := range []string{"", "^partitionKey=%28https%2Czoom.us%29", "^partitionKey=(https,mybank.co.uk)"} {
			if _, err := db.Exec("INSERT INTO moz_cookies(host, originAttributes, name, value) VALUES(?, ?, ?, 'v')", h, oa, fmt.Sprintf("n%d-%d", i, j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 400 {
		if _, err := db.Exec("INSERT INTO moz_cookies(host, name, value) VALUES(?, ?, 'v')", fmt.Sprintf("w%d.site%d.example", i, i%40), fmt.Sprintf("m%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	sqlDB, conn, err := openStore(t.Context(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	defer conn.Close()
	plan := func(sel selector, search bool) keepPlan {
		t.Helper()
		tx, err := conn.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck // it only read
		p, err := planKeepBy(t.Context(), tx, EngineFirefox, sel, search)
		if search && errors.Is(err, errHostsUnread) {
			return keepPlan{unread: -1}
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	sorted := func(hosts []any) []string {
		var s []string
		for _, h := range hosts {
			k, _ := storageKey(h)
			s = append(s, k)
		}
		slices.Sort(s)
		return s
	}
	for _, sel := range []selector{
		{keep: []string{"mybank.co.uk"}},
		{keep: []string{"mybank.co.uk", "site7.example"}},
		{keep: []string{"co.uk.evil.example", "site7.example", "zoom.us"}},
		{keep: []string{"example"}}, // every site7 row holds it: too many to copy aside
	} {
		copyAsideMaxShare = 0.1
		searched, scanned := plan(sel, true), plan(sel, false)
		if sel.keep[0] == "example" {
			if searched.unread != -1 {
				t.Errorf("%v: a search keeping %d of %d rows was not refused: %+v", sel.keep, scanned.kept, scanned.rows, searched)
			}
			if got, err := planKeepAgain(t, conn, sel); err != nil || got.unread != 0 || !slices.Equal(sorted(got.gone), sorted(scanned.gone)) {
				t.Errorf("%v: planKeep after the refused search: %v, unread %d, gone %q; want %q", sel.keep, err, got.unread, sorted(got.gone), sorted(scanned.gone))
			}
			continue
		}
		if searched.unread <= 0 || scanned.unread != 0 {
			t.Fatalf("%v: unread %d searching, %d scanning: the search was not used", sel.keep, searched.unread, scanned.unread)
		}
		slices.Sort(searched.keptRowids)
		slices.Sort(scanned.keptRowids)
		if searched.rows != scanned.rows || searched.kept != scanned.kept || !slices.Equal(searched.keptRowids, scanned.keptRowids) ||
			!slices.Equal(sorted(searched.keep), sorted(scanned.keep)) || !slices.Equal(sorted(searched.partitioned), sorted(scanned.partitioned)) ||
			!slices.Equal(searched.partitionedGone, scanned.partitionedGone) || searched.copyAside != scanned.copyAside {
			t.Errorf("%v: searching planned\n%+v\nscanning\n%+v", sel.keep, searched, scanned)
		}
		if searched.kept == 0 || len(searched.partitionedGone) == 0 {
			t.Errorf("%v: the stores keep %d rows, %d partitioned rows go: the test reads nothing", sel.keep, searched.kept, len(searched.partitionedGone))
		}
		for _, g := range searched.gone {
			if !slices.Contains(sorted(scanned.gone), sorted([]any{g})[0]) {
				t.Errorf("%v: searching lists %q as going, scanning does not", sel.keep, g)
			}
		}
	}
}

// planKeepAgain is planKeep on a read transaction of conn.
func planKeepAgain(t *testing.T, conn *sql.Conn, sel selector) (keepPlan, error) {
	tx, err := conn.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // it only read
	return planKeep(t.Context(), tx, EngineFirefox, sel)
}
