package report

import (
	"testing"
	"time"
)

// TestNewIDIsTimeOrdered: ids are 32 hex digits, unique, and one made in a
// later millisecond sorts after one made earlier (what keeps the server's
// indexes appending at their end).
func TestNewIDIsTimeOrdered(t *testing.T) {
	seen := map[string]bool{}
	prev := NewID()
	for range 10_000 {
		id := NewID()
		if !idPattern.MatchString(id) {
			t.Fatalf("NewID() = %q, not 32 lower-case hex digits", id)
		}
		if seen[id] {
			t.Fatalf("NewID() returned %q twice", id)
		}
		seen[id] = true
		if id[:12] < prev[:12] {
			t.Fatalf("%q (time part) sorts before the earlier %q", id, prev)
		}
		prev = id
	}
	first := NewID()
	time.Sleep(2 * time.Millisecond)
	if later := NewID(); later <= first {
		t.Errorf("an id made 2 ms later (%q) does not sort after %q", later, first)
	}
}
