package spool

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/sessionguard/sessionguard/internal/atomicfile"
)

// Delivered is the durable marker "the session log is delivered up to
// seq N": every session record of the log with a sequence number up to N
// has been acknowledged by the server (or dead-lettered). The spool is
// derived from the log: at start the agent puts every log entry after N
// into the spool again (ReplayFrom), so a record written to the log but
// not yet to the spool when the agent was killed still reaches the
// server. A record id is its envelope's id and the server's idempotency
// key, so a record put again after it was delivered (the agent was killed
// between the server's ack and the marker's write) is counted once.
//
// The file holds the decimal N and a newline, written atomically.
type Delivered struct {
	path string

	mu   sync.Mutex
	upto int64
	// pending are the records logged since (or replayed) and not yet
	// acknowledged, by id; highest is the last seq logged.
	pending map[string]int64
	highest int64
}

// ErrMarkerReset is returned, with a usable Delivered, when the marker
// file held no sequence number (a hand edit, a disk error): it was reset
// to start, as for a new enrolment.
var ErrMarkerReset = errors.New("the session log's delivery marker was unreadable and was reset to the log's end")

// OpenDelivered reads the marker at path. When the file does not exist
// (the device was just enrolled) it is created with start, normally the
// log's last seq, so that what was recorded before enrolment stays on this
// computer, as it always has. An unreadable marker is reset the same way
// and reported with ErrMarkerReset (the agent goes on reporting).
func OpenDelivered(path string, start int64) (*Delivered, error) {
	d := &Delivered{path: path, pending: map[string]int64{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.upto = start
		if err := d.write(); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("reading the delivery marker: %w", err)
	default:
		n, perr := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if perr != nil || n < 0 {
			d.upto, d.highest = start, start
			if err := d.write(); err != nil {
				return nil, err
			}
			return d, ErrMarkerReset
		}
		d.upto = n
	}
	d.highest = d.upto
	return d, nil
}

// Upto is N: the log is delivered up to this seq.
func (d *Delivered) Upto() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.upto
}

// Logged notes that the record id has seq in the log and is on its way to
// the spool. Call it before putting the record in the spool.
func (d *Delivered) Logged(seq int64, id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if seq <= d.upto {
		return
	}
	d.pending[id] = seq
	d.highest = max(d.highest, seq)
}

// Acked notes that the server has the record id (or that it was
// dead-lettered) and moves the marker past every record that is no longer
// pending. An id that was never logged does nothing.
func (d *Delivered) Acked(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.pending[id]; !ok {
		return nil
	}
	delete(d.pending, id)
	upto := d.highest
	for _, seq := range d.pending {
		upto = min(upto, seq-1)
	}
	if upto <= d.upto {
		return nil
	}
	old := d.upto
	d.upto = upto
	if err := d.write(); err != nil {
		d.upto = old // replayed again at the next start: a duplicate the server drops
		return err
	}
	return nil
}

func (d *Delivered) write() error {
	if err := atomicfile.WriteFile(d.path, []byte(strconv.FormatInt(d.upto, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the delivery marker: %w", err)
	}
	return nil
}
