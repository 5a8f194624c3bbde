package firewall

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestProfilesFromWMI(t *testing.T) {
	type want struct {
		name    string
		enabled *bool
		inbound bool
	}
	tests := []struct {
		name string
		rows []map[string]any
		want []want
	}{
		{"all on, block inbound", []map[string]any{
			{"Name": "Public", "Enabled": int64(1), "DefaultInboundAction": int64(4)},
			{"Name": "Domain", "Enabled": int64(1), "DefaultInboundAction": int64(0)},
			{"Name": "Private", "Enabled": int64(1), "DefaultInboundAction": int64(4)},
		}, []want{{profileDomain, ptr(true), false}, {profilePrivate, ptr(true), false}, {profilePublic, ptr(true), false}}},
		{"not configured is on", []map[string]any{
			{"Name": "Private", "Enabled": float64(2)},
		}, []want{{profilePrivate, ptr(true), false}}},
		{"off", []map[string]any{
			{"Name": "Public", "Enabled": int64(0)},
		}, []want{{profilePublic, ptr(false), false}}},
		{"allow inbound", []map[string]any{
			{"Name": "public", "Enabled": int64(1), "DefaultInboundAction": int64(2)},
		}, []want{{profilePublic, ptr(true), true}}},
		{"boolean Enabled", []map[string]any{
			{"Name": "Domain", "Enabled": true},
		}, []want{{profileDomain, ptr(true), false}}},
		{"unknown value and name", []map[string]any{
			{"Name": "Domain", "Enabled": int64(9)},
			{"Name": "Guest", "Enabled": int64(1)},
			{"Enabled": int64(1)},
		}, []want{{profileDomain, nil, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := profilesFromWMI(tc.rows)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %d profiles", got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Name != w.name || !reflect.DeepEqual(g.Enabled, w.enabled) || g.InboundAllowed != w.inbound {
					t.Errorf("profile %d = %+v (enabled %v), want %+v", i, g, g.Enabled, w)
				}
			}
		})
	}
}

func TestActiveProfilesFromWMI(t *testing.T) {
	tests := []struct {
		name string
		rows []map[string]any
		want []string
	}{
		{"public wifi", []map[string]any{{"NetworkCategory": int64(0)}}, []string{profilePublic}},
		{"private", []map[string]any{{"NetworkCategory": float64(1)}}, []string{profilePrivate}},
		{"domain and public", []map[string]any{{"NetworkCategory": int64(0)}, {"NetworkCategory": int64(2)}}, []string{profileDomain, profilePublic}},
		{"two public adapters", []map[string]any{{"NetworkCategory": int64(0)}, {"NetworkCategory": int64(0)}}, []string{profilePublic}},
		{"no connection", nil, nil},
		{"unknown category", []map[string]any{{"NetworkCategory": int64(7)}, {"NetworkCategory": nil}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := activeProfilesFromWMI(tc.rows); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPolicyKeysOfAnUnnamedProfile: a profile netsh named in a language
// not recognised is judged by every profile's policies, so that a policy
// turning any off is not missed; a named one by its own.
func TestPolicyKeysOfAnUnnamedProfile(t *testing.T) {
	if got := policyKeys(profilePublic); len(got) != 2 || !strings.HasSuffix(got[0], `WindowsFirewall\PublicProfile`) || !strings.HasSuffix(got[1], `Mdm\PublicProfile`) {
		t.Errorf("Public: %q", got)
	}
	got := policyKeys("Current")
	if len(got) != 6 {
		t.Fatalf("Current: %q, want the Group Policy and MDM keys of all three profiles", got)
	}
	for _, want := range []string{`WindowsFirewall\DomainProfile`, `WindowsFirewall\PrivateProfile`, `WindowsFirewall\PublicProfile`, `Mdm\DomainProfile`, `Mdm\StandardProfile`, `Mdm\PublicProfile`} {
		if !slices.ContainsFunc(got, func(k string) bool { return strings.HasSuffix(k, want) }) {
			t.Errorf("Current: no key ending %s in %q", want, got)
		}
	}
}
