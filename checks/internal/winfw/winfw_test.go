package winfw

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
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
// and a denied one its error; values that are not rules fail the store,
// counted, not named, while every rule read is still returned.
func TestReadStore(t *testing.T) {
	s := Stores[0]
	p := &values{keys: map[string]map[string]any{s.Key: {
		"CoreNet-DHCP-In": "v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=68|",
		"{C8E2}":          "v2.33|Action=Allow|Active=TRUE|Dir=In|Name=Allow all|",
		"zz-binary":       uint64(7),
		"b-garbage":       "not a rule",
	}}}
	rules, err := ReadStore(p, s)
	if !errors.Is(err, ErrNotARule) || err.Error() != s.Key+`: 2 of its 4 values: `+ErrNotARule.Error() {
		t.Errorf("a store with values that are not rules: %v", err)
	}
	if ids := slices.Sorted(maps.Keys(rules)); !slices.Equal(ids, []string{"CoreNet-DHCP-In", "{C8E2}"}) || rules["{C8E2}"].First("name") != "Allow all" {
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
func (v *values) Registry(key, value string) (any, error) {
	if v.denied {
		return nil, fmt.Errorf(`%s\%s: %w`, key, value, probe.ErrAccessDenied)
	}
	if x, ok := v.keys[key][value]; ok {
		return x, nil
	}
	return nil, fmt.Errorf(`%s\%s: %w`, key, value, probe.ErrNotFound)
}
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

// BenchmarkReadStore reads a store of 600 rules, about what a Windows 11
// PC's own store holds, as the firewall check does every run.
func BenchmarkReadStore(b *testing.B) {
	shapes := []string{
		`v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=68|RPort=67|App=%SystemRoot%\system32\svchost.exe|Svc=dhcp|Name=@FirewallAPI.dll,-25301|Desc=@FirewallAPI.dll,-25303|EmbedCtxt=@FirewallAPI.dll,-25000|`,
		`v2.33|Action=Allow|Active=FALSE|Dir=In|Protocol=6|Profile=Private|Profile=Public|LPort=445|RA4=LocalSubnet|RA6=LocalSubnet|App=System|Name=@FirewallAPI.dll,-28511|Desc=@FirewallAPI.dll,-28514|EmbedCtxt=@FirewallAPI.dll,-28502|`,
		`v2.33|Action=Block|Active=TRUE|Dir=Out|Protocol=6|Profile=Domain|Profile=Private|App=%SystemRoot%\system32\msra.exe|Name=@FirewallAPI.dll,-33007|Desc=@FirewallAPI.dll,-33010|EmbedCtxt=@FirewallAPI.dll,-33002|`,
		`v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=17|Profile=Private|App=C:\program files\zoom\bin\zoom.exe|Name=Zoom Workplace|Desc=Zoom Workplace|Defer=User|`,
	}
	store := map[string]any{}
	for i := range 600 {
		store[fmt.Sprintf("{%08X-0000-4000-8000-%012X}", i, i)] = shapes[i%len(shapes)]
	}
	p := &values{keys: map[string]map[string]any{Stores[0].Key: store}}
	for b.Loop() {
		if rules, err := ReadStore(p, Stores[0]); err != nil || len(rules) != 600 {
			b.Fatal(len(rules), err)
		}
	}
}

// TestPolicyKeysOfAnUnnamedProfile: a profile netsh named (the firewall check's
// applyPolicies) in a language
// not recognised is judged by every profile's policies, so that a policy
// turning any off is not missed; a named one by its own.
func TestPolicyKeysOfAnUnnamedProfile(t *testing.T) {
	if got := PolicyProfileKeys(ProfilePublic); len(got) != 2 || !strings.HasSuffix(got[0], `WindowsFirewall\PublicProfile`) || !strings.HasSuffix(got[1], `Mdm\PublicProfile`) {
		t.Errorf("Public: %q", got)
	}
	got := PolicyProfileKeys("Current")
	if len(got) != 6 {
		t.Fatalf("Current: %q, want the Group Policy and MDM keys of all three profiles", got)
	}
	for _, want := range []string{`WindowsFirewall\DomainProfile`, `WindowsFirewall\PrivateProfile`, `WindowsFirewall\PublicProfile`, `Mdm\DomainProfile`, `Mdm\StandardProfile`, `Mdm\PublicProfile`} {
		if !slices.ContainsFunc(got, func(k string) bool { return strings.HasSuffix(k, want) }) {
			t.Errorf("Current: no key ending %s in %q", want, got)
		}
	}
}

// TestReadProfile: a policy's value decides over the computer's own, the
// legacy Standard Profile policy turns Private and Public off, and a value
// that cannot be read is an error, never a profile taken as on.
func TestReadProfile(t *testing.T) {
	local := LocalProfileKey(ProfilePrivate)
	policy := GroupPolicyKey + `\PrivateProfile`
	for _, tc := range []struct {
		name string
		keys map[string]map[string]any
		want ProfileState
	}{
		{"nothing set: Windows' defaults", nil, ProfileState{}},
		{"off locally", map[string]map[string]any{local: {"EnableFirewall": uint32(0)}}, ProfileState{Off: true}},
		{"off locally, on by policy", map[string]map[string]any{local: {"EnableFirewall": uint32(0)}, policy: {"EnableFirewall": uint32(1)}}, ProfileState{}},
		{"on locally, off by policy", map[string]map[string]any{local: {"EnableFirewall": uint32(1)}, policy: {"EnableFirewall": uint32(0)}}, ProfileState{Off: true}},
		{"lets in by default", map[string]map[string]any{local: {"DefaultInboundAction": uint32(0)}}, ProfileState{InboundAllowed: true}},
		{"legacy Standard Profile off", map[string]map[string]any{legacyStandardProfileKey: {"EnableFirewall": uint32(0)}}, ProfileState{Off: true}},
	} {
		got, err := ReadProfile(&values{keys: tc.keys}, ProfilePrivate)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if got, err := ReadProfile(&values{keys: map[string]map[string]any{GroupPolicyKey + `\DomainProfile`: {"EnableFirewall": uint32(0)}}}, ProfilePrivate); err != nil || got.Open() {
		t.Errorf("another profile's policy read for Private: %+v, %v", got, err)
	}
	if _, err := ReadProfile(&values{denied: true}, ProfilePublic); !errors.Is(err, probe.ErrAccessDenied) {
		t.Errorf("values denied: %v", err)
	}
	if _, err := ReadProfile(&values{keys: map[string]map[string]any{local: {"EnableFirewall": "no"}}}, ProfilePrivate); err == nil {
		t.Error("a value that is not a number read without an error")
	}
}
