package store_test

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

func TestSortedPagesSQLite(t *testing.T)   { testSortedPages(t, storetest.OpenSQLite(t)) }
func TestSortedPagesPostgres(t *testing.T) { testSortedPages(t, storetest.OpenPostgres(t)) }

// testSortedPages walks every sort order of the device list, forwards with
// After and backwards with Before, a few rows a page, and finds exactly
// the whole list in the right order (ties broken by ID), whatever the
// order; the same for sessions and the audit log; and the counts.
func testSortedPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db := s.(interface{ DB() *sql.DB }).DB()

	names := []string{"bravo", "alpha", "charlie", "alpha", "delta", "echo", "bravo"} // ties on purpose
	for ti, team := range []string{"zulu team", "alpha team", "mike team"} {
		tm, err := s.CreateTeam(ctx, team, nil)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := s.CreateEnrollSecret(ctx, tm.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 + ti {
			agent := storetest.Agent
			agent.Version = fmt.Sprintf("1.%d.0", i%3)
			agent.Host.OS = []string{"linux", "darwin", "windows"}[(i+ti)%3]
			id, _, err := s.EnrollDevice(ctx, secret, names[(i+ti)%len(names)], agent)
			if err != nil {
				t.Fatal(err)
			}
			seen := time.Date(2026, 1, 1, 0, (i*7+ti)%4, 0, 0, time.UTC).UnixMicro() // ties too
			if _, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE devices SET last_seen_at = %d WHERE id = '%s'`, seen, id)); err != nil {
				t.Fatal(err)
			}
			if i%4 != 0 { // reported: ready or not, stale or not (staleBefore below)
				if _, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE devices SET latest_run_at = %d, latest_ready = %v WHERE id = '%s'`,
					seen, i%2 == 0, id)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	teams, _ := s.Teams(ctx)
	teamName := map[string]string{}
	for _, tm := range teams {
		teamName[tm.ID] = tm.Name
	}
	all, err := s.SearchDevices(ctx, store.DeviceQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountDevices(ctx, store.DeviceQuery{}); err != nil || n != len(all) || n != 18 {
		t.Fatalf("CountDevices = %d, %v; listed %d", n, err, len(all))
	}
	staleBefore := time.Date(2026, 1, 1, 0, 2, 0, 0, time.UTC)
	rank := map[string]string{store.StateNotReady: "0", store.StateStale: "1", store.StateNeverReported: "2", store.StateReady: "3"}
	states := map[string]int{}
	for _, d := range all {
		states[store.DeviceState(d, staleBefore)]++
	}
	if len(states) != 4 {
		t.Fatalf("the devices are in states %v; want all four", states)
	}
	keys := map[string]func(d store.Device) string{
		store.DeviceSortState:    func(d store.Device) string { return rank[store.DeviceState(d, staleBefore)] + " " + d.Name },
		store.DeviceSortName:     func(d store.Device) string { return d.Name },
		store.DeviceSortTeam:     func(d store.Device) string { return teamName[d.TeamID] },
		store.DeviceSortSystem:   func(d store.Device) string { return d.OS },
		store.DeviceSortAgent:    func(d store.Device) string { return d.AgentVersion },
		store.DeviceSortLastSeen: func(d store.Device) string { return fmt.Sprintf("%020d", d.LastSeenAt.UnixMicro()) },
		store.DeviceSortID:       func(d store.Device) string { return d.ID },
	}
	for sort, key := range keys {
		for _, desc := range []bool{false, true} {
			walkDevices(t, fmt.Sprintf("%s desc=%v", sort, desc), all, key, desc, func(after, before *store.Cursor) ([]store.Device, store.DeviceQuery, error) {
				q := store.DeviceQuery{Sort: sort, Desc: desc, Limit: 4, StaleBefore: staleBefore, After: after, Before: before}
				page, err := s.SearchDevices(ctx, q)
				return page, q, err
			})
		}
	}

	// A team's policy rollout: by name, or not yet running the version
	// first, then by when they applied it.
	team := teams[0]
	for i, d := range all {
		if d.TeamID != team.ID {
			continue
		}
		etag, at := "old", time.Date(2026, 1, 2, 0, i%3, 0, 0, time.UTC).UnixMicro() // ties
		if i%3 != 0 {
			etag = team.ETag
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`UPDATE devices SET policy_etag = '%s', policy_applied_at = %d WHERE id = '%s'`, etag, at, d.ID)); err != nil {
			t.Fatal(err)
		}
	}
	inTeam, err := s.SearchDevices(ctx, store.DeviceQuery{TeamID: team.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	rolloutKeys := map[string]func(d store.Device) string{
		store.RolloutSortName: func(d store.Device) string { return d.Name },
		store.RolloutSortApplied: func(d store.Device) string {
			if d.PolicyETag != team.ETag {
				return "0 " + d.Name
			}
			return fmt.Sprintf("1 %020d %s", d.PolicyAppliedAt.UnixMicro(), d.Name)
		},
	}
	for sort, key := range rolloutKeys {
		for _, desc := range []bool{false, true} {
			walkDevices(t, fmt.Sprintf("rollout %q desc=%v", sort, desc), inTeam, key, desc, func(after, before *store.Cursor) ([]store.Device, store.RolloutQuery, error) {
				q := store.RolloutQuery{TeamID: team.ID, ETag: team.ETag, Sort: sort, Desc: desc, Limit: 2, After: after, Before: before}
				r, err := s.PolicyRollout(ctx, q)
				if err == nil && (r.Total != len(inTeam) || r.Applied == 0 || r.Applied == r.Total) {
					t.Errorf("rollout %d of %d; want some of %d", r.Applied, r.Total, len(inTeam))
				}
				return r.Devices, q, err
			})
		}
	}
	if _, err := s.PolicyRollout(ctx, store.RolloutQuery{TeamID: team.ID, Sort: "token_hash"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("rollout sorted by token_hash: %v", err)
	}
	if _, err := s.SearchDevices(ctx, store.DeviceQuery{Sort: "token_hash"}); err == nil {
		t.Error("an unknown sort column was accepted")
	}
	if _, err := s.SearchDevices(ctx, store.DeviceQuery{Sort: store.DeviceSortLastSeen, After: &store.Cursor{Value: "1; DROP TABLE devices", ID: "x"}}); err == nil {
		t.Error("a non-numeric time cursor was accepted")
	}
	for _, v := range []string{"alpha", `["x","alpha"]`, `["1"]`, `["1","a","b"]`} {
		if _, err := s.SearchDevices(ctx, store.DeviceQuery{Sort: store.DeviceSortState, After: &store.Cursor{Value: v, ID: "x"}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("state cursor %q: %v; want ErrInvalid", v, err)
		}
	}
	if n, _ := s.CountDevices(ctx, store.DeviceQuery{CountCap: 5}); n != 5 {
		t.Errorf("CountDevices(cap 5) = %d", n)
	}
	if n, _ := s.CountSessions(ctx, store.SessionQuery{CountCap: 3}); n != 0 {
		t.Errorf("CountSessions(cap 3) before any session = %d", n)
	}
	if n, _ := s.CountDevices(ctx, store.DeviceQuery{NameContains: "alp"}); n != 6 {
		t.Errorf("CountDevices(name alp) = %d", n)
	}

	// Sessions: starts only, by label, both ways.
	base := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	for i, d := range all[:9] {
		sid := report.NewID()
		for j, ev := range []string{report.SessionStart, report.SessionEnd} {
			rec := report.SessionRecord{ID: report.NewID(), SessionID: sid, Event: ev, At: base.Add(time.Duration(i%4)*time.Hour + time.Duration(j)*time.Minute),
				Label: "C-" + strconv.Itoa(i%3)}
			if _, err := s.SaveSession(ctx, d.ID, report.NewSession(storetest.Agent, rec)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, _ := s.CountSessions(ctx, store.SessionQuery{StartsOnly: true}); n != 9 {
		t.Errorf("CountSessions = %d, want 9", n)
	}
	if n, _ := s.CountSessions(ctx, store.SessionQuery{StartsOnly: true, CountCap: 4}); n != 4 {
		t.Errorf("CountSessions(cap 4) = %d", n)
	}
	for _, sort := range []string{store.SessionSortAt, store.SessionSortLabel, store.SessionSortDevice} {
		for _, asc := range []bool{false, true} {
			full, err := s.SearchSessions(ctx, store.SessionQuery{StartsOnly: true, Sort: sort, Ascending: asc, Limit: 100})
			if err != nil || len(full) != 9 {
				t.Fatalf("%s: %d sessions, %v", sort, len(full), err)
			}
			var walked []string
			q := store.SessionQuery{StartsOnly: true, Sort: sort, Ascending: asc, Limit: 2}
			for range 10 {
				page, _ := s.SearchSessions(ctx, q)
				if len(page) == 0 {
					break
				}
				for _, x := range page {
					walked = append(walked, x.ID)
				}
				c := store.SessionCursor(sort, page[len(page)-1])
				q.After = &c
			}
			var want []string
			for i, x := range full {
				want = append(want, x.ID)
				if i > 0 {
					a, b := full[i-1], x
					var c int
					switch sort {
					case store.SessionSortLabel:
						c = cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.ID, b.ID))
					case store.SessionSortDevice:
						if a.DeviceName == "" {
							t.Fatalf("sorted by device, a session without its device name")
						}
						c = cmp.Or(cmp.Compare(a.DeviceName, b.DeviceName), cmp.Compare(a.DeviceID, b.DeviceID), a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
					default:
						c = cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
					}
					if asc && c > 0 || !asc && c < 0 {
						t.Errorf("%s asc=%v: out of order at %d", sort, asc, i)
					}
				}
			}
			if !slices.Equal(walked, want) {
				t.Errorf("%s asc=%v: walked %v, want %v", sort, asc, walked, want)
			}
		}
	}
	more, err := s.SessionFollowUps(ctx, []string{"nope"})
	if err != nil || len(more) != 0 {
		t.Errorf("SessionFollowUps(unknown) = %v, %v", more, err)
	}

	// The audit log by actor.
	for i := range 7 {
		if err := s.AppendAudit(ctx, store.AuditEntry{Actor: []string{"carol", "alice", "bob"}[i%3], Action: "login", Target: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.CountAudit(ctx, store.AuditFilter{}); n != 7 {
		t.Errorf("CountAudit = %d", n)
	}
	var actors []string
	f := store.AuditFilter{Sort: store.AuditSortActor, Ascending: true, Limit: 3}
	for range 5 {
		page, err := s.AuditLog(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			actors = append(actors, e.Actor)
		}
		c := store.AuditCursor(f.Sort, page[len(page)-1])
		f.After = &c
	}
	if want := []string{"alice", "alice", "bob", "bob", "carol", "carol", "carol"}; !slices.Equal(actors, want) {
		t.Errorf("audit by actor %v", actors)
	}
}

// walkDevices pages through a sorted device list forwards (After) from the
// start and back (Before) from the last page, and checks that it finds
// all in the order of key (ties by ID), turned round when desc.
func walkDevices[Q interface {
	Cursor(store.Device) store.Cursor
}](t *testing.T, what string, all []store.Device, key func(store.Device) string, desc bool,
	read func(after, before *store.Cursor) ([]store.Device, Q, error)) {
	t.Helper()
	walkRows(t, what, all, func(d store.Device) string { return d.ID }, key, desc, read)
}

// walkRows is walkDevices for rows of any kind, id being a row's ID.
func walkRows[T any, Q interface{ Cursor(T) store.Cursor }](t *testing.T, what string, all []T, id, key func(T) string, desc bool,
	read func(after, before *store.Cursor) ([]T, Q, error)) {
	t.Helper()
	idsOf := func(rows []T) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = id(r)
		}
		return out
	}
	want := slices.Clone(all)
	slices.SortFunc(want, func(a, b T) int {
		c := cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(id(a), id(b)))
		if desc {
			return -c
		}
		return c
	})
	var fwd []string
	var pages [][]T
	var after *store.Cursor
	for range 20 {
		page, q, err := read(after, nil)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(page) == 0 {
			break
		}
		pages = append(pages, page)
		fwd = append(fwd, idsOf(page)...)
		c := q.Cursor(page[len(page)-1])
		after = &c
	}
	if got, w := fwd, idsOf(want); !slices.Equal(got, w) {
		t.Errorf("%s forwards:\n got %v\nwant %v", what, got, w)
	}
	// Back from the last page: each previous page is the page seen on the
	// way forward.
	for i := len(pages) - 1; i > 0; i-- {
		_, q, _ := read(nil, nil)
		c := q.Cursor(pages[i][0])
		prev, _, err := read(nil, &c)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(idsOf(prev), idsOf(pages[i-1])) {
			t.Errorf("%s: page %d backwards %v, forwards %v", what, i-1, idsOf(prev), idsOf(pages[i-1]))
		}
	}
}

func TestDeviceRunPagesSQLite(t *testing.T)   { testDeviceRunPages(t, storetest.OpenSQLite(t)) }
func TestDeviceRunPagesPostgres(t *testing.T) { testDeviceRunPages(t, storetest.OpenPostgres(t)) }

// runSort is a check-run sort order as walkRows wants it.
type runSort string

func (r runSort) Cursor(x store.CheckRunSummary) store.Cursor { return store.RunCursor(string(r), x) }

// testDeviceRunPages walks a device's check runs in every order, two a
// page, both ways (ties on start time, readiness and duration on
// purpose), without another device's runs, and counts them.
func testDeviceRunPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, dev, _ := storetest.Enrolled(t, s, "runs")
	_, other, _ := storetest.Enrolled(t, s, "other runs")
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 9 {
		env := storetest.CheckRun(base.Add(time.Duration(i%5)*time.Minute), i%3 == 0)
		env.CheckRun.DurationMS = int64(100 * (i % 4))
		if _, err := s.SaveReport(ctx, dev, env); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SaveReport(ctx, other, storetest.CheckRun(base, true)); err != nil {
		t.Fatal(err)
	}
	all, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, Limit: 100})
	if err != nil || len(all) != 9 {
		t.Fatalf("DeviceRuns = %d runs, %v", len(all), err)
	}
	if n, err := s.CountRuns(ctx, dev); n != 9 || err != nil {
		t.Errorf("CountRuns = %d, %v", n, err)
	}
	at := func(r store.CheckRunSummary) string { return fmt.Sprintf("%020d", r.StartedAt.UnixMicro()) }
	keys := map[string]func(store.CheckRunSummary) string{
		store.RunSortStarted: at,
		store.RunSortReady:   func(r store.CheckRunSummary) string { return strconv.FormatBool(r.Ready) + at(r) },
		store.RunSortTook:    func(r store.CheckRunSummary) string { return fmt.Sprintf("%08d", r.DurationMS) + at(r) },
	}
	for sort, key := range keys {
		for _, desc := range []bool{false, true} {
			walkRows(t, fmt.Sprintf("runs by %q desc=%v", sort, desc), all, func(r store.CheckRunSummary) string { return r.ID }, key, desc,
				func(after, before *store.Cursor) ([]store.CheckRunSummary, runSort, error) {
					page, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, Sort: sort, Desc: desc, After: after, Before: before, Limit: 2})
					return page, runSort(sort), err
				})
		}
	}
	if _, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, Sort: "agent"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("unknown sort: %v", err)
	}
	bad := &store.Cursor{Value: "soon", ID: "x"}
	if _, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, After: bad}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("forged cursor: %v", err)
	}
}

// BenchmarkDeviceRuns reads the first page of a device's check runs (51
// rows, as the device page does) among 10,000, in each order: by time from
// check_runs_device; by ready and by duration the device's runs are
// sorted; and counting them (the page's total).
func BenchmarkDeviceRuns(b *testing.B) {
	for _, backend := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"SQLite", storetest.OpenSQLite}, {"Postgres", storetest.OpenPostgres}} {
		b.Run(backend.name, func(b *testing.B) {
			s := backend.open(b)
			ctx := b.Context()
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			_, dev, _ := storetest.Enrolled(b, s, "bench")
			base := time.Now().Add(-10000 * time.Hour)
			for i := 0; i < 10000; i += 500 {
				batch := make([]store.DeviceReport, 500)
				for j := range batch {
					env := storetest.CheckRun(base.Add(time.Duration(i+j)*time.Hour), (i+j)%3 == 0)
					env.CheckRun.DurationMS = int64((i + j) % 997)
					batch[j] = store.DeviceReport{DeviceID: dev, Envelope: env}
				}
				if _, err := s.SaveReports(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			for _, sort := range []string{store.RunSortStarted, store.RunSortReady, store.RunSortTook} {
				b.Run(fmt.Sprintf("sort=%q", sort), func(b *testing.B) {
					for b.Loop() {
						if r, err := s.DeviceRuns(ctx, store.RunQuery{DeviceID: dev, Sort: sort, Desc: true, Limit: 51}); err != nil || len(r) != 51 {
							b.Fatalf("%d runs, %v", len(r), err)
						}
					}
				})
			}
			b.Run("count", func(b *testing.B) {
				for b.Loop() {
					if n, err := s.CountRuns(ctx, dev); err != nil || n != 10000 {
						b.Fatalf("%d runs, %v", n, err)
					}
				}
			})
		})
	}
}
