// Package binarycookies reads and writes Apple's Cookies.binarycookies
// format, the cookie store of Safari and of apps using NSHTTPCookieStorage.
//
// Layout (multi-byte integers big-endian in the file header, little-endian
// inside pages and cookies):
//
//	"cook" | pages uint32 BE | page sizes uint32 BE... | pages... |
//	checksum uint32 BE (sum of every 4th byte of each page) |
//	footer 0x071720050000004b | optional metadata (binary plist)
//
// A page is 0x00000100 | cookie count LE | cookie offsets LE... | 0x00000000 |
// cookies. A cookie is size, version, flags, has-port, offsets of URL
// (domain), name, path, value, comment and comment URL, expiry and creation
// (float64 seconds since 2001-01-01 UTC), an optional port, then the
// NUL-terminated strings. Decode followed by Encode reproduces every field
// this package knows, and the trailing metadata byte for byte.
package binarycookies

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrFormat is wrapped by every error about a file that is not a valid
// binarycookies file.
var ErrFormat = errors.New("not a valid binarycookies file")

// Cookie flags.
const (
	FlagSecure   uint32 = 1
	FlagHTTPOnly uint32 = 1 << 2
)

var (
	magic      = []byte("cook")
	footer     = []byte{0x07, 0x17, 0x20, 0x05, 0x00, 0x00, 0x00, 0x4b}
	pageHeader = []byte{0x00, 0x00, 0x01, 0x00}
	appleEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
)

// headerSize is the fixed part of a cookie record before the port.
const headerSize = 56

// Cookie is one stored cookie.
type Cookie struct {
	Version    uint32
	Flags      uint32
	Domain     string // the "URL" field: ".zoom.us" or "zoom.us"
	Name       string
	Path       string
	Value      string
	Comment    string
	CommentURL string
	HasPort    bool
	Port       uint16
	Expires    time.Time
	Created    time.Time
}

// Page is a group of cookies as stored; Safari keeps one page per domain.
type Page struct {
	Cookies []Cookie
}

// File is a whole binarycookies file.
type File struct {
	Pages []Page
	// Metadata is whatever follows the footer (a binary plist with the
	// cookie accept policy), kept as is.
	Metadata []byte
}

// Cookies returns every cookie of every page.
func (f *File) Cookies() []Cookie {
	var out []Cookie
	for _, p := range f.Pages {
		out = append(out, p.Cookies...)
	}
	return out
}

// Filter keeps the cookies for which keep returns true, drops pages that
// become empty and returns how many cookies were removed.
func (f *File) Filter(keep func(Cookie) bool) int {
	removed := 0
	pages := f.Pages[:0]
	for _, p := range f.Pages {
		kept := p.Cookies[:0]
		for _, c := range p.Cookies {
			if keep(c) {
				kept = append(kept, c)
			} else {
				removed++
			}
		}
		if len(kept) > 0 {
			pages = append(pages, Page{Cookies: kept})
		}
	}
	f.Pages = pages
	return removed
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// Decode parses a binarycookies file.
func Decode(data []byte) (*File, error) {
	if len(data) < 8 || !bytes.Equal(data[:4], magic) {
		return nil, formatErr("missing \"cook\" signature")
	}
	n := binary.BigEndian.Uint32(data[4:8])
	if uint64(n)*4+8 > uint64(len(data)) {
		return nil, formatErr("page count %d larger than the file", n)
	}
	sizes := make([]uint32, n)
	off := 8
	for i := range sizes {
		sizes[i] = binary.BigEndian.Uint32(data[off:])
		off += 4
	}
	f := &File{}
	var sum uint32
	for i, size := range sizes {
		if uint64(off)+uint64(size) > uint64(len(data)) {
			return nil, formatErr("page %d runs past the end of the file", i)
		}
		page := data[off : off+int(size)]
		off += int(size)
		for j := 0; j < len(page); j += 4 {
			sum += uint32(page[j])
		}
		p, err := decodePage(page)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i, err)
		}
		f.Pages = append(f.Pages, p)
	}
	if len(data) < off+12 {
		return nil, formatErr("file truncated before the checksum and footer")
	}
	if got := binary.BigEndian.Uint32(data[off:]); got != sum {
		return nil, formatErr("checksum %#x, computed %#x", got, sum)
	}
	if !bytes.Equal(data[off+4:off+12], footer) {
		return nil, formatErr("bad footer")
	}
	if rest := data[off+12:]; len(rest) > 0 {
		f.Metadata = append([]byte(nil), rest...)
	}
	return f, nil
}

func decodePage(page []byte) (Page, error) {
	if len(page) < 12 || !bytes.Equal(page[:4], pageHeader) {
		return Page{}, formatErr("bad page header")
	}
	n := binary.LittleEndian.Uint32(page[4:8])
	if uint64(n)*4+12 > uint64(len(page)) {
		return Page{}, formatErr("cookie count %d larger than the page", n)
	}
	var p Page
	for i := range int(n) {
		co := binary.LittleEndian.Uint32(page[8+4*i:])
		if uint64(co)+headerSize > uint64(len(page)) {
			return Page{}, formatErr("cookie %d offset out of range", i)
		}
		size := binary.LittleEndian.Uint32(page[co:])
		if size < headerSize || uint64(co)+uint64(size) > uint64(len(page)) {
			return Page{}, formatErr("cookie %d size out of range", i)
		}
		c, err := decodeCookie(page[co : co+size])
		if err != nil {
			return Page{}, fmt.Errorf("cookie %d: %w", i, err)
		}
		p.Cookies = append(p.Cookies, c)
	}
	return p, nil
}

func decodeCookie(rec []byte) (Cookie, error) {
	le := binary.LittleEndian
	c := Cookie{
		Version: le.Uint32(rec[4:]),
		Flags:   le.Uint32(rec[8:]),
		HasPort: le.Uint32(rec[12:]) != 0,
		Expires: fromApple(math.Float64frombits(le.Uint64(rec[40:]))),
		Created: fromApple(math.Float64frombits(le.Uint64(rec[48:]))),
	}
	if c.HasPort {
		if len(rec) < headerSize+2 {
			return c, formatErr("port missing")
		}
		c.Port = le.Uint16(rec[headerSize:])
	}
	str := func(field string, at int, optional bool) (string, error) {
		o := le.Uint32(rec[at:])
		if o == 0 && optional {
			return "", nil
		}
		if o < headerSize || int(o) >= len(rec) {
			return "", formatErr("%s offset out of range", field)
		}
		end := bytes.IndexByte(rec[o:], 0)
		if end < 0 {
			return "", formatErr("%s not terminated", field)
		}
		return string(rec[o : int(o)+end]), nil
	}
	var err error
	for _, f := range []struct {
		name     string
		at       int
		optional bool
		dst      *string
	}{
		{"domain", 16, false, &c.Domain},
		{"name", 20, false, &c.Name},
		{"path", 24, false, &c.Path},
		{"value", 28, false, &c.Value},
		{"comment", 32, true, &c.Comment},
		{"comment URL", 36, true, &c.CommentURL},
	} {
		if *f.dst, err = str(f.name, f.at, f.optional); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Encode writes f in the binarycookies format.
func Encode(f *File) ([]byte, error) {
	pages := make([][]byte, len(f.Pages))
	for i, p := range f.Pages {
		b, err := encodePage(p)
		if err != nil {
			return nil, fmt.Errorf("encoding page %d: %w", i, err)
		}
		pages[i] = b
	}
	var buf bytes.Buffer
	buf.Write(magic)
	be := binary.BigEndian
	buf.Write(be.AppendUint32(nil, uint32(len(pages))))
	for _, p := range pages {
		buf.Write(be.AppendUint32(nil, uint32(len(p))))
	}
	var sum uint32
	for _, p := range pages {
		buf.Write(p)
		for j := 0; j < len(p); j += 4 {
			sum += uint32(p[j])
		}
	}
	buf.Write(be.AppendUint32(nil, sum))
	buf.Write(footer)
	buf.Write(f.Metadata)
	return buf.Bytes(), nil
}

func encodePage(p Page) ([]byte, error) {
	le := binary.LittleEndian
	recs := make([][]byte, len(p.Cookies))
	for i, c := range p.Cookies {
		rec, err := encodeCookie(c)
		if err != nil {
			return nil, err
		}
		recs[i] = rec
	}
	out := append([]byte(nil), pageHeader...)
	out = le.AppendUint32(out, uint32(len(recs)))
	off := 12 + 4*len(recs)
	for _, r := range recs {
		out = le.AppendUint32(out, uint32(off))
		off += len(r)
	}
	out = append(out, 0, 0, 0, 0)
	for _, r := range recs {
		out = append(out, r...)
	}
	return out, nil
}

func encodeCookie(c Cookie) ([]byte, error) {
	for _, s := range []string{c.Domain, c.Name, c.Path, c.Value, c.Comment, c.CommentURL} {
		if bytes.IndexByte([]byte(s), 0) >= 0 {
			return nil, fmt.Errorf("cookie field contains a NUL byte")
		}
	}
	le := binary.LittleEndian
	var tail []byte
	if c.HasPort {
		tail = le.AppendUint16(tail, c.Port)
	}
	offsets := [6]uint32{}
	add := func(i int, s string, optional bool) {
		if optional && s == "" {
			return
		}
		offsets[i] = uint32(headerSize + len(tail))
		tail = append(tail, s...)
		tail = append(tail, 0)
	}
	// Apple writes the comment first, then URL, name, path, value.
	add(4, c.Comment, true)
	add(5, c.CommentURL, true)
	add(0, c.Domain, false)
	add(1, c.Name, false)
	add(2, c.Path, false)
	add(3, c.Value, false)
	rec := make([]byte, 0, headerSize+len(tail))
	rec = le.AppendUint32(rec, uint32(headerSize+len(tail)))
	rec = le.AppendUint32(rec, c.Version)
	rec = le.AppendUint32(rec, c.Flags)
	hasPort := uint32(0)
	if c.HasPort {
		hasPort = 1
	}
	rec = le.AppendUint32(rec, hasPort)
	for _, o := range offsets {
		rec = le.AppendUint32(rec, o)
	}
	rec = le.AppendUint64(rec, math.Float64bits(toApple(c.Expires)))
	rec = le.AppendUint64(rec, math.Float64bits(toApple(c.Created)))
	return append(rec, tail...), nil
}

func fromApple(s float64) time.Time {
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return time.Time{}
	}
	sec, frac := math.Modf(s)
	return appleEpoch.Add(time.Duration(sec) * time.Second).Add(time.Duration(frac * float64(time.Second))).UTC()
}

func toApple(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return t.Sub(appleEpoch).Seconds()
}
