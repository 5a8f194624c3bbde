package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
)

// Tests of issue 16 (items 9, 10 and 12), run on both back ends by Run.

// testFutureDatedReport: a report dated 2099 froze a device as "Not ready"
// (every later, honest report was older, so none became the latest). The
// server now orders by its own receive time, stores no time in its future,
// and flags the device's clock.
func testFutureDatedReport(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "clock")
	fail := report.CheckResult{ID: "firewall", Status: checks.Fail, Required: true, Summary: "off"}
	pass := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	bad := CheckRun(future, false, fail)
	bad.CreatedAt = future
	if _, err := s.SaveReport(ctx, id, bad); err != nil {
		t.Fatal(err)
	}
	d, err := s.Device(ctx, id)
	if err != nil || !d.ClockSkewed() || d.ClockAhead < 70*365*24*time.Hour {
		t.Errorf("after a report dated 2099: clock ahead %v, skewed %v, %v; want flagged", d.ClockAhead, d.ClockSkewed(), err)
	}
	if d.LatestRunAt == nil || d.LatestRunAt.After(time.Now()) {
		t.Errorf("latest run at %v: a time in the server's future", d.LatestRunAt)
	}
	if rs, err := s.LatestResults(ctx, id); err != nil || len(rs) != 1 || rs[0].At.After(time.Now()) {
		t.Errorf("latest results %+v, %v: stored with the agent's future time", rs, err)
	}
	// The clock is fixed: the next, honest report is the latest.
	good := CheckRun(time.Now(), true, pass)
	if _, err := s.SaveReport(ctx, id, good); err != nil {
		t.Fatal(err)
	}
	d, err = s.Device(ctx, id)
	if err != nil || d.LatestRunID != good.ID || d.LatestReady == nil || !*d.LatestReady {
		t.Errorf("after an honest report: latest %q ready %v, %v; want %q ready (the device stayed frozen)", d.LatestRunID, d.LatestReady, err, good.ID)
	}
	if d.ClockSkewed() {
		t.Errorf("clock still flagged (%v ahead) after an honest report", d.ClockAhead)
	}
	// A session record dated in the future keeps the time the agent gave
	// (the audit trail says what was recorded; the dashboard flags it by
	// its receive time), carries the server's receive time, and flags the
	// clock.
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: future, Label: "C-1"}
	if _, err := s.SaveSession(ctx, id, report.NewSession(Agent, rec)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sessions(ctx, id, 10)
	if err != nil || len(got) != 1 || !got[0].At.Equal(future) || got[0].ReceivedAt.After(time.Now()) || got[0].ReceivedAt.Before(time.Now().Add(-time.Minute)) {
		t.Errorf("sessions %+v, %v: want the agent's time kept and the server's receive time", got, err)
	}
	if d, err := s.Device(ctx, id); err != nil || !d.ClockSkewed() {
		t.Errorf("a future-dated session record did not flag the clock: %v %v", d.ClockAhead, err)
	}
}

// testReportIDsPerDevice: one device sends an envelope with the id of
// another device's report. It was acknowledged as a duplicate and never
// stored (and the id's owner was whoever came first). Ids are per device.
func testReportIDsPerDevice(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, a, _ := Enrolled(t, s, "ids")
	bs, _ := SeedDevices(t, s, team.ID, 1)
	b := bs[0]
	res := report.CheckResult{ID: "firewall", Status: checks.Pass, Required: true, Summary: "on"}
	envA := CheckRun(time.Now(), true, res)
	if dup, err := s.SaveReport(ctx, a, envA); err != nil || dup {
		t.Fatalf("a's report: %v %v", dup, err)
	}
	envB := CheckRun(time.Now(), false, report.CheckResult{ID: "firewall", Status: checks.Fail, Required: true, Summary: "off"})
	envB.ID = envA.ID
	if dup, err := s.SaveReport(ctx, b, envB); err != nil || dup {
		t.Errorf("b's report with a's id: duplicate %v, %v; want stored", dup, err)
	}
	if dup, err := s.SaveReport(ctx, b, envB); err != nil || !dup {
		t.Errorf("b's report again: duplicate %v, %v; want a duplicate", dup, err)
	}
	da, _ := s.Device(ctx, a)
	db, _ := s.Device(ctx, b)
	if da.LatestReady == nil || !*da.LatestReady || db.LatestReady == nil || *db.LatestReady {
		t.Errorf("a ready %v (want true), b ready %v (want false)", da.LatestReady, db.LatestReady)
	}
	if rs, err := s.LatestResults(ctx, a); err != nil || len(rs) != 1 || rs[0].Status != checks.Pass {
		t.Errorf("a's results overwritten: %+v %v", rs, err)
	}
	if rs, err := s.LatestResults(ctx, b); err != nil || len(rs) != 1 || rs[0].Status != checks.Fail {
		t.Errorf("b's results: %+v %v", rs, err)
	}
	// In one batch too (PostgreSQL's multi-row path).
	envC := CheckRun(time.Now(), true, res)
	envD := envC
	dups, err := s.SaveReports(ctx, []store.DeviceReport{{DeviceID: a, Envelope: envC}, {DeviceID: b, Envelope: envD}, {DeviceID: b, Envelope: envD}})
	if err != nil || fmt.Sprint(dups) != "[false false true]" {
		t.Errorf("batch with one id from two devices: %v, %v; want [false false true]", dups, err)
	}
	// Sessions.
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "A-1"}
	if dup, err := s.SaveSession(ctx, a, report.NewSession(Agent, rec)); err != nil || dup {
		t.Fatal(dup, err)
	}
	rec.Label = "B-1"
	if dup, err := s.SaveSession(ctx, b, report.NewSession(Agent, rec)); err != nil || dup {
		t.Errorf("b's session with a's id: duplicate %v, %v; want stored", dup, err)
	}
	if got, err := s.Sessions(ctx, a, 10); err != nil || len(got) != 1 || got[0].Label != "A-1" {
		t.Errorf("a's sessions %+v, %v", got, err)
	}
	if got, err := s.Sessions(ctx, b, 10); err != nil || len(got) != 1 || got[0].Label != "B-1" {
		t.Errorf("b's sessions %+v, %v", got, err)
	}
}

// testMixedBatch: the group commit stores check runs and session records
// in one transaction.
func testMixedBatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "mixed")
	run := CheckRun(time.Now(), true)
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now(), Label: "M-1"}
	sess := report.NewSession(Agent, rec)
	batch := []store.DeviceReport{{DeviceID: id, Envelope: sess}, {DeviceID: id, Envelope: run}, {DeviceID: id, Envelope: sess}}
	dups, err := s.SaveReports(ctx, batch)
	if err != nil || fmt.Sprint(dups) != "[false false true]" {
		t.Fatalf("mixed batch: %v, %v", dups, err)
	}
	if got, err := s.Sessions(ctx, id, 10); err != nil || len(got) != 1 {
		t.Errorf("sessions %+v, %v", got, err)
	}
	if d, err := s.Device(ctx, id); err != nil || d.LatestRunID != run.ID {
		t.Errorf("latest run %q, %v", d.LatestRunID, err)
	}
	if _, err := s.SaveReport(ctx, id, sess); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SaveReport(session): %v, want ErrInvalid", err)
	}
}

// testLimitedSecrets: an enrol secret with a use count enrols that many
// devices and no more, even when they all enrol at once; an expired one
// enrols none.
func testLimitedSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "limited")
	secret, sid, err := s.CreateLimitedEnrollSecret(ctx, team.ID, store.SecretLimits{MaxUses: 3, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	enrolled, refused := 0, 0
	for i := range 12 {
		wg.Go(func() {
			_, _, err := s.EnrollDevice(ctx, secret, fmt.Sprintf("pc-%d", i), Agent)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				enrolled++
			case errors.Is(err, store.ErrInvalidSecret):
				refused++
			default:
				t.Errorf("enrol: %v", err)
			}
		})
	}
	wg.Wait()
	if enrolled != 3 || refused != 9 {
		t.Errorf("12 parallel enrolments with a 3-use secret: %d enrolled, %d refused", enrolled, refused)
	}
	got, err := s.EnrollSecretByPlaintext(ctx, secret)
	if ok, why := got.Usable(time.Now()); err != nil || got.ID != sid || got.Uses != 3 || got.MaxUses != 3 || ok || why != "used up" || got.ExpiresAt == nil {
		t.Errorf("secret after use: %+v, %v (usable %v %q)", got, err, ok, why)
	}
	expired, _, err := s.CreateLimitedEnrollSecret(ctx, team.ID, store.SecretLimits{ExpiresAt: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnrollDevice(ctx, expired, "late", Agent); !errors.Is(err, store.ErrInvalidSecret) {
		t.Errorf("enrol with an expired secret: %v, want ErrInvalidSecret", err)
	}
	if _, _, err := s.CreateLimitedEnrollSecret(ctx, team.ID, store.SecretLimits{MaxUses: -1}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("negative use count: %v", err)
	}
	// Unlimited secrets stay unlimited.
	plain, _, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, _, err := s.EnrollDevice(ctx, plain, fmt.Sprintf("u-%d", i), Agent); err != nil {
			t.Fatal(err)
		}
	}
}

// testRetentionByReceipt: retention deletes by the server's receive time.
// A run the agent dated 200 days ago (a clock set back, or a long-offline
// laptop's spool) but received today is kept for the whole period.
func testRetentionByReceipt(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, id, _ := Enrolled(t, s, "retention")
	old := CheckRun(time.Now().Add(-200*24*time.Hour), true)
	old.CreatedAt = old.CheckRun.StartedAt
	for _, env := range []report.Envelope{old, CheckRun(time.Now(), true)} {
		if _, err := s.SaveReport(ctx, id, env); err != nil {
			t.Fatal(err)
		}
	}
	rec := report.SessionRecord{ID: report.NewID(), SessionID: report.NewID(), Event: report.SessionStart, At: time.Now().Add(-200 * 24 * time.Hour), Label: "R-1"}
	if _, err := s.SaveSession(ctx, id, report.NewSession(Agent, rec)); err != nil {
		t.Fatal(err)
	}
	run, err := s.BeginRetention(ctx, time.Now().Add(-90*24*time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.PurgeBatch(ctx, run, 100)
	if err != nil || !c.Zero() {
		t.Errorf("purge deleted %+v, %v: records received today went by their agent's date", c, err)
	}
	if _, err := s.FinishRetention(ctx, run); err != nil {
		t.Fatal(err)
	}
}

// testEnrolmentsAtOnce: enrolments that arrive together are committed
// together (a group commit) yet answered each on its own: every valid
// one gets a device and token of its own that authenticate, an unknown
// secret is refused, and one whose request has gone away is not enrolled
// and fails none of the others.
func testEnrolmentsAtOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	team, _, _ := Enrolled(t, s, "at-once")
	secret, sid, err := s.CreateEnrollSecret(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	const n = 96
	type result struct {
		id, token string
		err       error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, sec := ctx, secret
			switch i % 8 {
			case 3:
				sec += "x" // unknown
			case 5:
				c = gone
			}
			id, token, err := s.EnrollDevice(c, sec, fmt.Sprintf("batch-%d", i), Agent)
			results[i] = result{id, token, err}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	enrolled := 0
	for i, r := range results {
		switch i % 8 {
		case 3:
			if !errors.Is(r.err, store.ErrInvalidSecret) || r.id != "" || r.token != "" {
				t.Errorf("enrolment %d with an unknown secret: %q %v, want ErrInvalidSecret", i, r.id, r.err)
			}
		case 5:
			if !errors.Is(r.err, context.Canceled) || r.id != "" {
				t.Errorf("enrolment %d whose request is gone: %q %v, want context.Canceled", i, r.id, r.err)
			}
		default:
			if r.err != nil {
				t.Errorf("enrolment %d: %v", i, r.err)
				continue
			}
			if seen[r.id] || seen[r.token] {
				t.Errorf("enrolment %d: device %s or its token given twice", i, r.id)
			}
			seen[r.id], seen[r.token] = true, true
			enrolled++
			if id, teamID, err := s.TokenOwner(ctx, sha256.Sum256([]byte(r.token))); err != nil || id != r.id || teamID != team.ID {
				t.Errorf("enrolment %d's token: %s %s %v, want %s in %s", i, id, teamID, err, r.id, team.ID)
			}
		}
	}
	if want := n - 2*n/8; enrolled != want {
		t.Errorf("%d enrolled, want %d", enrolled, want)
	}
	got, err := s.EnrollSecretByPlaintext(ctx, secret)
	if err != nil || got.ID != sid || got.Uses != enrolled {
		t.Errorf("secret after the batch: %+v, %v; want %d uses", got, err, enrolled)
	}
	if c := countRows(t, s, `SELECT COUNT(*) FROM devices WHERE name LIKE 'batch-%'`); c != enrolled {
		t.Errorf("%d devices stored, want %d", c, enrolled)
	}
}

// testFleetFiguresKept: the figures kept per team come back as kept, the
// latest replacing the earlier; a team with none is ErrNotFound.
func testFleetFiguresKept(t *testing.T, s store.Store) {
	ctx := t.Context()
	if _, err := s.FleetFigures(ctx, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FleetFigures with none kept: %v, want ErrNotFound", err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	f := store.FleetFigures{At: at, StaleAfter: 36 * time.Hour,
		Counts:     store.FleetCounts{Total: 10, Ready: 4, NotReady: 3, Stale: 2, NeverReported: 1},
		Compliance: []store.CheckCompliance{{CheckID: "firewall", Counts: map[checks.Status]int{checks.Pass: 5, checks.Fail: 2}}}}
	for _, team := range []string{"", "team-a"} {
		if err := s.SaveFleetFigures(ctx, team, store.FleetFigures{At: at.Add(-time.Hour), Counts: store.FleetCounts{Total: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveFleetFigures(ctx, team, f); err != nil {
			t.Fatal(err)
		}
		got, err := s.FleetFigures(ctx, team)
		if err != nil || !got.At.Equal(f.At) || got.StaleAfter != f.StaleAfter || got.Counts != f.Counts ||
			len(got.Compliance) != 1 || got.Compliance[0].CheckID != "firewall" || got.Compliance[0].Counts[checks.Fail] != 2 {
			t.Errorf("team %q: kept %+v, read back %+v, %v", team, f, got, err)
		}
	}
}
