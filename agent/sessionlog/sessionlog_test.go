package sessionlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/sessionguard/sessionguard/agent/statedir"
	"github.com/sessionguard/sessionguard/report"
)

var t0 = time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)

// record returns the i-th record of a run of sessions: even i start a
// session, odd i end it.
func record(i int) report.SessionRecord {
	sid := fmt.Sprintf("%032x", i/2+1)
	rec := report.SessionRecord{
		ID:        fmt.Sprintf("%032x", 1000+i),
		SessionID: sid,
		At:        t0.Add(time.Duration(i) * 30 * time.Minute),
		Label:     fmt.Sprintf("CR-%d", 2291+i/2),
	}
	if i%2 == 0 {
		rec.Event = report.SessionStart
		rec.Ready = i%4 == 0
		if !rec.Ready {
			rec.NotPassing = []string{"firewall", "os_updates"}
			rec.Override = &report.Override{Reason: "urgent safeguarding call, firewall fix booked", Checks: []string{"firewall"}}
		}
	} else {
		rec.Event = report.SessionEnd
		rec.Cookies = &report.CookieSummary{Removed: 40 + i, Kept: 3, Browsers: 2, ProfilesCleared: 2}
	}
	return rec
}

// newLog opens a log in a fresh directory (that does not exist yet) and
// appends n records.
func newLog(t testing.TB, n int) (*Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "sessionguard", "sessions.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for i := range n {
		if _, err := l.Append(record(i)); err != nil {
			t.Fatal(err)
		}
	}
	return l, path
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lineHashOf(line string) string {
	sum := sha256.Sum256([]byte(line))
	return hex.EncodeToString(sum[:])
}

func TestAppendListVerify(t *testing.T) {
	l, path := newLog(t, 0)
	var want []Entry
	for i := range 6 {
		e, err := l.Append(record(i))
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, e.Seq)
		}
		want = append(want, e)
	}
	if runtime.GOOS != "windows" {
		for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700, filepath.Dir(filepath.Dir(path)): 0o700} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != mode {
				t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), mode)
			}
		}
	}
	got, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) || len(got) != 6 || !got[5].Record.At.Equal(record(5).At) {
		t.Errorf("List() =\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if !reflect.DeepEqual(got[2].Record.Override, record(2).Override) || !reflect.DeepEqual(got[3].Record.Cookies, record(3).Cookies) {
		t.Errorf("records do not round-trip: %+v %+v", got[2].Record, got[3].Record)
	}
	data := readFile(t, path)
	s, err := Check(bytes.NewReader(data))
	if err != nil || s.Records != 6 {
		t.Fatalf("Check() = %+v, %v; want 6 records", s, err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if s.Head != lineHashOf(lines[5]) {
		t.Errorf("head %s is not the hash of the last line", s.Head)
	}
	if n, err := Verify(bytes.NewReader(data)); n != 6 || err != nil {
		t.Errorf("Verify() = %d, %v", n, err)
	}
}

// TestFormatAsDocumented checks every line with an independent
// implementation of the format described in the package doc, using nothing
// but string operations and SHA-256, as a support engineer's script would.
func TestFormatAsDocumented(t *testing.T) {
	_, path := newLog(t, 5)
	data := string(readFile(t, path))
	if !strings.HasSuffix(data, "\n") || strings.Contains(data, "\r") {
		t.Fatal("the file must end with a newline and hold no carriage return")
	}
	prev := strings.Repeat("0", 64)
	for k, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		head := fmt.Sprintf(`{"seq":%d,"prev":"%s","record":`, k+1, prev)
		if !strings.HasPrefix(line, head) {
			t.Fatalf("line %d does not start with %s:\n%s", k+1, head, line)
		}
		h := line[len(line)-66 : len(line)-2]
		tail := `,"hash":"` + h + `"}`
		if !strings.HasSuffix(line, tail) {
			t.Fatalf("line %d does not end with %s", k+1, tail)
		}
		rec := line[len(head) : len(line)-len(tail)]
		sum := sha256.Sum256([]byte("sessionguard.sessionlog/v1\n" + strconv.Itoa(k+1) + "\n" + prev + "\n" + rec))
		if hex.EncodeToString(sum[:]) != h {
			t.Fatalf("line %d: hash %s is not sha256 of the documented input", k+1, h)
		}
		if !strings.HasPrefix(rec, `{"id":"`) {
			t.Errorf("line %d: record %s is not the record object", k+1, rec)
		}
		prev = lineHashOf(line)
	}
}

// lineAt returns the 1-based line of the byte at i (a "\n" belongs to the
// line it ends).
func lineAt(data []byte, i int) int {
	return 1 + bytes.Count(data[:i], []byte("\n"))
}

func wantBroken(t *testing.T, data []byte, line int, what string) *BrokenError {
	t.Helper()
	n, err := Verify(bytes.NewReader(data))
	var be *BrokenError
	if !errors.As(err, &be) {
		t.Fatalf("%s: Verify() = %d, %v; want a BrokenError at line %d", what, n, err, line)
	}
	if be.Line != line {
		t.Fatalf("%s: broken at line %d (%s), want line %d", what, be.Line, be.Reason, line)
	}
	if n != line-1 {
		t.Fatalf("%s: Verify counted %d intact records before line %d", what, n, line)
	}
	return be
}

func TestEveryByteChangeIsDetected(t *testing.T) {
	_, path := newLog(t, 4)
	orig := readFile(t, path)
	mutations := []struct {
		name string
		f    func(b byte) byte
	}{
		{"xor 0x01", func(b byte) byte { return b ^ 0x01 }},
		{"xor 0x20", func(b byte) byte { return b ^ 0x20 }},
		{"xor 0x80", func(b byte) byte { return b ^ 0x80 }},
		{"newline", func(byte) byte { return '\n' }},
		{"space", func(byte) byte { return ' ' }},
		{"zero digit", func(byte) byte { return '0' }},
	}
	checked := 0
	for _, m := range mutations {
		for i := range orig {
			b := m.f(orig[i])
			if b == orig[i] {
				continue
			}
			data := bytes.Clone(orig)
			data[i] = b
			be := wantBroken(t, data, lineAt(orig, i), fmt.Sprintf("%s at byte %d (%q)", m.name, i, orig[i]))
			if be.Reason == "" || be.Offset > int64(i) {
				t.Fatalf("byte %d: broken line starts at %d, after the change; reason %q", i, be.Offset, be.Reason)
			}
			checked++
		}
	}
	if checked < 5*len(orig) {
		t.Fatalf("only %d changes checked", checked)
	}
	// Removing any one byte is detected at its line too.
	for i := range orig {
		data := append(bytes.Clone(orig[:i]), orig[i+1:]...)
		wantBroken(t, data, lineAt(orig, i), fmt.Sprintf("byte %d removed", i))
	}
}

func TestLineChangesAreDetected(t *testing.T) {
	_, path := newLog(t, 6)
	orig := readFile(t, path)
	lines := strings.SplitAfter(string(orig), "\n")
	lines = lines[:len(lines)-1] // the empty string after the last "\n"
	// Another log, with other records.
	otherLog, otherPath := newLog(t, 0)
	for i := range 6 {
		if _, err := otherLog.Append(record(i + 10)); err != nil {
			t.Fatal(err)
		}
	}
	other := strings.SplitAfter(string(readFile(t, otherPath)), "\n")
	join := func(ls ...string) []byte { return []byte(strings.Join(ls, "")) }
	without := func(i int) []byte { return join(slices.Delete(slices.Clone(lines), i, i+1)...) }
	with := func(i int, l string) []byte { return join(slices.Insert(slices.Clone(lines), i, l)...) }
	swapped := func(i, j int) []byte {
		ls := slices.Clone(lines)
		ls[i], ls[j] = ls[j], ls[i]
		return join(ls...)
	}
	// rewrite changes line i's label and recomputes its own hash, as a
	// careful forger would: the next line's prev still gives it away.
	rewrite := func(i int) []byte {
		p, err := parseLine([]byte(strings.TrimSuffix(lines[i], "\n")), true)
		if err != nil {
			t.Fatal(err)
		}
		body := strings.TrimSuffix(lines[i], "\n")
		rec := body[strings.Index(body, `"record":`)+len(`"record":`) : len(body)-suffixLen]
		rec = strings.Replace(rec, "CR-2292", "CR-9999", 1)
		l, _, _ := encodeLine(p.entry.Seq, p.entry.Prev, []byte(rec))
		ls := slices.Clone(lines)
		ls[i] = string(l)
		return join(ls...)
	}
	cases := []struct {
		name string
		data []byte
		line int
	}{
		{"first line removed", without(0), 1},
		{"middle line removed", without(2), 3},
		{"line inserted from another log", with(3, other[3]), 4},
		{"line duplicated", with(3, lines[2]), 4},
		{"first two swapped", swapped(0, 1), 1},
		{"middle two swapped", swapped(2, 3), 3},
		{"last two swapped", swapped(4, 5), 5},
		{"first and last swapped", swapped(0, 5), 1},
		{"cut in the middle of a line", orig[:len(orig)-len(lines[5])-len(lines[4])/2], 5},
		{"last newline cut", orig[:len(orig)-1], 6},
		{"empty line inserted", with(2, "\n"), 3},
		{"empty line at the end", append(bytes.Clone(orig), '\n'), 7},
		{"garbage at the end", append(bytes.Clone(orig), "junk\n"...), 7},
		{"Windows line endings", bytes.ReplaceAll(orig, []byte("\n"), []byte("\r\n")), 1},
		{"record rewritten with its hash recomputed", rewrite(2), 4},
		{"other log's line replaces one", join(append(append(slices.Clone(lines[:2]), other[2]), lines[3:]...)...), 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			be := wantBroken(t, c.data, c.line, c.name)
			t.Logf("%v", be)
		})
	}

	// What a chain cannot show by itself: whole lines removed from the end.
	// The count and the head differ from the ones noted before.
	full, err := Check(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	cut, err := Check(bytes.NewReader(join(lines[:4]...)))
	if err != nil || cut.Records != 4 || cut.Head == full.Head {
		t.Errorf("log cut to 4 lines: %+v, %v; full log %+v", cut, err, full)
	}
}

func TestVerifyEmptyAndReadErrors(t *testing.T) {
	if n, err := Verify(strings.NewReader("")); n != 0 || err != nil {
		t.Errorf("empty log: %d, %v", n, err)
	}
	_, path := newLog(t, 3)
	data := readFile(t, path)
	boom := errors.New("disk on fire")
	n, err := Verify(io.MultiReader(bytes.NewReader(data[:100]), iotest.ErrReader(boom)))
	var be *BrokenError
	if !errors.Is(err, boom) || errors.As(err, &be) {
		t.Errorf("read error: %d, %v; want the I/O error, not a broken chain", n, err)
	}
	long := append(bytes.Clone(data), bytes.Repeat([]byte("x"), MaxLineBytes+10)...)
	wantBroken(t, long, 4, "overlong line")
}

func TestReopenContinuesTheChain(t *testing.T) {
	l, path := newLog(t, 3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(record(3)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append on a closed log: %v", err)
	}
	for round := range 2 {
		l2, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := l2.Problem(); err != nil {
			t.Fatal(err)
		}
		for i := 3 + 2*round; i < 5+2*round; i++ {
			e, err := l2.Append(record(i))
			if err != nil {
				t.Fatal(err)
			}
			if e.Seq != int64(i+1) {
				t.Errorf("record %d got seq %d after reopening", i, e.Seq)
			}
		}
		l2.Close()
	}
	if n, err := Verify(bytes.NewReader(readFile(t, path))); n != 7 || err != nil {
		t.Errorf("Verify() = %d, %v; want 7 intact", n, err)
	}
}

func TestConcurrentAppends(t *testing.T) {
	l, path := newLog(t, 0)
	// A second Log on the same file stands in for a second process: the
	// file lock keeps the two from interleaving.
	l2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		log := l
		if w%2 == 1 {
			log = l2
		}
		wg.Go(func() {
			for i := range each {
				if _, err := log.Append(record(2 * (w*each + i))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := Verify(bytes.NewReader(readFile(t, path)))
	if n != workers*each || err != nil {
		t.Fatalf("Verify() = %d, %v; want %d intact", n, err, workers*each)
	}
	entries, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i, e.Seq)
		}
		ids[e.Record.ID] = true
	}
	if len(ids) != workers*each {
		t.Errorf("%d distinct records, want %d", len(ids), workers*each)
	}
}

func TestTornTailRefusesAppendUntilRepaired(t *testing.T) {
	l, path := newLog(t, 3)
	l.Close()
	good := readFile(t, path)
	cases := []struct {
		name string
		tail string
		seq  int64
		// listed counts the entries List returns: the corrupt record
		// can still be shown.
		listed int
	}{
		{"torn write", `{"seq":4,"prev":"0123`, 4, 3},
		{"complete but corrupt", `{"seq":4,"prev":"` + strings.Repeat("0", 64) + `","record":{},"hash":"` + strings.Repeat("0", 64) + "\"}\n", 4, 4},
		{"garbage", "\x00\x00\x00", 0, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(path, append(bytes.Clone(good), c.tail...), 0o600); err != nil {
				t.Fatal(err)
			}
			l, err := Open(path)
			if err != nil {
				t.Fatalf("Open must succeed so the log can be read: %v", err)
			}
			defer l.Close()
			problem := l.Problem()
			var be *BrokenError
			if !errors.Is(problem, ErrRepair) || !errors.As(problem, &be) || be.Line != 4 || be.Seq != c.seq || be.Offset != int64(len(good)) {
				t.Fatalf("Problem() = %v (%+v)", problem, be)
			}
			for _, want := range []string{"sessionguard session verify", "copy", fmt.Sprintf("truncate -s %d", len(good))} {
				if !strings.Contains(problem.Error(), want) {
					t.Errorf("the problem should say %q: %v", want, problem)
				}
			}
			if _, err := l.Append(record(3)); !errors.Is(err, ErrRepair) {
				t.Fatalf("Append after a broken tail: %v, want ErrRepair", err)
			}
			if got := readFile(t, path); string(got) != string(good)+c.tail {
				t.Fatal("the log was changed by Open or a refused Append")
			}
			entries, err := l.List()
			if !errors.As(err, &be) || be.Line != 4 || len(entries) != c.listed {
				t.Errorf("List() = %d entries, %v", len(entries), err)
			}
			// The repair the message describes, while the log stays open.
			if err := os.Truncate(path, be.Offset); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(record(3)); err != nil {
				t.Fatalf("Append after the repair: %v", err)
			}
			if l.Problem() != nil {
				t.Error("the problem is still reported after the repair")
			}
			if n, err := Verify(bytes.NewReader(readFile(t, path))); n != 4 || err != nil {
				t.Errorf("Verify() after repair = %d, %v", n, err)
			}
		})
	}
}

func TestAppendRefusesInvalidRecords(t *testing.T) {
	l, path := newLog(t, 1)
	before := readFile(t, path)
	mod := func(f func(*report.SessionRecord)) report.SessionRecord {
		r := record(2)
		f(&r)
		return r
	}
	cases := []struct {
		name string
		rec  report.SessionRecord
		want error
	}{
		{"no id", mod(func(r *report.SessionRecord) { r.ID = "" }), ErrInvalidRecord},
		{"bad session id", mod(func(r *report.SessionRecord) { r.SessionID = "x" }), ErrInvalidRecord},
		{"bad event", mod(func(r *report.SessionRecord) { r.Event = "pause" }), ErrInvalidRecord},
		{"cookies record without counts", mod(func(r *report.SessionRecord) { r.Event, r.Cookies = report.SessionCookies, nil }), ErrInvalidRecord},
		{"no time", mod(func(r *report.SessionRecord) { r.At = time.Time{} }), ErrInvalidRecord},
		{"no label", mod(func(r *report.SessionRecord) { r.Label = "" }), ErrInvalidRecord},
		{"name as label", mod(func(r *report.SessionRecord) { r.Label = "Jane Smith" }), ErrBadLabel},
		{"email as label", mod(func(r *report.SessionRecord) { r.Label = "jane@example.org" }), ErrBadLabel},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := l.Append(c.rec); !errors.Is(err, c.want) || !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("Append() = %v, want %v", err, c.want)
			}
		})
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Error("a refused record was written")
	}
}

func TestOpenSession(t *testing.T) {
	entries := func(recs ...report.SessionRecord) []Entry {
		var es []Entry
		for i, r := range recs {
			es = append(es, Entry{Seq: int64(i + 1), Record: r})
		}
		return es
	}
	start := func(i int) report.SessionRecord { return record(2 * i) }
	end := func(i int) report.SessionRecord { return record(2*i + 1) }
	cases := []struct {
		name    string
		entries []Entry
		want    string // the open session's record id, "" for none
	}{
		{"empty", nil, ""},
		{"one open", entries(start(0)), start(0).ID},
		{"one ended", entries(start(0), end(0)), ""},
		{"second open", entries(start(0), end(0), start(1)), start(1).ID},
		{"crash then new session ended", entries(start(0), start(1), end(1)), ""},
		{"crash then new session open", entries(start(0), start(1)), start(1).ID},
		{"end of another session only", entries(start(0), end(1)), start(0).ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := OpenSession(c.entries)
			switch {
			case c.want == "" && (ok || got != nil):
				t.Errorf("OpenSession() = %+v, %v; want none", got, ok)
			case c.want != "" && (!ok || got == nil || got.ID != c.want):
				t.Errorf("OpenSession() = %+v, %v; want %s", got, ok, c.want)
			}
		})
	}
}

// TestLastEnded finds the end record of the session that ended last; a
// later start (open or not) does not hide it, a cookies record is not an
// end.
func TestLastEnded(t *testing.T) {
	start, end := record(0), record(1)
	cookies := record(3)
	cookies.Event, cookies.SessionID, cookies.Cookies = report.SessionCookies, end.SessionID, &report.CookieSummary{Removed: 1}
	l, _ := newLog(t, 0)
	for _, r := range []report.SessionRecord{start, end, cookies, record(4)} {
		if _, err := l.Append(r); err != nil {
			t.Fatalf("Append(%s): %v", r.Event, err)
		}
	}
	entries, err := l.List()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := LastEnded(entries); !ok || got.ID != end.ID {
		t.Errorf("LastEnded() = %+v, %v; want %s", got, ok, end.ID)
	}
	if got, ok := LastEnded(entries[:1]); ok || got != nil {
		t.Errorf("LastEnded(start only) = %+v, %v; want none", got, ok)
	}
}

func TestDefaultLogPath(t *testing.T) {
	// The rules per OS are tested in agent/statedir; the log must be the
	// file `agent run` and `session start` write.
	if got, want := DefaultLogPath(), filepath.Join(statedir.Dir(), "sessions.log"); got != want || got == "" {
		t.Errorf("DefaultLogPath() = %q, want %q", got, want)
	}
}
