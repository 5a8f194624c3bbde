package api

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/store/storetest"
)

// TestWriterIsolatesABadReport: when a group commit fails because of one
// report (its device is gone), the others are stored and acknowledged and
// only that one fails.
func TestWriterIsolatesABadReport(t *testing.T) {
	st := storetest.OpenSQLite(t)
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, device, _ := storetest.Enrolled(t, st, "w")
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	w := startWriter(st, 1, 16, 16, slog.New(slog.DiscardHandler), m)
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
