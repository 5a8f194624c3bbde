package probe

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AsInt reads an integer from a registry or WMI value of any integer type,
// a float with no fraction, or a decimal string.
func AsInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false
		}
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	default:
		return 0, false
	}
}

// AsBool reads a boolean from a WMI or registry value (bool, 0/1, "true").
func AsBool(v any) (value, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	default:
		n, ok := AsInt(v)
		if !ok || (n != 0 && n != 1) {
			return false, false
		}
		return n == 1, true
	}
}

// AsString reads a string value; numbers are formatted in decimal.
func AsString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case nil:
		return "", false
	default:
		if n, ok := AsInt(v); ok {
			return strconv.FormatInt(n, 10), true
		}
		return fmt.Sprint(v), false
	}
}

// hiveAliases are the long names of the registry hives and their short
// forms, which bundles are written with and Probe.Registry accepts.
var hiveAliases = map[string]string{
	"HKEY_LOCAL_MACHINE": "HKLM",
	"HKEY_CURRENT_USER":  "HKCU",
	"HKEY_USERS":         "HKU",
	"HKEY_CLASSES_ROOT":  "HKCR",
}

// ShortHive is the short form of a registry hive's long name
// ("HKEY_LOCAL_MACHINE" or "hkey_local_machine" gives "HKLM"); any other
// name is returned as it is.
func ShortHive(hive string) string {
	if short, ok := hiveAliases[strings.ToUpper(hive)]; ok {
		return short
	}
	return hive
}
