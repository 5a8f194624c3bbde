package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "sg.sqlite"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openSQLite(t) })
}

func TestSQLitePragmas(t *testing.T) {
	s := openSQLite(t)
	db := s.(interface{ DB() *sql.DB }).DB()
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"foreign_keys", "1"}, {"busy_timeout", "10000"}, {"synchronous", "1"},
	} {
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil || got != c.want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", c.pragma, got, err, c.want)
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, dsn := range []string{"", "mysql://x", "sqlite:", "sqlite:/tmp/a?b"} {
		if _, err := store.Open(t.Context(), dsn); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Open(%q): err %v, want ErrInvalid", dsn, err)
		}
	}
	_, err := store.Open(t.Context(), "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2")
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if s := err.Error(); strings.Contains(s, "hunter2") {
		t.Errorf("error leaks the password: %s", s)
	}
}

// withDatabase returns the URL DSN base pointing at database name.
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parsing SG_TEST_POSTGRES_DSN: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
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
			script, _ := filepath.Abs("../../scripts/pg-test-setup.sh")
			if _, statErr := os.Stat(script); statErr == nil {
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

// needPostgres fails under CI=true and skips elsewhere when PostgreSQL is
// not reachable; it never passes silently.
func needPostgres(t testing.TB) (*sql.DB, string) {
	t.Helper()
	admin, base, reason := postgresAdmin()
	if admin == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required under CI=true: %s", reason)
		}
		t.Skipf("PostgreSQL not available, skipping the PostgreSQL half: %s", reason)
	}
	return admin, base
}

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	admin, base := needPostgres(t)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "sg_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	// Identifiers cannot be parameters; name is ours, [a-z0-9_] only.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openPostgres(t) })
}

// Benchmarks.

// benchSetup enrols devices and returns their IDs and a realistic set of
// 10 results (the agent's checks, one result each).
func benchSetup(b *testing.B, s store.Store, devices int) ([]string, []report.CheckResult) {
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	team, err := s.CreateTeam(ctx, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	secret, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, devices)
	for i := range ids {
		if ids[i], _, err = s.EnrollDevice(ctx, secret, fmt.Sprintf("d%d", i), storetest.Agent); err != nil {
			b.Fatal(err)
		}
	}
	checkIDs := []string{"firewall", "disk_encryption", "screen_lock", "os_updates", "antivirus", "wifi_security", "browser_cookies", "local_admin", "remote_access", "password_manager"}
	results := make([]report.CheckResult, len(checkIDs))
	for i, id := range checkIDs {
		results[i] = report.CheckResult{ID: id, Status: checks.Pass, Required: i%2 == 0, Summary: "fine", Facts: []byte(`{"k":"v"}`)}
	}
	return ids, results
}

// benchSaveReports stores b.N reports from 1,000 devices, batch at a time
// (batch 1 is SaveReport: one transaction each).
func benchSaveReports(b *testing.B, s store.Store, batch int) {
	ctx := context.Background()
	ids, results := benchSetup(b, s, 1000)
	envs := make([]store.DeviceReport, b.N)
	for i := range envs {
		envs[i] = store.DeviceReport{DeviceID: ids[i%len(ids)], Envelope: storetest.CheckRun(time.Now(), true, results...)}
	}
	b.ResetTimer()
	for i := 0; i < len(envs); i += batch {
		chunk := envs[i:min(i+batch, len(envs))]
		if batch == 1 {
			if _, err := s.SaveReport(ctx, chunk[0].DeviceID, chunk[0].Envelope); err != nil {
				b.Fatal(err)
			}
			continue
		}
		if _, err := s.SaveReports(ctx, chunk); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

// BenchmarkSaveReportSQLite measures ingest of 10-result check runs on
// SQLite: one transaction per report, and group commits of 16 and 128.
func BenchmarkSaveReportSQLite(b *testing.B) {
	for _, batch := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchSaveReports(b, openSQLite(b), batch) })
	}
}

// BenchmarkSaveReportPostgres is the same against a real PostgreSQL.
func BenchmarkSaveReportPostgres(b *testing.B) {
	for _, batch := range []int{1, 16, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchSaveReports(b, openPostgres(b), batch) })
	}
}
