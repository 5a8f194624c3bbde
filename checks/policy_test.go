package checks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The toy catalogue: two checks, one owning a number and a grade.
var (
	toyLimit = Number{Name: "toy_limit_seconds", Label: "At most", Units: []Unit{Seconds}, Default: 600, Min: 1, Max: 86400}
	toyGrade = Grade{Name: "toy_grade", Label: "When it is odd", Default: Warn}
	toyCat   = Catalogue{
		Definition[struct{}]{CheckID: "toy", CheckTitle: "Toy", Meta: Meta{Required: true, Controls: []string{ControlFirewalls},
			Settings: []Setting{toyLimit, toyGrade}}},
		Definition[struct{}]{CheckID: "other", CheckTitle: "Other"},
	}
)

func TestParsePolicyOverlaysDefault(t *testing.T) {
	pol, err := toyCat.ParsePolicy(strings.NewReader(`{"schema":"sessionguard.policy/v1","toy_limit_seconds":300,"checks":{"other":{"required":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if toyLimit.Of(pol) != 300 || !pol.Required("other") {
		t.Errorf("file values not applied: %+v", pol)
	}
	if !pol.Required("toy") || toyGrade.Of(pol) != Warn || pol.CheckTimeoutSeconds != 10 || pol.ReportIntervalSeconds != 900 {
		t.Errorf("defaults lost: %+v", pol)
	}
	if err := toyCat.Validate(toyCat.Default()); err != nil {
		t.Errorf("default policy invalid: %v", err)
	}
}

func TestDefaultPolicyDocumentIsFlat(t *testing.T) {
	b, err := json.Marshal(toyCat.Default())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":"sessionguard.policy/v1","checks":{"other":{"required":false},"toy":{"required":true}},"check_timeout_seconds":10,"allow_override":false,"cookie_domains":null,"cookie_keep":null,"report_interval_seconds":900,"session_reminder_minutes":90,"toy_grade":"warn","toy_limit_seconds":600}`
	if string(b) != want {
		t.Errorf("default document\n got %s\nwant %s", b, want)
	}
	again, err := toyCat.ParsePolicy(strings.NewReader(string(b)))
	if err != nil || toyLimit.Of(again) != 600 {
		t.Errorf("the default document does not read back: %v", err)
	}
}

func TestSettingsReadTheirDefaultWhenUnset(t *testing.T) {
	var empty Policy
	if toyLimit.Of(empty) != 600 || toyGrade.Of(empty) != Warn {
		t.Errorf("unset settings: %d %s", toyLimit.Of(empty), toyGrade.Of(empty))
	}
	p := empty.With("toy_limit_seconds", 5)
	if toyLimit.Of(p) != 5 || empty.Settings != nil {
		t.Errorf("With: %d, original changed: %v", toyLimit.Of(p), empty.Settings)
	}
	if p = p.With("check_timeout_seconds", 30); p.CheckTimeoutSeconds != 30 || p.Settings["check_timeout_seconds"] != nil {
		t.Errorf("With on an engine field: %+v", p)
	}
}

func TestParsePolicyRejects(t *testing.T) {
	cases := map[string]string{
		"not json":            `{"schema":`,
		"not an object":       `[1]`,
		"null":                `null`,
		"unknown field":       `{"schema":"sessionguard.policy/v1","toy_limit":5}`,
		"engine name cased":   `{"schema":"sessionguard.policy/v1","Check_Timeout_Seconds":5}`,
		"unknown check":       `{"schema":"sessionguard.policy/v1","checks":{"telepathy":{"required":true}}}`,
		"wrong schema":        `{"schema":"sessionguard.policy/v9"}`,
		"bad status":          `{"schema":"sessionguard.policy/v1","toy_grade":"pass"}`,
		"negative seconds":    `{"schema":"sessionguard.policy/v1","toy_limit_seconds":-1}`,
		"seconds as text":     `{"schema":"sessionguard.policy/v1","toy_limit_seconds":"60"}`,
		"zero timeout":        `{"schema":"sessionguard.policy/v1","check_timeout_seconds":0}`,
		"trailing data":       `{"schema":"sessionguard.policy/v1"} {}`,
		"wrong type":          `{"schema":"sessionguard.policy/v1","allow_override":"yes"}`,
		"negative reminder":   `{"schema":"sessionguard.policy/v1","session_reminder_minutes":-5}`,
		"reminder past a day": `{"schema":"sessionguard.policy/v1","session_reminder_minutes":2000}`,
		"bad cookie site":     `{"schema":"sessionguard.policy/v1","cookie_keep":["https://bank"]}`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := toyCat.ParsePolicy(strings.NewReader(in)); !errors.Is(err, ErrBadPolicy) {
				t.Errorf("err = %v, want ErrBadPolicy", err)
			}
		})
	}
}

func TestLoadPolicyNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(`{"schema":"sessionguard.policy/v1","toy_grade":"maybe"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := toyCat.LoadPolicy(p)
	if !errors.Is(err, ErrBadPolicy) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "toy_grade") {
		t.Errorf("err = %v", err)
	}
	if _, err := toyCat.LoadPolicy(p + ".missing"); !errors.Is(err, ErrBadPolicy) {
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
		p := toyCat.Default()
		p.CaseReferencePattern = c.pattern
		if err := toyCat.Validate(p); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrBadPolicy)) {
			t.Errorf("%.20q: %v, want ok=%v", c.pattern, err, c.ok)
		}
	}
}

func TestCatalogueControlsAndReference(t *testing.T) {
	if c := toyCat.Controls("toy"); len(c) != 1 || c[0] != ControlFirewalls {
		t.Errorf("Controls(toy) = %v", c)
	}
	if toyCat.Controls("nope") != nil {
		t.Error("an unknown check has controls")
	}
	ref := toyCat.Reference()
	for _, want := range []string{"| `toy_limit_seconds` | `600` | 1..86400 seconds |", "| `toy_grade` | `\"warn\"` | \"fail\" or \"warn\" |", "`check_timeout_seconds`"} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q:\n%s", want, ref)
		}
	}
}

// A Grade with its own choices accepts those and no others, and offers
// them in the editor in its order; a plain Grade stays fail or warn.
func TestGradeChoices(t *testing.T) {
	mac := Grade{Name: "toy_unreadable", Default: Unknown, Choices: []Status{Unknown, Warn}}
	for raw, ok := range map[string]bool{`"unknown"`: true, `"warn"`: true, `"fail"`: false, `"pass"`: false, `1`: false} {
		if err := mac.Check(json.RawMessage(raw)); (err == nil) != ok {
			t.Errorf("%s: %v, want accepted %v", raw, err, ok)
		}
	}
	if err := mac.Check(json.RawMessage(`"fail"`)); err == nil || err.Error() != `toy_unreadable must be "unknown" or "warn", got "fail"` {
		t.Errorf("message: %v", err)
	}
	if err := toyGrade.Check(json.RawMessage(`"unknown"`)); err == nil {
		t.Error("a plain grade took unknown")
	}
	d := mac.Describe()
	if len(d.Choices) != 2 || d.Choices[0].Value != "unknown" || d.Choices[1].Value != "warn" || d.Choices[0].Label == "" || string(d.Default) != `"unknown"` {
		t.Errorf("editor: %+v", d)
	}
	pol := Policy{Settings: map[string]json.RawMessage{"toy_unreadable": json.RawMessage(`"fail"`)}}
	if got := mac.Of(pol); got != Unknown {
		t.Errorf("a refused value read as %q, want the default", got)
	}
}

// TestClearableSites: a cookie site agents cannot clear by is refused
// before a server stores it, naming the list and the entry; reading a
// policy that holds one (stored before the check, or a file) still works,
// so a team's other settings keep applying.
func TestClearableSites(t *testing.T) {
	cat := toyCat
	for _, c := range []struct {
		doc, want string
	}{
		{`{"cookie_keep":["mybank.co.uk","www.nhs.uk","Bücher.example"]}`, ""},
		{`{"cookie_keep":["*.mybank.co.uk"]}`, `cookie_keep: "*.mybank.co.uk" is not a site name`},
		{`{"cookie_domains":["zoom.us","zoom.us;"]}`, `cookie_domains: "zoom.us;" is not a site name`},
	} {
		pol, err := cat.ParsePolicy(strings.NewReader(c.doc))
		if err != nil {
			t.Fatalf("ParsePolicy(%s): %v (reading stays as lenient as before)", c.doc, err)
		}
		err = pol.ClearableSites()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("ClearableSites(%s) = %v, want nil", c.doc, err)
		case c.want != "" && (!errors.Is(err, ErrBadPolicy) || !strings.Contains(fmt.Sprint(err), c.want)):
			t.Errorf("ClearableSites(%s) = %v, want ErrBadPolicy with %q", c.doc, err, c.want)
		}
	}
}
