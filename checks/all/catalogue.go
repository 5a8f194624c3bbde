package all

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/sessionguard/sessionguard/checks"
)

// Catalogue is every registered check with what follows from their
// declarations: the known ids, the default policy, its validation, the
// Cyber Essentials controls and the policy reference.
func Catalogue() checks.Catalogue { return checks.Catalogue(Checks()) }

// DefaultPolicy is the built-in policy.
func DefaultPolicy() checks.Policy { return Catalogue().Default() }

// ParsePolicy reads a JSON policy and lays it over the default (see
// checks.Catalogue.ParsePolicy).
func ParsePolicy(r io.Reader) (checks.Policy, error) { return Catalogue().ParsePolicy(r) }

// ParseTeamPolicy reads a policy the server is to store for a team: as
// ParsePolicy, and with every cookie site one agents can clear by (see
// checks.Policy.ClearableSites).
func ParseTeamPolicy(r io.Reader) (checks.Policy, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return checks.Policy{}, err
	}
	// JSON lets a key be given twice, the last one winning: an editor of
	// the raw policy would see one value and the agents apply another.
	if key := duplicateKey(b); key != "" {
		return checks.Policy{}, fmt.Errorf("%w: %s is given twice; keep one", checks.ErrBadPolicy, key)
	}
	pol, err := ParsePolicy(bytes.NewReader(b))
	if err == nil {
		err = pol.ClearableSites()
	}
	return pol, err
}

// duplicateKey is the first key an object of the JSON document holds
// twice, as a dotted path ("checks.firewall.required"), or "" (also for
// a document that is not JSON: the policy's own reading says why).
func duplicateKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	dup, _ := duplicateIn(dec, "")
	return dup
}

// duplicateIn reads one value from dec and returns the first key given
// twice within it (path is where the value is).
func duplicateIn(dec *json.Decoder, path string) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := k.(string)
			at := key
			if path != "" {
				at = path + "." + key
			}
			if seen[key] {
				return at, nil
			}
			seen[key] = true
			if dup, err := duplicateIn(dec, at); dup != "" || err != nil {
				return dup, err
			}
		}
		_, err = dec.Token() // '}'
		return "", err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if dup, err := duplicateIn(dec, path+"["+strconv.Itoa(i)+"]"); dup != "" || err != nil {
				return dup, err
			}
		}
		_, err = dec.Token() // ']'
		return "", err
	}
	return "", nil
}

// ParseServerPolicy reads a policy the server sent: a newer server's
// settings and optional checks that this agent does not have are left
// out, its required ones kept to be reported unknown (see
// checks.Catalogue.ParseServerPolicy).
func ParseServerPolicy(r io.Reader) (checks.Policy, []string, error) {
	return Catalogue().ParseServerPolicy(r)
}

// LoadPolicy reads a policy file (see checks.Catalogue.LoadPolicy).
func LoadPolicy(path string) (checks.Policy, error) { return Catalogue().LoadPolicy(path) }

// Controls are the Cyber Essentials controls a check evidences, main
// control first; nil for an unknown id.
func Controls(id string) []string { return Catalogue().Controls(id) }
