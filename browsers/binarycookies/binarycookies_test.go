package binarycookies

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"time"
)

func sample() *File {
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	return &File{
		Pages: []Page{
			{Cookies: []Cookie{
				{Domain: ".zoom.us", Name: "_zm_ssid", Path: "/", Value: "abc", Flags: FlagSecure | FlagHTTPOnly, Expires: t0.AddDate(1, 0, 0), Created: t0},
				{Domain: "us02web.zoom.us", Name: "cred", Path: "/wc", Value: "", Version: 1, Expires: t0.AddDate(0, 1, 0), Created: t0},
			}},
			{Cookies: []Cookie{
				{Domain: "www.mybank.co.uk", Name: "s", Path: "/", Value: "v", Comment: "c", CommentURL: "https://x/", HasPort: true, Port: 8443, Expires: t0, Created: t0},
			}},
		},
		Metadata: []byte("bplist00\x01\x02"),
	}
}

func TestRoundTrip(t *testing.T) {
	f := sample()
	b, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("cook")) {
		t.Fatal("no signature")
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
	}
	again, _ := Encode(got)
	if !bytes.Equal(again, b) {
		t.Error("re-encoding differs")
	}
}

func TestFilter(t *testing.T) {
	f := sample()
	removed := f.Filter(func(c Cookie) bool { return c.Domain == "www.mybank.co.uk" })
	if removed != 2 || len(f.Pages) != 1 || len(f.Cookies()) != 1 {
		t.Errorf("removed %d, pages %d", removed, len(f.Pages))
	}
}

func TestDecodeRejectsBadFiles(t *testing.T) {
	good, _ := Encode(sample())
	badSum := bytes.Clone(good)
	// The checksum sits 12 bytes before the metadata.
	i := len(good) - len(sample().Metadata) - 12
	binary.BigEndian.PutUint32(badSum[i:], 0xdeadbeef)
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("SQLite format 3\x00"),
		"truncated": good[:len(good)/2],
		"checksum":  badSum,
		"pages":     append([]byte("cook"), 0xff, 0xff, 0xff, 0xff),
	} {
		if _, err := Decode(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: got %v, want ErrFormat", name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(sample())
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Decode(b)
		if err != nil {
			return
		}
		if _, err := Encode(file); err != nil {
			t.Fatal(err)
		}
	})
}
