package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// failingIDs lists the IDs of the devices SearchDevices finds not passing
// check (in team, or the fleet when ""), sorted, both ways of finding them
// (from devices_not_passing, and walking the fleet's latest statuses),
// and fails the test when the two ways or CountDevices disagree.
func failingIDs(t *testing.T, s store.Store, team, check string) []string {
	t.Helper()
	var ways [2][]string
	for i, many := range []int{1 << 30, 1} {
		restore := store.SetManyNotPassing(many)
		q := store.DeviceQuery{TeamID: team, FailingCheck: check}
		ds, err := s.SearchDevices(t.Context(), q)
		n, cerr := s.CountDevices(t.Context(), q)
		restore()
		if err != nil || cerr != nil {
			t.Fatalf("devices not passing %s: %v, %v", check, err, cerr)
		}
		for _, d := range ds {
			ways[i] = append(ways[i], d.ID)
		}
		slices.Sort(ways[i])
		if n != len(ways[i]) {
			t.Errorf("devices not passing %s in team %q: counted %d, listed %d", check, team, n, len(ways[i]))
		}
	}
	if !slices.Equal(ways[0], ways[1]) {
		t.Errorf("devices not passing %s in team %q: %v from the list, %v walking the fleet", check, team, ways[0], ways[1])
	}
	return ways[0]
}

// saveFor stores a check run as the API does, judged and listed against
// the team's required checks.
func saveFor(t *testing.T, s store.Store, device string, required []string, results ...report.CheckResult) {
	t.Helper()
	env := storetest.CheckRun(time.Now(), true, results...)
	run, err := store.PrepareRunFor(env.CheckRun, required)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveReports(t.Context(), []store.DeviceReport{{DeviceID: device, Envelope: env, Run: run}}); err != nil {
		t.Fatal(err)
	}
}

// testUnreportedRequiredListed: a device whose latest run left out a
// check its team requires is listed among the devices not passing that
// check (it is counted unknown in the figures), for its team and the
// fleet, both ways of finding them; a policy saved requiring more or less
// lists more or fewer, another team's devices are left alone, and
// reporting the check takes the device off the list.
func testUnreportedRequiredListed(t *testing.T, s store.Store) {
	ctx := t.Context()
	strict, _, _ := storetest.Enrolled(t, s, "strict")
	lenient, _, _ := storetest.Enrolled(t, s, "lenient")
	setPolicy := func(team string, required ...string) []string {
		t.Helper()
		if _, err := s.SetTeamPolicy(ctx, team, storetest.RequiringOnly(t, required...), ""); err != nil {
			t.Fatal(err)
		}
		return required
	}
	strictRequired := setPolicy(strict.ID, "firewall", "disk_encryption")
	lenientRequired := setPolicy(lenient.ID, "firewall")
	ids, _ := storetest.SeedDevices(t, s, strict.ID, 3)
	a, b, never := ids[0], ids[1], ids[2]
	others, _ := storetest.SeedDevices(t, s, lenient.ID, 1)
	c := others[0]
	res := func(id string, st checks.Status) report.CheckResult {
		return report.CheckResult{ID: id, Status: st, Summary: "x"}
	}
	saveFor(t, s, a, strictRequired, res("firewall", checks.Fail), res("disk_encryption", checks.Pass))
	saveFor(t, s, b, strictRequired, res("firewall", checks.Pass))
	saveFor(t, s, c, lenientRequired, res("firewall", checks.Pass))
	want := func(step, team, check string, ids ...string) {
		t.Helper()
		slices.Sort(ids)
		if got := failingIDs(t, s, team, check); !slices.Equal(got, ids) {
			t.Errorf("%s: not passing %s in team %q: %v, want %v", step, check, team, got, ids)
		}
	}
	want("reported", strict.ID, "disk_encryption", b)
	want("reported", "", "disk_encryption", b)
	want("reported", lenient.ID, "disk_encryption")
	want("reported", "", "firewall", a)
	_ = never // enrolled, never reported: in no list

	setPolicy(strict.ID, "firewall")
	want("disk encryption no longer required", strict.ID, "disk_encryption")
	want("disk encryption no longer required", "", "firewall", a)

	strictRequired = setPolicy(strict.ID, "firewall", "disk_encryption", "screen_lock")
	want("screen lock required too", strict.ID, "disk_encryption", b)
	want("screen lock required too", "", "screen_lock", a, b)
	want("screen lock required too", lenient.ID, "screen_lock")

	saveFor(t, s, b, strictRequired, res("firewall", checks.Pass), res("disk_encryption", checks.Pass), res("screen_lock", checks.Unknown))
	want("b reports them", "", "disk_encryption")
	want("b reports them", "", "screen_lock", a, b)
	saveFor(t, s, b, strictRequired, res("firewall", checks.Pass), res("disk_encryption", checks.Pass), res("screen_lock", checks.Pass))
	want("b passes them", "", "screen_lock", a)
}

// TestMigration00017 migrates a database whose devices reported before
// migration 00017: each device is listed for the checks its team requires
// that its latest run left out, and migrating down lists only the checks
// reported failing or unknown again.
func TestMigration00017(t *testing.T) {
	for _, be := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(be.name, func(t *testing.T) {
			s := be.open(t)
			ctx := t.Context()
			if err := store.MigrateTo(ctx, s, 16); err != nil {
				t.Fatal(err)
			}
			team, _, _ := storetest.Enrolled(t, s, "before 17")
			if _, err := s.SetTeamPolicy(ctx, team.ID, storetest.RequiringOnly(t, "firewall", "disk_encryption"), ""); err != nil {
				t.Fatal(err)
			}
			ids, _ := storetest.SeedDevices(t, s, team.ID, 2)
			for i, results := range [][]report.CheckResult{
				{{ID: "firewall", Status: checks.Fail}, {ID: "disk_encryption", Status: checks.Pass}},
				{{ID: "firewall", Status: checks.Pass}},
			} {
				if _, err := s.SaveReport(ctx, ids[i], storetest.CheckRun(time.Now(), false, results...)); err != nil {
					t.Fatal(err)
				}
			}
			if got := failingIDs(t, s, "", "firewall"); !slices.Equal(got, ids[:1]) {
				t.Errorf("before: not passing firewall %v, want %v", got, ids[:1])
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if got := failingIDs(t, s, "", "disk_encryption"); !slices.Equal(got, ids[1:]) {
				t.Errorf("migrated: not passing disk_encryption %v, want %v", got, ids[1:])
			}
			if err := store.MigrateDownTo(ctx, s, 16); err != nil {
				t.Fatal(err)
			}
			restore := store.SetManyNotPassing(1 << 30)
			defer restore()
			ds, err := s.SearchDevices(ctx, store.DeviceQuery{FailingCheck: "disk_encryption"})
			if err != nil || len(ds) != 0 {
				t.Errorf("migrated down: devices_not_passing lists %d for disk_encryption (%v), want none", len(ds), err)
			}
			if got := failingIDs(t, s, "", "firewall"); !slices.Equal(got, ids[:1]) {
				t.Errorf("migrated down: not passing firewall %v, want %v", got, ids[:1])
			}
		})
	}
}
