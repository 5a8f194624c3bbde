package checks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePolicyOverlaysDefault(t *testing.T) {
	pol, err := ParsePolicy(strings.NewReader(`{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":300,"checks":{"voice_assistants":{"required":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if pol.ScreenLockMaxSeconds != 300 || !pol.Required("voice_assistants") {
		t.Errorf("file values not applied: %+v", pol)
	}
	if !pol.Required("firewall") || pol.AntivirusMaxSignatureAgeDays != 7 {
		t.Errorf("defaults lost: %+v", pol)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("default policy invalid: %v", err)
	}
}

func TestParsePolicyRejects(t *testing.T) {
	cases := map[string]string{
		"not json":            `{"schema":`,
		"unknown field":       `{"schema":"sessionguard.policy/v1","screen_lock_max":5}`,
		"unknown check":       `{"schema":"sessionguard.policy/v1","checks":{"telepathy":{"required":true}}}`,
		"wrong schema":        `{"schema":"sessionguard.policy/v9"}`,
		"bad status":          `{"schema":"sessionguard.policy/v1","antivirus_missing":"pass"}`,
		"negative seconds":    `{"schema":"sessionguard.policy/v1","screen_lock_max_seconds":-1}`,
		"zero timeout":        `{"schema":"sessionguard.policy/v1","check_timeout_seconds":0}`,
		"trailing data":       `{"schema":"sessionguard.policy/v1"} {}`,
		"wrong type":          `{"schema":"sessionguard.policy/v1","allow_override":"yes"}`,
		"negative reminder":   `{"schema":"sessionguard.policy/v1","session_reminder_minutes":-5}`,
		"reminder past a day": `{"schema":"sessionguard.policy/v1","session_reminder_minutes":2000}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParsePolicy(strings.NewReader(in)); !errors.Is(err, ErrBadPolicy) {
				t.Errorf("err = %v, want ErrBadPolicy", err)
			}
		})
	}
}

func TestLoadPolicyNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(`{"schema":"sessionguard.policy/v1","antivirus_missing":"maybe"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicy(p)
	if !errors.Is(err, ErrBadPolicy) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "antivirus_missing") {
		t.Errorf("err = %v", err)
	}
	if _, err := LoadPolicy(p + ".missing"); !errors.Is(err, ErrBadPolicy) {
		t.Errorf("missing file: %v", err)
	}
}

func TestCaseReferencePatternValidated(t *testing.T) {
	for _, c := range []struct {
		pattern string
		ok      bool
	}{
		{"", true},
		{`CR-[0-9]+`, true},
		{`(`, false},
		{strings.Repeat("a", MaxCaseReferencePattern+1), false},
	} {
		p := Default()
		p.CaseReferencePattern = c.pattern
		if err := p.Validate(); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrBadPolicy)) {
			t.Errorf("%.20q: %v, want ok=%v", c.pattern, err, c.ok)
		}
	}
}
