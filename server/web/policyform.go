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
	"github.com/sessionguard/sessionguard/checks/all"
)

// The form-based policy editor (issue 17): one form field per policy
// setting, beside the raw JSON. It holds no rule of its own: a value is
// checked by checks.Policy.Validate (on the default policy with that one
// value changed, so the agents' message appears next to its field), and
// the document saved passes all.ParseTeamPolicy, as the raw editor's does.
// The JSON saved names only what differs from what the team's policy
// already says, so untouched settings keep following the default.

// formSettings are the settings on the form, in order: every check's own,
// then the engine's (checks, cookie_domains and cookie_keep have their own
// parts: the check list and the cookie scope).
func formSettings() []checks.Setting { return all.Catalogue().Settings() }

// Cookie scopes: what clearing after a session removes.
const (
	scopeAll  = "all"  // every site but those kept (cookie_domains empty)
	scopeOnly = "only" // only the sites listed in cookie_domains
)

// formField is a setting as the template shows it.
type formField struct {
	checks.SettingDoc
	setting checks.Setting
	Value   string // the number, the choice, the text, the names one a line
	Unit    string
	Units   []string
	Checked bool
	Error   string
	Note    string // the value someone else saved meanwhile (policymerge.go)
	Number  bool
	Choice  bool
	Toggle  bool
	Text    bool
	Names   bool
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
	// Notes on the cookie sites someone else also changed (policymerge.go).
	CookieSitesNote, CookieKeepNote string
	// Errors counts the fields in error.
	Errors int
}

// flatPolicy is pol as its JSON document: every setting by name.
func flatPolicy(pol checks.Policy) map[string]json.RawMessage {
	doc, err := json.Marshal(pol)
	var flat map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(doc, &flat)
	}
	if err != nil {
		// A policy that was read from JSON always writes back.
		panic(fmt.Sprintf("policy does not round-trip: %v", err))
	}
	return flat
}

// newPolicyForm shows pol.
func newPolicyForm(pol checks.Policy, titles func(string) string) policyForm {
	flat := flatPolicy(pol)
	var f policyForm
	for _, s := range formSettings() {
		d := s.Describe()
		ff := formField{SettingDoc: d, setting: s, Number: d.Kind == checks.NumberSetting, Choice: d.Kind == checks.ChoiceSetting,
			Toggle: d.Kind == checks.ToggleSetting, Text: d.Kind == checks.TextSetting, Names: d.Kind == checks.NamesSetting}
		raw, ok := flat[d.Name]
		if !ok {
			raw = s.DefaultJSON()
		}
		switch d.Kind {
		case checks.NumberSetting:
			var n int
			_ = json.Unmarshal(raw, &n)
			// Each setting has a unit worth 1, so one holds it whole.
			u := wholeUnit(n, d.Units)
			ff.Value, ff.Unit = strconv.Itoa(n/u.Per), u.Name
			for _, c := range d.Units {
				ff.Units = append(ff.Units, c.Name)
			}
		case checks.ChoiceSetting, checks.TextSetting:
			_ = json.Unmarshal(raw, &ff.Value)
		case checks.ToggleSetting:
			_ = json.Unmarshal(raw, &ff.Checked)
		case checks.NamesSetting:
			var names []string
			_ = json.Unmarshal(raw, &names)
			ff.Value = strings.Join(names, "\n")
		}
		f.Fields = append(f.Fields, ff)
	}
	for _, id := range all.Catalogue().IDs() {
		f.Checks = append(f.Checks, formCheck{ID: id, Title: titles(id), Required: pol.Required(id)})
	}
	f.CookieScope = scopeAll
	if len(pol.CookieDomains) > 0 {
		f.CookieScope = scopeOnly
	}
	f.CookieSites, f.CookieKeep = strings.Join(pol.CookieDomains, "\n"), strings.Join(pol.CookieKeep, "\n")
	if err := pol.ClearableSites(); err != nil {
		// Stored before the server checked it: agents refuse every clear
		// of this team until it is corrected.
		f.CookieError = agentsMessage(err) + " Agents refuse to clear cookies by this policy until it is corrected."
	}
	return f
}

// readField reads one setting from the posted form: its value as JSON, or
// the message to show next to it.
func readField(form url.Values, ff *formField) (json.RawMessage, string) {
	var v any
	switch ff.Kind {
	case checks.NumberSetting:
		ff.Value, ff.Unit = strings.TrimSpace(form.Get(ff.Name)), form.Get(ff.Name+"_unit")
		n, err := readNumber(ff.Value, ff.Unit, ff.SettingDoc.Units)
		if err != nil {
			return nil, err.Error()
		}
		v = n
	case checks.ChoiceSetting:
		ff.Value = form.Get(ff.Name)
		v = ff.Value
	case checks.TextSetting:
		ff.Value = strings.TrimSpace(form.Get(ff.Name))
		v = ff.Value
	case checks.ToggleSetting:
		ff.Checked = form.Get(ff.Name) != ""
		v = ff.Checked
	case checks.NamesSetting:
		ff.Value = form.Get(ff.Name)
		v = orEmpty(lines(ff.Value))
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err.Error()
	}
	// The agents' own rule for the value.
	if err := ff.setting.Check(raw); err != nil {
		if ff.Kind == checks.NumberSetting && len(ff.SettingDoc.Units) > 0 {
			// In the units the form offers, not the setting's own:
			// "25 hours" is answered in hours, not 90,000 seconds.
			return nil, "Enter from " + inUnits(ff.SettingDoc.Min, ff.SettingDoc.Units) + " to " + inUnits(ff.SettingDoc.Max, ff.SettingDoc.Units) + "."
		}
		return nil, agentsMessage(err)
	}
	return raw, ""
}

// inUnits says an amount counted in a setting's own unit in the largest
// of its units it is a whole number of: 86400 seconds → "24 hours".
func inUnits(n int, units []checks.Unit) string {
	best := wholeUnit(n, units)
	if best.Per == 0 { // no unit holds it whole: the smallest, with decimals
		best = slices.MinFunc(units, func(a, b checks.Unit) int { return a.Per - b.Per })
		return strconv.FormatFloat(float64(n)/float64(best.Per), 'f', -1, 64) + " " + best.Name
	}
	v, name := n/best.Per, best.Name
	if v == 1 {
		name = strings.TrimSuffix(name, "s")
	}
	return strconv.Itoa(v) + " " + name
}

// wholeUnit is the largest of units that n is a whole number of (the
// first, which the form shows for 0, when n is 0), or the zero Unit when
// none is.
func wholeUnit(n int, units []checks.Unit) checks.Unit {
	if n == 0 {
		return units[0]
	}
	best := checks.Unit{}
	for _, u := range units {
		if u.Per > best.Per && n%u.Per == 0 {
			best = u
		}
	}
	return best
}

// readPolicyForm reads the posted form over pol (the version of the team's
// policy the form was opened on): the policy the form asks for, and the
// form to show again with an error next to each field in error
// (Errors > 0).
func readPolicyForm(form url.Values, pol checks.Policy, titles func(string) string) (checks.Policy, policyForm) {
	f := newPolicyForm(pol, titles)
	out := pol
	for i := range f.Fields {
		ff := &f.Fields[i]
		raw, msg := readField(form, ff)
		if msg != "" {
			ff.Error = msg
			continue
		}
		out = out.With(ff.Name, raw)
	}
	out.Checks = maps.Clone(pol.Checks)
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
		one := all.DefaultPolicy()
		one.CookieDomains, one.CookieKeep = out.CookieDomains, out.CookieKeep
		err := all.Catalogue().Validate(one)
		if err == nil {
			err = one.ClearableSites()
		}
		if err != nil {
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
func readNumber(text, unitName string, units []checks.Unit) (int, error) {
	i := slices.IndexFunc(units, func(u checks.Unit) bool { return u.Name == unitName })
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

// lines reads a list of names that may hold spaces ("Quick Assist"),
// one a line (commas also separate).
func lines(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if f = strings.Join(strings.Fields(f), " "); f != "" {
			out = append(out, f)
		}
	}
	return out
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
	bf, af := flatPolicy(before), flatPolicy(after)
	for _, st := range formSettings() {
		name := st.Describe().Name
		if a, b := af[name], bf[name]; !jsonEqual(a, b) {
			if a == nil {
				a = st.DefaultJSON()
			}
			if err := set(name, a); err != nil {
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

// jsonEqual reports whether two JSON values are the same value.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}
