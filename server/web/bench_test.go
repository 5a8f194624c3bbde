package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
	"github.com/sessionguard/sessionguard/server/web"
)

// benchDevices is the fleet size of the dashboard benchmarks
// (SG_BENCH_DEVICES, default 100,000).
func benchDevices(b *testing.B) int {
	if v := os.Getenv("SG_BENCH_DEVICES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("SG_BENCH_DEVICES=%q", v)
		}
		return n
	}
	return 100_000
}

// benchFleet is a store holding n devices in 10 teams, each having reported
// one check run of all eight checks (1 in 7 with the firewall failing, 1 in
// 11 with anti-virus unknown, 1 in 10,007 with the screen lock failing:
// a check almost no device fails) except every 13th (never reported), and a
// logged-in admin's session cookie.
type benchFleet struct {
	st     store.Store
	h      http.Handler
	cookie *http.Cookie
	teamID string
	// deviceID: a device of the fleet (one with a session).
	deviceID string
	// reported: the devices that reported a check run.
	reported []string
}

func newBenchFleet(b *testing.B, st store.Store, n int) *benchFleet {
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var ids []string
	var teamID string
	for i := range 10 {
		team, err := st.CreateTeam(ctx, fmt.Sprintf("team-%d", i), nil)
		if err != nil {
			b.Fatal(err)
		}
		teamID = team.ID
		more, _ := storetest.SeedDevices(b, st, team.ID, n/10)
		ids = append(ids, more...)
	}
	batch := make([]store.DeviceReport, 0, 500)
	flush := func() {
		if _, err := st.SaveReports(ctx, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	now := time.Now()
	var reported []string
	for i, id := range ids {
		if i%13 == 0 {
			continue
		}
		reported = append(reported, id)
		results := make([]report.CheckResult, 0, len(all.Catalogue().IDs()))
		ready := true
		for _, c := range all.Catalogue().IDs() {
			st := checks.Pass
			switch {
			case c == "firewall" && i%7 == 0:
				st, ready = checks.Fail, false
			case c == "antivirus" && i%11 == 0:
				st, ready = checks.Unknown, false
			case c == "screen_lock" && i%10_007 == 1:
				st, ready = checks.Fail, false
			}
			results = append(results, report.CheckResult{ID: c, Status: st, Required: true, Summary: "seeded", Facts: []byte(`{"os":"linux"}`)})
		}
		batch = append(batch, store.DeviceReport{DeviceID: id, Envelope: storetest.CheckRun(now.Add(-time.Duration(i)*time.Second), ready, results...)})
		if len(batch) == cap(batch) {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	// A session start on every device (the sessions page and its sort by
	// device read these).
	storetest.SeedSessions(b, st, ids)
	// The planner's statistics, as autovacuum (PostgreSQL) would have
	// them a minute after such a load; without them PostgreSQL guesses a
	// handful of enrolled devices and sorts the whole table for a page.
	if db, ok := st.(interface{ DB() *sql.DB }); ok && os.Getenv("SG_BENCH_NO_ANALYZE") == "" {
		if _, err := db.DB().ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.CreateAdmin(ctx, "bench", "$argon2id$unused"); err != nil {
		b.Fatal(err)
	}
	_, token, err := st.CreateAdminSession(ctx, "bench", time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	h, err := web.New(st, web.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d devices with reports in %s", n, time.Since(start).Round(time.Second))
	return &benchFleet{st: st, h: h, cookie: &http.Cookie{Name: "sg_session", Value: token}, teamID: teamID, deviceID: ids[1], reported: reported}
}

// makeStale gives every every-th device that reported a latest run two
// days old (0: none), and the others one of now, and renews the
// dashboard so that its cached figures count them.
func (f *benchFleet) makeStale(b *testing.B, every int) {
	db := f.st.(interface{ DB() *sql.DB }).DB()
	// $n parameters: PostgreSQL's, and SQLite reads them in order too.
	params := func(from, n int) string {
		p := make([]string, n)
		for i := range p {
			p[i] = fmt.Sprintf("$%d", from+i)
		}
		return strings.Join(p, ", ")
	}
	now := time.Now().UnixMicro()
	if _, err := db.Exec(`UPDATE devices SET latest_run_at = $1 WHERE latest_run_at IS NOT NULL`, now); err != nil {
		b.Fatal(err)
	}
	// A dashboard whose cached figures count them, as after an admin
	// looked at the overview (the stale list only peeks at them).
	defer func() {
		// The table as autovacuum (PostgreSQL) would leave it a minute
		// after updating every row, as seeding does (SG_BENCH_NO_ANALYZE
		// leaves it as the updates did: the dead rows, and statistics
		// that know of no stale device).
		if os.Getenv("SG_BENCH_NO_ANALYZE") == "" {
			tidy := `ANALYZE devices`
			if f.st.(interface{ Dialect() string }).Dialect() == "postgres" {
				tidy = `VACUUM ANALYZE devices`
			}
			if _, err := db.Exec(tidy); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := db.Exec(`DELETE FROM fleet_figures`); err != nil {
			b.Fatal(err)
		}
		h, err := web.New(f.st, web.Options{})
		if err != nil {
			b.Fatal(err)
		}
		f.h = h
		f.get(b, "/")
		f.get(b, "/?team="+f.teamID)
	}()
	if every == 0 {
		return
	}
	var stale []any
	for i := 0; i < len(f.reported); i += every {
		stale = append(stale, f.reported[i])
	}
	for len(stale) > 0 {
		chunk := stale[:min(len(stale), 500)]
		stale = stale[len(chunk):]
		args := append([]any{now - (48 * time.Hour).Microseconds()}, chunk...)
		if _, err := db.Exec(`UPDATE devices SET latest_run_at = $1 WHERE id IN (`+params(2, len(chunk))+`)`, args...); err != nil {
			b.Fatal(err)
		}
	}
}

func (f *benchFleet) get(b *testing.B, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(f.cookie)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
}

// benchPages renders the dashboard's heavy pages against a 100k fleet.
func benchPages(b *testing.B, st store.Store) {
	f := newBenchFleet(b, st, benchDevices(b))
	for _, c := range []struct{ name, path string }{
		{"overview", "/"},
		{"overview_team", "/?team=" + f.teamID},
		{"devices_first_page", "/devices"},
		{"devices_not_ready", "/devices?state=not_ready"},
		{"devices_ready", "/devices?state=ready"},
		{"devices_failing_firewall", "/devices?failing=firewall"},
		{"devices_name_search", "/devices?q=no-such-name"},
		// Names that many devices' hold: all of them, 1 in 9, a few.
		{"devices_name_search_all", "/devices?q=seed-"},
		{"devices_name_search_many", "/devices?q=seed-1"},
		{"devices_name_search_few", "/devices?q=seed-1234"},
		// A search with a letter beyond ASCII: SQLite lower-cases each name in Go.
		{"devices_name_search_beyond_ascii", "/devices?q=s%C3%A9ed-1234"},
		// A few devices fail the screen lock check: searched within them.
		{"devices_failing_screen_lock_search", "/devices?failing=screen_lock&q=seed-1"},
		{"devices_failing_screen_lock_system_none", "/devices?failing=screen_lock&system=windows"},
		// By system: every device runs Debian 12, none Windows.
		{"devices_system_search_none", "/devices?system=windows"},
		{"devices_system_search_all", "/devices?system=debian"},
		{"check_firewall", "/checks/firewall"},
		// A check almost no device fails: nothing to walk the fleet for.
		{"check_screen_lock", "/checks/screen_lock"},
		{"check_screen_lock_by_last_seen", "/checks/screen_lock?sort=last_seen&dir=desc"},
		// Sorted lists (issue 17): each page also counts its rows.
		{"devices_by_name_desc", "/devices?sort=name&dir=desc"},
		{"devices_by_name_deep_page", "/devices?sort=name&after_v=seed-5000&after_id=0"},
		{"devices_by_name_prev_page", "/devices?sort=name&before_v=seed-5000&before_id=0"},
		{"devices_by_last_seen", "/devices?sort=last_seen&dir=desc"},
		{"devices_by_agent", "/devices?sort=agent"},
		{"devices_by_team", "/devices?sort=team"},
		{"devices_by_team_desc", "/devices?sort=team&dir=desc"},
		{"devices_not_ready_by_last_seen", "/devices?state=not_ready&sort=last_seen"},
		{"check_firewall_by_team", "/checks/firewall?sort=team"},
		{"audit", "/audit"},
		{"sessions", "/sessions"},
		// Sessions started although the computer was not ready: none
		// among the 100k seeded.
		{"sessions_overrides", "/sessions?overrides=1"},
		{"sessions_label", "/sessions?label=seed-case-5000"},
		// The sorts added last (issue 17): state is computed (CASE), the
		// sessions' device name comes from a join, the team page's
		// rollout (10,000 devices in the team) pages too.
		{"devices_by_state", "/devices?sort=state"},
		{"devices_by_state_desc", "/devices?sort=state&dir=desc"},
		{"devices_by_state_deep_page", "/devices?sort=state&" + url.Values{"after_v": {`["2","seed-5000"]`}, "after_id": {"0"}}.Encode()},
		{"devices_team_by_state", "/devices?sort=state&team=" + f.teamID},
		{"sessions_by_device", "/sessions?sort=device"},
		{"sessions_by_device_deep_page", "/sessions?sort=device&" + url.Values{"after_v": {`["seed-5000","0","0"]`}, "after_id": {"0"}}.Encode()},
		{"team_rollout", "/teams/" + f.teamID},
		{"team_rollout_by_name", "/teams/" + f.teamID + "?sort=name"},
		{"team_rollout_applied_desc", "/teams/" + f.teamID + "?sort=policy&dir=desc"},
		{"device_page", "/devices/" + f.deviceID},
	} {
		b.Run(c.name, func(b *testing.B) {
			f.get(b, c.path) // the first render computes the cached fleet figures: see fleet_figures_refresh
			for b.Loop() {
				f.get(b, c.path)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/render")
		})
	}
	// What a refresh of the overview's cached figures costs (in the
	// background, once per FleetCacheTTL, and before the very first render).
	b.Run("fleet_figures_refresh", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			if _, _, err := f.st.FleetSummary(ctx, "", time.Now().Add(-web.DefaultStaleAfter)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/refresh")
	})
	// The overview's first render after a restart: a new dashboard on the
	// same database, which shows the figures the last one kept (a row
	// read) and refreshes them in the background.
	firstRender := func(b *testing.B, forget bool) {
		db := f.st.(interface{ DB() *sql.DB }).DB()
		for range b.N {
			b.StopTimer()
			if forget {
				if _, err := db.ExecContext(context.Background(), `DELETE FROM fleet_figures`); err != nil {
					b.Fatal(err)
				}
			}
			h, err := web.New(f.st, web.Options{})
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(f.cookie)
			rec := httptest.NewRecorder()
			b.StartTimer()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET /: %d", rec.Code)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/render")
	}
	b.Run("overview_after_restart", func(b *testing.B) { firstRender(b, false) })
	// The first render on a new server that never kept figures (or kept
	// them over MaxKeptAge ago): computed before the page is rendered.
	b.Run("overview_uncached", func(b *testing.B) { firstRender(b, true) })
	// The devices that stopped checking in (issue 21 item 7), none to half
	// of them, scattered through the fleet: last, as it ages their runs.
	for _, every := range []int{0, 1000, 700, 100, 10, 2} {
		f.makeStale(b, every)
		for _, c := range []struct{ name, path string }{
			{"devices_stale", "/devices?state=stale"},
			{"devices_stale_by_last_seen", "/devices?state=stale&sort=last_seen&dir=desc"},
			// Counted as well: the cached counts are the whole team's.
			{"devices_team_stale", "/devices?state=stale&team=" + f.teamID},
			// Searched as well: a name every device's holds, and a
			// failing check, so that the page is full and counted by
			// the store (the cached counts have no filters).
			{"devices_stale_search", "/devices?state=stale&q=seed-"},
			{"devices_stale_failing_firewall", "/devices?state=stale&failing=firewall"},
			// And by a system none runs: nothing to count, but a scan
			// for it would read the whole table.
			{"devices_stale_system_none", "/devices?state=stale&system=windows"},
		} {
			share := "none"
			if every > 0 {
				share = fmt.Sprintf("1_in_%d", every)
			}
			b.Run(c.name+"_"+share, func(b *testing.B) {
				f.get(b, c.path)
				for b.Loop() {
					f.get(b, c.path)
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/render")
			})
		}
	}
	b.Run("fleet_counts", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.st.FleetCounts(context.Background(), "", time.Now().Add(-web.DefaultStaleAfter)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/count")
	})
}

// BenchmarkPagesSQLite: target ≤ 100 ms per overview at 100k devices.
func BenchmarkPagesSQLite(b *testing.B) { benchPages(b, storetest.OpenSQLite(b)) }

// BenchmarkPagesPostgres is the same on a real PostgreSQL.
func BenchmarkPagesPostgres(b *testing.B) { benchPages(b, storetest.OpenPostgres(b)) }
