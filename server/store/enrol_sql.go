package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/report"
)

// Enrolment is a group commit, as ingest is: enrolments that arrive while
// one transaction runs wait and are then written together, in one
// transaction with one flush to disk. One transaction and one fsync per
// enrolment made them serial — on SQLite each waited for the database
// lock in busy_timeout's sleeps, on PostgreSQL on the secret's row lock
// (~300 devices/s with 32 at once, p99 over a second). On SQLite the
// batch runs on the ingest connection, the one writer, and is made
// durable by SyncReports, as reports are.
//
// There is no goroutine of its own: the first enrolment to find no batch
// running leads, commits everything queued then (itself included) and
// hands the lead to the first enrolment queued meanwhile.

// maxEnrolBatch bounds the enrolments of one transaction.
const maxEnrolBatch = 256

// enrolTimeout bounds one batch's transaction (it is not any one
// request's: a client that goes away does not fail the others).
const enrolTimeout = 30 * time.Second

type enrolQueue struct {
	mu      sync.Mutex
	pending []*enrolment
	leading bool // a batch is running; pending is never non-empty without one
}

type enrolment struct {
	ctx        context.Context
	secretHash string
	name       string
	agent      report.Agent

	deviceID, token string
	err             error
	done            chan struct{} // closed once the result is set
	lead            chan struct{} // told to lead the next batch
}

func (s *sqlStore) EnrollDevice(ctx context.Context, secret, name string, agent report.Agent) (deviceID, token string, err error) {
	if strings.TrimSpace(name) == "" {
		return "", "", fmt.Errorf("%w: device name is empty", ErrInvalid)
	}
	e := &enrolment{ctx: ctx, secretHash: hashSecret(secret), name: name, agent: agent,
		done: make(chan struct{}), lead: make(chan struct{}, 1)}
	q := &s.enrolments
	q.mu.Lock()
	q.pending = append(q.pending, e)
	lead := !q.leading
	q.leading = true
	q.mu.Unlock()
	// A queued enrolment waits for its batch whatever its context says:
	// it may be handed the lead, and the batch skips it if its context
	// has ended by then.
	for !lead {
		select {
		case <-e.done:
			return e.deviceID, e.token, e.err
		case <-e.lead:
			lead = true
		}
	}
	// Leading: e is first in the queue (the queue was empty when it
	// arrived, or it was handed the lead as its first).
	q.mu.Lock()
	n := min(len(q.pending), maxEnrolBatch)
	batch := q.pending[:n:n]
	q.pending = append([]*enrolment(nil), q.pending[n:]...)
	q.mu.Unlock()
	s.enrolBatch(batch)
	q.mu.Lock()
	if len(q.pending) > 0 {
		q.pending[0].lead <- struct{}{}
	} else {
		q.leading = false
	}
	q.mu.Unlock()
	<-e.done
	return e.deviceID, e.token, e.err
}

// enrolBatch writes batch in one transaction and sets every result. When
// the transaction fails, each enrolment is tried alone, so that one's
// failure is not the others'.
func (s *sqlStore) enrolBatch(batch []*enrolment) {
	if err := s.enrolTx(batch); err != nil && !errors.Is(err, errCommitted) && len(batch) > 1 {
		for _, e := range batch {
			e.deviceID, e.token, e.err = "", "", nil
			_ = s.enrolTx([]*enrolment{e})
		}
	}
	for _, e := range batch {
		close(e.done)
	}
}

// errCommitted marks a batch that committed but could not be made durable:
// trying its enrolments again would enrol their devices twice.
var errCommitted = errors.New("committed")

// enrolTx writes batch in one durable transaction. It sets each
// enrolment's device and token, or its error (ErrInvalidSecret, its
// context's); an error of the transaction is returned and set on all.
func (s *sqlStore) enrolTx(batch []*enrolment) (err error) {
	ctx, cancel := context.WithTimeout(context.Background(), enrolTimeout)
	defer cancel()
	defer func() {
		if err != nil {
			err = fmt.Errorf("enrolling device: %w", err)
			for _, e := range batch {
				e.deviceID, e.token, e.err = "", "", err
			}
		}
	}()
	tx, done, err := s.ingestTx(ctx)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
		done()
	}()
	// One use is taken in the same statement that checks the secret: the
	// row is locked until commit, so enrolments in parallel (SQLite's
	// write lock; PostgreSQL re-checks the WHERE after the lock) or in
	// one batch (each sees the uses before it) never exceed max_uses.
	take, err := s.stmt(ctx, tx, s.q(`UPDATE enroll_secrets SET uses = uses + 1
		WHERE secret_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)
		RETURNING id, team_id`))
	if err != nil {
		return err
	}
	insert, err := s.stmt(ctx, tx, s.q(`INSERT INTO devices (id, team_id, enroll_secret_id, name, token_hash, agent_version, os, os_version, arch, enrolled_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return err
	}
	at := toMicros(now())
	for _, e := range batch {
		if e.err = e.ctx.Err(); e.err != nil {
			continue
		}
		var secretID, teamID string
		err := take.QueryRowContext(ctx, e.secretHash, at).Scan(&secretID, &teamID)
		if errors.Is(err, sql.ErrNoRows) {
			e.err = ErrInvalidSecret
			continue
		}
		if err != nil {
			return err
		}
		e.deviceID, e.token = report.NewID(), newSecret(tokenPrefix)
		h := e.agent.Host
		if _, err := insert.ExecContext(ctx, e.deviceID, teamID, secretID, e.name, hashSecret(e.token), e.agent.Version, h.OS, h.OSVersion, h.Arch, at, at); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	committed = true
	// Answer only once the devices are on disk (SQLite's writer commits
	// without its own fsync; see ingestConnection).
	if err := s.SyncReports(ctx); err != nil {
		return fmt.Errorf("%w, not synced: %w", errCommitted, err)
	}
	return nil
}
