package api

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/sessionguard/sessionguard/server/store"
)

// errClosed: the writer stopped (the server is shutting down).
var errClosed = errors.New("ingest writer closed")

// writer is the group commit: request handlers enqueue reports and wait;
// each writer goroutine takes whatever is queued (up to the batch size),
// stores it with one SaveReports transaction and only then answers every
// request in it. Under load a commit carries many reports; when idle a
// report is committed alone, with no added delay.
type writer struct {
	st      store.Store
	in      chan *pending
	stop    chan struct{}
	done    sync.WaitGroup
	once    sync.Once
	batch   int
	log     *slog.Logger
	metrics *metrics
}

type pending struct {
	rep    store.DeviceReport
	result chan saved
}

type saved struct {
	duplicate bool
	err       error
}

func startWriter(st store.Store, writers, batch, queue int, log *slog.Logger, m *metrics) *writer {
	w := &writer{st: st, in: make(chan *pending, queue), stop: make(chan struct{}), batch: batch, log: log, metrics: m}
	for range writers {
		w.done.Add(1)
		go w.run()
	}
	return w
}

// save stores one report through the group commit and returns once its
// transaction has committed (or failed).
func (w *writer) save(ctx context.Context, rep store.DeviceReport) (bool, error) {
	p := &pending{rep: rep, result: make(chan saved, 1)}
	select {
	case <-w.stop:
		return false, errClosed
	default:
	}
	select {
	case w.in <- p:
	case <-w.stop:
		return false, errClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
	// Once queued, the report will be committed or refused whatever the
	// client does; waiting on ctx only stops waiting.
	select {
	case r := <-p.result:
		return r.duplicate, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (w *writer) run() {
	defer w.done.Done()
	batch := make([]*pending, 0, w.batch)
	for {
		batch = batch[:0]
		select {
		case p := <-w.in:
			batch = append(batch, p)
		case <-w.stop:
			// Commit what is still queued, then stop.
			for {
				select {
				case p := <-w.in:
					w.commit([]*pending{p})
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < w.batch {
			select {
			case p := <-w.in:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

// commit stores a batch in one transaction. If the transaction fails (one
// report's device was erased meanwhile, say), each report is retried alone
// so one bad report cannot fail the others.
func (w *writer) commit(batch []*pending) {
	reps := make([]store.DeviceReport, len(batch))
	for i, p := range batch {
		reps[i] = p.rep
	}
	// The batch outlives any one request: it is bounded by the store, not
	// by a client's context.
	ctx := context.Background()
	dups, err := w.st.SaveReports(ctx, reps)
	w.metrics.batch(len(batch))
	if err == nil {
		for i, p := range batch {
			p.result <- saved{duplicate: dups[i]}
		}
		return
	}
	if len(batch) > 1 {
		w.log.Warn("group_commit_failed_retrying_one_by_one", "reports", len(batch), "err", err)
	}
	for _, p := range batch {
		var s saved
		if len(batch) == 1 {
			s.err = err
		} else {
			s.duplicate, s.err = w.st.SaveReport(ctx, p.rep.DeviceID, p.rep.Envelope)
		}
		p.result <- s
	}
}

// close commits what is queued and stops the writers. save calls made
// after close return errClosed.
func (w *writer) close() {
	w.once.Do(func() { close(w.stop) })
	w.done.Wait()
	// A save that raced with the final drain is answered here.
	for {
		select {
		case p := <-w.in:
			p.result <- saved{err: errClosed}
		default:
			return
		}
	}
}
