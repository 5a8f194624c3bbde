package sessionlog

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAppend is one fsync'd append to a log (set TMPDIR to a disk
// directory: on tmpfs fsync costs nothing).
func BenchmarkAppend(b *testing.B) {
	l, _ := newLog(b, 0)
	i := 0
	for b.Loop() {
		if _, err := l.Append(record(i % 100)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// log10k is a log of 10,000 records, built without fsync.
func log10k(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	prev := zeroHash
	for i := range 10_000 {
		rec, err := json.Marshal(record(i))
		if err != nil {
			b.Fatal(err)
		}
		line, lineHash, _ := encodeLine(int64(i+1), prev, rec)
		buf.Write(line)
		prev = lineHash
	}
	return buf.Bytes()
}

func BenchmarkVerify10k(b *testing.B) {
	data := log10k(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if n, err := Verify(bytes.NewReader(data)); n != 10_000 || err != nil {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkRead10k is List's work: verify and decode every record.
func BenchmarkRead10k(b *testing.B) {
	data := log10k(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if es, err := Read(bytes.NewReader(data)); len(es) != 10_000 || err != nil {
			b.Fatal(len(es), err)
		}
	}
}

// BenchmarkOpen10k is the agent's start-up: open a 10,000-record log and
// find its tail.
func BenchmarkOpen10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "sessions.log")
	if err := os.WriteFile(path, log10k(b), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		l, err := Open(path)
		if err != nil || l.Problem() != nil {
			b.Fatal(err, l.Problem())
		}
		l.Close()
	}
}
