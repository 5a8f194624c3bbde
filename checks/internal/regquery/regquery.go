// Package regquery reads what Windows' reg.exe prints for `reg query`: key
// paths and their values, the same in every Windows language. Checks that
// list registry subkeys (the probe reads values, not subkeys) or read a
// whole tree at once run reg and read its output here.
package regquery

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ErrUnrecognised marks output Parse does not recognise.
var ErrUnrecognised = errors.New("output not recognised")

// Key is one registry key of `reg query /s` output and its values
// (REG_SZ and REG_EXPAND_SZ as string, REG_DWORD and REG_QWORD as uint64,
// others as their text).
type Key struct {
	Path   string
	Values map[string]any
}

var (
	valueLine = regexp.MustCompile(`^ {4}(.*?) {4}(REG_[A-Z0-9_]+)(?: {4}(.*))?$`)
	hiveLine  = regexp.MustCompile(`^HKEY_[A-Z_]+(\\|$)`)
)

// Parse reads the output of `reg query <key>` or `reg query <key> /s` (the same in every
// Windows language: key paths, then indented "name    REG_TYPE    data"
// lines). Keys come in the order reg printed them, paths as printed
// (HKEY_USERS\…). Output with no key line, or a line that is neither, is
// an error wrapping ErrUnrecognised.
func Parse(out string) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "":
		case hiveLine.MatchString(line):
			keys = append(keys, Key{Path: line, Values: map[string]any{}})
		case valueLine.MatchString(line) && len(keys) > 0:
			m := valueLine.FindStringSubmatch(line)
			keys[len(keys)-1].Values[strings.ToLower(m[1])] = regData(m[2], m[3])
		case strings.HasPrefix(line, "End of search:") && len(keys) > 0:
			// only with /f; never asked for, harmless
		default:
			return keys, fmt.Errorf("reg query line %q: %w", firstN(line, 60), ErrUnrecognised)
		}
	}
	if err := sc.Err(); err != nil {
		return keys, fmt.Errorf("reg query output: %w", err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("reg query printed no key: %w", ErrUnrecognised)
	}
	return keys, nil
}

func regData(typ, data string) any {
	switch typ {
	case "REG_DWORD", "REG_QWORD":
		if n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(data), "0x"), 16, 64); err == nil {
			return n
		}
	}
	return data
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// NormaliseRoot is how reg prints a key given with a short hive: HKU as
// HKEY_USERS, HKLM as HKEY_LOCAL_MACHINE, HKCU as HKEY_CURRENT_USER.
func NormaliseRoot(key string) string {
	for short, long := range map[string]string{"HKU": "HKEY_USERS", "HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER"} {
		if rest, ok := strings.CutPrefix(key, short+`\`); ok {
			return long + `\` + rest
		}
	}
	return key
}
