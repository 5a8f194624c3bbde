package checks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/internal/sitename"
)

// PolicySchema names the policy format.
const PolicySchema = "sessionguard.policy/v1"

// ErrBadPolicy marks a policy that cannot be used.
var ErrBadPolicy = errors.New("bad policy")

// CheckPolicy says whether a check must pass before a session.
type CheckPolicy struct {
	Required bool `json:"required"`
}

// Policy is what checks are judged against. It is JSON; the built-in
// default is Catalogue.Default(), a policy file or the server's policy is
// laid over it so a file only names what it changes.
//
// The engine's own settings are fields; the settings checks own (declared
// in each check's Meta) are in Settings, by name, and sit beside the
// engine's in the JSON document: the document is flat, whoever owns a
// setting.
type Policy struct {
	Schema string                 `json:"schema"`
	Checks map[string]CheckPolicy `json:"checks"`

	// CheckTimeoutSeconds bounds each check (default 10).
	CheckTimeoutSeconds int `json:"check_timeout_seconds"`

	// AllowOverride lets a practitioner start a session although a
	// required check is not passing, with a typed reason that is recorded.
	AllowOverride bool `json:"allow_override"`

	// CookieDomains limits clearing after a session to these sites and their
	// subdomains; empty clears every site but those in CookieKeep.
	CookieDomains []string `json:"cookie_domains"`
	// CookieKeep are sites whose cookies survive clearing (a bank, the
	// organisation's own webmail).
	CookieKeep []string `json:"cookie_keep"`

	// ReportIntervalSeconds is how often the agent runs checks and reports
	// (default 900).
	ReportIntervalSeconds int `json:"report_interval_seconds"`

	// SessionReminderMinutes is how long a session may stay open before
	// the tray reminds the practitioner to end it (and clear cookies);
	// default 90, 0 turns the reminder off.
	SessionReminderMinutes int `json:"session_reminder_minutes"`

	// CaseReferencePattern is the team's format of a session label, a Go
	// regular expression (https://pkg.go.dev/regexp/syntax) the whole
	// label must match, at most MaxCaseReferencePattern bytes. Empty means
	// DefaultCaseReferencePattern: one word holding a digit. The agent
	// refuses a label that does not match before it records anything, and
	// the server refuses it again.
	CaseReferencePattern string `json:"case_reference_pattern,omitempty"`

	// Uncheckable are the checks a server's policy requires that this
	// agent does not have (a newer server's; see
	// Catalogue.ParseServerPolicy). They stay required in Checks, and Run
	// reports each of them unknown.
	Uncheckable []string `json:"-"`

	// Settings are the values of the settings checks own, as JSON by
	// setting name (see Setting). A check reads its own through its
	// setting's Of method, which gives the default when it is not set.
	Settings map[string]json.RawMessage `json:"-"`
}

// DefaultCaseReferencePattern is the case reference format when the policy
// sets none: no spaces, at least one digit ("CR-2291", "YP0042", "17/B").
// It refuses single given names ("Jane", "Oliver T", "sam.jones").
const DefaultCaseReferencePattern = `[^\s]*[0-9][^\s]*`

// MaxCaseReferencePattern bounds CaseReferencePattern, in bytes.
const MaxCaseReferencePattern = 200

// CaseReference compiles the case reference format, anchored so that the
// whole label must match.
func (p Policy) CaseReference() (*regexp.Regexp, error) {
	pat := p.CaseReferencePattern
	if strings.TrimSpace(pat) == "" {
		pat = DefaultCaseReferencePattern
	}
	if len(pat) > MaxCaseReferencePattern {
		return nil, fmt.Errorf("case_reference_pattern is longer than %d characters", MaxCaseReferencePattern)
	}
	re, err := regexp.Compile(`^(?:` + pat + `)$`)
	if err != nil {
		return nil, fmt.Errorf("case_reference_pattern is not a valid regular expression: %w", err)
	}
	return re, nil
}

// Required reports whether the policy requires the check.
func (p Policy) Required(id string) bool { return p.Checks[id].Required }

// CheckTimeout is the per-check timeout.
func (p Policy) CheckTimeout() time.Duration {
	if p.CheckTimeoutSeconds <= 0 {
		return DefaultTimeout
	}
	return time.Duration(p.CheckTimeoutSeconds) * time.Second
}

// policyFields is the engine's part of a policy, as encoding/json sees it.
type policyFields Policy

// coreNames are the JSON names of the engine's own fields.
var coreNames = func() map[string]bool {
	names := map[string]bool{}
	t := reflect.TypeFor[policyFields]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}()

// MarshalJSON writes the flat document: the engine's fields, then the
// check-owned settings by name.
func (p Policy) MarshalJSON() ([]byte, error) {
	core, err := json.Marshal(policyFields(p))
	if err != nil {
		return nil, err
	}
	if len(p.Settings) == 0 {
		return core, nil
	}
	var buf bytes.Buffer
	buf.Write(core[:len(core)-1])
	for _, name := range slices.Sorted(maps.Keys(p.Settings)) {
		key, _ := json.Marshal(name)
		buf.WriteByte(',')
		buf.Write(key)
		buf.WriteByte(':')
		if err := json.Compact(&buf, p.Settings[name]); err != nil {
			return nil, fmt.Errorf("policy setting %s: %w", name, err)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON lays a document over p: the engine's fields it names
// replace p's, the checks it names replace their entries, and every other
// name goes to Settings (Catalogue.Validate refuses those no check owns).
// Names match exactly.
func (p *Policy) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	if fields == nil {
		return errors.New("policy is not a JSON object")
	}
	core := map[string]json.RawMessage{}
	settings := maps.Clone(p.Settings)
	for name, raw := range fields {
		switch {
		case coreNames[name]:
			core[name] = raw
		default:
			if settings == nil {
				settings = map[string]json.RawMessage{}
			}
			settings[name] = slices.Clone(raw)
		}
	}
	out := *p
	out.Checks = maps.Clone(p.Checks)
	coreDoc, err := json.Marshal(core)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(coreDoc, (*policyFields)(&out)); err != nil {
		return err
	}
	out.Settings = settings
	*p = out
	return nil
}

// With returns a copy of p with the setting name set to v (for tests and
// editors); p itself is not changed.
func (p Policy) With(name string, v any) Policy {
	out := p
	out.Checks = maps.Clone(p.Checks)
	out.Settings = maps.Clone(p.Settings)
	if coreNames[name] {
		if err := json.Unmarshal(mustJSON(map[string]any{name: v}), &out); err != nil {
			panic(fmt.Sprintf("policy setting %s: %v", name, err))
		}
		return out
	}
	if out.Settings == nil {
		out.Settings = map[string]json.RawMessage{}
	}
	out.Settings[name] = mustJSON(v)
	return out
}

// EngineSettings are the settings the engine itself owns, in the order the
// policy editor shows them after the checks' own. The cookie scope and the
// list of required checks have their own parts of the editor.
var EngineSettings = []Setting{
	Toggle{Name: "allow_override", Label: "Practitioners may start a session anyway, giving a reason that is recorded"},
	Number{Name: "session_reminder_minutes", Label: "Remind the practitioner to end a session after", Hint: "0 turns the reminder off.",
		Units: []Unit{MinutesOfMinutes, HoursOfMinutes}, Default: 90, Min: 0, Max: 1440, ZeroMeans: "no reminder"},
	Text{Name: "case_reference_pattern", Label: "Session labels are case references matching",
		Hint:  "A Go regular expression the whole label must match, such as CR-[0-9]{4}. Empty: one word with a digit.",
		Valid: func(s string) error { _, err := Policy{CaseReferencePattern: s}.CaseReference(); return err }},
	Number{Name: "report_interval_seconds", Label: "Run the checks and report every", Units: []Unit{Minutes, Hours, Seconds}, Default: 900, Min: 60, Max: 86400},
	Number{Name: "check_timeout_seconds", Label: "Give each check at most", Units: []Unit{Seconds, Minutes}, Default: 10, Min: 1, Max: 300},
}

// engineDefault is the engine's part of the default policy.
func engineDefault() Policy {
	p := Policy{Schema: PolicySchema, Checks: map[string]CheckPolicy{}}
	for _, s := range EngineSettings {
		p = p.With(s.Describe().Name, s.DefaultJSON())
	}
	return p
}

// validateEngine checks the engine's own fields.
func (p Policy) validateEngine() error {
	if p.Schema != PolicySchema {
		return fmt.Errorf("schema is %q, want %q", p.Schema, PolicySchema)
	}
	doc, err := json.Marshal(policyFields(p))
	if err != nil {
		return err
	}
	var flat map[string]json.RawMessage
	if err := json.Unmarshal(doc, &flat); err != nil {
		return err
	}
	for _, s := range EngineSettings {
		raw, ok := flat[s.Describe().Name]
		if !ok {
			raw = s.DefaultJSON()
		}
		if err := s.Check(raw); err != nil {
			return err
		}
	}
	for _, d := range append(append([]string{}, p.CookieDomains...), p.CookieKeep...) {
		if d = strings.TrimSpace(d); d == "" || strings.ContainsAny(d, " /:@") {
			return fmt.Errorf("cookie_domains and cookie_keep hold site names like zoom.us, got %q", d)
		}
	}
	return nil
}

// ClearableSites refuses a policy whose cookie_domains or cookie_keep holds
// an entry agents cannot clear by (sitename.Normalise: a wildcard such as
// *.zoom.us, a name with a user or a quote). An agent refuses the whole
// clear over one such entry, so a team given it would keep every cookie
// after every session. The server checks it before it stores a policy;
// reading a policy (ParsePolicy, ParseServerPolicy) does not, so a policy
// stored before this check still loads, on the server and on agents.
func (p Policy) ClearableSites() error {
	for _, list := range []struct {
		name  string
		sites []string
	}{{"cookie_domains", p.CookieDomains}, {"cookie_keep", p.CookieKeep}} {
		for _, d := range list.sites {
			if _, err := sitename.Normalise(d); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrBadPolicy, list.name, err)
			}
		}
	}
	return nil
}
