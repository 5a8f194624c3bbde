// Package daemon wires the agent service that `sessionguard agent run`
// starts: the agent with its session log, the local API on its socket, the
// reporter and its spool once the device is enrolled (also when it is
// enrolled while running), and the team policy from the server. The
// commands that work without a running agent (session, onboard) open the
// same agent over the same state directory with Open. internal/cli only
// turns flags into a Config.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sessionguard/sessionguard/agent"
	"github.com/sessionguard/sessionguard/agent/credentials"
	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/agent/policysync"
	"github.com/sessionguard/sessionguard/agent/reporter"
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/agent/spool"
	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/probe"
	"github.com/sessionguard/sessionguard/checks/probe/live"
	"github.com/sessionguard/sessionguard/report"
)

// SpoolMaxBytes bounds the report spool; old check runs are dropped first,
// session records never.
const SpoolMaxBytes = 64 << 20

// EnrolmentPoll is how often an agent that is not enrolled looks for
// credentials written by `sessionguard enroll`.
const EnrolmentPoll = 30 * time.Second

// Config is what the agent runs with.
type Config struct {
	// StateDir holds the results, the session log, the spool and the
	// credentials (the names are statedir's).
	StateDir string
	// Socket is where Run serves the local API.
	Socket string
	// Policy is the policy to judge against until the server gives one.
	Policy checks.Policy
	// Checks are the registered checks.
	Checks []checks.Check
	// Version is the agent's, as reports and the local API give it.
	Version string
	// Logger gets Run's log lines; nil discards them.
	Logger *slog.Logger
}

// SessionLogPath is the session log in the state directory.
func (c Config) SessionLogPath() string {
	return filepath.Join(c.StateDir, statedir.SessionLogFile)
}

func (c Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c.Logger
}

// Run is the foreground agent: it serves the local API and runs the
// schedule and the reporter until ctx ends.
func Run(ctx context.Context, c Config) error {
	logger := c.logger()
	cfg, log, err := Open(c)
	if err != nil {
		return err
	}
	defer log.Close()
	cfg.Logger = logger
	if l, ok := cfg.Probe.(*live.Live); ok {
		// Long-lived: the process table is kept from the kernel's events
		// rather than read whole for every check run.
		l.FollowProcesses(ctx)
	}
	sessions := cfg.Log.(sessionLogAdapter)
	rep, err := startReporter(ctx, c, logger, sessions, cfg.Probe)
	if err != nil {
		return err
	}
	if rep != nil {
		cfg.Outbox, cfg.Server = rep.reporter, rep.server
	}
	// Start from the policy the server last gave (kept across restarts),
	// not the defaults, until it answers again.
	if cfg.Policy, err = TeamPolicy(c.StateDir, c.Policy); err != nil {
		logger.Warn("judging against the built-in policy (or the policy file) until the server sends the team's policy", "err", err)
	}
	a, err := agent.New(cfg)
	if err != nil {
		return err
	}
	if rep != nil {
		rep.syncPolicy(ctx, a, logger)
	}
	ln, err := localapi.Listen(c.Socket)
	if err != nil {
		return err
	}
	// One lookup (loginctl on Linux) per TTL, not per request.
	console := localapi.CachedConsoleUID(func() (string, error) {
		u, err := cfg.Probe.ConsoleUser()
		return u.UID, err
	}, localapi.ConsoleUIDTTL)
	ln = localapi.LimitListener(ln, localapi.DefaultLimits, console)
	srv := localapi.NewServer(localapi.NewHandler(WithLog{a, log}, localapi.DefaultAuthorizer(console)))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	go a.Schedule(ctx)
	if rep == nil {
		go awaitEnrolment(ctx, c, logger, a, sessions, cfg.Probe)
	}
	logger.Info("agent started", "socket", c.Socket, "enrolled", rep != nil)
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serving the local API: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	logger.Info("agent stopped")
	return nil
}

// awaitEnrolment starts reporting once `sessionguard enroll` has stored
// credentials, without restarting the agent.
func awaitEnrolment(ctx context.Context, c Config, logger *slog.Logger, a *agent.Agent, sessions sessionLogAdapter, p probe.Probe) {
	tick := time.NewTicker(EnrolmentPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rep, err := startReporter(ctx, c, logger, sessions, p)
		if err != nil {
			logger.Warn("reading credentials failed", "err", err)
			continue
		}
		if rep != nil {
			a.SetOutbox(rep.reporter, rep.server)
			rep.syncPolicy(ctx, a, logger)
			logger.Info("enrolled: reporting started")
			return
		}
	}
}

type runningReporter struct {
	reporter *reporter.Reporter
	server   string
	// token reads the device token; policyCache is where the server's
	// policy is kept.
	token       func() (string, error)
	policyCache string
}

// syncPolicy keeps a's policy in step with the team policy on the server.
func (r *runningReporter) syncPolicy(ctx context.Context, a *agent.Agent, logger *slog.Logger) {
	s, err := policysync.New(policysync.Config{ServerURL: r.server, Token: r.token, CachePath: r.policyCache, Apply: a.SetPolicy, Logger: logger})
	if err != nil {
		logger.Warn("policy updates from the server are off", "err", err)
		return
	}
	go s.Run(ctx)
}

// startReporter starts sending the spool when this device is enrolled; nil
// when it is not (then nothing leaves the machine). The spool is derived
// from the session log: the log's records after the delivery marker are
// put in it again first (replaySessions).
func startReporter(ctx context.Context, c Config, logger *slog.Logger, sessions sessionLogAdapter, p probe.Probe) (*runningReporter, error) {
	store, err := credentials.New(credentials.Options{Path: filepath.Join(c.StateDir, statedir.CredentialsFile), Logger: logger})
	if err != nil {
		return nil, err
	}
	creds, err := store.Load()
	if errors.Is(err, credentials.ErrNotEnrolled) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sp, err := spool.Open(filepath.Join(c.StateDir, statedir.SpoolDir), SpoolMaxBytes, spool.WithLogger(logger))
	if err != nil {
		return nil, err
	}
	delivered, err := replaySessions(sessions, sp, filepath.Join(c.StateDir, statedir.DeliveredFile), report.Agent{Version: c.Version, Host: probe.HostOf(p)}, logger)
	if err != nil {
		return nil, err
	}
	r, err := reporter.New(reporter.Config{Spool: sp, ServerURL: creds.ServerURL, Token: store.Token, Logger: logger,
		Delivered: func(env report.Envelope) {
			if env.Kind != report.KindSession {
				return
			}
			if err := delivered.Acked(env.ID); err != nil {
				logger.Warn("the session log's delivery marker was not moved; the record will be sent again and counted once", "err", err)
			}
		}})
	if err != nil {
		return nil, err
	}
	go func() {
		if err := r.Run(ctx); err != nil && ctx.Err() == nil {
			logger.Error("reporter stopped", "err", err)
		}
	}()
	return &runningReporter{reporter: r, server: creds.ServerURL, token: store.Token, policyCache: filepath.Join(c.StateDir, statedir.ServerPolicyFile)}, nil
}

// ErrTeamPolicyUnread: the computer is enrolled, but the policy its team's
// server last sent cannot be read here, so what the team requires is not
// known.
var ErrTeamPolicyUnread = errors.New("this computer is enrolled, but the policy its organisation's server last sent cannot be read")

// TeamPolicy is the policy an agent over stateDir judges against until the
// server answers: the policy the server last gave (policysync's cache)
// when the computer is enrolled (its credentials file is there), fallback
// (the built-in policy or a policy file) when it is not. When it is
// enrolled and that policy cannot be read (not fetched yet, damaged, not
// this user's to read), or whether it is enrolled cannot be told, it gives
// fallback with an error wrapping ErrTeamPolicyUnread: the team's policy
// may be stricter, so whoever judges readiness against fallback must not
// call the computer ready.
func TeamPolicy(stateDir string, fallback checks.Policy) (checks.Policy, error) {
	_, err := os.Stat(filepath.Join(stateDir, statedir.CredentialsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return fallback, nil
	}
	if err != nil {
		return fallback, fmt.Errorf("%w (whether it is enrolled cannot be told: %w)", ErrTeamPolicyUnread, err)
	}
	pol, _, err := policysync.LoadCached(filepath.Join(stateDir, statedir.ServerPolicyFile))
	if err != nil {
		return fallback, fmt.Errorf("%w: %w", ErrTeamPolicyUnread, err)
	}
	return pol, nil
}

// replaySessions opens the delivery marker at markerPath (created at the
// log's last seq: what was recorded before enrolment stays here), has
// sessions note every later append in it, and puts every intact log
// record after it in the spool again. A record the spool still holds is
// not put twice (same id); one the server already has is answered as a
// duplicate and counted once.
func replaySessions(sessions sessionLogAdapter, sp *spool.Spool, markerPath string, info report.Agent, logger *slog.Logger) (*spool.Delivered, error) {
	entries, sum, err := sessions.log.Snapshot()
	var broken *sessionlog.BrokenError
	if err != nil && !errors.As(err, &broken) {
		return nil, fmt.Errorf("reading the session log to deliver it: %w", err)
	}
	entries = entries[:min(sum.Records, len(entries))] // only the intact ones
	var last int64
	if len(entries) > 0 {
		last = entries[len(entries)-1].Seq
	}
	d, err := spool.OpenDelivered(markerPath, last)
	if errors.Is(err, spool.ErrMarkerReset) {
		logger.Warn("session log delivery marker reset", "err", err)
	} else if err != nil {
		return nil, err
	}
	sessions.delivered.Store(d)
	replayed := 0
	for _, en := range entries {
		if en.Seq <= d.Upto() {
			continue
		}
		d.Logged(en.Seq, en.Record.ID)
		if err := sp.Put(report.NewSession(info, en.Record)); err != nil {
			return nil, fmt.Errorf("putting the session log's record %d in the spool: %w", en.Seq, err)
		}
		replayed++
	}
	if replayed > 0 {
		logger.Info("session records not yet acknowledged by the server are queued again", "records", replayed, "after_seq", d.Upto())
	}
	return d, nil
}

// Open is what both the service and an in-process agent run with: the
// live probe, the checks, the policy and the session log (with the session
// a previous run left open). The caller closes the log.
func Open(c Config) (agent.Config, *sessionlog.Log, error) {
	log, open, lastEnded, err := openSessionLog(c.SessionLogPath())
	if err != nil {
		return agent.Config{}, nil, err
	}
	return agent.Config{
		Probe: live.New(), LANServices: lanServices(c.Checks), Checks: c.Checks, Policy: c.Policy, StateDir: c.StateDir, Version: c.Version,
		Log: sessionLogAdapter{log: log, delivered: new(atomic.Pointer[spool.Delivered])}, OpenSession: open, LastEnded: lastEnded, ValidateLabel: sessionlog.ValidateLabel,
	}, log, nil
}

// lanServices is every DNS-SD service type the checks browse (those with
// a LANServices method), for the agent to keep browsing in the background.
func lanServices(list []checks.Check) []string {
	var out []string
	for _, c := range list {
		if l, ok := c.(interface{ LANServices() []string }); ok {
			for _, s := range l.LANServices() {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// sessionLogAdapter makes the session log the agent's SessionLog. Once
// reporting starts, delivered holds the delivery marker, which learns
// each record's seq before the agent spools it.
type sessionLogAdapter struct {
	log       *sessionlog.Log
	delivered *atomic.Pointer[spool.Delivered]
}

func (a sessionLogAdapter) Append(rec report.SessionRecord) error {
	en, err := a.log.Append(rec)
	if err == nil {
		if d := a.delivered.Load(); d != nil {
			d.Logged(en.Seq, rec.ID)
		}
	}
	return err
}

// openSessionLog opens the log and finds the session a previous run left
// open.
func openSessionLog(path string) (log *sessionlog.Log, open, lastEnded *report.SessionRecord, err error) {
	log, err = sessionlog.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	entries, _ := log.List()
	open, _ = sessionlog.OpenSession(entries)
	lastEnded, _ = sessionlog.LastEnded(entries)
	return log, open, lastEnded, nil
}

// WithLog is the agent as the local API serves it: with its session log,
// which the practitioner reads through the agent (the file is root-only).
type WithLog struct {
	*agent.Agent
	Log *sessionlog.Log
}

// SessionLog is GET sessions.
func (a WithLog) SessionLog(context.Context) (localapi.SessionLog, error) {
	entries, sum, err := a.Log.Snapshot()
	return SessionLogAnswer(a.Log.Path(), entries, sum, err)
}

// SessionLogAnswer is what the session log's reader found, as the local
// API answers it; an error other than a broken chain is returned as is.
func SessionLogAnswer(path string, entries []sessionlog.Entry, sum sessionlog.Summary, err error) (localapi.SessionLog, error) {
	l := localapi.SessionLog{Path: path, Records: sum.Records, Head: sum.Head, Entries: make([]localapi.SessionEntry, 0, len(entries))}
	var broken *sessionlog.BrokenError
	switch {
	case errors.As(err, &broken):
		l.Broken = &localapi.BrokenLine{Line: broken.Line, Seq: broken.Seq, Offset: broken.Offset, Reason: broken.Reason}
	case err != nil:
		return localapi.SessionLog{}, err
	}
	for _, en := range entries {
		l.Entries = append(l.Entries, localapi.SessionEntry{Seq: en.Seq, Record: en.Record})
	}
	return l, nil
}
