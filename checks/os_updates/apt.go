package osupdates

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/browsers"
)

// aptReleaseFile is the head of a list's Release or InRelease file.
type aptReleaseFile struct {
	Origin, Label, Suite, Codename string
	Date, ValidUntil               time.Time
}

// Security reports whether the archive is a security archive: its label
// says so (Debian-Security), or its suite or codename is a -security
// pocket (Ubuntu's jammy-security, Ubuntu Pro's jammy-infra-security,
// Debian 11+'s bookworm-security), or Debian 10's buster/updates.
func (r aptReleaseFile) Security() bool {
	if strings.Contains(strings.ToLower(r.Label), "security") {
		return true
	}
	for _, s := range []string{r.Suite, r.Codename} {
		s = strings.ToLower(s)
		if strings.HasSuffix(s, "-security") || r.Origin == "Debian" && strings.HasSuffix(s, "/updates") {
			return true
		}
	}
	return false
}

// thirdParty reports whether the archive is not the distribution's own
// (Debian, Ubuntu and the derivatives that publish under those origins,
// or Linux Mint's, elementary's and Pop!_OS's): a maker's own source, as
// Google's for Chrome.
func (r aptReleaseFile) thirdParty() bool {
	switch strings.ToLower(r.Origin) {
	case "", "debian", "ubuntu", "linuxmint", "elementary", "pop", "system76", "kali", "raspbian", "raspberry pi foundation", "devuan":
		return false
	}
	return true
}

// vendorBrowsers are the Debian packages web browsers' makers publish in
// apt sources of their own (browsers.Known, the one place browsers are
// named). Every release of a browser carries security fixes, and
// unattended-upgrades installs only the distribution's security archive
// by default, so a browser from its maker's source waits for someone to
// upgrade it: its waiting updates count as security updates. (Debian's
// and Ubuntu's own chromium and firefox-esr come through the security
// archive.)
var vendorBrowsers = func() map[string]bool {
	m := map[string]bool{}
	for _, b := range browsers.Known() {
		for _, p := range b.DebPackages {
			m[p] = true
		}
	}
	return m
}()

// parseAptRelease reads the fields of a Release or InRelease file (the
// clear-signed armour of InRelease skipped).
func parseAptRelease(b []byte) (aptReleaseFile, error) {
	var r aptReleaseFile
	text := string(b)
	if strings.HasPrefix(text, "-----BEGIN PGP SIGNED MESSAGE-----") {
		_, rest, ok := strings.Cut(text, "\n\n")
		if !ok {
			return r, fmt.Errorf("signed release without a body")
		}
		text = rest
	}
	seen := false
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "-----BEGIN PGP SIGNATURE") {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Origin":
			r.Origin, seen = v, true
		case "Label":
			r.Label, seen = v, true
		case "Suite":
			r.Suite, seen = v, true
		case "Codename":
			r.Codename, seen = v, true
		case "Date":
			r.Date, seen = parseAptDate(v), true
		case "Valid-Until":
			r.ValidUntil = parseAptDate(v)
		}
	}
	if !seen {
		return r, fmt.Errorf("no Origin, Label, Suite, Codename or Date")
	}
	return r, nil
}

// parseAptDate reads a Release date (RFC 2822 in UTC as apt writes it);
// zero when it is not one.
func parseAptDate(v string) time.Time {
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// maxListSize bounds a decompressed package list.
const maxListSize = 256 << 20

// openList undoes the compression apt keeps a list in
// (Acquire::GzipIndexes): none, gzip or lz4, by the file's name. The list
// is read as a stream, never held decompressed whole.
func openList(name string, b []byte) (io.Reader, error) {
	switch {
	case strings.HasSuffix(name, ".lz4"):
		return newLZ4Reader(b), nil
	case strings.HasSuffix(name, ".gz"):
		return gzip.NewReader(bytes.NewReader(b))
	case strings.HasSuffix(name, "_Packages"):
		return bytes.NewReader(b), nil
	}
	ext := name[strings.LastIndexByte(name, '.')+1:]
	return nil, fmt.Errorf("compressed as %s, which SessionGuard does not read", ext)
}

// debPackage is one paragraph's package name, architecture, version and
// (dpkg status) state.
type debPackage struct{ Name, Arch, Version, Status string }

// eachPackage calls fn for every paragraph of a Packages or dpkg status
// stream that names a package and version; an error when the stream
// cannot be read to its end (a corrupt or truncated list).
func eachPackage(r io.Reader, fn func(debPackage)) error {
	sc := bufio.NewScanner(io.LimitReader(r, maxListSize))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var cur debPackage
	flush := func() {
		if cur.Name != "" && cur.Version != "" {
			fn(cur)
		}
		cur = debPackage{}
	}
	field := func(line []byte, name string) (string, bool) {
		if len(line) > len(name) && line[len(name)] == ':' && string(line[:len(name)]) == name {
			return string(bytes.TrimSpace(line[len(name)+1:])), true
		}
		return "", false
	}
	for sc.Scan() {
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if len(line) == 0 {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		switch line[0] {
		case 'P':
			if v, ok := field(line, "Package"); ok {
				cur.Name = v
			}
		case 'V':
			if v, ok := field(line, "Version"); ok {
				cur.Version = v
			}
		case 'A':
			if v, ok := field(line, "Architecture"); ok {
				cur.Arch = v
			}
		case 'S':
			if v, ok := field(line, "Status"); ok {
				cur.Status = v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

// installed reports whether a dpkg status paragraph is an installed
// package ("install ok installed", "hold ok installed").
func (p debPackage) installed() bool {
	return strings.HasSuffix(p.Status, " installed")
}

// compareDebVersions compares two Debian versions as dpkg does: <0 when a
// is older than b, 0 when equal, >0 when newer.
func compareDebVersions(a, b string) int {
	ea, ua, ra := splitDebVersion(a)
	eb, ub, rb := splitDebVersion(b)
	if c := compareNumeric(ea, eb); c != 0 {
		return c
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

func splitDebVersion(v string) (epoch, upstream, revision string) {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		epoch, v = v[:i], v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

func compareNumeric(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// order is dpkg's weight of a character in a non-digit run: ~ sorts
// before everything, even the end; letters before other characters.
func order(c byte) int {
	switch {
	case isDigit(c):
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	case c == '~':
		return -1
	case c != 0:
		return int(c) + 256
	}
	return 0
}

func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			var ac, bc int
			if i < len(a) {
				ac = order(a[i])
			}
			if j < len(b) {
				bc = order(b[j])
			}
			if ac != bc {
				return ac - bc
			}
			if i < len(a) {
				i++
			}
			if j < len(b) {
				j++
			}
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareNumeric(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}
