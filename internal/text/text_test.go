package text

import "testing"

func TestJoinAnd(t *testing.T) {
	tests := []struct {
		items []string
		want  string
	}{
		{nil, ""},
		{[]string{}, ""},
		{[]string{"guest login is on"}, "guest login is on"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
		{[]string{"a", "", "c"}, "a,  and c"},
		{[]string{"b", "a", "b"}, "b, a and b"},
	}
	for _, tc := range tests {
		if got := JoinAnd(tc.items); got != tc.want {
			t.Errorf("JoinAnd(%q) = %q, want %q", tc.items, got, tc.want)
		}
	}
}

func TestCapitalise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "A"},
		{"guest login is on", "Guest login is on"},
		{"Siri listens", "Siri listens"},
		{"1 account", "1 account"},
	}
	for _, tc := range tests {
		if got := Capitalise(tc.in); got != tc.want {
			t.Errorf("Capitalise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
