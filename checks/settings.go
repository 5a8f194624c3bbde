package checks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A Setting is one policy value, described once: its JSON name, its
// default, the rule a value must keep, and the words the server's policy
// editor and the policy reference show for it. A check declares the
// settings it owns in its Meta; the engine's own (timeout, reporting
// interval, overrides, session labels) are EngineSettings. Everything that
// lists, defaults, validates or documents policy values derives from these
// declarations.
type Setting interface {
	// Describe is the setting as people read it.
	Describe() SettingDoc
	// DefaultJSON is the default value as JSON.
	DefaultJSON() json.RawMessage
	// Check reports what is wrong with a JSON value of the setting, in the
	// words the agents use ("screen_lock_max_seconds must be 1..86400,
	// got 0").
	Check(raw json.RawMessage) error
}

// SettingKind says how a setting is entered.
type SettingKind int

// The kinds of setting.
const (
	NumberSetting SettingKind = iota // a whole number in a unit
	ChoiceSetting                    // one of a few statuses
	ToggleSetting                    // on or off
	TextSetting                      // a line of text
	NamesSetting                     // a list of names (programs, sites)
)

// Unit is a unit a number may be entered in: Per is how many of the
// setting's own unit one is worth.
type Unit struct {
	Name string
	Per  int
}

// Units of a setting counted in seconds, in days and in minutes.
var (
	Seconds = Unit{"seconds", 1}
	Minutes = Unit{"minutes", 60}
	Hours   = Unit{"hours", 3600}
	Days    = Unit{"days", 1}
	// For a setting counted in minutes.
	MinutesOfMinutes = Unit{"minutes", 1}
	HoursOfMinutes   = Unit{"hours", 60}
)

// Choice is one value of a choice setting, with the words the editor
// shows for it.
type Choice struct{ Value, Label string }

// SettingDoc is a setting as the editor and the policy reference show it.
type SettingDoc struct {
	Name string
	// Label is the editor's sentence before the input; After its words
	// after it; Hint a line of help under it.
	Label, After, Hint string
	Kind               SettingKind
	// Units a number may be entered in, the first shown for 0; the first
	// unit with Per 1 is what the value counts.
	Units   []Unit
	Choices []Choice
	// Min and Max bound a number.
	Min, Max int
	// Default is the default value as JSON.
	Default json.RawMessage
}

// Range is how the policy reference states a setting's allowed values.
func (d SettingDoc) Range() string {
	switch d.Kind {
	case NumberSetting:
		u := ""
		for _, x := range d.Units {
			if x.Per == 1 {
				u = " " + x.Name
				break
			}
		}
		return fmt.Sprintf("%d..%d%s", d.Min, d.Max, u)
	case ChoiceSetting:
		var vs []string
		for _, c := range d.Choices {
			vs = append(vs, `"`+c.Value+`"`)
		}
		return strings.Join(vs, " or ")
	case ToggleSetting:
		return "true or false"
	case NamesSetting:
		return "a list of names"
	}
	return "text"
}

// StatusChoices are the two statuses a finding may be graded.
var StatusChoices = []Choice{{"fail", "Fail (blocks a session when the check is required)"}, {"warn", "Warn only"}}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Number is a whole-number setting.
type Number struct {
	Name, Label, After, Hint string
	// Units it may be entered in; the one with Per 1 is what it counts.
	Units             []Unit
	Default, Min, Max int
	// ZeroMeans, when set, is what 0 does (Min must be 0), for the error
	// message ("0 (no reminder)").
	ZeroMeans string
}

// Describe implements Setting.
func (n Number) Describe() SettingDoc {
	return SettingDoc{Name: n.Name, Label: n.Label, After: n.After, Hint: n.Hint, Kind: NumberSetting,
		Units: n.Units, Min: n.Min, Max: n.Max, Default: n.DefaultJSON()}
}

// DefaultJSON implements Setting.
func (n Number) DefaultJSON() json.RawMessage { return mustJSON(n.Default) }

// Check implements Setting.
func (n Number) Check(raw json.RawMessage) error {
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%s must be a whole number, got %s", n.Name, raw)
	}
	if v < n.Min || v > n.Max {
		low := fmt.Sprint(n.Min)
		if n.ZeroMeans != "" {
			low = fmt.Sprintf("%d (%s)", n.Min, n.ZeroMeans)
		}
		return fmt.Errorf("%s must be %s..%d, got %d", n.Name, low, n.Max, v)
	}
	return nil
}

// Of is the setting's value in pol: the default when pol does not set it.
func (n Number) Of(pol Policy) int { return valueOf(pol, n, n.Name, n.Default) }

// Grade is a setting that grades a finding: fail or warn, or the statuses
// Choices lists.
type Grade struct {
	Name, Label, Hint string
	Default           Status
	// Choices are the statuses an admin may choose, in the editor's order
	// (nil: fail and warn). Unknown is for what a check cannot read on
	// some system: keeping it unknown is the honest default, warn is the
	// organisation's decision to let a session start regardless.
	Choices []Status
}

// gradeLabels are the editor's words for each status a Grade offers.
var gradeLabels = map[Status]string{
	Fail:    StatusChoices[0].Label,
	Warn:    StatusChoices[1].Label,
	Unknown: "Unknown (blocks a session when the check is required, as a check that could not tell)",
}

func (g Grade) choices() []Status {
	if g.Choices == nil {
		return []Status{Fail, Warn}
	}
	return g.Choices
}

// Describe implements Setting.
func (g Grade) Describe() SettingDoc {
	choices := StatusChoices
	if g.Choices != nil {
		choices = nil
		for _, s := range g.Choices {
			choices = append(choices, Choice{string(s), gradeLabels[s]})
		}
	}
	return SettingDoc{Name: g.Name, Label: g.Label, Hint: g.Hint, Kind: ChoiceSetting, Choices: choices, Default: g.DefaultJSON()}
}

// DefaultJSON implements Setting.
func (g Grade) DefaultJSON() json.RawMessage { return mustJSON(g.Default) }

// Check implements Setting.
func (g Grade) Check(raw json.RawMessage) error {
	var s Status
	allowed := g.choices()
	if err := json.Unmarshal(raw, &s); err != nil || !slices.Contains(allowed, s) {
		quoted := make([]string, len(allowed))
		for i, a := range allowed {
			quoted[i] = strconv.Quote(string(a))
		}
		return fmt.Errorf("%s must be %s, got %s", g.Name, strings.Join(quoted, " or "), raw)
	}
	return nil
}

// Of is the setting's value in pol: the default when pol does not set it.
func (g Grade) Of(pol Policy) Status { return valueOf(pol, g, g.Name, g.Default) }

// Names is a setting holding a list of names (programs, tools, sites).
type Names struct {
	Name, Label, Hint string
	Default           []string
	// MaxNames bounds the list (default 200); each name is 1..100
	// characters of letters, digits, spaces and . _ - + ( ) &.
	MaxNames int
}

// Describe implements Setting.
func (l Names) Describe() SettingDoc {
	return SettingDoc{Name: l.Name, Label: l.Label, Hint: l.Hint, Kind: NamesSetting, Default: l.DefaultJSON()}
}

// DefaultJSON implements Setting.
func (l Names) DefaultJSON() json.RawMessage {
	if l.Default == nil {
		return json.RawMessage(`[]`)
	}
	return mustJSON(l.Default)
}

// Check implements Setting.
func (l Names) Check(raw json.RawMessage) error {
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%s must be a list of names, got %s", l.Name, raw)
	}
	max := l.MaxNames
	if max == 0 {
		max = 200
	}
	if len(v) > max {
		return fmt.Errorf("%s holds at most %d names, got %d", l.Name, max, len(v))
	}
	for _, s := range v {
		if !plainName(s) {
			return fmt.Errorf("%s holds names of 1 to 100 letters, digits, spaces and . _ - + ( ) &, got %q", l.Name, s)
		}
	}
	return nil
}

func plainName(s string) bool {
	if s = strings.TrimSpace(s); s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		ok := r == ' ' || strings.ContainsRune("._-+()&", r) ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r > 0x7f
		if !ok {
			return false
		}
	}
	return true
}

// Of is the setting's value in pol: the default when pol does not set it.
func (l Names) Of(pol Policy) []string { return valueOf(pol, l, l.Name, slices.Clone(l.Default)) }

// valueOf is the value of the setting s (named name) in pol: its own when
// pol sets it to a value s accepts, else def.
func valueOf[T any](pol Policy, s Setting, name string, def T) T {
	if raw, ok := pol.Settings[name]; ok && s.Check(raw) == nil {
		var v T
		if json.Unmarshal(raw, &v) == nil {
			return v
		}
	}
	return def
}

// Toggle is an on/off setting.
type Toggle struct {
	Name, Label, Hint string
	Default           bool
}

// Describe implements Setting.
func (t Toggle) Describe() SettingDoc {
	return SettingDoc{Name: t.Name, Label: t.Label, Hint: t.Hint, Kind: ToggleSetting, Default: t.DefaultJSON()}
}

// DefaultJSON implements Setting.
func (t Toggle) DefaultJSON() json.RawMessage { return mustJSON(t.Default) }

// Check implements Setting.
func (t Toggle) Check(raw json.RawMessage) error {
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%s must be true or false, got %s", t.Name, raw)
	}
	return nil
}

// Of is the setting's value in pol: the default when pol does not set it.
func (t Toggle) Of(pol Policy) bool { return valueOf(pol, t, t.Name, t.Default) }

// Text is a line of text, with an optional rule of its own.
type Text struct {
	Name, Label, Hint, Default string
	// Valid, when set, says what is wrong with a value.
	Valid func(string) error
}

// Describe implements Setting.
func (t Text) Describe() SettingDoc {
	return SettingDoc{Name: t.Name, Label: t.Label, Hint: t.Hint, Kind: TextSetting, Default: t.DefaultJSON()}
}

// DefaultJSON implements Setting.
func (t Text) DefaultJSON() json.RawMessage { return mustJSON(t.Default) }

// Check implements Setting.
func (t Text) Check(raw json.RawMessage) error {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%s must be text, got %s", t.Name, raw)
	}
	if t.Valid != nil {
		return t.Valid(v)
	}
	return nil
}
