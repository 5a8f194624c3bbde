package winfw

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

func TestParseRefusesWhatIsNotARule(t *testing.T) {
	for _, s := range []string{"", "v2.33", "v1.0|Action=Allow|", "Action=Allow|Dir=In|", "v2.33|Action=Allow|Dir|", "vX|Action=Allow|"} {
		if _, ok := Parse(s); ok {
			t.Errorf("%q read as a rule", s)
		}
	}
}

func TestProfiles(t *testing.T) {
	for _, tc := range []struct {
		rule string
		want []string
	}{
		{"v2.33|Action=Allow|", nil},
		{"v2.33|Profile=Private|", []string{ProfilePrivate}},
		{"v2.33|Profile=Private|Profile=Public|", []string{ProfilePrivate, ProfilePublic}},
		{"v2.33|Profile=public|Profile=Public|", []string{ProfilePublic}},
		{"v2.33|Profile=Domain|Profile=Private|Profile=Public|", nil},
		{"v2.33|Profile=Private|Profile=Work|", nil}, // one not known: read as all
	} {
		r, _ := Parse(tc.rule)
		if got := r.Profiles(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.rule, got, tc.want)
		}
	}
}

// TestReadStore: a store's rules by id; an absent store is ErrNotFound
// and a denied one its error; a value that is not a rule fails the store,
// naming the first such by id, while every rule read is still returned.
func TestReadStore(t *testing.T) {
	s := Stores[0]
	p := &values{keys: map[string]map[string]any{s.Key: {
		"CoreNet-DHCP-In": "v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=68|",
		"{C8E2}":          "v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|",
		"zz-binary":       uint64(7),
		"b-garbage":       "not a rule",
	}}}
	rules, err := ReadStore(p, s)
	if !errors.Is(err, ErrNotARule) || err.Error() != s.Key+`\b-garbage: `+ErrNotARule.Error() {
		t.Errorf("a store with values that are not rules: %v", err)
	}
	if ids := IDs(rules); !slices.Equal(ids, []string{"CoreNet-DHCP-In", "{C8E2}"}) || rules["{C8E2}"].First("name") != "Allow all" {
		t.Errorf("rules read: %v", rules)
	}
	if _, err := ReadStore(p, Stores[2]); !errors.Is(err, probe.ErrNotFound) {
		t.Errorf("an absent store: %v", err)
	}
	p.denied = true
	if _, err := ReadStore(p, s); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("a denied store: %v", err)
	}
}

type values struct {
	probe.Probe
	keys   map[string]map[string]any
	denied bool
}

func (v *values) GOOS() string   { return "windows" }
func (v *values) Now() time.Time { return time.Time{} }
func (v *values) RegistryValues(key string) (map[string]any, error) {
	if v.denied {
		return nil, fmt.Errorf("%s: %w", key, probe.ErrAccessDenied)
	}
	vals, ok := v.keys[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", key, probe.ErrNotFound)
	}
	return vals, nil
}
