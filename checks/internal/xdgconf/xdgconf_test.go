package xdgconf

import "testing"

// TestMerge lays a user's PlasmaDiscoverUpdates over /etc/xdg's as KConfig
// does (checked with kreadconfig5 5.103: an immutable system group keeps
// its value, otherwise the user's wins).
func TestMerge(t *testing.T) {
	user := ParseKDE([]byte("[Global]\nRequiredNotificationInterval=604800\nUseUnattendedUpdates=true\n"), "Global")
	for _, tc := range []struct {
		sys, want, interval string
	}{
		{"", "true", "604800"},
		{"[Global]\nUseUnattendedUpdates=false\n", "true", "604800"},
		// A whole immutable group ignores every user entry in it.
		{"[Global][$i]\nUseUnattendedUpdates=false\n", "false", ""},
		{"[Global]\nUseUnattendedUpdates[$i]=false\n", "false", "604800"},
		{"[$i]\n[Global]\nUseUnattendedUpdates=false\n", "false", ""},
		{"[Other][$i]\nUseUnattendedUpdates=false\n", "true", "604800"},
	} {
		got := Merge(ParseKDE([]byte(tc.sys), "Global"), user)
		if got["UseUnattendedUpdates"] != tc.want || got["RequiredNotificationInterval"] != tc.interval {
			t.Errorf("system %q: got %v, want UseUnattendedUpdates=%s", tc.sys, got, tc.want)
		}
	}
}
