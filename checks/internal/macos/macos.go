// Package macos holds pure parsing helpers for macOS sources that more than
// one check reads: plist values and the output of `defaults read`. It does
// no I/O and compiles on every OS (DESIGN.md §3: only checks/probe/live touches
// the system).
package macos

import (
	"bytes"
	"strings"
)

// PlistBool reads a plist boolean, or a value written as one in another
// type: an integer 0/1, or a string "1"/"0", "true"/"false", "yes"/"no" in
// any case (as `defaults read` prints them; GuestEnabled is written both
// ways). ok is false for anything else, including integers other than 0
// and 1.
func PlistBool(v any) (value, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case uint64:
		return x != 0, x <= 1
	case int64:
		return x != 0, x == 0 || x == 1
	case string:
		switch strings.ToLower(x) {
		case "1", "true", "yes":
			return true, true
		case "0", "false", "no":
			return false, true
		}
	}
	return false, false
}

// DefaultsMissing reports whether the stderr of `defaults read` says the key
// or domain is not set: "The domain/default pair of (…, GuestEnabled) does
// not exist" or "Domain … does not exist".
func DefaultsMissing(stderr []byte) bool {
	return bytes.Contains(stderr, []byte("does not exist"))
}
