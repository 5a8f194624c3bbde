package sessionlog

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
)

func TestValidateOverrideReason(t *testing.T) {
	cases := []struct {
		reason string
		ok     bool
	}{
		{"urgent safeguarding concern", true},
		{"Urgent safeguarding concern", true},
		{"scheduled session could not be moved", true},
		{"IT support is fixing it — laptop update pending", true},
		{"IT support is fixing it — anti-virus update due at noon", true},
		{"urgent safeguarding concern — Teams call could not wait", true}, // the first word may be capitalised
		{"client in crisis", false},
		{"", false},
		{"urgent safeguarding concern — ", false},
		{"urgent safeguarding concern — spoke to Jane", false},
		{"urgent safeguarding concern — Jane Smith called", false},
		{"urgent safeguarding concern — mrs smith called", false},
		{"urgent safeguarding concern — 07700 900123", false},
		{"urgent safeguarding concern — born 2014", false},
		{"urgent safeguarding concern — 12/03/2014", false},
		{"urgent safeguarding concern — jane@example.org", false},
		{"urgent safeguarding concern — see www.example.com", false},
		{"urgent safeguarding concern — near M1 1AE", false},
		{"urgent safeguarding concern — 943 476 5919", false},
		{"urgent safeguarding concern — two\nlines", false},
		{"urgent safeguarding concern — " + strings.Repeat("a", MaxOverrideNote+1), false},
	}
	for _, c := range cases {
		err := ValidateOverrideReason(c.reason)
		if (err == nil) != c.ok {
			t.Errorf("%q: err = %v, want ok=%v", c.reason, err, c.ok)
		}
		if err != nil && (!errors.Is(err, ErrBadOverride) || strings.Contains(err.Error(), "Jane") || strings.Contains(err.Error(), "07700")) {
			t.Errorf("%q: error %q does not wrap ErrBadOverride or repeats the reason", c.reason, err)
		}
	}
	if got := OverrideReason("IT support is fixing it", "  "); got != "IT support is fixing it" {
		t.Errorf("OverrideReason without a note = %q", got)
	}
}

func TestValidateCaseReference(t *testing.T) {
	def, err := checks.Policy{}.CaseReference()
	if err != nil {
		t.Fatal(err)
	}
	yp, err := checks.Policy{CaseReferencePattern: `YP-[0-9]{4}( week [0-9]+)?`}.CaseReference()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		label  string
		def, y bool
	}{
		{"CR-2291", true, false},
		{"17/B", true, false},
		{"YP0042", true, false},
		{"YP-0042", true, true},
		{"YP-0042 week 3", false, true},
		{"Jane", false, false},
		{"Sam", false, false},
		{"Oliver T", false, false},
		{"sam.jones", false, false},
		{"Case 17/B", false, false},
		{"xYP-0042", true, false}, // anchored: the whole label must match
	} {
		if err := ValidateCaseReference(c.label, def); (err == nil) != c.def || (err != nil && !errors.Is(err, ErrBadCaseReference)) {
			t.Errorf("default, %q: %v, want ok=%v", c.label, err, c.def)
		}
		if err := ValidateCaseReference(c.label, yp); (err == nil) != c.y {
			t.Errorf("YP, %q: %v, want ok=%v", c.label, err, c.y)
		}
	}
}

// BenchmarkScreenStart is what the server does again for each start
// record (server/api screenSession): parse the team policy, compile its
// case reference format, and screen the label and the override reason.
func BenchmarkScreenStart(b *testing.B) {
	policy := `{"schema":"sessionguard.policy/v1","allow_override":true,"case_reference_pattern":"CR-[0-9]{4}"}`
	for b.Loop() {
		pol, err := all.ParsePolicy(strings.NewReader(policy))
		if err != nil {
			b.Fatal(err)
		}
		re, err := pol.CaseReference()
		if err != nil {
			b.Fatal(err)
		}
		if ValidateLabel("CR-2291") != nil || ValidateCaseReference("CR-2291", re) != nil || ValidateOverrideReason("IT support is fixing it — anti-virus update due at noon") != nil {
			b.Fatal("refused")
		}
	}
}
