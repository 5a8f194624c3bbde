package api_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/agent/enroll"
	"github.com/sessionguard/sessionguard/agent/policysync"
	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/api"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// The check settings these tests use, found by their policy names (the
// check packages export only ID and Check).
var (
	screenLockMax = checktest.SettingNamed[checks.Number](all.Catalogue(), "screen_lock_max_seconds")
)

// TestAgentEndToEnd drives the API with the agent's own code: enrolment as
// `sessionguard enroll` does it, then the reporter sending a check run and
// a session record from its spool, then revocation seen by the reporter.
func TestAgentEndToEnd(t *testing.T) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, st, api.Options{})
	secret, _, err := st.CreateEnrollSecret(t.Context(), f.team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enroll.Enroll(t.Context(), f.srv.URL, "sges_wrong", "laptop-9", storetest.Agent); err == nil {
		t.Fatal("enrolment with a wrong secret succeeded")
	}
	creds, err := enroll.Enroll(t.Context(), f.srv.URL, secret, "laptop-9", storetest.Agent)
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if d, err := st.Device(t.Context(), creds.DeviceID); err != nil || d.Name != "laptop-9" || d.TeamID != f.team.ID {
		t.Fatalf("enrolled device = %+v, %v", d, err)
	}

	sp, err := spool.Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reporter.New(reporter.Config{Spool: sp, ServerURL: creds.ServerURL,
		Token:       func() (string, error) { return creds.Token, nil },
		BaseBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, RevokedRecheck: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- rep.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	run, sess := checkRun(true), session()
	for _, env := range []report.Envelope{run, sess} {
		if err := rep.Put(env); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "both envelopes sent", func() bool { s := rep.State(); return s.Sent == 2 && s.Pending == 0 })
	if d, _ := st.Device(t.Context(), creds.DeviceID); d.LatestRunID != run.ID {
		t.Errorf("latest run = %q, want %q", d.LatestRunID, run.ID)
	}
	if ss, err := st.Sessions(t.Context(), creds.DeviceID, 10); err != nil || len(ss) != 1 || ss[0].ID != sess.ID {
		t.Errorf("sessions = %+v, %v", ss, err)
	}
	if s := rep.State(); s.DeadLettered != 0 || s.Duplicates != 0 {
		t.Errorf("reporter state %+v", s)
	}

	// Removed on the dashboard: the next send is refused and the agent
	// says so; the envelope stays spooled.
	if err := f.api.Store().RevokeDevice(t.Context(), creds.DeviceID); err != nil {
		t.Fatal(err)
	}
	if err := rep.Put(checkRun(false)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reporter to see the revocation", func() bool { return rep.State().Revoked })
	if s := rep.State(); s.Pending != 1 {
		t.Errorf("pending after revocation = %d, want 1 (kept for a new enrolment)", s.Pending)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPolicyReachesAgent measures a saved policy's way to a real
// agent/policysync polling this API, and the confirmation that the
// dashboard shows. The agent polls every second here
// (SG_POLICY_POLL=45s measures the default); the bound is the interval.
func TestPolicyReachesAgent(t *testing.T) {
	if policysync.DefaultInterval+api.DefaultPolicyCacheTTL > time.Minute {
		t.Fatalf("default poll %v + policy cache %v may exceed a minute", policysync.DefaultInterval, api.DefaultPolicyCacheTTL)
	}
	interval := time.Second
	if v := os.Getenv("SG_POLICY_POLL"); v != "" {
		var err error
		if interval, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, st, api.Options{})
	var mu sync.Mutex
	var got []checks.Policy
	var gotAt []time.Time
	s, err := policysync.New(policysync.Config{ServerURL: f.srv.URL, Token: func() (string, error) { return f.token, nil },
		CachePath: filepath.Join(t.TempDir(), "policy.json"), Interval: interval,
		Apply: func(p checks.Policy) { mu.Lock(); got, gotAt = append(got, p), append(gotAt, time.Now()); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	device := func() store.Device {
		d, err := st.Device(t.Context(), f.deviceID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	waitFor(t, "the first policy to be confirmed", func() bool { return device().PolicyETag == f.team.ETag })

	saved := time.Now()
	team, err := f.api.Store().SetTeamPolicy(t.Context(), f.team.ID, json.RawMessage(`{"screen_lock_max_seconds":120}`), f.team.ETag)
	if err != nil {
		t.Fatal(err)
	}
	deadline := saved.Add(interval + 5*time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent applied %d policies within %v of the save, want 2", n, time.Since(saved))
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	reached := gotAt[1].Sub(saved)
	if screenLockMax.Of(got[1]) != 120 {
		t.Errorf("the agent applied screen_lock_max_seconds %d, want 120", screenLockMax.Of(got[1]))
	}
	mu.Unlock()
	waitFor(t, "the new policy to be confirmed", func() bool { return device().PolicyETag == team.ETag })
	confirmed := time.Since(saved)
	t.Logf("poll interval %v: the agent applied the saved policy after %v; the server recorded it after %v", interval, reached, confirmed)
	if reached > interval+time.Second {
		t.Errorf("the policy took %v to reach the agent, want at most the poll interval %v", reached, interval)
	}
}
