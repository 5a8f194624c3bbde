package live

import "testing"

// TestSamePath: the Windows live probe refuses a file whose opened path is
// not the one asked for — a junction in a user's profile pointing at a
// folder only administrators may read.
func TestSamePath(t *testing.T) {
	for _, c := range []struct {
		want, final string
		same        bool
	}{
		{`C:\Users\sam\AppData\x.scr`, `\\?\C:\Users\sam\AppData\x.scr`, true},
		{`c:\users\SAM\appdata\x.scr`, `\\?\C:\Users\sam\AppData\x.scr`, true},
		{`C:/Windows/System32/scrnsave.scr`, `\\?\C:\Windows\System32\scrnsave.scr`, true},
		{`\\server\share\f.txt`, `\\?\UNC\server\share\f.txt`, true},
		{`C:\Users\sam\link\SAM`, `\\?\C:\Windows\System32\config\SAM`, false},
		{`C:\Users\sam\j\x.scr`, `\\?\D:\elsewhere\x.scr`, false},
		{`C:\Users\sam\x.scr`, `\\?\C:\Users\sam\x.scr.bak`, false},
	} {
		if got := samePath(c.want, c.final); got != c.same {
			t.Errorf("samePath(%q, %q) = %v, want %v", c.want, c.final, got, c.same)
		}
	}
}
