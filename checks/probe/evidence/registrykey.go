package evidence

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// RegistryKeyExists records whether the inner probe found the key: true or
// false in DIR/registry_keys.json (a key whose presence was never asked is
// not there), a denial in denied.json.
func (r *Recorder) RegistryKeyExists(key string) (bool, error) {
	ok, err := probe.RegistryKeyExists(r.inner, key)
	if err != nil {
		r.deny(err, Denied{Kind: "registry_key", Key: key})
		return ok, err
	}
	r.mu.Lock()
	r.registryKeys[key] = ok
	r.mu.Unlock()
	return ok, nil
}

// RegistryKeyExists answers from registry_keys.json, or from registry.json
// (a key a value was read from exists). A key the bundle says nothing
// about could not be told: it is not taken for absent.
func (r *Replay) RegistryKeyExists(key string) (bool, error) {
	if r.denied[Denied{Kind: "registry_key", Key: key}.matchKey()] {
		return false, fmt.Errorf("registry key %s: %w", key, probe.ErrAccessDenied)
	}
	norm := NormalizeRegistryKey(key)
	if ok, recorded := r.registryKeys[norm]; recorded {
		return ok, nil
	}
	if _, read := r.registry[norm]; read {
		return true, nil
	}
	return false, fmt.Errorf("registry key %s (not recorded): %w", key, probe.ErrUnavailable)
}

// RegistryValues records every value of a key the inner probe listed: the
// values in registry.json, their names in registry_lists.json (so replay
// knows the list is whole), an absent key as false in registry_keys.json,
// a denial in denied.json.
func (r *Recorder) RegistryValues(key string) (map[string]any, error) {
	values, err := probe.RegistryValues(r.inner, key)
	if errors.Is(err, probe.ErrNotFound) {
		r.mu.Lock()
		r.registryKeys[key] = false
		r.mu.Unlock()
	}
	if err != nil {
		r.deny(err, Denied{Kind: "registry_values", Key: key})
		return values, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, v := range values {
		r.keepRegistry(key, name, v)
	}
	r.registryLists[key] = slices.Sorted(maps.Keys(values))
	return values, nil
}

// RegistryValues answers from registry_lists.json and registry.json. A key
// recorded absent is ErrNotFound; one never listed could not be told
// (ErrUnavailable): values read one by one are not the whole key.
func (r *Replay) RegistryValues(key string) (map[string]any, error) {
	if r.denied[Denied{Kind: "registry_values", Key: key}.matchKey()] {
		return nil, fmt.Errorf("registry key %s: %w", key, probe.ErrAccessDenied)
	}
	norm := NormalizeRegistryKey(key)
	if names, listed := r.registryLists[norm]; listed {
		out := make(map[string]any, len(names))
		for _, name := range names {
			v, ok := r.registry[norm][strings.ToLower(name)]
			if !ok {
				return nil, fmt.Errorf("%w: %s lists %s\\%s, which %s does not hold", ErrBadBundle, RegistryListsFile, key, name, RegistryFile)
			}
			out[name] = v
		}
		return out, nil
	}
	if exists, recorded := r.registryKeys[norm]; recorded && !exists {
		return nil, fmt.Errorf("registry key %s: %w", key, probe.ErrNotFound)
	}
	return nil, fmt.Errorf("registry key %s (values not recorded): %w", key, probe.ErrUnavailable)
}
