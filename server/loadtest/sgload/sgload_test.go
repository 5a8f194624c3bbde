package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/internal/gobuild"
	"github.com/sessionguard/sessionguard/internal/syncbuf"
	"github.com/sessionguard/sessionguard/server/store"
)

// TestSmallLoad runs the whole load test, small, against the real server
// binary on SQLite: a fleet that has just enrolled and one in service
// (-history). run fails when a report sent is not stored exactly once;
// the database then holds the seeded runs beside the sent ones.
func TestSmallLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server (not in -short)")
	}
	server := filepath.Join(t.TempDir(), "sessionguard-server")
	gobuild.Must(t, gobuild.Program{Pkg: "cmd/sessionguard-server", Out: server})
	for _, history := range []bool{false, true} {
		o := options{server: server, db: "sqlite:" + filepath.Join(t.TempDir(), "sg.sqlite"), devices: 300, enrol: 20, enrolClients: 4,
			reports: 200, clients: 8, reportBytes: 3000, history: history, dashboard: true}
		if err := run(t.Context(), o); err != nil {
			t.Fatalf("history %v: %v", history, err)
		}
		st, err := store.Open(t.Context(), o.db)
		if err != nil {
			t.Fatal(err)
		}
		var runs, devices int
		db := st.(interface{ DB() *sql.DB }).DB()
		if err := db.QueryRowContext(t.Context(), `SELECT (SELECT COUNT(*) FROM check_runs), (SELECT COUNT(*) FROM devices WHERE last_seen_at IS NOT NULL)`).Scan(&runs, &devices); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if want := o.reports + o.seededRuns(); runs != want {
			t.Errorf("history %v: %d check runs stored, want %d", history, runs, want)
		}
		if history && devices < o.devices {
			t.Errorf("history: %d of %d seeded devices have reported", devices, o.devices)
		}
	}
}

// TestWatchProgress: a run that answers shows its count; one that stops
// answering is called stalled once, with the goroutines' stacks (so a
// hung load run says where it waits instead of sitting silent).
func TestWatchProgress(t *testing.T) {
	var out syncbuf.Buffer
	var answered atomic.Int64
	answered.Store(3)
	stop := watchProgress(&out, &answered, 10, 5*time.Millisecond, 40*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "nothing answered") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(60 * time.Millisecond) // past a second stall window: still said once
	stop()
	got := out.String()
	if !strings.Contains(got, "3 of 10 answered") {
		t.Errorf("no progress line in:\n%s", got)
	}
	if n := strings.Count(got, "nothing answered"); n != 1 {
		t.Errorf("the stall was reported %d times, want once:\n%s", n, got)
	}
	if !strings.Contains(got, "goroutine profile:") || !strings.Contains(got, "watchProgress") {
		t.Errorf("no goroutine stacks after the stall:\n%.2000s", got)
	}
}
