// Package wlanie reads the 802.11 information elements an access point
// sends in its beacons and probe responses: the RSN element (ID 48, IEEE
// 802.11-2020 §9.4.2.24) and the WPA (version 1) element (vendor specific,
// ID 221, OUI 00-50-F2 type 1), which say which group (broadcast) cipher,
// pairwise ciphers and key management (AKM) suites the access point offers
// every device. It names the suites in the words iw prints for them
// (iw's scan.c print_cipher and print_auth: "CCMP", "TKIP", "PSK",
// "IEEE 802.1X", "SAE", …; an unknown suite as "00-0f-ac:24"), so the
// wifi_security check grades raw elements (Windows' WLAN API) by the very
// rules it applies to iw's text on Linux. Pure: no OS access, so the
// evidence package (which keeps only these elements in a bundle) may use
// it too.
package wlanie

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Element IDs read here.
const (
	IDRSN    = 48
	IDVendor = 221
)

// Element is one information element: its ID and its body (without the
// two header bytes).
type Element struct {
	ID   byte
	Body []byte
}

// ErrTruncated: an element or a suite list runs past the end of the data.
var ErrTruncated = errors.New("information element truncated")

// Elements splits a blob of information elements (ID, length, body, …).
// Data past a truncated element is not returned, and the error says so:
// the elements before it are still whole.
func Elements(b []byte) ([]Element, error) {
	var out []Element
	for len(b) > 0 {
		if len(b) < 2 || len(b) < 2+int(b[1]) {
			return out, fmt.Errorf("element %d of %d bytes: %w", len(out), len(b), ErrTruncated)
		}
		out = append(out, Element{ID: b[0], Body: b[2 : 2+int(b[1])]})
		b = b[2+int(b[1]):]
	}
	return out, nil
}

// wpaOUIType is the start of a WPA element's body: Microsoft's OUI 00-50-F2,
// vendor type 1.
var wpaOUIType = [4]byte{0x00, 0x50, 0xf2, 0x01}

// IsWPA reports whether e is a WPA (version 1) element.
func IsWPA(e Element) bool {
	return e.ID == IDVendor && len(e.Body) >= 4 && [4]byte(e.Body[:4]) == wpaOUIType
}

// Security finds the first RSN and the first WPA element of a blob (nil
// when there is none).
func Security(ies []byte) (rsn, wpa *Element, err error) {
	els, err := Elements(ies)
	for i := range els {
		switch {
		case els[i].ID == IDRSN && rsn == nil:
			rsn = &els[i]
		case IsWPA(els[i]) && wpa == nil:
			wpa = &els[i]
		}
	}
	return rsn, wpa, err
}

// Keep returns only the RSN and WPA elements of a blob, re-encoded, in
// their order: what the security grading reads, without the network name,
// vendor and WPS elements (device names, serial numbers) beside them. A
// truncated tail is dropped.
func Keep(ies []byte) []byte {
	els, _ := Elements(ies)
	var out []byte
	for _, e := range els {
		if e.ID == IDRSN || IsWPA(e) {
			out = append(out, e.ID, byte(len(e.Body)))
			out = append(out, e.Body...)
		}
	}
	return out
}

// Suites are what an RSN or WPA element offers, in iw's words.
type Suites struct {
	Version  int
	Group    string
	Pairwise []string
	AKM      []string
}

// RSN parses an RSN element's body. Fields the element leaves out take
// the standard's defaults (group and pairwise CCMP, AKM 802.1X), as iw
// prints them.
func RSN(body []byte) (Suites, error) {
	return suites(body, "CCMP", "IEEE 802.1X")
}

// WPA parses a WPA element's body (OUI and type included). Fields it
// leaves out take WPA's defaults (TKIP, 802.1X), as iw prints them.
func WPA(body []byte) (Suites, error) {
	if len(body) < 4 || [4]byte(body[:4]) != wpaOUIType {
		return Suites{}, errors.New("not a WPA element")
	}
	return suites(body[4:], "TKIP", "IEEE 802.1X")
}

var (
	ouiIEEE = [3]byte{0x00, 0x0f, 0xac}
	ouiMS   = [3]byte{0x00, 0x50, 0xf2}
	ouiWFA  = [3]byte{0x50, 0x6f, 0x9a}
)

// suites reads version, group suite, pairwise count and list, AKM count
// and list (little-endian counts, 4-byte suites); the capabilities and
// PMKIDs after them are not read.
func suites(b []byte, defCipher, defAKM string) (Suites, error) {
	s := Suites{Group: defCipher, Pairwise: []string{defCipher}, AKM: []string{defAKM}}
	if len(b) < 2 {
		return s, fmt.Errorf("no version: %w", ErrTruncated)
	}
	s.Version, b = int(binary.LittleEndian.Uint16(b)), b[2:]
	if len(b) < 4 {
		return s, nil
	}
	s.Group, b = cipherName(b[:4]), b[4:]
	list := func(name func([]byte) string) ([]string, error) {
		n := int(binary.LittleEndian.Uint16(b))
		if len(b) < 2+4*n {
			return nil, fmt.Errorf("%d suites: %w", n, ErrTruncated)
		}
		out := make([]string, 0, n)
		for i := range n {
			out = append(out, name(b[2+4*i:6+4*i]))
		}
		b = b[2+4*n:]
		return out, nil
	}
	if len(b) < 2 {
		return s, nil
	}
	var err error
	if s.Pairwise, err = list(cipherName); err != nil {
		return s, err
	}
	if len(b) < 2 {
		return s, nil
	}
	s.AKM, err = list(akmName)
	return s, err
}

// Suite names by OUI and type, as iw's print_cipher and print_auth give
// them.
var (
	msCiphers   = map[byte]string{0: "Use group cipher suite", 1: "WEP-40", 2: "TKIP", 4: "CCMP", 5: "WEP-104"}
	ieeeCiphers = map[byte]string{0: "Use group cipher suite", 1: "WEP-40", 2: "TKIP", 4: "CCMP", 5: "WEP-104",
		6: "AES-128-CMAC", 7: "NO-GROUP", 8: "GCMP", 9: "GCMP-256", 10: "CCMP-256",
		11: "BIP-GMAC-128", 12: "BIP-GMAC-256", 13: "BIP-CMAC-256"}
	msAKMs   = map[byte]string{1: "IEEE 802.1X", 2: "PSK"}
	ieeeAKMs = map[byte]string{1: "IEEE 802.1X", 2: "PSK", 3: "FT/IEEE 802.1X", 4: "FT/PSK",
		5: "IEEE 802.1X/SHA-256", 6: "PSK/SHA-256", 7: "TDLS/TPK", 8: "SAE", 9: "FT/SAE",
		11: "IEEE 802.1X/SUITE-B", 12: "IEEE 802.1X/SUITE-B-192", 13: "FT/IEEE 802.1X/SHA-384",
		14: "FILS/SHA-256", 15: "FILS/SHA-384", 16: "FT/FILS/SHA-256", 17: "FT/FILS/SHA-384", 18: "OWE"}
	wfaAKMs = map[byte]string{1: "OSEN", 2: "DPP"}

	cipherNames = map[[3]byte]map[byte]string{ouiMS: msCiphers, ouiIEEE: ieeeCiphers}
	akmNames    = map[[3]byte]map[byte]string{ouiMS: msAKMs, ouiIEEE: ieeeAKMs, ouiWFA: wfaAKMs}
)

// cipherName names a cipher suite.
func cipherName(d []byte) string {
	return suiteName(d, cipherNames)
}

// akmName names an AKM suite.
func akmName(d []byte) string {
	return suiteName(d, akmNames)
}

func suiteName(d []byte, byOUI map[[3]byte]map[byte]string) string {
	if n, ok := byOUI[[3]byte(d[:3])][d[3]]; ok {
		return n
	}
	return suiteNumber(d)
}

// suiteNumber is iw's form of a suite it has no name for.
func suiteNumber(d []byte) string {
	return fmt.Sprintf("%02x-%02x-%02x:%d", d[0], d[1], d[2], d[3])
}
