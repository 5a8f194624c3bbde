// Package sessionlog is the tamper-evident audit trail of 1:1 sessions: an
// append-only file of JSON lines, each holding one report.SessionRecord and
// chained to the line before it by SHA-256, so that changing, removing,
// inserting or reordering any record is detected by `sessionguard session
// verify`, which points at the first broken line.
//
// # Format (sessionguard.sessionlog/v1)
//
// The file is UTF-8 text. Every line, including the last, ends with a single
// "\n" (no "\r"). Line k (counting from 1) is exactly
//
//	{"seq":S,"prev":"P","record":R,"hash":"H"}
//
// with no spaces outside R, in this key order, where
//
//   - S is k in decimal, without leading zeros;
//   - P is 64 lower-case hex digits: for line 1 sixty-four "0", for line k>1
//     the SHA-256 of the complete bytes of line k-1 without its "\n";
//   - R is the record: a JSON object (report.SessionRecord), written without
//     any newline; it is hashed as the exact bytes found in the line, never
//     re-serialised, so a verifier needs no JSON canonicalisation;
//   - H is 64 lower-case hex digits: the SHA-256 of the bytes
//     "sessionguard.sessionlog/v1\n" + S + "\n" + P + "\n" + R.
//
// Because the line must be byte-for-byte this form, R is everything between
// the fixed prefix (up to `"record":`) and the fixed-length suffix
// `,"hash":"H"}`, so the check is simple in any language: split the line,
// recompute H, compare S with the line number and P with the hash of the
// previous line. Every byte of a line is covered: S, P and R through H, H by
// the comparison, the punctuation by the exact form and the newline by the
// line structure (a changed "\n" merges or splits lines). Every line's bytes
// are in turn covered by the next line's P. Hence a changed byte anywhere
// breaks the line it is in; a removed, inserted, duplicated or swapped line
// breaks the first line whose S or P no longer fits; a file cut in the
// middle of a line ends without "\n", which is reported as an incomplete
// last line.
//
// What no hash chain can show on its own is the removal of whole lines from
// the end: the shorter file is a valid log. Verify therefore reports the
// number of records and the hash of the last line (the head); an auditor who
// notes the head, or compares with the copies the agent sends to the server,
// detects that too.
//
// The chain is tamper-evident, not tamper-proof: it has no secret, so whoever
// can write the file can rewrite it from a changed line onwards and recompute
// every hash. It proves that the file is as the agent wrote it unless it was
// rewritten deliberately and completely; the server's copies and a noted head
// close that gap.
//
// # Writing and crashes
//
// One Log is the single writer: Append holds a mutex and an advisory lock on
// the file (so a second process cannot interleave), writes the line with one
// write on a file opened O_APPEND, and fsyncs it before returning, so an
// acknowledged record survives a crash; the file (0600) and a directory
// created for it (0700) are made durable by an fsync of their directory.
//
// A crash in the middle of a write can leave a torn last line: bytes without
// the final "\n". That record was never acknowledged, but the bytes are
// still audit data and could equally be the trace of someone cutting the
// file, so the log never removes or hides them by itself. Neither does it
// append after them: the new records would sit behind a broken line, where
// verify can never again prove them. Instead Open succeeds (the log can be
// read and listed), the problem is logged, and Append refuses with ErrRepair
// and the line and byte offset, until a person has looked: `sessionguard
// session verify` shows the line, and the repair is to keep a copy of the
// file as evidence and then cut it back to the end of the last complete line
// (the offset in the message; `truncate -s OFFSET FILE`). An auditor would
// rather have a visible, explained gap than a log that quietly mended
// itself. The same applies when the last complete line is not a valid
// entry. Append looks again after a repair, so the agent need not restart.
//
// Open reads only the last line, so start-up stays fast however long the
// log; a break further up is for verify to find (appending behind it loses
// nothing, and the break stays visible).
//
// The log is never rotated: a record is about half a kilobyte, a few MB in
// years of sessions.
//
// # Labels
//
// A session's label is a pseudonymous case reference. ValidateLabel refuses
// what looks like an email address, a phone or NHS number, a postcode, a
// date of birth or a full name; Append applies it to every start record, so
// the log never holds a label the rules of its day refuse. An end record repeats its
// start's label and is not checked again, so that a later, stricter rule
// can never stop a session from being closed.
package sessionlog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"sync"

	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/report"
)

// Format names the log format; it is also the domain-separation prefix of
// every record hash.
const Format = "sessionguard.sessionlog/v1"

// MaxLineBytes bounds a line; a record is far smaller.
const MaxLineBytes = 1 << 20

// zeroHash is the prev of the first line.
const zeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

var (
	// ErrRepair is returned by Append when the end of the log is not a
	// complete, valid entry; the error says where and how to repair it.
	ErrRepair = errors.New("session log needs repair")
	// ErrInvalidRecord is returned by Append for a record that does not
	// follow report.SessionRecord's rules.
	ErrInvalidRecord = errors.New("invalid session record")
	// ErrClosed is returned by a closed Log.
	ErrClosed = errors.New("session log is closed")
)

// Entry is one line of the log.
type Entry struct {
	Seq    int64                `json:"seq"`
	Prev   string               `json:"prev"`
	Record report.SessionRecord `json:"record"`
	Hash   string               `json:"hash"`
}

// BrokenError points at the first line of a log that is not intact.
type BrokenError struct {
	// Line is the 1-based line number.
	Line int
	// Seq is the sequence number the line carries, 0 when it cannot be read.
	Seq int64
	// Offset is the byte offset where the line starts: the intact part of
	// the log is the bytes before it.
	Offset int64
	Reason string
}

func (e *BrokenError) Error() string {
	seq := "unreadable"
	if e.Seq > 0 {
		seq = strconv.FormatInt(e.Seq, 10)
	}
	return fmt.Sprintf("session log broken at line %d (record seq %s): %s", e.Line, seq, e.Reason)
}

// Summary is the result of a complete check of a log.
type Summary struct {
	// Records counts the intact records (before the first broken line).
	Records int
	// Head is the hash of the last intact line (what the next line's prev
	// must be), zeros for an empty log.
	Head string
}

// Verify checks a whole log read from r. It returns the number of records
// and nil when the chain is intact; a *BrokenError for the first line that is
// not (count is then the number of intact records before it); or another
// error when r cannot be read.
func Verify(r io.Reader) (count int, err error) {
	s, err := Check(r)
	return s.Records, err
}

// Check is Verify that also returns the head of the chain.
func Check(r io.Reader) (Summary, error) {
	s := Summary{Head: zeroHash}
	err := scan(r, false, func(_ int, e Entry, lineHash string) {
		s.Records++
		s.Head = lineHash
	}, nil)
	return s, err
}

// Read parses a log read from r. It returns every entry it can parse, in
// file order; when the chain is broken it returns them together with the
// *BrokenError for the first broken line: the first Line-1 entries are
// intact, the others (the broken line's record when it can still be read,
// and those after it) are included but cannot be trusted.
func Read(r io.Reader) ([]Entry, error) {
	var entries []Entry
	err := scan(r, true, func(_ int, e Entry, _ string) {
		entries = append(entries, e)
	}, func(e Entry) {
		entries = append(entries, e)
	})
	return entries, err
}

// ReadChecked is Read that also returns the summary Check gives (the
// intact records and the head of the chain).
func ReadChecked(r io.Reader) ([]Entry, Summary, error) {
	s := Summary{Head: zeroHash}
	var entries []Entry
	err := scan(r, true, func(_ int, e Entry, lineHash string) {
		entries = append(entries, e)
		s.Records++
		s.Head = lineHash
	}, func(e Entry) {
		entries = append(entries, e)
	})
	return entries, s, err
}

// scan reads r line by line and checks the chain. intact gets each entry up
// to the first broken line; after it, untrusted (when not nil) gets every
// entry that still parses. decode asks for the records to be decoded.
func scan(r io.Reader, decode bool, intact func(line int, e Entry, lineHash string), untrusted func(Entry)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		first  *BrokenError
		line   int
		offset int64
		seq    int64
		prev   = zeroHash
		buf    []byte
	)
	for {
		raw, err := readLine(br, &buf)
		if len(raw) == 0 && errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, errLineTooLong) {
				if first == nil {
					first = &BrokenError{Line: line, Offset: offset, Reason: fmt.Sprintf("the line is longer than %d bytes, which no record is", MaxLineBytes)}
				}
				return first
			}
			return fmt.Errorf("reading session log line %d: %w", line, err)
		}
		start := offset
		offset += int64(len(raw))
		if first != nil {
			if untrusted != nil {
				if p, _ := parseLine(bytes.TrimSuffix(raw, []byte("\n")), decode); p.readable {
					untrusted(p.entry)
				}
			}
			continue
		}
		body, complete := bytes.CutSuffix(raw, []byte("\n"))
		p, perr := parseLine(body, decode)
		broken := func(reason string) {
			first = &BrokenError{Line: line, Seq: p.seqIfRead, Offset: start, Reason: reason}
			if untrusted != nil && p.readable {
				untrusted(p.entry)
			}
		}
		switch {
		case !complete:
			broken("the last line is incomplete (it has no newline at the end): a write was cut off by a crash or power loss, or the file was truncated")
		case perr != nil:
			broken(perr.Error())
		case p.entry.Seq != seq+1:
			broken(fmt.Sprintf("the record has seq %d where seq %d belongs: records were removed, inserted, duplicated or reordered", p.entry.Seq, seq+1))
		case p.entry.Prev != prev:
			if line == 1 {
				broken("the first record does not start the chain (its prev is not zeros): records before it were removed")
			} else {
				broken(fmt.Sprintf("prev does not match the hash of line %d: a record was changed, removed or inserted before this one", line-1))
			}
		default:
			seq = p.entry.Seq
			prev = p.lineHash
			intact(line, p.entry, p.lineHash)
		}
	}
	if first != nil {
		return first
	}
	return nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line including its "\n" (absent on the last
// line of a file that does not end with one), in a buffer reused between
// calls.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	*buf = (*buf)[:0]
	for {
		chunk, err := br.ReadSlice('\n')
		if len(*buf) == 0 && err == nil {
			return chunk, nil // the common case: no copy
		}
		*buf = append(*buf, chunk...)
		if len(*buf) > MaxLineBytes {
			return *buf, errLineTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return *buf, err
	}
}

// parsed is a line taken apart.
type parsed struct {
	entry     Entry
	lineHash  string
	seqIfRead int64
	// readable is set when entry holds the record, even if the line is
	// not intact.
	readable bool
}

const (
	prefixSeq    = `{"seq":`
	prefixPrev   = `,"prev":"`
	prefixRecord = `","record":`
	prefixHash   = `,"hash":"`
	suffixLen    = len(prefixHash) + 64 + len(`"}`)
)

// isHash reports whether b is 64 lower-case hex digits.
func isHash(b []byte) bool {
	if len(b) != 64 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseLine checks a line (without its "\n") against the v1 form and its own
// hash. It does not check the chain.
func parseLine(line []byte, decode bool) (parsed, error) {
	var p parsed
	if bytes.HasSuffix(line, []byte("\r")) {
		return p, errors.New(`the line ends with a carriage return: the file was edited and saved with Windows line endings`)
	}
	if len(line) == 0 {
		return p, errors.New("the line is empty")
	}
	rest, ok := bytes.CutPrefix(line, []byte(prefixSeq))
	if !ok {
		return p, fmt.Errorf(`the line does not start with %s`, prefixSeq)
	}
	n := 0
	for n < len(rest) && n < 19 && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	seqText := rest[:n]
	seq, err := strconv.ParseInt(string(seqText), 10, 64)
	if err != nil || seq < 1 || seqText[0] == '0' {
		return p, errors.New("seq is not a positive decimal number")
	}
	p.seqIfRead = seq
	rest, ok = bytes.CutPrefix(rest[n:], []byte(prefixPrev))
	if !ok || len(rest) < 64 {
		return p, errors.New(`"prev" does not follow seq`)
	}
	prev := rest[:64]
	if !isHash(prev) {
		return p, errors.New("prev is not 64 lower-case hex digits")
	}
	rest, ok = bytes.CutPrefix(rest[64:], []byte(prefixRecord))
	if !ok || len(rest) < suffixLen {
		return p, errors.New(`"record" does not follow prev`)
	}
	record, suffix := rest[:len(rest)-suffixLen], rest[len(rest)-suffixLen:]
	hash, ok := bytes.CutPrefix(suffix, []byte(prefixHash))
	if !ok || !bytes.HasSuffix(hash, []byte(`"}`)) {
		return p, errors.New(`the line does not end with "hash":"…"}`)
	}
	hash = hash[:64]
	if !isHash(hash) {
		return p, errors.New("hash is not 64 lower-case hex digits")
	}
	hashOK := recordHash(seqText, prev, record) == string(hash)
	errHash := errors.New("the hash does not match the record: the record, its seq or its prev was changed")
	if len(record) == 0 || record[0] != '{' || !json.Valid(record) {
		if !hashOK {
			return p, errHash
		}
		return p, errors.New("the record is not a JSON object")
	}
	entry := Entry{Seq: seq, Prev: string(prev), Hash: string(hash)}
	if decode {
		if err := json.Unmarshal(record, &entry.Record); err != nil {
			if !hashOK {
				return p, errHash
			}
			return p, fmt.Errorf("the record is not a session record: %w", err)
		}
	}
	// A record that was changed can still be shown, marked untrusted.
	p.entry, p.readable = entry, true
	if !hashOK {
		return p, errHash
	}
	sum := sha256.Sum256(line)
	p.lineHash = hex.EncodeToString(sum[:])
	return p, nil
}

// recordHash is H of the format.
func recordHash(seq, prev, record []byte) string {
	h := sha256.New()
	h.Write([]byte(Format + "\n"))
	h.Write(seq)
	h.Write([]byte("\n"))
	h.Write(prev)
	h.Write([]byte("\n"))
	h.Write(record)
	return hex.EncodeToString(h.Sum(nil))
}

// encodeLine builds line seq (with its "\n") and returns it with its hash.
func encodeLine(seq int64, prev string, record []byte) (line []byte, lineHash, hash string) {
	seqText := strconv.AppendInt(nil, seq, 10)
	hash = recordHash(seqText, []byte(prev), record)
	line = make([]byte, 0, len(prefixSeq)+len(seqText)+len(prefixPrev)+64+len(prefixRecord)+len(record)+suffixLen+1)
	line = append(line, prefixSeq...)
	line = append(line, seqText...)
	line = append(line, prefixPrev...)
	line = append(line, prev...)
	line = append(line, prefixRecord...)
	line = append(line, record...)
	line = append(line, prefixHash...)
	line = append(line, hash...)
	line = append(line, `"}`...)
	sum := sha256.Sum256(line)
	return append(line, '\n'), hex.EncodeToString(sum[:]), hash
}

// Log is an open session log, the single writer of its file.
type Log struct {
	mu   sync.Mutex
	path string
	f    *os.File
	// size is the length of the file as this Log last saw it, seq and prev
	// the last entry's seq and line hash.
	size int64
	seq  int64
	prev string
	// problem, when set, is why Append refuses (ErrRepair).
	problem error
}

// Open opens the log at path, creating it (0600, and its directory 0700)
// when it does not exist, and reads its last line so that Append continues
// the chain. A torn or invalid last line does not make Open fail (the log
// can still be listed) but makes Append refuse with ErrRepair; Problem
// reports it.
func Open(path string) (*Log, error) {
	if err := mkdirDurable(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("creating session log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		syncDir(filepath.Dir(path))
	case errors.Is(err, fs.ErrExist):
		f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
		if err != nil {
			return nil, fmt.Errorf("opening session log: %w", err)
		}
	default:
		return nil, fmt.Errorf("creating session log: %w", err)
	}
	l := &Log{path: path, f: f}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking session log: %w", err)
	}
	err = l.loadTail()
	unlockFile(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if l.problem != nil {
		var be *BrokenError
		line := 0
		if errors.As(l.problem, &be) {
			line = be.Line
		}
		slog.Warn("session log needs repair; appends refused", "line", line)
	}
	return l, nil
}

// mkdirDurable creates dir and missing parents with mode 0700 and fsyncs the
// parent of each directory it created.
func mkdirDurable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	if err := statedir.MkdirPrivate(dir); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		syncDir(filepath.Dir(missing[i]))
	}
	return nil
}

// syncDir makes a new directory entry durable where the OS allows opening a
// directory.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Path is the file the log is in.
func (l *Log) Path() string { return l.path }

// Problem returns why Append refuses (an error wrapping ErrRepair and a
// *BrokenError), or nil.
func (l *Log) Problem() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.problem
}

// loadTail reads the end of the file to find the last entry. The file lock
// is held.
func (l *Log) loadTail() error {
	fi, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("reading session log: %w", err)
	}
	l.size, l.seq, l.prev, l.problem = fi.Size(), 0, zeroHash, nil
	if l.size == 0 {
		return nil
	}
	// Read backwards until the start of the last line is found.
	const block = 64 << 10
	var tail []byte
	start := l.size
	for {
		n := int64(block)
		if start < n {
			n = start
		}
		start -= n
		chunk := make([]byte, n, int(n)+len(tail))
		if _, err := l.f.ReadAt(chunk, start); err != nil {
			return fmt.Errorf("reading session log: %w", err)
		}
		tail = append(chunk, tail...)
		// The last line begins after the last "\n" that is not the final byte.
		search := tail
		if tail[len(tail)-1] == '\n' {
			search = tail[:len(tail)-1]
		}
		if i := bytes.LastIndexByte(search, '\n'); i >= 0 {
			start += int64(i + 1)
			tail = tail[i+1:]
			break
		}
		if start == 0 || int64(len(tail)) > MaxLineBytes {
			break
		}
	}
	body, complete := bytes.CutSuffix(tail, []byte("\n"))
	p, perr := parseLine(body, false)
	var reason string
	switch {
	case int64(len(tail)) > MaxLineBytes:
		reason = "the last line is longer than any record"
	case !complete:
		reason = "the last line is incomplete (it has no newline at the end): a write was cut off by a crash or power loss, or the file was truncated"
	case perr != nil:
		reason = perr.Error()
	default:
		l.seq, l.prev = p.entry.Seq, p.lineHash
		return nil
	}
	line, err := l.countLines(start)
	if err != nil {
		return err
	}
	be := &BrokenError{Line: line, Seq: p.seqIfRead, Offset: start, Reason: reason}
	l.problem = fmt.Errorf("%w: %w. New records are refused so that nothing is written behind a broken line. Run 'sessionguard session verify' to see the first broken line; to repair, keep a copy of the log as evidence, then cut it back to its last complete line (truncate -s %d %s)", ErrRepair, be, start, l.path)
	return nil
}

// countLines returns the 1-based number of the line starting at offset.
func (l *Log) countLines(offset int64) (int, error) {
	n := 1
	buf := make([]byte, 64<<10)
	for pos := int64(0); pos < offset; {
		m := min(int64(len(buf)), offset-pos)
		if _, err := l.f.ReadAt(buf[:m], pos); err != nil {
			return 0, fmt.Errorf("reading session log: %w", err)
		}
		n += bytes.Count(buf[:m], []byte("\n"))
		pos += m
	}
	return n, nil
}

// Append writes rec as the next entry and returns it once it is on disk.
// Start records must carry a valid label (ValidateLabel).
func (l *Log) Append(rec report.SessionRecord) (Entry, error) {
	if err := validateRecord(rec); err != nil {
		return Entry{}, err
	}
	record, err := json.Marshal(rec)
	if err != nil {
		return Entry{}, fmt.Errorf("encoding session record: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return Entry{}, ErrClosed
	}
	if err := lockFile(l.f); err != nil {
		return Entry{}, fmt.Errorf("locking session log: %w", err)
	}
	defer unlockFile(l.f)
	// Another process may have appended, or a person repaired the file.
	fi, err := l.f.Stat()
	if err != nil {
		return Entry{}, fmt.Errorf("reading session log: %w", err)
	}
	if fi.Size() != l.size || l.problem != nil {
		if err := l.loadTail(); err != nil {
			return Entry{}, err
		}
	}
	if l.problem != nil {
		return Entry{}, l.problem
	}
	line, lineHash, hash := encodeLine(l.seq+1, l.prev, record)
	if n, err := l.f.Write(line); err != nil {
		// Take back the part of this unacknowledged line that was written,
		// so the log stays appendable; if that fails, the next Append
		// refuses.
		if n > 0 {
			if terr := l.f.Truncate(l.size); terr != nil {
				l.size = -1
			}
		}
		return Entry{}, fmt.Errorf("writing session log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		// The line is in the file but may not be durable: not acknowledged.
		l.size = -1
		return Entry{}, fmt.Errorf("syncing session log: %w", err)
	}
	e := Entry{Seq: l.seq + 1, Prev: l.prev, Record: rec, Hash: hash}
	l.size += int64(len(line))
	l.seq, l.prev = e.Seq, lineHash
	return e, nil
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// validateRecord applies report.Envelope.Validate's session rules, and the
// label rules to a start.
func validateRecord(rec report.SessionRecord) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidRecord, fmt.Sprintf(format, args...))
	}
	switch {
	case !idPattern.MatchString(rec.ID) || !idPattern.MatchString(rec.SessionID):
		return bad("id and session_id must be 32 lower-case hex digits")
	case rec.Event != report.SessionStart && rec.Event != report.SessionEnd && rec.Event != report.SessionCookies:
		return bad("event %q is not start, end or cookies", rec.Event)
	case rec.Event == report.SessionCookies && rec.Cookies == nil:
		return bad("a cookies record holds what clearing did")
	case rec.At.IsZero():
		return bad("at is missing")
	case rec.Label == "":
		return bad("label is missing")
	}
	if rec.Event == report.SessionStart {
		if err := ValidateLabel(rec.Label); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidRecord, err)
		}
	}
	return nil
}

// List reads every entry of the log. When the chain is broken it returns
// the entries it could parse together with the *BrokenError for the first
// broken line, as Read does.
func (l *Log) List() ([]Entry, error) {
	entries, _, err := l.Snapshot()
	return entries, err
}

// Snapshot reads every entry, as List does, together with the summary
// Check gives, in one pass between appends.
func (l *Log) Snapshot() ([]Entry, Summary, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil, Summary{Head: zeroHash}, ErrClosed
	}
	fi, err := l.f.Stat()
	if err != nil {
		return nil, Summary{Head: zeroHash}, fmt.Errorf("reading session log: %w", err)
	}
	return ReadChecked(io.NewSectionReader(l.f, 0, fi.Size()))
}

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// LastEnded returns the end record of the session that ended last in
// entries, if any (cookies cleared after it amend it; see
// report.SessionCookies).
func LastEnded(entries []Entry) (*report.SessionRecord, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if rec := entries[i].Record; rec.Event == report.SessionEnd {
			return &rec, true
		}
	}
	return nil, false
}

// OpenSession returns the session still open at the end of entries: the
// last start record, when no end with its session id follows it. A start
// followed by another session's start was abandoned (a crash), and is not
// returned.
func OpenSession(entries []Entry) (*report.SessionRecord, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		rec := entries[i].Record
		if rec.Event != report.SessionStart {
			continue
		}
		for _, later := range entries[i+1:] {
			if later.Record.Event == report.SessionEnd && later.Record.SessionID == rec.SessionID {
				return nil, false
			}
		}
		return &rec, true
	}
	return nil, false
}
