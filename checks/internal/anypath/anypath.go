// Package anypath reads paths whose separator is not known in advance:
// a program path from Windows (backslashes) or from Linux and macOS
// (slashes), as the checks meet them in process lists, registry values
// and command outputs whatever system they run on.
package anypath

import "strings"

// Base is the last element of a path separated by / or \: "zoom.exe" for
// `C:\Program Files\Zoom\bin\zoom.exe`, "zoom" for "/opt/zoom/zoom"; the
// path itself when it has no separator.
func Base(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
