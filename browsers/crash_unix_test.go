//go:build unix

package browsers

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"modernc.org/sqlite"
)

// Environment of the child process TestClearCrashLosesNothingKept kills.
const (
	envCrashStep   = "SG_BROWSERS_CRASH_STEP"
	envCrashStore  = "SG_BROWSERS_CRASH_STORE"
	envCrashEngine = "SG_BROWSERS_CRASH_ENGINE"
	envCrashCopy   = "SG_BROWSERS_CRASH_COPY"
)

// crashSelector is what the killed clears keep.
var crashSelector = selector{keep: []string{"mybank.co.uk", "site7.example"}}

// crashChild clears the store it is given and SIGKILLs itself at the
// step it is told. Every connection's page cache is a few pages, so the
// clear spills pages into the WAL or the database file (behind a hot
// journal) before it commits: the kill leaves a write half done.
func crashChild(step string) {
	storeSQLite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, _ string) error {
		_, err := conn.ExecContext(context.Background(), "PRAGMA cache_size = 10", []driver.NamedValue{})
		return err
	})
	clearStep = func(s string) {
		if s == step {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	withCopyAside(os.Getenv(envCrashCopy) == "true", func() {
		res, err := clearStore(context.Background(), os.Getenv(envCrashStore), Engine(os.Getenv(envCrashEngine)), crashSelector, false)
		fmt.Printf("not killed at %q: %+v, %v\n", step, res, err)
	})
	os.Exit(3)
}

// withCopyAside runs f with clearing forced to one way: copying kept rows
// aside (true) or removing row by row (false).
func withCopyAside(copyAside bool, f func()) {
	defer func(old float64) { copyAsideMaxShare = old }(copyAsideMaxShare)
	copyAsideMaxShare = 0
	if copyAside {
		copyAsideMaxShare = 1
	}
	f()
}

// TestClearCrashLosesNothingKept kills a clear that keeps some cookies
// (SIGKILL, in a child process) at each of its steps, both ways, in WAL
// and rollback-journal stores: reopened, the store is sound and holds
// every cookie it had (killed before the commit) or exactly the kept ones
// (after), and clearing again leaves the kept rows and no removed value.
func TestClearCrashLosesNothingKept(t *testing.T) {
	if step := os.Getenv(envCrashStep); step != "" {
		crashChild(step)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cookies := append([]fakeCookie{}, sampleCookies...)
	for i := range 600 {
		cookies = append(cookies, fakeCookie{fmt.Sprintf("w%d.site%d.example", i, i%60), fmt.Sprintf("n%d", i), fmt.Sprintf("VALUEsite%04d-0123456789abcdef", i)})
	}
	stores := []struct {
		engine Engine
		mode   string
	}{{EngineChromium, "delete"}, {EngineFirefox, "wal"}}
	ways := []struct {
		copyAside bool
		steps     []string
	}{
		{true, []string{"locked", "checked", "planned", "emptied", "put back", "committed", "vacuumed"}},
		{false, []string{"locked", "checked", "planned", "deleted", "committed", "vacuumed"}},
	}
	for _, st := range stores {
		table, _ := cookieTable(st.engine)
		for _, way := range ways {
			for _, step := range way.steps {
				t.Run(fmt.Sprintf("%s %s, copy aside %v, killed %s", st.engine, st.mode, way.copyAside, step), func(t *testing.T) {
					path := filepath.Join(t.TempDir(), "Cookies")
					writeCookieDB(t, path, st.engine, st.mode, cookies)
					before := tableRows(t, path, table)
					file, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					kept, gone := keptAndGone(t, path, st.engine, crashSelector)

					cmd := exec.CommandContext(t.Context(), self, "-test.run=^TestClearCrashLosesNothingKept$")
					cmd.Env = append(os.Environ(), envCrashStep+"="+step, envCrashStore+"="+path,
						envCrashEngine+"="+string(st.engine), envCrashCopy+"="+strconv.FormatBool(way.copyAside))
					out, err := cmd.CombinedOutput()
					var exit *exec.ExitError
					if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("the clear was not killed at %s: %v\n%s", step, err, out)
					}
					if step == "emptied" || step == "deleted" {
						// The kill interrupted a write: pages are in the WAL,
						// or in the database file behind a hot journal.
						if !halfWritten(t, path, file) {
							t.Fatalf("killed at %s, the store shows no write under way: the test proves nothing", step)
						}
					}

					db, err := sql.Open("sqlite", path)
					if err != nil {
						t.Fatal(err)
					}
					var check string
					if err := db.QueryRow("PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
						t.Fatalf("reopened after the kill at %s: quick_check %q, %v", step, check, err)
					}
					db.Close()
					want, state := before, "every cookie"
					if step == "committed" || step == "vacuumed" {
						want, state = kept, "the kept cookies"
					}
					if got := tableRows(t, path, table); !slices.Equal(got, want) {
						t.Fatalf("killed at %s: the store does not hold %s:\n got %d rows\nwant %d", step, state, len(got), len(want))
					}

					res, err := clearStore(t.Context(), path, st.engine, crashSelector, false)
					if err != nil {
						t.Fatal(err)
					}
					if res.before-res.removed != len(kept) {
						t.Errorf("clearing again: %+v, want %d kept", res, len(kept))
					}
					if got := tableRows(t, path, table); !slices.Equal(got, kept) {
						t.Errorf("after clearing again the kept rows differ: %d rows, want %d", len(got), len(kept))
					}
					all := storeBytes(t, path)
					for _, v := range gone {
						if bytes.Contains(all, v) {
							t.Fatalf("removed value %s still in the files after clearing again", v)
						}
					}
				})
			}
		}
	}
}

// halfWritten reports whether a store has a write under way on disk:
// frames in its WAL, or a database file no longer as it was (file) with
// a journal beside it.
func halfWritten(t *testing.T, path string, file []byte) bool {
	t.Helper()
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if errors.Is(err, os.ErrNotExist) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if size(path+"-wal") > 0 {
		return true
	}
	now, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return size(path+"-journal") > 0 && !bytes.Equal(now, file)
}
