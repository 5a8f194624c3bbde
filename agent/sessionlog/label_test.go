package sessionlog

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateLabel(t *testing.T) {
	cases := []struct {
		label string
		// why is a word of the refusal, "" when the label is fine.
		why string
	}{
		// Pseudonymous case references and descriptions.
		{"CR-2291", ""},
		{"Case 17/B", ""},
		{"YP-0042 week 3", ""},
		{"J.S. review", ""},
		{"JS review", ""},
		{"2024-117", ""},
		{"Initial assessment", ""},
		{"initial assessment", ""},
		{"Week 3 review", ""},
		{"Follow up", ""},
		{"Follow-up", ""},
		{"Check-in", ""},
		{"Catch up call", ""},
		{"Anxiety support", ""},
		{"Anger management", ""},
		{"Exam stress", ""},
		{"Sleep hygiene", ""},
		{"Parent meeting", ""},
		{"Self-harm safety plan", ""},
		{"Group 3", ""},
		{"CAMHS referral", ""},
		{"EHCP review", ""},
		{"CBT session 4", ""},
		{"Case 17/B Family Support", ""},
		{"YP-0042 Initial Assessment", ""},
		{"Session 12", ""},
		{"Early help", ""},
		{"Life story work", ""},
		{"Peer mentoring", ""},
		{"Looked after child review", ""},
		{"Child protection core group", ""},
		{"In-person drop-in", ""},
		{"Return interview", ""},
		{"Friday catch-up", ""},
		{"Review 12/03", ""},
		{"Case 88 room B1 3rd floor", ""},
		{"Meeting at 3pm", ""},
		{"June review", ""},
		{"Smith review", ""},
		{"Ref 1234567", ""},
		{"CR 2291 / 2024", ""},
		{"A", ""},
		{"Case #17", ""},
		{"Ü-42 Überprüfung", ""},
		{strings.Repeat("x", 64), ""},
		{"  CR-2291  ", ""},

		// Empty, long, control characters.
		{"", "required"},
		{"   ", "required"},
		{strings.Repeat("x", 65), "longer than 64"},
		{strings.Repeat("é", 65), "longer than 64"},
		{"CR-2291\nJane", "control character"},
		{"CR\t2291", "control character"},
		{"CR-2291\x00", "control character"},
		{"CR-\u202e1922", "formatting character"},
		{"CR-\u200b2291", "formatting character"},
		{"\xff\xfe", "not valid text"},

		// Email addresses, handles, web addresses.
		{"jane.smith@example.org", "email"},
		{"CR-2291 j.s@example.co.uk", "email"},
		{"@janesmith", "handle"},
		{"jane@home", "email"},
		{"www.example.com/jane", "web address"},
		{"https://example.org/u/42", "web address"},

		// Phone numbers.
		{"07700 900123", "phone"},
		{"07700900123", "phone"},
		{"+44 7700 900123", "phone"},
		{"+447700900123", "phone"},
		{"020 7946 0958", "phone"},
		{"(01632) 960001", "phone"},
		{"Call back 0161 496 0000", "phone"},
		{"+1 555 0100", "phone"},
		{"+33 1 23 45 67 89", "phone"},
		{"01632-960-001", "phone"},
		{"CR-2291 tel 07700 900123", "phone"},

		// NHS numbers (943 476 5919 passes the modulus 11 check).
		{"943 476 5919", "NHS number"},
		{"9434765919", "NHS number"},
		{"NHS 943-476-5919", "NHS number"},
		{"1234567890", "phone"},

		// Dates (of birth).
		{"12/03/2014", "date"},
		{"CR-2291 12.03.14", "date"},
		{"2014-03-12", "date"},
		{"12 March 2014", "date"},
		{"3rd of Jan 2015", "date"},
		{"March 12, 2014", "date"},
		{"DOB 2014", "date of birth"},
		{"d.o.b. unknown", "date of birth"},
		{"born 2012", "date of birth"},

		// Postcodes.
		{"SW1A 1AA", "postcode"},
		{"sw1a 1aa", "postcode"},
		{"Case 4 M1 1AE", "postcode"},
		{"EC1A1BB", "postcode"},
		{"B33 8TH", "postcode"},

		// Full names.
		{"Jane Smith", "name"},
		{"jane smith", "name"},
		{"JANE SMITH", "name"},
		{"Mary-Jane O'Neil", "name"},
		{"Siobhán Ó Súilleabháin review", "name"},
		{"Zoë Brontë", "name"},
		{"Иван Петров", "name"},
		{"Jane Smith follow up", "name"},
		{"Review with Jane Smith", "name"},
		{"CR-2291 Jane Smith", "name"},
		{"Mrs Smith", "name"},
		{"Dr. Okafor 3", "name"},
		{"Jane Smith's review", "name"},
	}
	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			err := ValidateLabel(c.label)
			if c.why == "" {
				if err != nil {
					t.Fatalf("ValidateLabel(%q) = %v, want nil", c.label, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateLabel(%q) = nil, want a refusal mentioning %q", c.label, c.why)
			}
			if !errors.Is(err, ErrBadLabel) {
				t.Errorf("error does not wrap ErrBadLabel: %v", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, c.why) {
				t.Errorf("error %q does not say %q", msg, c.why)
			}
			if !strings.Contains(msg, "CR-2291") {
				t.Errorf("error %q does not suggest a case reference", msg)
			}
			// The message never repeats the label (it may reach a log).
			if len(strings.TrimSpace(c.label)) > 3 && strings.Contains(msg, strings.TrimSpace(c.label)) && !strings.Contains(labelAdvice, strings.TrimSpace(c.label)) {
				t.Errorf("error %q repeats the label", msg)
			}
		})
	}
}

func TestNHSChecksum(t *testing.T) {
	for _, c := range []struct {
		n    string
		want bool
	}{
		{"9434765919", true},
		{"9434765918", false},
		{"4010232137", true},
		{"1234567890", false},
	} {
		if got := nhsChecksum([]byte(c.n)); got != c.want {
			t.Errorf("nhsChecksum(%s) = %v, want %v", c.n, got, c.want)
		}
	}
}
