package spool

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDelivered(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.delivered")
	d, err := OpenDelivered(path, 7)
	if err != nil || d.Upto() != 7 {
		t.Fatalf("new marker: %v %v", d, err)
	}
	read := func() string {
		b, _ := os.ReadFile(path)
		return strings.TrimSpace(string(b))
	}
	if read() != "7" {
		t.Fatalf("file %q, want 7", read())
	}
	d.Logged(5, "old") // already delivered: ignored
	d.Logged(8, "a")
	d.Logged(9, "b")
	d.Logged(10, "c")
	if err := d.Acked("b"); err != nil || d.Upto() != 7 {
		t.Fatalf("acked 9 before 8: upto %d %v", d.Upto(), err)
	}
	if err := d.Acked("a"); err != nil || d.Upto() != 9 || read() != "9" {
		t.Fatalf("acked 8: upto %d file %q %v", d.Upto(), read(), err)
	}
	if err := d.Acked("unknown"); err != nil || d.Upto() != 9 {
		t.Fatalf("unknown id moved the marker: %d", d.Upto())
	}
	if err := d.Acked("c"); err != nil || d.Upto() != 10 {
		t.Fatalf("acked 10: %d", d.Upto())
	}
	again, err := OpenDelivered(path, 0)
	if err != nil || again.Upto() != 10 {
		t.Fatalf("reopened: %v %v", again, err)
	}
	if err := os.WriteFile(path, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, err := OpenDelivered(path, 3); !errors.Is(err, ErrMarkerReset) || d == nil || d.Upto() != 3 || read() != "3" {
		t.Fatalf("a garbled marker: %v %v, want reset to 3", d, err)
	}
}
