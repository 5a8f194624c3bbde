package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSQLitePageCacheByRole: the ingest connection, the one writer, has
// the large page cache; every pooled connection (the readers, and the
// rarer writes of the dashboard and the CLI) the small one, so that the
// server's memory does not grow with its pool.
func TestSQLitePageCacheByRole(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "sg.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	cacheSize := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) string {
		var got string
		if err := q.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	tx, done, err := s.ingestTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writer := cacheSize(tx)
	// Every other connection the pool has, held at once.
	var readers []string
	for range sqliteMaxConns - 1 {
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		readers = append(readers, cacheSize(c))
	}
	tx.Rollback()
	done()
	if want := strconv.Itoa(-writerCacheKiB); writer != want {
		t.Errorf("the ingest connection's cache_size is %s, want %s", writer, want)
	}
	for i, got := range readers {
		if want := strconv.Itoa(-readerCacheKiB); got != want {
			t.Errorf("pooled connection %d has cache_size %s, want %s", i, got, want)
		}
	}
	if writerCacheKiB <= readerCacheKiB {
		t.Errorf("the writer's cache (%d KiB) is not larger than a reader's (%d KiB)", writerCacheKiB, readerCacheKiB)
	}
}
