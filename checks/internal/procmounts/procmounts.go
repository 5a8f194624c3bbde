// Package procmounts reads the kernel's mount table as /proc/self/mounts
// (and /proc/mounts) print it: one mount a line, its source, mount point
// and filesystem type first, with space, tab, newline and backslash
// written as octal escapes (\040). Used by the checks that follow a path
// to the filesystem holding it (disk_encryption, antivirus). It reads
// nothing itself.
package procmounts

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// Entry is one mount: where it comes from, where it is mounted, and its
// filesystem type, escapes undone.
type Entry struct {
	Source, Target, FSType string
}

// Parse reads a mount table; lines of fewer than three fields are
// skipped.
func Parse(b []byte) []Entry {
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		out = append(out, Entry{Source: Unescape(f[0]), Target: Unescape(f[1]), FSType: f[2]})
	}
	return out
}

// Containing returns the mount holding path: the one whose mount point
// is path or the longest above it; of mounts at the same point, the last,
// which hides the ones before it.
func Containing(mounts []Entry, path string) (Entry, bool) {
	best, found := Entry{}, false
	for _, m := range mounts {
		t := m.Target
		if path == t || t == "/" || strings.HasPrefix(path, strings.TrimSuffix(t, "/")+"/") {
			if !found || len(t) >= len(best.Target) {
				best, found = m, true
			}
		}
	}
	return best, found
}

// Unescape undoes the \ooo escapes of a mount table field.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
