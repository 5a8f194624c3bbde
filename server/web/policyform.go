package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
)

// The form-based policy editor (issue 17): one form field per policy
// setting, beside the raw JSON. It holds no rule of its own: a value is
// checked by checks.Policy.Validate (on the default policy with that one
// value changed, so the agents' message appears next to its field), and
// the document saved passes checks.ParsePolicy, as the raw editor's does.
// The JSON saved names only what differs from what the team's policy
// already says, so untouched settings keep following the default.

// unit is a unit a number may be entered in.
type unit struct {
	Name string // form value and label: "minutes"
	Per  int    // how many of the setting's own unit one is worth
}

var (
	seconds = unit{"seconds", 1}
	minutes = unit{"minutes", 60}
	hours   = unit{"hours", 3600}
	days    = unit{"days", 1}
	// For a setting counted in minutes.
	minutesOfMinutes = unit{"minutes", 1}
	hoursOfMinutes   = unit{"hours", 60}
)

// settingKind is how a setting is entered.
type settingKind int

const (
	numberSetting settingKind = iota // a whole number with a unit select
	choiceSetting                    // a select
	toggleSetting                    // a checkbox
	textSetting                      // a line of text
)

// setting describes one policy field on the form. Name is its JSON name,
// which is also the form field's.
type setting struct {
	Name  string
	Label string
	After string // words after the input
	Hint  string
	kind  settingKind
	units []unit // numberSetting's units, the first shown for 0
	// choices of a choiceSetting.
	choices []choice
	field   string // the checks.Policy field
}

type choice struct{ Value, Label string }

var statusChoices = []choice{{"fail", "Fail (blocks a session when the check is required)"}, {"warn", "Warn only"}}

// settings is the form, in order. checks, cookie_domains and cookie_keep
// have their own parts (the check list and the cookie scope).
var settings = []setting{
	{Name: "screen_lock_max_seconds", Label: "The screen locks with a password after at most", After: "idle",
		kind: numberSetting, units: []unit{minutes, seconds, hours}, field: "ScreenLockMaxSeconds"},
	{Name: "wifi_insecure", Label: "On open, WEP, WPA1 or WPA2-TKIP Wi-Fi", kind: choiceSetting, choices: statusChoices, field: "WifiInsecure"},
	{Name: "antivirus_missing", Label: "When no anti-virus is found", kind: choiceSetting, choices: statusChoices, field: "AntivirusMissing"},
	{Name: "antivirus_max_signature_age_days", Label: "Anti-virus signatures are at most", After: "old",
		kind: numberSetting, units: []unit{days}, field: "AntivirusMaxSignatureAgeDays"},
	{Name: "xprotect_max_age_days", Label: "macOS XProtect is at most", After: "old",
		Hint: "Apple publishes XProtect every one to four weeks.", kind: numberSetting, units: []unit{days}, field: "XProtectMaxAgeDays"},
	{Name: "home_only_encryption", Label: "When only home folders are encrypted, not the whole disk", kind: choiceSetting, choices: statusChoices, field: "HomeOnlyEncryption"},
	{Name: "allow_override", Label: "Practitioners may start a session anyway, giving a reason that is recorded", kind: toggleSetting, field: "AllowOverride"},
	{Name: "session_reminder_minutes", Label: "Remind the practitioner to end a session after", Hint: "0 turns the reminder off.",
		kind: numberSetting, units: []unit{minutesOfMinutes, hoursOfMinutes}, field: "SessionReminderMinutes"},
	{Name: "case_reference_pattern", Label: "Session labels are case references matching", kind: textSetting, field: "CaseReferencePattern",
		Hint: "A Go regular expression the whole label must match, such as CR-[0-9]{4}. Empty: one word with a digit."},
	{Name: "report_interval_seconds", Label: "Run the checks and report every", kind: numberSetting, units: []unit{minutes, hours, seconds}, field: "ReportIntervalSeconds"},
	{Name: "check_timeout_seconds", Label: "Give each check at most", kind: numberSetting, units: []unit{seconds, minutes}, field: "CheckTimeoutSeconds"},
}

// Cookie scopes: what clearing after a session removes.
const (
	scopeAll  = "all"  // every site but those kept (cookie_domains empty)
	scopeOnly = "only" // only the sites listed in cookie_domains
)

// formField is a setting as the template shows it.
type formField struct {
	setting
	Value   string // the number, or the choice
	Unit    string
	Units   []string
	Choices []choice
	Checked bool
	Error   string
	Number  bool
	Choice  bool
	Toggle  bool
	Text    bool
}

// formCheck is one line of the check list.
type formCheck struct {
	ID, Title string
	Required  bool
}

// policyForm is the editor's content.
type policyForm struct {
	Fields      []formField
	Checks      []formCheck
	CookieScope string
	CookieSites string // cookie_domains, one a line
	CookieKeep  string // cookie_keep, one a line
	CookieError string
	// Errors counts the fields in error.
	Errors int
}

// newPolicyForm shows pol.
func newPolicyForm(pol checks.Policy, titles func(string) string) policyForm {
	v := reflect.ValueOf(pol)
	var f policyForm
	for _, s := range settings {
		ff := formField{setting: s, Choices: s.choices, Number: s.kind == numberSetting, Choice: s.kind == choiceSetting, Toggle: s.kind == toggleSetting, Text: s.kind == textSetting}
		val := v.FieldByName(s.field)
		switch s.kind {
		case numberSetting:
			n := int(val.Int())
			// The largest unit the value is a whole number of (each
			// setting has one worth 1); 0 in the first.
			u := s.units[0]
			if n != 0 {
				u = unit{}
				for _, c := range s.units {
					if n%c.Per == 0 && c.Per > u.Per {
						u = c
					}
				}
			}
			ff.Value, ff.Unit = strconv.Itoa(n/u.Per), u.Name
			for _, c := range s.units {
				ff.Units = append(ff.Units, c.Name)
			}
		case choiceSetting, textSetting:
			ff.Value = val.String()
		case toggleSetting:
			ff.Checked = val.Bool()
		}
		f.Fields = append(f.Fields, ff)
	}
	for _, id := range checks.CheckIDs {
		f.Checks = append(f.Checks, formCheck{ID: id, Title: titles(id), Required: pol.Required(id)})
	}
	f.CookieScope = scopeAll
	if len(pol.CookieDomains) > 0 {
		f.CookieScope = scopeOnly
	}
	f.CookieSites, f.CookieKeep = strings.Join(pol.CookieDomains, "\n"), strings.Join(pol.CookieKeep, "\n")
	return f
}

// readPolicyForm reads the posted form over pol (the team's policy as it
// stands): the policy the form asks for, and the form to show again with
// an error next to each field in error (Errors > 0).
func readPolicyForm(form url.Values, pol checks.Policy, titles func(string) string) (checks.Policy, policyForm) {
	f := newPolicyForm(pol, titles)
	out := pol
	out.Checks = maps.Clone(pol.Checks)
	v := reflect.ValueOf(&out).Elem()
	for i := range f.Fields {
		ff := &f.Fields[i]
		field := v.FieldByName(ff.field)
		switch ff.kind {
		case numberSetting:
			ff.Value, ff.Unit = strings.TrimSpace(form.Get(ff.Name)), form.Get(ff.Name+"_unit")
			n, err := readNumber(ff.Value, ff.Unit, ff.units)
			if err != nil {
				ff.Error = err.Error()
				continue
			}
			field.SetInt(int64(n))
		case choiceSetting, textSetting:
			ff.Value = form.Get(ff.Name)
			if ff.kind == textSetting {
				ff.Value = strings.TrimSpace(ff.Value)
			}
			field.SetString(ff.Value)
		case toggleSetting:
			ff.Checked = form.Get(ff.Name) != ""
			field.SetBool(ff.Checked)
		}
		// The agents' own check, on the default with this one value.
		one := checks.Default()
		reflect.ValueOf(&one).Elem().FieldByName(ff.field).Set(field)
		if err := one.Validate(); err != nil {
			ff.Error = agentsMessage(err)
		}
	}
	for i := range f.Checks {
		c := &f.Checks[i]
		c.Required = form.Get("required_"+c.ID) != ""
		out.Checks[c.ID] = checks.CheckPolicy{Required: c.Required}
	}
	f.CookieScope, f.CookieSites, f.CookieKeep = form.Get("cookie_scope"), form.Get("cookie_domains"), form.Get("cookie_keep")
	out.CookieDomains, out.CookieKeep = sites(f.CookieSites), sites(f.CookieKeep)
	switch {
	case f.CookieScope == scopeAll:
		out.CookieDomains = nil
	case f.CookieScope != scopeOnly:
		f.CookieError = "Choose which sites' cookies are cleared."
	case len(out.CookieDomains) == 0:
		f.CookieError = "List the sites whose cookies are cleared, or choose every site."
	}
	if f.CookieError == "" {
		one := checks.Default()
		one.CookieDomains, one.CookieKeep = out.CookieDomains, out.CookieKeep
		if err := one.Validate(); err != nil {
			f.CookieError = agentsMessage(err)
		}
	}
	for _, ff := range f.Fields {
		if ff.Error != "" {
			f.Errors++
		}
	}
	if f.CookieError != "" {
		f.Errors++
	}
	return out, f
}

// maxEntered bounds a number before it is multiplied by its unit (far
// beyond any valid setting, far below an overflow).
const maxEntered = 1 << 31

// readNumber reads a whole number in one of the setting's units and
// returns it in the setting's own unit.
func readNumber(text, unitName string, units []unit) (int, error) {
	i := slices.IndexFunc(units, func(u unit) bool { return u.Name == unitName })
	if i < 0 {
		return 0, errors.New("Choose a unit.")
	}
	if text == "" {
		return 0, errors.New("Enter a number.")
	}
	n, err := strconv.Atoi(text)
	if err != nil || n > maxEntered || n < -maxEntered {
		return 0, fmt.Errorf("Enter a whole number of %s, like 10.", units[i].Name)
	}
	return n * units[i].Per, nil
}

// agentsMessage is a validation error as the agents word it, without the
// "bad policy: " prefix.
func agentsMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), checks.ErrBadPolicy.Error()+": ")
	return "Not allowed: " + msg + "."
}

// sites reads a list of site names, one a line (commas and spaces also
// separate).
func sites(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' })
	if len(fields) == 0 {
		return nil
	}
	return fields
}

// mergePolicy returns the team's policy document (raw) with what the form
// changed, and whether it changed anything: a setting whose value is
// already in force is left as raw has it (named or not), so only changes
// are written.
func mergePolicy(raw []byte, before, after checks.Policy) (doc []byte, changed bool, err error) {
	fields := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, false, err
		}
	}
	set := func(name string, v any) error {
		b, err := json.Marshal(v)
		fields[name], changed = b, true
		return err
	}
	bv, av := reflect.ValueOf(before), reflect.ValueOf(after)
	for _, s := range settings {
		if a := av.FieldByName(s.field); a.Interface() != bv.FieldByName(s.field).Interface() {
			if err := set(s.Name, a.Interface()); err != nil {
				return nil, false, err
			}
		}
	}
	if !slices.Equal(before.CookieDomains, after.CookieDomains) {
		if err := set("cookie_domains", orEmpty(after.CookieDomains)); err != nil {
			return nil, false, err
		}
	}
	if !slices.Equal(before.CookieKeep, after.CookieKeep) {
		if err := set("cookie_keep", orEmpty(after.CookieKeep)); err != nil {
			return nil, false, err
		}
	}
	named := map[string]checks.CheckPolicy{}
	if c, ok := fields["checks"]; ok {
		if err := json.Unmarshal(c, &named); err != nil {
			return nil, false, err
		}
	}
	checksChanged := false
	for id, c := range after.Checks {
		if before.Checks[id] != c {
			named[id], checksChanged = c, true
		}
	}
	if checksChanged {
		if err := set("checks", named); err != nil {
			return nil, false, err
		}
	}
	if !changed {
		return raw, false, nil
	}
	doc, err = json.Marshal(fields)
	return doc, true, err
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
