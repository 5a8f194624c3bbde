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

// RegistryValueLister is implemented by probes that can list every value of
// a registry key, for settings Windows keeps one value each under a key
// whose value names a reader cannot know (the firewall's rules, named by
// rule id). It is an optional part of a probe: ask through RegistryValues.
type RegistryValueLister interface {
	// RegistryValues returns every value of key (short hive, backslashes)
	// by name, as Registry returns each (string, uint64 or []string);
	// values of other types are left out. An absent key is an error
	// wrapping ErrNotFound; one that exists but may not be read, an error
	// wrapping ErrAccessDenied.
	RegistryValues(key string) (map[string]any, error)
}

// RegistryValues asks p for every value of a registry key; an error
// wrapping ErrUnavailable when p cannot list them.
func RegistryValues(p Probe, key string) (map[string]any, error) {
	if l, ok := p.(RegistryValueLister); ok {
		return l.RegistryValues(key)
	}
	return nil, fmt.Errorf("registry key %s: listing its values: %w", key, ErrUnavailable)
}
