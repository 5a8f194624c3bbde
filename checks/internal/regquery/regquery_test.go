package regquery

import (
	"errors"
	"testing"
)

func TestParseUnrecognised(t *testing.T) {
	for _, out := range []string{
		"",
		"ERROR: The system was unable to find the specified registry key or value.\r\n",
		"FEHLER: Das System konnte den angegebenen Registrierungsschlüssel oder Wert nicht finden.\r\n",
		"HKEY_USERS\\S-1\\x\r\n    broken line\r\n",
	} {
		if _, err := Parse(out); !errors.Is(err, ErrUnrecognised) {
			t.Errorf("Parse(%q) error %v, want unrecognised", out, err)
		}
	}
}
