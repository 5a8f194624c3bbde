package probe

import "fmt"

// RegistryKeyChecker is implemented by probes that can tell whether a
// registry key exists, as opposed to reading one of its values (Windows
// keeps some flags as keys with no value a reader may rely on, such as
// Windows Update's RebootRequired). It is an optional part of a probe: ask
// through RegistryKeyExists.
type RegistryKeyChecker interface {
	// RegistryKeyExists reports whether key (short hive, backslashes) is
	// there: true, or false with a nil error when it is not. A key that
	// exists but may not be opened is an error wrapping ErrAccessDenied,
	// never false: "absent" is an answer a check may judge on.
	RegistryKeyExists(key string) (bool, error)
}

// RegistryKeyExists asks p whether a registry key exists; an error
// wrapping ErrUnavailable when p cannot tell.
func RegistryKeyExists(p Probe, key string) (bool, error) {
	if c, ok := p.(RegistryKeyChecker); ok {
		return c.RegistryKeyExists(key)
	}
	return false, fmt.Errorf("registry key %s: %w", key, ErrUnavailable)
}
