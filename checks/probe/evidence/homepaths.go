package evidence

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"howett.net/plist"
)

// homePaths rewrites every path under a home folder wherever it occurs —
// a whole path, a path inside an argument (`--config=/home/sam/x`,
// `swaylock -f -i /home/sam/a.png`, `"C:\Users\Sam\AppData\…\x.exe" /s`),
// a line of a text file — the same way: the console user's home folder
// becomes its pseudonymised form (see accountNames), and the account name
// in any other home folder (/home/<name>, /var/home/<name>,
// /home/.ecryptfs/<name>, /Users/<name>, <drive>:\Users\<name> and
// <drive>:/Users/<name>) becomes Pseudonym("user", name); the system's
// own entries (Shared, Public, Default, dot-folders,
// pseudonyms) stay. The rest of the text is kept byte for byte, so a
// path a check reads from one source (an argument, a config line, a
// registry value) still names the file the bundle keeps under the same
// rewritten path.
//
// Boundaries: a name runs to the next separator, quote, whitespace or
// other character a name cannot hold (see endsName), so /home/sam2 is
// sam2's, never sam's followed by "2"; the console user's home matches
// only when followed by such a character or the end. /home/ and /Users/
// match as written (Linux file systems tell case, and macOS names the
// folder so); the Windows form ignores case, as Windows does (the
// console user's home, which may lie outside the roots and hold any
// letter, by Unicode's case folding; the roots' own names by ASCII's).
//
// One pass: the text is searched for its separators only (IndexByte, no
// regular expression) and each is looked at once.
type homePaths struct {
	home, newHome string // the console user's home folder, and its pseudonymised form ("" when none)
	homeSep       int    // where home's first separator is (2 for C:\…)
	fold          bool   // home matches ignoring case (Windows)
}

func newHomePaths(a accountNames, ok bool) homePaths {
	if !ok || a.home == "" || a.newHome == "" {
		return homePaths{}
	}
	sep := strings.IndexAny(a.home, `/\`)
	if sep < 0 {
		return homePaths{}
	}
	return homePaths{home: a.home, newHome: a.newHome, homeSep: sep, fold: a.foldCase}
}

// str is s with its home paths rewritten.
func (h homePaths) str(s string) string {
	if strings.IndexByte(s, '/') < 0 && strings.IndexByte(s, '\\') < 0 {
		return s
	}
	if out, changed := h.rewrite([]byte(s), false); changed {
		return string(out)
	}
	return s
}

// strs applies str to each of in, in a new slice.
func (h homePaths) strs(in []string) []string { return mapStrings(in, h.str) }

// file is a kept file's content with its home paths rewritten: a text
// file's (see text), or the strings of a binary property list, decoded
// and encoded again in the same format; any other file as it is.
func (h homePaths) file(b []byte) []byte {
	if !bytes.HasPrefix(b, []byte("bplist")) {
		return h.text(b)
	}
	var v any
	format, err := plist.Unmarshal(b, &v)
	if err != nil {
		return b
	}
	v, changed := h.value(v)
	if !changed {
		return b
	}
	out, err := plist.Marshal(v, format)
	if err != nil {
		return b
	}
	return out
}

// value is v with the home paths in its strings rewritten (see
// rewriteStrings) and whether anything changed.
func (h homePaths) value(v any) (any, bool) { return rewriteStrings(v, h.str) }

// rewriteStrings is v with f applied to its strings — a string, a list, a
// map (its keys too), as registry values, WMI rows and property lists hold
// them — and whether anything changed; v itself is never modified (the
// checks were given it).
func rewriteStrings(v any, f func(string) string) (any, bool) {
	switch x := v.(type) {
	case string:
		y := f(x)
		return y, y != x
	case []string:
		out := mapStrings(x, f)
		return out, !slices.Equal(out, x)
	case []any:
		var out []any
		for i, e := range x {
			if y, changed := rewriteStrings(e, f); changed {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = y
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			y, changed := rewriteStrings(e, f)
			nk := f(k)
			if !changed && nk == k {
				continue
			}
			if out == nil {
				out = maps.Clone(x)
			}
			delete(out, k)
			out[nk] = y
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
}

// rows is WMI rows with their home paths rewritten (see value): the rows
// that change are copies, in a copy of the slice.
func (h homePaths) rows(rows []map[string]any) []map[string]any {
	var out []map[string]any
	for i, row := range rows {
		if y, changed := h.value(row); changed {
			if out == nil {
				out = slices.Clone(rows)
			}
			out[i] = y.(map[string]any)
		}
	}
	if out == nil {
		return rows
	}
	return out
}

// text is b with its home paths rewritten when b is text (valid UTF-8
// without NUL bytes), else b itself: a binary file's bytes are never
// changed, since a name and its pseudonym differ in length.
func (h homePaths) text(b []byte) []byte {
	out, _ := h.rewrite(b, true)
	return out
}

// oemText is a Windows command's output kept as base64 (not UTF-8: the
// console's OEM code page, whose first 128 characters are ASCII's, so a
// path's separators and root read as they do in UTF-8) with its home
// paths rewritten; output holding NUL bytes (UTF-16, binary) stays as it
// is.
func (h homePaths) oemText(b64 string) string {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || bytes.IndexByte(raw, 0) >= 0 {
		return b64
	}
	if out, changed := h.rewrite(raw, false); changed {
		return base64.StdEncoding.EncodeToString(out)
	}
	return b64
}

// rewrite returns b with its home paths rewritten and true, or b itself
// (not a copy) and false when it holds none — or, when textOnly, when b is
// not text (valid UTF-8 without NUL bytes; looked at only once a home
// path is found).
func (h homePaths) rewrite(b []byte, textOnly bool) ([]byte, bool) {
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		j := nextSep(b, i)
		if j == len(b) {
			break
		}
		if !h.mayBegin(b[j+1:]) {
			i = j + 1
			continue
		}
		start, end, repl := h.match(b, j, last)
		if repl == "" {
			i = j + 1
			continue
		}
		if out == nil {
			if textOnly && !isText(b) {
				return b, false
			}
			out = make([]byte, 0, len(b)+len(b)/4+64)
		}
		out = append(out, b[last:start]...)
		out = append(out, repl...)
		last, i = end, end
	}
	if out == nil {
		return b, false
	}
	return append(out, b[last:]...), true
}

// mayBegin: rest, what follows a separator, may begin a home root
// (home/, Users/) or the rest of the console user's home — a quick test
// that passes most separators by (a path's other folders, /usr).
func (h homePaths) mayBegin(rest []byte) bool {
	if len(rest) < 3 {
		return false
	}
	if rest[0] == 'h' && rest[1] == 'o' && rest[2] == 'm' || rest[0]|0x20 == 'u' && rest[1]|0x20 == 's' && rest[2]|0x20 == 'e' {
		return true
	}
	if h.home == "" || h.homeSep+1 >= len(h.home) {
		return false
	}
	c, d := rest[0], h.home[h.homeSep+1]
	return c == d || h.fold && (isLetter(c) && c|0x20 == d|0x20 || c >= utf8.RuneSelf || d >= utf8.RuneSelf)
}

// isText: b is valid UTF-8 without NUL bytes, but for a character cut
// short at its very end (the head of a file).
func isText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	if utf8.Valid(b) {
		return true
	}
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			return !utf8.FullRune(b[len(b)-k:]) && utf8.Valid(b[:len(b)-k])
		}
	}
	return false
}

// nextSep is the index of the first / or \ in b at or after i, or
// len(b). It looks at eight bytes at a time: most of a large file holds
// neither, and a path's separators are mostly a few bytes apart, where a
// call to bytes.IndexByte for each costs more than the search.
func nextSep(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		s, bs := x^('/'*ones), x^('\\'*ones)
		// The lowest byte of s or bs that is zero sets the lowest bit.
		if m := ((s-ones)&^s | (bs-ones)&^bs) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '/' || b[i] == '\\' {
			return i
		}
	}
	return len(b)
}

// match looks at the separator at b[j]: when it begins a home root (or,
// for the Windows form, follows its drive), it returns the part to
// replace, b[start:end], and what replaces it; repl is "" when there is
// nothing to rewrite. Nothing before from is touched.
func (h homePaths) match(b []byte, j, from int) (start, end int, repl string) {
	if h.home != "" && j-h.homeSep >= from && b[j] == h.home[h.homeSep] {
		s := j - h.homeSep
		if n, ok := h.prefix(b[s:]); ok && (s+n == len(b) || endsName(b[s+n], h.fold)) {
			return s, s + n, h.newHome
		}
	}
	rest := b[j+1:]
	windows := false
	switch {
	case j >= 2 && b[j-1] == ':' && isLetter(b[j-2]) && len(rest) > 6 && equalFoldASCII(rest[:5], "users") && rest[5] == b[j]:
		windows, start = true, j+7
	case b[j] != '/':
		return 0, 0, ""
	case bytes.HasPrefix(rest, []byte("home/")):
		start = j + 6
		if n := len(".ecryptfs/"); bytes.HasPrefix(b[start:], []byte(".ecryptfs/")) {
			start += n
		}
	case bytes.HasPrefix(rest, []byte("Users/")):
		start = j + 7
	default:
		return 0, 0, ""
	}
	end = start
	for end < len(b) && !endsName(b[end], windows) {
		end++
	}
	// A name does not end in a dot (or, on Windows, a space): a sentence's
	// full stop, a space before the next word.
	for end > start && (b[end-1] == '.' || windows && b[end-1] == ' ') {
		end--
	}
	name := string(b[start:end])
	if !isPersonEntry(name) {
		return 0, 0, ""
	}
	return start, end, Pseudonym("user", name)
}

// prefix: b begins with the console user's home, as given or (Windows)
// in another case, Unicode's simple folding as strings.EqualFold: the
// length of that beginning in b, which folding may make differ from the
// home's (K and the Kelvin sign).
func (h homePaths) prefix(b []byte) (int, bool) {
	if !h.fold {
		return len(h.home), len(b) >= len(h.home) && string(b[:len(h.home)]) == h.home
	}
	i := 0
	for _, want := range h.home {
		if i >= len(b) {
			return 0, false
		}
		got, size := rune(b[i]), 1
		if got >= utf8.RuneSelf {
			got, size = utf8.DecodeRune(b[i:])
		}
		if got != want && !sameFold(got, want) {
			return 0, false
		}
		i += size
	}
	return i, true
}

// sameFold: a and b are one letter in Unicode's simple case folding.
func sameFold(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		return isLetter(byte(a)) && a|0x20 == b|0x20
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// endsName: c cannot be part of an account name in a path. Unix names
// end at a separator, whitespace or control character, a quote, and the
// shell's and lists' punctuation; Windows names (which may hold spaces)
// at the characters Windows forbids in them and control characters.
func endsName(c byte, windows bool) bool {
	if c < ' ' || c == 0x7f {
		return true
	}
	if windows {
		return strings.IndexByte(`\/"'[]:;|=,+*?<>`, c) >= 0
	}
	return c == ' ' || strings.IndexByte("/\\\"'`:;,|&<>()[]{}=*?", c) >= 0
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// equalFoldASCII compares b with s ignoring ASCII case (a Windows path's
// folder names; a name's other bytes compared exactly).
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if x != y && !(isLetter(x) && x|0x20 == y|0x20) {
			return false
		}
	}
	return true
}
