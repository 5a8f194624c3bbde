package browsers

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pierrec/lz4/v4"
	"github.com/sessionguard/sessionguard/internal/atomicfile"
)

// Firefox keeps the session cookies of the open windows (those without an
// expiry date, which never reach cookies.sqlite) in its session-restore
// state and puts them back into the cookie store when it restores the
// session: after a crash or SIGTERM (which is what --close-browsers sends)
// from sessionstore-backups/recovery.jsonlz4 and its older copies, after a
// normal quit with "Open previous windows and tabs" from
// sessionstore.jsonlz4. The state keeps them in "cookies" arrays: at the top
// level (SessionStore restores state.cookies before the first tab loads)
// and, in states written by older versions, per window (windows[i].cookies
// and _closedWindows[i].cookies). Each cookie is an object with host, name,
// value, path and more. Clearing a Firefox profile therefore also removes
// the selected cookies from every such file.

// errSessionRestore is wrapped by errors about Firefox's session-restore
// files: one that cannot be read or rewritten leaves the profile not fully
// cleared.
var errSessionRestore = errors.New("Firefox's saved session could not be cleaned")

// sessionDamaged marks a session-restore file whose content is not a
// readable saved session (as opposed to one the system would not let us
// read or write).
type sessionDamaged struct{ error }

func (e sessionDamaged) Unwrap() error { return e.error }

// mozLz4Magic starts Firefox's compressed JSON files: then comes the
// uncompressed size (uint32, little-endian) and one LZ4 block.
const mozLz4Magic = "mozLz40\x00"

const mozLz4Header = len(mozLz4Magic) + 4

// maxSessionState bounds a session-restore file, compressed and
// uncompressed; a real one with hundreds of tabs is a few tens of MB.
const maxSessionState = 256 << 20

// lz4MaxRatio is the most an LZ4 block can expand: a match length grows by
// 255 per extra byte.
const lz4MaxRatio = 255

// sessionRestoreFiles lists the session-restore files of a Firefox profile
// directory: sessionstore.jsonlz4 and, in sessionstore-backups,
// recovery.jsonlz4, recovery.baklz4, previous.jsonlz4 and upgrade.jsonlz4-*.
// A missing file or folder is not an error.
func sessionRestoreFiles(dir string) ([]string, error) {
	var out []string
	main := filepath.Join(dir, "sessionstore.jsonlz4")
	if fi, err := os.Stat(main); err == nil && fi.Mode().IsRegular() {
		out = append(out, main)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", errSessionRestore, err)
	}
	backups := filepath.Join(dir, "sessionstore-backups")
	entries, err := os.ReadDir(backups)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %w", errSessionRestore, err)
	}
	for _, e := range entries {
		if !isSessionRestoreName(e.Name()) {
			continue
		}
		p := filepath.Join(backups, e.Name())
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errSessionRestore, err)
		}
		if fi.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out, nil
}

// isSessionRestoreName reports whether a file in sessionstore-backups is
// one Firefox may restore a session from (not its ".tmp" write files).
func isSessionRestoreName(name string) bool {
	switch name {
	case "recovery.jsonlz4", "recovery.baklz4", "previous.jsonlz4":
		return true
	}
	return strings.HasPrefix(name, "upgrade.jsonlz4-") && !strings.HasSuffix(name, ".tmp")
}

// decodeMozLz4 returns the content of a mozLz4 file. It refuses a size field
// larger than maxSessionState or than the block could expand to, so a
// damaged header never makes a giant allocation.
func decodeMozLz4(b []byte) ([]byte, error) {
	if len(b) < mozLz4Header {
		return nil, errors.New("it is too short to be a saved session (truncated)")
	}
	if string(b[:len(mozLz4Magic)]) != mozLz4Magic {
		return nil, errors.New("it is not in Firefox's compressed format")
	}
	size := uint64(binary.LittleEndian.Uint32(b[len(mozLz4Magic):mozLz4Header]))
	block := b[mozLz4Header:]
	if size > maxSessionState {
		return nil, fmt.Errorf("it claims %d MB of content, more than a saved session holds", size>>20)
	}
	if size > uint64(len(block))*lz4MaxRatio {
		return nil, fmt.Errorf("it claims %d bytes of content, more than its %d compressed bytes can hold (truncated)", size, len(block))
	}
	out := make([]byte, size)
	n, err := lz4.UncompressBlock(block, out)
	if err != nil {
		return nil, fmt.Errorf("its compressed content is damaged: %w", err)
	}
	if uint64(n) != size {
		return nil, fmt.Errorf("it holds %d of the %d bytes it claims (truncated)", n, size)
	}
	return out, nil
}

// encodeMozLz4 compresses content into Firefox's mozLz4 format.
func encodeMozLz4(content []byte) ([]byte, error) {
	if len(content) > maxSessionState {
		return nil, errors.New("the saved session is too large to rewrite")
	}
	out := make([]byte, mozLz4Header+lz4.CompressBlockBound(len(content)))
	copy(out, mozLz4Magic)
	binary.LittleEndian.PutUint32(out[len(mozLz4Magic):], uint32(len(content)))
	var c lz4.Compressor
	n, err := c.CompressBlock(content, out[mozLz4Header:])
	if err != nil {
		return nil, err
	}
	if n == 0 && len(content) > 0 {
		return nil, errors.New("compressing the saved session failed")
	}
	return out[:mozLz4Header+n], nil
}

// sessionCookieKey identifies a cookie across the session-restore files,
// which hold copies of the same state: host, name, path and the
// originAttributes that separate containers.
func sessionCookieKey(c map[string]any) string {
	var b strings.Builder
	for _, k := range []string{"host", "name", "path"} {
		s, _ := c[k].(string)
		b.WriteString(s)
		b.WriteByte(0)
	}
	if oa, ok := c["originAttributes"]; ok {
		j, _ := json.Marshal(oa) // object keys come out sorted
		b.Write(j)
	}
	return b.String()
}

// sessionCookiePartition is the top-level site of a saved session cookie's
// partition, from its originAttributes object (where Firefox writes
// partitionKey unencoded: "(http,zoom.us)"), or "" when it has none.
func sessionCookiePartition(c map[string]any) string {
	oa, _ := c["originAttributes"].(map[string]any)
	partitionKey, _ := oa["partitionKey"].(string)
	firstParty, _ := oa["firstPartyDomain"].(string)
	return firefoxSiteOf(partitionKey, firstParty)
}

// sessionCookies counts, over every session-restore file of a profile, the
// distinct cookies and those the selector removes.
type sessionCookies struct {
	all, removed map[string]bool
}

// filterState removes the selected cookies from every "cookies" array of a
// decoded session state, recording what it saw in sc, and reports whether
// it removed any.
func (sc sessionCookies) filterState(v any, sel selector) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if list, ok := child.([]any); ok && k == "cookies" {
				kept := list[:0:0]
				for _, item := range list {
					c, isObj := item.(map[string]any)
					host, hasHost := c["host"].(string)
					if !isObj || !hasHost {
						kept = append(kept, item)
						continue
					}
					key := sessionCookieKey(c)
					sc.all[key] = true
					if sel.removeCookie(host, sessionCookiePartition(c)) {
						sc.removed[key] = true
						continue
					}
					kept = append(kept, item)
				}
				if len(kept) != len(list) {
					t[k] = kept
					changed = true
				}
				continue
			}
			if sc.filterState(child, sel) {
				changed = true
			}
		}
	case []any:
		for _, child := range t {
			if sc.filterState(child, sel) {
				changed = true
			}
		}
	}
	return changed
}

// decodeState parses a session state as generic JSON, numbers kept as
// written.
func decodeState(content []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	var state any
	if err := dec.Decode(&state); err != nil {
		return nil, fmt.Errorf("its content is not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("it has data after the saved session")
	}
	if _, ok := state.(map[string]any); !ok {
		return nil, errors.New("it does not hold a saved session")
	}
	return state, nil
}

func encodeState(state any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(state); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// clearSessionFile removes the selected cookies from one session-restore
// file (or, in a dry run, only counts them), rewriting it atomically only
// when something is removed.
func clearSessionFile(path string, sel selector, dryRun bool, sc sessionCookies) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if fi.Size() > maxSessionState {
		f.Close()
		return fmt.Errorf("it is %d MB, more than a saved session holds", fi.Size()>>20)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxSessionState+1))
	f.Close()
	if err != nil {
		return err
	}
	content, err := decodeMozLz4(raw)
	if err != nil {
		return sessionDamaged{err}
	}
	state, err := decodeState(content)
	if err != nil {
		return sessionDamaged{err}
	}
	if !sc.filterState(state, sel) || dryRun {
		return nil
	}
	content, err = encodeState(state)
	if err != nil {
		return err
	}
	out, err := encodeMozLz4(content)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, out, fi.Mode().Perm())
}

// clearFirefoxSession removes the selected cookies from every
// session-restore file of a Firefox profile (or counts them in a dry run).
// A cookie found in several files (they are copies of the state at
// different times) counts once. A file that cannot be read, parsed or
// rewritten is an error wrapping errSessionRestore: the cleared cookies
// could come back the next time Firefox starts.
func clearFirefoxSession(dir string, sel selector, dryRun bool) (clearResult, error) {
	sc := sessionCookies{all: map[string]bool{}, removed: map[string]bool{}}
	files, err := sessionRestoreFiles(dir)
	var failed []error
	if err != nil {
		failed = append(failed, err)
	}
	for _, path := range files {
		if err := clearSessionFile(path, sel, dryRun, sc); err != nil {
			rel, _ := filepath.Rel(dir, path)
			if isPermission(err) {
				// explain() turns this into the permission advice.
				err = fmt.Errorf("%w: %s: %w", errSessionRestore, rel, err)
			} else {
				err = fmt.Errorf("%w: %s: %w; Firefox could bring back cleared cookies from it when it starts again",
					errSessionRestore, rel, err)
			}
			failed = append(failed, err)
		}
	}
	res := clearResult{before: len(sc.all), removed: len(sc.removed)}
	switch len(failed) {
	case 0:
		return res, nil
	case 1:
		return res, failed[0]
	}
	return res, fmt.Errorf("%w (and %d more saved-session files could not be cleaned)", failed[0], len(failed)-1)
}

// sessionRestoreFix is what to do when a saved session could not be cleaned.
const sessionRestoreFix = "Open Firefox, clear cookies in Settings > Privacy & Security > Cookies and Site Data, close Firefox, then clear again; or ask IT support."
