package passwdstatus_test

import (
	"testing"

	"github.com/sessionguard/sessionguard/checks/internal/passwdstatus"
)

// TestParse: passwd -S's answers as each passwd prints them.
func TestParse(t *testing.T) {
	tests := []struct {
		out, want string
	}{
		// shadow-utils 4.13 (Debian 12), recorded here.
		{"alice P 2026-12-06 0 99999 7 -1\n", passwdstatus.Set},
		{"alice NP 2026-12-06 0 99999 7 -1\n", passwdstatus.Empty},
		{"alice L 2026-12-06 0 99999 7 -1\n", passwdstatus.Locked},
		// Fedora's and RHEL's passwd (libuser).
		{"alice PS 2026-12-06 0 99999 7 -1 (Password set, SHA512 crypt.)\n", passwdstatus.Set},
		{"alice NP 2026-12-06 0 99999 7 -1 (Empty password.)\n", passwdstatus.Empty},
		{"alice LK 2026-12-06 0 99999 7 -1 (Password locked.)\n", passwdstatus.Locked},
		{"", ""},
		{"Only root can do that.\n", ""},
		{"alice ?? 2026-12-06\n", ""},
	}
	for _, tt := range tests {
		got, err := passwdstatus.Parse([]byte(tt.out))
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("%q: %q, %v; want %q", tt.out, got, err, tt.want)
		}
	}
}
