package macos

import "testing"

func TestPlistBool(t *testing.T) {
	tests := []struct {
		v           any
		want, wantK bool
	}{
		{true, true, true},
		{false, false, true},
		{uint64(0), false, true},
		{uint64(1), true, true},
		{uint64(2), true, false},
		{int64(0), false, true},
		{int64(1), true, true},
		{int64(-1), true, false},
		{int64(2), true, false},
		{"1", true, true},
		{"0", false, true},
		{"TRUE", true, true},
		{"false", false, true},
		{"YES", true, true},
		{"No", false, true},
		{" 1", false, false},
		{"2", false, false},
		{"", false, false},
		{1, false, false},
		{1.0, false, false},
		{nil, false, false},
	}
	for _, tc := range tests {
		got, ok := PlistBool(tc.v)
		if got != tc.want || ok != tc.wantK {
			t.Errorf("PlistBool(%#v) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.wantK)
		}
	}
}

func TestDefaultsMissing(t *testing.T) {
	tests := []struct {
		stderr string
		want   bool
	}{
		{"2024-05-01 10:00:00.000 defaults[123:456] \nThe domain/default pair of (/Library/Preferences/com.apple.loginwindow, GuestEnabled) does not exist\n", true},
		{"Domain com.apple.screensaver does not exist\n", true},
		{"", false},
		{"Could not write domain com.apple.loginwindow; exiting\n", false},
	}
	for _, tc := range tests {
		if got := DefaultsMissing([]byte(tc.stderr)); got != tc.want {
			t.Errorf("DefaultsMissing(%q) = %v, want %v", tc.stderr, got, tc.want)
		}
	}
}
