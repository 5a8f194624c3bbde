// Package policysync keeps an enrolled agent's policy in step with its
// team's policy on the server.
//
// The agent asks GET report.PathPolicy with its device token and the ETag
// of the policy it holds (If-None-Match) every 45 s or less, so a policy
// saved on the dashboard is in force within a minute; the answer is almost
// always a 304 with no body. The answer is the team's policy
// document, the same JSON a policy file holds (checks.ParsePolicy reads it,
// laid over the defaults), with its ETag; 304 means nothing changed. A new
// policy is validated, saved atomically to a cache file and only then
// applied, so an agent that restarts without a network starts with the
// last policy the server gave it instead of the defaults. Having applied a
// new policy, the syncer asks again at once: that request's If-None-Match
// tells the server the device now runs the new version (the dashboard
// shows when each device applied it), with no new field on the wire.
//
// Failures never loosen the policy in force: a network error, a 5xx or an
// invalid document keep the current policy (logged once per change of
// error), and a 401/403 (device removed from the server) stops updates until
// the token changes. The token is never logged.
package policysync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/atomicfile"
	"github.com/sessionguard/sessionguard/report"
)

// Defaults of Config.
const (
	// DefaultInterval keeps a saved policy's way to the agent under a
	// minute: at most 45 s to the next poll, plus the server's policy
	// cache on other replicas (10 s).
	DefaultInterval       = 45 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	// maxPolicy bounds the answer read from the server.
	maxPolicy = 1 << 20
)

// ErrRefused: the server refused the device token (the device was removed).
var ErrRefused = errors.New("the server refused this device's token; enrol again")

// Config is what a Syncer needs.
type Config struct {
	// ServerURL is the enrolled server.
	ServerURL string
	// Token returns the device token (called for each request).
	Token func() (string, error)
	// CachePath is where the last policy from the server is kept.
	CachePath string
	// Apply receives each new policy (after it is cached).
	Apply func(checks.Policy)
	// Interval between polls, at most (DefaultInterval when zero); each
	// wait is shortened by up to a quarter at random, so agents started
	// together do not poll together.
	Interval time.Duration
	// HTTPClient sends the requests (one that does not follow redirects,
	// with DefaultRequestTimeout, when nil).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Syncer polls the server for the policy. Create it with New.
type Syncer struct {
	cfg    Config
	base   string
	client *http.Client
	log    *slog.Logger
	etag   string
}

// cached is the cache file's content.
type cached struct {
	ETag   string          `json:"etag"`
	Policy json.RawMessage `json:"policy"`
}

// New checks cfg and returns a Syncer holding the cached policy's ETag.
func New(cfg Config) (*Syncer, error) {
	if cfg.Token == nil || cfg.Apply == nil || cfg.CachePath == "" {
		return nil, errors.New("policy sync: a token source, a cache path and an Apply function are required")
	}
	base, err := credentials.ParseServerURL(cfg.ServerURL)
	if err != nil {
		return nil, fmt.Errorf("policy sync: %w", err)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	s := &Syncer{cfg: cfg, base: base, client: cfg.HTTPClient, log: cfg.Logger}
	if s.client == nil {
		s.client = &http.Client{
			Timeout:       DefaultRequestTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if _, etag, err := LoadCached(cfg.CachePath); err == nil {
		s.etag = etag
	}
	return s, nil
}

// LoadCached reads the policy the server last gave. os.ErrNotExist (wrapped)
// when there is none.
func LoadCached(path string) (checks.Policy, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return checks.Policy{}, "", err
	}
	var c cached
	if err := json.Unmarshal(b, &c); err != nil {
		return checks.Policy{}, "", fmt.Errorf("%s: %w", path, err)
	}
	pol, _, err := all.ParseServerPolicy(bytes.NewReader(c.Policy))
	if err != nil {
		return checks.Policy{}, "", fmt.Errorf("%s: %w", path, err)
	}
	return pol, c.ETag, nil
}

// Once asks the server for the policy and applies it when it changed.
func (s *Syncer) Once(ctx context.Context) (changed bool, err error) {
	tok, err := s.cfg.Token()
	if err != nil {
		return false, fmt.Errorf("reading the device token: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+report.PathPolicy, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("asking the server for the policy: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return false, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return false, ErrRefused
	case resp.StatusCode != http.StatusOK:
		return false, fmt.Errorf("server answered %s to %s", resp.Status, report.PathPolicy)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicy+1))
	if err != nil {
		return false, fmt.Errorf("reading the policy: %w", err)
	}
	if len(body) > maxPolicy {
		return false, fmt.Errorf("the server's policy is larger than %d bytes", maxPolicy)
	}
	pol, ignored, err := all.ParseServerPolicy(bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("the server's policy is not valid, keeping the current one: %w", err)
	}
	if len(ignored) > 0 && s.log != nil {
		s.log.Warn("the server's policy names settings or checks this agent does not have (the server runs a newer SessionGuard); following the rest of it, update this agent to follow them too",
			"ignored", strings.Join(ignored, ", "))
	}
	if err := pol.ClearableSites(); err != nil && s.log != nil {
		// Stored by a server before it checked cookie sites: followed
		// all the same, but every clear will be refused over it.
		s.log.Warn("the server's policy holds a cookie site no clear can use; cookies are not cleared after sessions until the team's policy is corrected on the server",
			"err", err)
	}
	if len(pol.Uncheckable) > 0 && s.log != nil {
		s.log.Warn("the server's policy requires checks this agent does not have (the server runs a newer SessionGuard); they are reported unknown, so this computer is not ready until this agent is updated",
			"checks", strings.Join(pol.Uncheckable, ", "))
	}
	// The ETag is kept verbatim (quotes, W/) to be sent back as is.
	etag := resp.Header.Get("ETag")
	c, err := json.Marshal(cached{ETag: etag, Policy: body})
	if err != nil {
		return false, err
	}
	if err := atomicfile.WriteFile(s.cfg.CachePath, c, 0o600); err != nil {
		return false, fmt.Errorf("saving the policy: %w", err)
	}
	s.etag = etag
	s.cfg.Apply(pol)
	return true, nil
}

// Run polls now and every Interval until ctx ends; it returns ctx.Err().
// After ErrRefused it keeps polling (a new enrolment brings a new token).
func (s *Syncer) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	var lastErr string
	confirming := false
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		changed, err := s.Once(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && err.Error() != lastErr:
			s.log.Warn("policy not updated", "err", err)
			lastErr = err.Error()
		case err == nil:
			lastErr = ""
		}
		if changed {
			s.log.Info("policy updated from the server", "etag", s.etag)
		}
		// Confirm a new policy at once (that poll's If-None-Match is the
		// new ETag), but once only: a server answering 200 every time must
		// not get a request loop.
		if changed && !confirming {
			confirming = true
			t.Reset(0)
			continue
		}
		confirming = false
		t.Reset(s.wait())
	}
}

// wait is the time to the next poll: Interval less up to a quarter.
func (s *Syncer) wait() time.Duration {
	return s.cfg.Interval - rand.N(s.cfg.Interval/4+1)
}
