package firewall

import (
	"reflect"
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
