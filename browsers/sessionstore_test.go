package browsers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sessionState is a saved Firefox session as SessionStore writes it, with
// session cookies at the top level and, as older versions wrote them, per
// open and closed window, plus fields SessionGuard must leave alone.
const sessionState = `{"version":["sessionrestore",1],"windows":[{"tabs":[{"entries":[{"url":"https://us02web.zoom.us/j/1","title":"Zoom <meeting> & notes ✓","ID":12345678901234567890}],"index":1}],"selected":1,"cookies":[{"host":".zoom.us","value":"winzoom","name":"wz","path":"/"},{"host":"www.mybank.co.uk","value":"winbank","name":"wb","path":"/"}],"formdata":{"id":{"cookies":"a form field, not a cookie"}}}],"_closedWindows":[{"tabs":[],"cookies":[{"host":"meet.google.com","value":"closedmeet","name":"cm","path":"/"}]}],"session":{"lastUpdate":1733561234567,"startTime":1.5e3},"global":{},"cookies":[{"host":"us02web.zoom.us","value":"topzoom","name":"tz","path":"/","secure":true,"httponly":true,"originAttributes":{"userContextId":0,"firstPartyDomain":""}},{"host":".mybank.co.uk","value":"topbank","name":"tb","path":"/"},{"host":"notzoom.us","value":"topnotzoom","name":"tn","path":"/"},{"no_host":"kept as found"}],"unknownFutureField":{"nested":[1,2,3]}}`

// mozLz4 compresses content into Firefox's format.
func mozLz4(t *testing.T, content string) []byte {
	t.Helper()
	b, err := encodeMozLz4([]byte(content))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firefoxSessionProfile writes a profile folder holding the state in every
// file Firefox restores sessions from.
func firefoxSessionProfile(t *testing.T, dir, state string) []string {
	t.Helper()
	var files []string
	for _, rel := range []string{"sessionstore.jsonlz4", "sessionstore-backups/recovery.jsonlz4",
		"sessionstore-backups/recovery.baklz4", "sessionstore-backups/previous.jsonlz4",
		"sessionstore-backups/upgrade.jsonlz4-20261101000000"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, mozLz4(t, state), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// readSession decodes a session-restore file as generic JSON.
func readSession(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	content, err := decodeMozLz4(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	state, err := decodeState(content)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return state.(map[string]any)
}

// cookieValues lists the values of the session cookies anywhere in a state.
func cookieValues(state map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				if list, ok := c.([]any); ok && k == "cookies" {
					for _, item := range list {
						if m, ok := item.(map[string]any); ok {
							if v, ok := m["value"].(string); ok {
								out = append(out, v)
							}
						}
					}
					continue
				}
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(state)
	slices.Sort(out)
	return out
}

// resultFor is the result for the only profile of a browser.
func resultFor(t *testing.T, rep Report, browser string) Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Browser == browser {
			return r
		}
	}
	t.Fatalf("no result for %s in %+v", browser, rep.Results)
	return Result{}
}

func TestFirefoxSessionCookiesCleared(t *testing.T) {
	sel := selector{domains: []string{"zoom.us", "meet.google.com", "mybank.co.uk"}, keep: []string{"mybank.co.uk"}}
	dir := t.TempDir()
	files := firefoxSessionProfile(t, dir, sessionState)
	// A write file Firefox left behind is not restored from: untouched.
	tmpFile := filepath.Join(dir, "sessionstore-backups", "recovery.jsonlz4.tmp")
	if err := os.WriteFile(tmpFile, []byte("half written"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Dry run: counted once across the five copies, nothing changed.
	before := map[string][]byte{}
	for _, f := range files {
		before[f], _ = os.ReadFile(f)
	}
	cr, err := clearFirefoxSession(dir, sel, true)
	if err != nil {
		t.Fatal(err)
	}
	// In scope: wz, wb, cm, tz, tb (tn is notzoom.us); removed: wz, cm, tz.
	if cr.before != 6 || cr.removed != 3 {
		t.Fatalf("dry run: got %+v, want 6 seen, 3 to remove", cr)
	}
	for _, f := range files {
		if b, _ := os.ReadFile(f); !bytes.Equal(b, before[f]) {
			t.Errorf("dry run changed %s", f)
		}
	}

	cr, err = clearFirefoxSession(dir, sel, false)
	if err != nil || cr.before != 6 || cr.removed != 3 {
		t.Fatalf("clear: got %+v, %v; want 6 seen, 3 removed", cr, err)
	}
	want, err := decodeState([]byte(sessionState))
	if err != nil {
		t.Fatal(err)
	}
	w := want.(map[string]any)
	win := w["windows"].([]any)[0].(map[string]any)
	win["cookies"] = win["cookies"].([]any)[1:]
	w["_closedWindows"].([]any)[0].(map[string]any)["cookies"] = []any{}
	w["cookies"] = w["cookies"].([]any)[1:]
	for _, f := range files {
		got := readSession(t, f)
		if !reflect.DeepEqual(got, w) {
			g, _ := encodeState(got)
			e, _ := encodeState(w)
			t.Errorf("%s:\n got %s\nwant %s", f, g, e)
		}
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", f, fi.Mode(), err)
		}
		if v := strings.Join(cookieValues(got), ","); v != "topbank,topnotzoom,winbank" {
			t.Errorf("%s: cookies left %s", f, v)
		}
	}
	if b, _ := os.ReadFile(tmpFile); string(b) != "half written" {
		t.Error("the .tmp write file was touched")
	}
	// atomicfile's temporary files are named .<file>.tmp-<random>.
	for _, folder := range []string{dir, filepath.Join(dir, "sessionstore-backups")} {
		if left, _ := filepath.Glob(filepath.Join(folder, ".*.tmp-*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}

	// Again: nothing in scope is left, no file is rewritten.
	stamp := map[string][]byte{}
	for _, f := range files {
		stamp[f], _ = os.ReadFile(f)
	}
	cr, err = clearFirefoxSession(dir, sel, false)
	if err != nil || cr.before != 3 || cr.removed != 0 {
		t.Fatalf("second clear: got %+v, %v; want 3 seen, none removed", cr, err)
	}
	for _, f := range files {
		if b, _ := os.ReadFile(f); !bytes.Equal(b, stamp[f]) {
			t.Errorf("%s rewritten with nothing to remove", f)
		}
	}
}

// partitionedSessionState holds session cookies as Firefox 153 ESR saves
// a frame's: partitionKey unencoded in the originAttributes object.
const partitionedSessionState = `{"version":["sessionrestore",1],"windows":[],"cookies":[` +
	`{"host":"www.mybank.co.uk","value":"bankinzoom","name":"bz","path":"/","originAttributes":{"firstPartyDomain":"","partitionKey":"(https,zoom.us)","privateBrowsingId":0,"userContextId":0},"isPartitioned":true},` +
	`{"host":"widget.example","value":"widgetinzoom","name":"wi","path":"/","originAttributes":{"firstPartyDomain":"","partitionKey":"(http,us02web.zoom.us,8080)","privateBrowsingId":0,"userContextId":0}},` +
	`{"host":"www.mybank.co.uk","value":"bankown","name":"bo","path":"/","originAttributes":{"firstPartyDomain":"","partitionKey":"","privateBrowsingId":0,"userContextId":0}},` +
	`{"host":"widget.example","value":"widgetown","name":"wo","path":"/"}]}`

// A saved session cookie set in a frame belongs to the site that framed it
// too, as in the cookie database.
func TestFirefoxSessionPartitionedCookies(t *testing.T) {
	for _, tc := range []struct {
		sel  selector
		left string
	}{
		{selector{domains: []string{"zoom.us"}}, "bankown,widgetown"},
		{selector{keep: []string{"mybank.co.uk"}}, "bankown"},
		{selector{keep: []string{"mybank.co.uk", "zoom.us"}}, "bankinzoom,bankown"},
	} {
		dir := t.TempDir()
		files := firefoxSessionProfile(t, dir, partitionedSessionState)
		if _, err := clearFirefoxSession(dir, tc.sel, false); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(cookieValues(readSession(t, files[0])), ","); got != tc.left {
			t.Errorf("%+v: left %s, want %s", tc.sel, got, tc.left)
		}
	}
}

func TestFirefoxSessionNoFiles(t *testing.T) {
	cr, err := clearFirefoxSession(t.TempDir(), selector{}, false)
	if err != nil || cr != (clearResult{}) {
		t.Fatalf("got %+v, %v; want nothing, no error", cr, err)
	}
}

func TestMozLz4Refused(t *testing.T) {
	good := mozLz4(t, sessionState)
	withSize := func(size uint32, block []byte) []byte {
		b := append([]byte(mozLz4Magic), 0, 0, 0, 0)
		binary.LittleEndian.PutUint32(b[len(mozLz4Magic):], size)
		return append(b, block...)
	}
	garbage := bytes.Repeat([]byte{0xF0, 0xFF, 0xFF, 0xFF}, 64)
	cases := map[string][]byte{
		"empty":            {},
		"magic only":       []byte(mozLz4Magic),
		"wrong magic":      append([]byte("mozLz41\x00"), good[len(mozLz4Magic):]...),
		"plain json":       []byte(sessionState),
		"cut block":        good[:len(good)/2],
		"huge size field":  withSize(0xFFFFFFFF, good[mozLz4Header:]),
		"size beyond lz4":  withSize(uint32(len(good)*lz4MaxRatio), good[mozLz4Header:]),
		"size too small":   withSize(10, good[mozLz4Header:]),
		"size too large":   withSize(uint32(len(sessionState)+100), good[mozLz4Header:]),
		"garbage block":    withSize(4096, garbage),
		"not json":         mozLz4(t, "not json at all"),
		"json array":       mozLz4(t, `[{"cookies":[]}]`),
		"trailing data":    mozLz4(t, sessionState+`{"cookies":[]}`),
		"truncated json":   mozLz4(t, sessionState[:len(sessionState)-10]),
		"zero size header": withSize(0, nil),
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "sessionstore-backups", "recovery.jsonlz4")
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			// A good copy next to it is still cleaned.
			other := filepath.Join(dir, "sessionstore.jsonlz4")
			if err := os.WriteFile(other, good, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := clearFirefoxSession(dir, selector{}, false)
			if !errors.Is(err, errSessionRestore) || !errors.As(err, new(sessionDamaged)) {
				t.Fatalf("got %v, want a damaged saved session", err)
			}
			if !strings.Contains(err.Error(), "recovery.jsonlz4") {
				t.Errorf("error does not name the file: %v", err)
			}
			if b, _ := os.ReadFile(p); !bytes.Equal(b, raw) {
				t.Error("the damaged file was changed")
			}
			if v := cookieValues(readSession(t, other)); len(v) != 0 {
				t.Errorf("the good copy still holds %v", v)
			}
		})
	}
}

func TestMozLz4RoundTripIncompressible(t *testing.T) {
	// Random-looking content still round-trips (the block then holds
	// literals only).
	var b strings.Builder
	x := uint32(2463534242)
	for b.Len() < 100000 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(byte(x))
	}
	enc := mozLz4(t, b.String())
	dec, err := decodeMozLz4(enc)
	if err != nil || string(dec) != b.String() {
		t.Fatalf("round trip failed: %v", err)
	}
}

// A saved session that cannot be cleaned leaves the profile "error", never
// "cleared", with the file named and a fix.
func TestClearReportsUncleanedFirefoxSession(t *testing.T) {
	home := t.TempDir()
	root := filepath.Join(home, ".mozilla", "firefox")
	prof := filepath.Join(root, "abcd.default-release")
	writeCookieDB(t, filepath.Join(prof, "cookies.sqlite"), EngineFirefox, "wal", sampleCookies)
	writeFile(t, filepath.Join(root, "profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\nDefault=1\n")
	rec := filepath.Join(prof, "sessionstore-backups", "recovery.jsonlz4")
	writeFile(t, rec, string(mozLz4(t, sessionState)))
	env := &Env{Home: home, GOOS: "linux"}
	sys := &system{hostname: os.Hostname, alive: pidAlive, fileLockHolder: fileLockHolder, localIP: isLocalIP}

	rep, err := Clear(t.Context(), Options{Env: env, sys: sys, Browsers: []string{Firefox}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	// Every cookie of the database plus the session's six.
	if r := resultFor(t, rep, Firefox); r.Status != StatusDryRun || r.Removed != len(sampleCookies)+6 {
		t.Fatalf("dry run: got %+v, want %d to remove", r, len(sampleCookies)+6)
	}

	writeFile(t, rec, string(mozLz4(t, sessionState)[:40]))
	rep, err = Clear(t.Context(), Options{Env: env, sys: sys, Browsers: []string{Firefox}})
	if err != nil {
		t.Fatal(err)
	}
	r := resultFor(t, rep, Firefox)
	if r.Status != StatusError || r.Reason != ReasonDamaged || !strings.Contains(r.Detail, "recovery.jsonlz4") || r.Fix == "" {
		t.Fatalf("got %+v, want error damaged naming recovery.jsonlz4", r)
	}
	if rep.OK() {
		t.Error("report OK with a saved session left uncleaned")
	}

	writeFile(t, rec, string(mozLz4(t, sessionState)))
	rep, err = Clear(t.Context(), Options{Env: env, sys: sys, Browsers: []string{Firefox}})
	if err != nil {
		t.Fatal(err)
	}
	if r := resultFor(t, rep, Firefox); r.Status != StatusCleared || r.Removed != 6 || r.Before != 6 {
		t.Fatalf("got %+v, want cleared with the session's 6 removed", r)
	}
	if v := cookieValues(readSession(t, rec)); len(v) != 0 {
		t.Errorf("session cookies left: %v", v)
	}
}
