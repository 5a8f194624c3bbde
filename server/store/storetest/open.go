package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection

	"github.com/sessionguard/sessionguard/server/store"
)

// OpenSQLite opens a fresh SQLite store in a temporary directory (not
// migrated), closed when the test ends.
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	return open(t, "sqlite:"+filepath.Join(t.TempDir(), "sg.sqlite"))
}

// OpenPostgres opens a store on a fresh PostgreSQL database of its own
// (not migrated), dropped when the test ends. See PostgresDSN.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	return open(t, PostgresDSN(t))
}

func open(t testing.TB, dsn string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgreSQL: a real server. The DSN (SG_TEST_POSTGRES_DSN, default below)
// must name a role allowed to CREATE DATABASE; scripts/pg-test-setup.sh
// prepares exactly that on Debian. Each test gets its own database.

const defaultPostgresDSN = "postgres://sgtest:sgtest@127.0.0.1:5432/postgres?sslmode=disable&connect_timeout=5"

var (
	pgOnce   sync.Once
	pgAdmin  *sql.DB
	pgBase   string
	pgReason string
)

// postgresAdmin connects to the server once, running the set-up script when
// the first attempt fails and we are root on a machine with PostgreSQL.
func postgresAdmin() (*sql.DB, string, string) {
	pgOnce.Do(func() {
		pgBase = os.Getenv("SG_TEST_POSTGRES_DSN")
		if pgBase == "" {
			pgBase = defaultPostgresDSN
		}
		connect := func() error {
			db, err := sql.Open("pgx", pgBase)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := db.PingContext(ctx); err != nil {
				db.Close()
				return err
			}
			pgAdmin = db
			return nil
		}
		err := connect()
		if err != nil && os.Getenv("SG_TEST_POSTGRES_DSN") == "" && runtime.GOOS == "linux" && os.Geteuid() == 0 {
			if script := findScript("scripts/pg-test-setup.sh"); script != "" {
				out, runErr := exec.Command(script).CombinedOutput()
				if runErr != nil {
					pgReason = fmt.Sprintf("connecting to PostgreSQL: %v; %s failed: %v: %s", err, script, runErr, out)
					return
				}
				err = connect()
			}
		}
		if err != nil {
			pgReason = fmt.Sprintf("connecting to PostgreSQL (set SG_TEST_POSTGRES_DSN, or run scripts/pg-test-setup.sh as root): %v", err)
		}
	})
	return pgAdmin, pgBase, pgReason
}

// findScript looks for rel in the working directory and its parents (tests
// run in their package's directory), returning an absolute path or "".
func findScript(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// NeedPostgres fails under CI=true and skips elsewhere when PostgreSQL is
// not reachable; it never passes silently.
func NeedPostgres(t testing.TB) {
	t.Helper()
	if admin, _, reason := postgresAdmin(); admin == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %s", reason)
		}
		t.Skipf("PostgreSQL not available, skipping the PostgreSQL half: %s", reason)
	}
}

// PostgresDSN creates an empty database of the test's own, dropped when the
// test ends, and returns its DSN.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	NeedPostgres(t)
	admin, base, _ := postgresAdmin()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "sg_" + hex.EncodeToString(b[:])
	// Identifiers cannot be parameters; name is ours, [a-z0-9_] only.
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, admin, name) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parsing SG_TEST_POSTGRES_DSN: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// dropDatabase drops a test database once the test's connections are gone.
// Not WITH (FORCE) first: that terminates every backend on the database,
// and after a heavy test one is often an autovacuum worker, which the
// test role may not signal ("must be a member of the role whose process
// is being terminated"); a plain DROP DATABASE stops autovacuum itself and
// only waits for client connections, which a closing store ends within
// moments. FORCE is the last resort, for a connection a test leaked.
func dropDatabase(t testing.TB, admin *sql.DB, name string) {
	t.Helper()
	ctx := context.Background()
	var err error
	for range 50 {
		if _, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err2 := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err2 != nil {
		t.Errorf("dropping test database %s: %v; with FORCE: %v", name, err, err2)
	}
}
