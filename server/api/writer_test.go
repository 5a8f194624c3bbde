package api

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// writerStore is a migrated SQLite store with one enrolled device.
func writerStore(t *testing.T) (store.Store, string) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, device, _ := storetest.Enrolled(t, st, "w")
	return st, device
}

// testWriter starts one writer over st (batches of 16).
func testWriter(t *testing.T, st store.Store) *writer {
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	return startWriter(st, 1, 16, 16, slog.New(slog.DiscardHandler), m)
}

// TestWriterIsolatesABadReport: when a group commit fails because of one
// report (its device is gone), the others are stored and acknowledged and
// only that one fails.
func TestWriterIsolatesABadReport(t *testing.T) {
	st, device := writerStore(t)
	w := testWriter(t, st)
	defer w.close()
	good, bad := storetest.CheckRun(time.Now(), true), storetest.CheckRun(time.Now(), true)
	batch := []*pending{
		{rep: store.DeviceReport{DeviceID: device, Envelope: good}, result: make(chan saved, 1)},
		{rep: store.DeviceReport{DeviceID: "erased-device", Envelope: bad}, result: make(chan saved, 1)},
	}
	w.commit(batch)
	if r := <-batch[0].result; r.err != nil || r.duplicate {
		t.Errorf("good report: %+v, want stored", r)
	}
	if r := <-batch[1].result; r.err == nil {
		t.Error("report of an unknown device acknowledged")
	}
	if d, err := st.Device(t.Context(), device); err != nil || d.LatestRunID != good.ID {
		t.Errorf("device = %+v, %v", d, err)
	}
	// After close, saves are refused rather than lost.
	w.close()
	if _, err := w.save(t.Context(), store.DeviceReport{DeviceID: device, Envelope: storetest.CheckRun(time.Now(), true)}); !errors.Is(err, errClosed) {
		t.Errorf("save after close: %v, want errClosed", err)
	}
}

// gatedSync is a real store whose SyncReports waits for the test and can
// be made to fail.
type gatedSync struct {
	store.Store
	gate chan error
}

func (g *gatedSync) SyncReports(ctx context.Context) error {
	if err := <-g.gate; err != nil {
		return err
	}
	return g.Store.SyncReports(ctx)
}

// TestWriterAnswersOnlyOnceOnDisk: a committed report is not acknowledged
// until the disk flush after its commit has returned, and a failed flush
// fails the request (the report is committed, so sending it again is
// answered as a duplicate).
func TestWriterAnswersOnlyOnceOnDisk(t *testing.T) {
	st, device := writerStore(t)
	g := &gatedSync{Store: st, gate: make(chan error)}
	w := testWriter(t, g)
	defer func() { close(g.gate); w.close() }()

	save := func(env report.Envelope) chan saved {
		out := make(chan saved, 1)
		go func() {
			dup, err := w.save(context.Background(), store.DeviceReport{DeviceID: device, Envelope: env})
			out <- saved{duplicate: dup, err: err}
		}()
		return out
	}
	env := storetest.CheckRun(time.Now(), true)
	answer := save(env)
	// Committed (the device row shows it) but not yet flushed: no answer.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if d, err := st.Device(t.Context(), device); err == nil && d.LatestRunID == env.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report was never committed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case r := <-answer:
		t.Fatalf("answered %+v before the disk flush", r)
	case <-time.After(100 * time.Millisecond):
	}
	g.gate <- nil
	if r := <-answer; r.err != nil || r.duplicate {
		t.Errorf("after the flush: %+v, want stored", r)
	}

	// A failed flush fails the request; sending again is a duplicate.
	env = storetest.CheckRun(time.Now(), true)
	answer = save(env)
	g.gate <- errors.New("disk on fire")
	if r := <-answer; r.err == nil {
		t.Errorf("a failed flush was acknowledged: %+v", r)
	}
	answer = save(env)
	g.gate <- nil
	if r := <-answer; r.err != nil || !r.duplicate {
		t.Errorf("the same report after a failed flush: %+v, want a duplicate", r)
	}
}
