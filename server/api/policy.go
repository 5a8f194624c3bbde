package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Policy polls and confirmations (issue 17).
//
// Agents poll GET /api/v1/policy about every 45 s with If-None-Match set to
// the ETag of the policy they run (agent/policysync), so a saved policy
// reaches them within a minute. At 100k devices that is ~2k polls a
// second, nearly all answered 304: the answer comes from memory (the token
// cache and policyCache), never the database.
//
// The If-None-Match of a poll is also the agent's confirmation: the
// agent sends the ETag of the policy it applied (policysync applies a new
// policy, then asks again at once). When it equals the team's current ETag,
// the device runs the current policy; appliedRecorder writes that once per
// device and version, in batches, for the dashboard ("applied 2 min ago").
// No new field on the wire: older agents send the same header and older
// servers ignore it.

// Defaults of the policy cache and the confirmation writer.
const (
	// DefaultPolicyCacheTTL bounds how long another replica may answer
	// with a policy replaced elsewhere (this server forgets at once).
	DefaultPolicyCacheTTL = 10 * time.Second
	// appliedFlush is how often pending confirmations are written.
	appliedFlush = time.Second
	// appliedBatch caps a confirmation transaction.
	appliedBatch = 1024
	// maxRemembered bounds the confirmations remembered (≈100 bytes an
	// entry); past it the memory starts afresh (a few rewrites).
	maxRemembered = 1 << 20
)

// policyCache keeps each team's policy and ETag for at most ttl.
type policyCache struct {
	st  store.Store
	ttl time.Duration
	now func() time.Time

	mu    sync.RWMutex
	gen   uint64
	teams map[string]cachedPolicy
}

type cachedPolicy struct {
	etag   string
	policy json.RawMessage
	// required are the checks the policy requires (store.RequiredChecks),
	// parsed once per policy version.
	required []string
	expires  time.Time
}

func newPolicyCache(st store.Store, ttl time.Duration, now func() time.Time) *policyCache {
	return &policyCache{st: st, ttl: ttl, now: now, teams: map[string]cachedPolicy{}}
}

// get returns the team's policy and ETag, from memory when fresh.
func (c *policyCache) get(ctx context.Context, teamID string) (etag string, policy json.RawMessage, err error) {
	e, err := c.entry(ctx, teamID)
	return e.etag, e.policy, err
}

// required returns the checks the team's policy requires, from memory
// when fresh.
func (c *policyCache) required(ctx context.Context, teamID string) ([]string, error) {
	e, err := c.entry(ctx, teamID)
	return e.required, err
}

func (c *policyCache) entry(ctx context.Context, teamID string) (cachedPolicy, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.teams[teamID]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e, nil
	}
	t, err := c.st.Team(ctx, teamID)
	if err != nil {
		return cachedPolicy{}, err
	}
	fresh := cachedPolicy{etag: t.ETag, policy: t.Policy, expires: now.Add(c.ttl)}
	if ok && e.etag == t.ETag {
		fresh.required = e.required // the same version: parsed already
	} else {
		fresh.required = store.RequiredChecks(t.Policy)
	}
	if c.ttl > 0 {
		c.mu.Lock()
		// A policy saved while we read must not be hidden by what we read.
		if c.gen == gen {
			c.teams[teamID] = fresh
		}
		c.mu.Unlock()
	}
	return fresh, nil
}

// forget drops a team whose policy is being replaced.
func (c *policyCache) forget(teamID string) {
	c.mu.Lock()
	c.gen++
	delete(c.teams, teamID)
	c.mu.Unlock()
}

// appliedRecorder writes devices' policy confirmations in batches, each
// device and ETag once (remembered in memory; the store keeps the first
// time anyway, so a forgotten one only costs a write).
type appliedRecorder struct {
	st  store.Store
	log *slog.Logger

	mu         sync.Mutex
	remembered map[string]string // device ID → ETag recorded or pending
	pending    []store.PolicyApplied
	wake       chan struct{}
	done       chan struct{}
	stop       chan struct{}
	stopOnce   sync.Once
}

func startAppliedRecorder(st store.Store, log *slog.Logger) *appliedRecorder {
	r := &appliedRecorder{st: st, log: log, remembered: map[string]string{},
		wake: make(chan struct{}, 1), done: make(chan struct{}), stop: make(chan struct{})}
	go r.run()
	return r
}

// note records (later) that the device runs the policy with etag since at.
func (r *appliedRecorder) note(deviceID, etag string, at time.Time) {
	r.mu.Lock()
	if r.remembered[deviceID] == etag {
		r.mu.Unlock()
		return
	}
	if len(r.remembered) >= maxRemembered {
		r.remembered = map[string]string{}
	}
	r.remembered[deviceID] = etag
	r.pending = append(r.pending, store.PolicyApplied{DeviceID: deviceID, ETag: etag, At: at.UTC()})
	full := len(r.pending) >= appliedBatch
	r.mu.Unlock()
	if full {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func (r *appliedRecorder) run() {
	defer close(r.done)
	t := time.NewTicker(appliedFlush)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			r.flush()
			return
		case <-t.C:
		case <-r.wake:
		}
		r.flush()
	}
}

// flush writes what is pending. On failure the devices are forgotten, so
// their next poll confirms again.
func (r *appliedRecorder) flush() {
	for {
		r.mu.Lock()
		n := min(len(r.pending), appliedBatch)
		batch := r.pending[:n:n]
		r.pending = r.pending[n:]
		if len(r.pending) == 0 {
			r.pending = nil
		}
		r.mu.Unlock()
		if n == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := r.st.SetPoliciesApplied(ctx, batch)
		cancel()
		if err != nil {
			r.log.Error("recording_applied_policies_failed", "devices", n, "err", err)
			r.mu.Lock()
			for _, a := range batch {
				if r.remembered[a.DeviceID] == a.ETag {
					delete(r.remembered, a.DeviceID)
				}
			}
			r.mu.Unlock()
		}
	}
}

// close writes what is pending and stops; closing again does nothing.
func (r *appliedRecorder) close() {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
}

func (a *API) policy(w http.ResponseWriter, r *http.Request) outcome {
	p, bad := a.authenticate(r)
	if bad != nil {
		return *bad
	}
	etag, policy, err := a.policies.get(r.Context(), p.TeamID)
	if err != nil {
		a.log.Error("reading_team_policy_failed", "err", err)
		return refuse(http.StatusInternalServerError, "the server could not read this device's policy; try again later")
	}
	h := http.Header{"Etag": {`"` + etag + `"`}}
	if match, confirmed := matchETag(r.Header.Get("If-None-Match"), etag); match {
		if confirmed {
			a.applied.note(p.DeviceID, etag, a.now())
		}
		return outcome{status: http.StatusNotModified, label: "not_modified", header: h}
	}
	return outcome{status: http.StatusOK, label: "ok", body: policy, header: h}
}

// matchETag applies If-None-Match (RFC 9110 §13.1.2, weak comparison):
// match when the header lists etag or is "*"; confirmed only when it lists
// etag (the agent names the version it runs; "*" names none).
func matchETag(header, etag string) (match, confirmed bool) {
	if etag == "" {
		return false, false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			match = true
			continue
		}
		if strings.Trim(strings.TrimPrefix(t, "W/"), `"`) == etag {
			return true, true
		}
	}
	return match, false
}
