package evidence

import (
	"fmt"

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
