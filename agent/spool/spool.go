// Package spool is the agent's durable outbox: a directory holding one file
// per report.Envelope, written atomically and fsync'd before Put returns, so
// that nothing the agent has accepted is lost when the server is down, the
// process is killed or the machine loses power.
//
// File names are "<20-digit sequence>-<kind>-<id>.json". The sequence is the
// wall clock in nanoseconds, forced to grow strictly (also across restarts:
// Open continues after the highest sequence on disk), so the lexical order
// of the names is the order of the Puts.
//
// The spool is bounded: when it holds more than maxBytes, the oldest check
// run envelopes are dropped first (a newer run supersedes them); session
// envelopes (the audit trail) are never dropped — when only they remain, the
// bound is exceeded and a warning logged.
//
// A file that cannot be read back (a torn write from a crash on a
// filesystem without atomic rename, a disk error, a hand edit) is moved to
// dir/corrupt/ with a warning and never stops the agent. Envelopes the
// server refuses as malformed are moved to dir/dead-letter/ (DeadLetter), so
// they cannot block the queue and are kept for inspection.
package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/internal/atomicfile"
	"github.com/sessionguard/sessionguard/report"
)

// DefaultMaxBytes bounds the spool when Open is given maxBytes <= 0.
const DefaultMaxBytes = 64 << 20

// Subdirectories of the spool directory for files taken out of the queue.
const (
	CorruptDir    = "corrupt"
	DeadLetterDir = "dead-letter"
)

// ErrNotFound is returned by DeadLetter for an id that is not in the spool.
var ErrNotFound = errors.New("envelope not in the spool")

var namePattern = regexp.MustCompile(`^([0-9]{20})-(` + report.KindCheckRun + `|` + report.KindSession + `)-([0-9a-f]{32})\.json$`)

// Option configures Open.
type Option func(*Spool)

// WithLogger sets the logger for warnings (slog.Default otherwise).
func WithLogger(l *slog.Logger) Option {
	return func(s *Spool) {
		if l != nil {
			s.log = l
		}
	}
}

// entry is one envelope on disk.
type entry struct {
	seq  int64
	kind string
	id   string
	size int64
}

func (e entry) name() string {
	return fmt.Sprintf("%020d-%s-%s.json", e.seq, e.kind, e.id)
}

// Spool is a durable FIFO of envelopes. Its methods are safe for concurrent
// use; one process should own the directory at a time.
type Spool struct {
	dir string
	max int64
	log *slog.Logger

	mu      sync.Mutex
	entries []entry // ordered by seq, oldest first
	byID    map[string]struct{}
	total   int64
	lastSeq int64
	// overWarned avoids repeating the "only sessions left" warning on every
	// Put while the spool stays over its bound.
	overWarned bool
}

// Open opens (creating it 0700 when missing) the spool in dir, bounded to
// maxBytes (DefaultMaxBytes when <= 0). Leftover temporary files from an
// interrupted Put are removed; unreadable files are moved to dir/corrupt/.
func Open(dir string, maxBytes int64, opts ...Option) (*Spool, error) {
	if dir == "" {
		return nil, errors.New("opening spool: no directory given")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	s := &Spool{dir: dir, max: maxBytes, log: slog.Default(), byID: map[string]struct{}{}}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening spool: %w", err)
	}
	if runtime.GOOS != "windows" {
		// The directory may predate us with looser permissions.
		if err := os.Chmod(dir, 0o700); err != nil { //nolint:gosec // a directory: 0o700 is owner-only
			return nil, fmt.Errorf("opening spool: %w", err)
		}
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("opening spool: %w", err)
	}
	for _, de := range des {
		name := de.Name()
		if de.IsDir() {
			continue
		}
		if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") {
			// An atomic write that never reached its rename: its Put did
			// not return, so nobody was told it was stored.
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("removing spool temporary file failed", "file", name, "err", err)
			}
			continue
		}
		e, err := s.load(name)
		if err != nil {
			s.moveAside(name, CorruptDir, err)
			continue
		}
		if _, dup := s.byID[e.id]; dup {
			s.moveAside(name, CorruptDir, errors.New("duplicate id"))
			continue
		}
		s.entries = append(s.entries, e)
		s.byID[e.id] = struct{}{}
		s.total += e.size
		s.lastSeq = max(s.lastSeq, e.seq)
	}
	slices.SortFunc(s.entries, func(a, b entry) int { return compareInt(a.seq, b.seq) })
	s.enforceBound("")
	return s, nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// load reads and checks one spool file at Open.
func (s *Spool) load(name string) (entry, error) {
	m := namePattern.FindStringSubmatch(name)
	if m == nil {
		return entry{}, errors.New("not a spool file name")
	}
	seq, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return entry{}, fmt.Errorf("bad sequence: %w", err)
	}
	e := entry{seq: seq, kind: m[2], id: m[3]}
	_, size, err := s.read(e)
	if err != nil {
		return entry{}, err
	}
	e.size = size
	return e, nil
}

// read decodes the file of e and checks it is the envelope its name says.
func (s *Spool) read(e entry) (report.Envelope, int64, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, e.name()))
	if err != nil {
		return report.Envelope{}, 0, err
	}
	var env report.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return report.Envelope{}, 0, fmt.Errorf("decoding: %w", err)
	}
	if err := env.Validate(); err != nil {
		return report.Envelope{}, 0, err
	}
	if env.ID != e.id || env.Kind != e.kind {
		return report.Envelope{}, 0, errors.New("content does not match the file name")
	}
	return env, int64(len(data)), nil
}

// moveAside takes a file out of the queue into dir/sub/, keeping it for
// inspection. It never fails the caller: if even the move fails the file is
// left where it is (and skipped) with an error logged.
func (s *Spool) moveAside(name, sub string, why error) {
	target := filepath.Join(s.dir, sub)
	err := os.MkdirAll(target, 0o700)
	if err == nil {
		err = os.Rename(filepath.Join(s.dir, name), filepath.Join(target, name))
	}
	if err != nil {
		s.log.Error("moving spool file aside failed", "file", name, "to", sub, "reason", why.Error(), "err", err)
		return
	}
	if sub == CorruptDir {
		s.log.Warn("spool file unreadable, moved aside", "file", name, "to", sub, "reason", why.Error())
	}
}

// Put stores env durably: when Put returns nil the envelope survives a crash
// or power loss. Putting an id already in the spool does nothing.
func (s *Spool) Put(env report.Envelope) error {
	if err := env.Validate(); err != nil {
		return fmt.Errorf("spooling envelope: %w", err)
	}
	data, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("spooling envelope: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[env.ID]; ok {
		return nil
	}
	e := entry{seq: max(time.Now().UnixNano(), s.lastSeq+1), kind: env.Kind, id: env.ID, size: int64(len(data))}
	// atomicfile fsyncs the file, renames it into place and fsyncs the
	// directory before returning.
	if err := atomicfile.WriteFile(filepath.Join(s.dir, e.name()), data, 0o600); err != nil {
		return fmt.Errorf("spooling envelope: %w", err)
	}
	s.lastSeq = e.seq
	s.entries = append(s.entries, e)
	s.byID[e.id] = struct{}{}
	s.total += e.size
	s.enforceBound(e.id)
	return nil
}

// enforceBound drops the oldest check runs while the spool is over its
// bound, never keep (the envelope just put: the freshest status is the most
// useful one) and never a session. Called with mu held.
func (s *Spool) enforceBound(keep string) {
	if s.total <= s.max {
		s.overWarned = false
		return
	}
	dropped := 0
	for i := 0; i < len(s.entries) && s.total > s.max; {
		e := s.entries[i]
		if e.kind != report.KindCheckRun || e.id == keep {
			i++
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, e.name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Error("dropping check run from full spool failed", "id", e.id, "err", err)
			i++
			continue
		}
		s.removeAt(i)
		dropped++
	}
	if dropped > 0 {
		s.log.Warn("spool full, dropped oldest check runs", "dropped", dropped, "max_bytes", s.max)
	}
	if s.total > s.max {
		if !s.overWarned {
			s.log.Warn("spool over its bound with session records only, keeping them", "bytes", s.total, "max_bytes", s.max, "pending", len(s.entries))
			s.overWarned = true
		}
	} else {
		s.overWarned = false
	}
}

// removeAt forgets entry i. Called with mu held.
func (s *Spool) removeAt(i int) {
	e := s.entries[i]
	s.entries = slices.Delete(s.entries, i, i+1)
	delete(s.byID, e.id)
	s.total -= e.size
}

// find returns the index of id, searching from the oldest (acks come in
// order, so this is usually the first). Called with mu held.
func (s *Spool) find(id string) int {
	if _, ok := s.byID[id]; !ok {
		return -1
	}
	for i, e := range s.entries {
		if e.id == id {
			return i
		}
	}
	return -1
}

// Pending returns every envelope in the spool, oldest first.
func (s *Spool) Pending() ([]report.Envelope, error) {
	return s.Oldest(0)
}

// Oldest returns up to n envelopes (all when n <= 0), oldest first. A file
// that can no longer be read is moved to dir/corrupt/ and skipped.
func (s *Spool) Oldest(n int) ([]report.Envelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	count := len(s.entries)
	if n > 0 {
		count = min(count, n)
	}
	out := make([]report.Envelope, 0, count)
	for i := 0; i < len(s.entries) && len(out) < count; {
		e := s.entries[i]
		env, _, err := s.read(e)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("spool file vanished", "id", e.id)
			} else {
				s.moveAside(e.name(), CorruptDir, err)
			}
			s.removeAt(i)
			continue
		}
		out = append(out, env)
		i++
	}
	return out, nil
}

// Ack removes the envelope id: the server has it. Acking an id that is not
// (or no longer) in the spool is not an error.
func (s *Spool) Ack(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(id)
	if i < 0 {
		return nil
	}
	// No directory fsync: if the removal is lost in a power cut the
	// envelope is sent again, and the server deduplicates by id.
	if err := os.Remove(filepath.Join(s.dir, s.entries[i].name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("acknowledging envelope: %w", err)
	}
	s.removeAt(i)
	return nil
}

// DeadLetter moves envelope id to dir/dead-letter/: the server refused it
// as malformed, and it must not block the queue. The file is kept for
// inspection; reason is logged (it must not hold personal data).
func (s *Spool) DeadLetter(id, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(id)
	if i < 0 {
		return fmt.Errorf("dead-lettering %s: %w", id, ErrNotFound)
	}
	e := s.entries[i]
	target := filepath.Join(s.dir, DeadLetterDir)
	if err := os.MkdirAll(target, 0o700); err != nil {
		return fmt.Errorf("dead-lettering %s: %w", id, err)
	}
	if err := os.Rename(filepath.Join(s.dir, e.name()), filepath.Join(target, e.name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dead-lettering %s: %w", id, err)
	}
	s.removeAt(i)
	s.log.Warn("server refused envelope, moved to dead letters", "id", id, "kind", e.kind, "reason", reason)
	return nil
}

// Len is the number of envelopes waiting.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// Bytes is the size of the envelopes waiting.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }
