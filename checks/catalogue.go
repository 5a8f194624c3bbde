package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Meta is what a check declares about itself besides how it runs: whether
// the default policy requires it, the Cyber Essentials controls it
// evidences and the policy settings it owns. The registry (checks/all)
// derives the known check ids, the default policy, the control map and
// the policy reference from these, so adding a check is a package and one
// line there.
type Meta struct {
	// Required is whether the default policy requires the check.
	Required bool
	// Controls are the Cyber Essentials controls the check evidences, main
	// control first.
	Controls []string
	// Settings are the policy settings the check owns; their names are
	// prefixed with the check's subject (screen_lock_max_seconds).
	Settings []Setting
}

// Catalogue is a set of checks, in the order they are shown, and what
// follows from their Meta: ids, the default policy and its validation.
type Catalogue []Check

// IDs are the check ids, in order.
func (c Catalogue) IDs() []string {
	ids := make([]string, len(c))
	for i, ch := range c {
		ids[i] = ch.ID()
	}
	return ids
}

// Lookup finds a check by id.
func (c Catalogue) Lookup(id string) (Check, bool) {
	i := slices.IndexFunc(c, func(ch Check) bool { return ch.ID() == id })
	if i < 0 {
		return nil, false
	}
	return c[i], true
}

// Controls are the Cyber Essentials controls a check evidences, main
// control first; nil for an unknown id.
func (c Catalogue) Controls(id string) []string {
	if ch, ok := c.Lookup(id); ok {
		return ch.Metadata().Controls
	}
	return nil
}

// Settings are every setting a policy may hold: the checks' own, in check
// order, then the engine's.
func (c Catalogue) Settings() []Setting {
	var out []Setting
	for _, ch := range c {
		out = append(out, ch.Metadata().Settings...)
	}
	return append(out, EngineSettings...)
}

// Default is the built-in policy: each check required or not as its Meta
// says, every setting at its default.
func (c Catalogue) Default() Policy {
	p := engineDefault()
	for _, ch := range c {
		m := ch.Metadata()
		p.Checks[ch.ID()] = CheckPolicy{Required: m.Required}
		for _, s := range m.Settings {
			p = p.With(s.Describe().Name, s.DefaultJSON())
		}
	}
	return p
}

// checkSettings are the settings the checks own, by name.
func (c Catalogue) checkSettings() map[string]Setting {
	owned := map[string]Setting{}
	for _, ch := range c {
		for _, s := range ch.Metadata().Settings {
			owned[s.Describe().Name] = s
		}
	}
	return owned
}

// Validate reports the first thing wrong with a policy, wrapping
// ErrBadPolicy.
func (c Catalogue) Validate(p Policy) error {
	bad := func(err error) error { return fmt.Errorf("%w: %w", ErrBadPolicy, err) }
	if err := p.validateEngine(); err != nil {
		return bad(err)
	}
	for id := range p.Checks {
		if _, ok := c.Lookup(id); !ok {
			return bad(fmt.Errorf("unknown check id %q in checks", id))
		}
	}
	owned := c.checkSettings()
	for _, name := range slices.Sorted(maps.Keys(p.Settings)) {
		s, ok := owned[name]
		if !ok {
			return bad(fmt.Errorf("unknown field %q", name))
		}
		if err := s.Check(p.Settings[name]); err != nil {
			return bad(err)
		}
	}
	return nil
}

// ParsePolicy reads a JSON policy and lays it over the default. Unknown
// fields, unknown check ids and out-of-range values are errors wrapping
// ErrBadPolicy.
func (c Catalogue) ParsePolicy(r io.Reader) (Policy, error) {
	pol, err := c.overlay(r)
	if err == nil {
		err = c.Validate(pol)
	}
	if err != nil {
		return Policy{}, err
	}
	return pol, nil
}

// ParseServerPolicy reads a policy a SessionGuard server sent. The server
// validated it against its own checks, which may be newer than this
// agent's. Settings this catalogue does not know, and checks it does not
// know that the policy leaves optional, are left out (and named in
// ignored) instead of refusing the whole policy, so an older agent keeps
// following the rest of its team's policy. A check it does not know that
// the policy requires stays required and is named in Uncheckable: Run
// reports it unknown, so the computer is not called ready against a team
// policy it cannot wholly check. Everything it does know is validated as
// strictly as ParsePolicy does.
func (c Catalogue) ParseServerPolicy(r io.Reader) (pol Policy, ignored []string, err error) {
	if pol, err = c.overlay(r); err != nil {
		return Policy{}, nil, err
	}
	owned := c.checkSettings()
	for _, name := range slices.Sorted(maps.Keys(pol.Settings)) {
		if owned[name] == nil {
			delete(pol.Settings, name)
			ignored = append(ignored, name)
		}
	}
	var uncheckable []string
	for _, id := range slices.Sorted(maps.Keys(pol.Checks)) {
		if _, ok := c.Lookup(id); ok {
			continue
		}
		switch {
		case !pol.Checks[id].Required:
			ignored = append(ignored, "checks."+id)
		case !checkIDPattern.MatchString(id):
			return Policy{}, ignored, fmt.Errorf("%w: %q is not a check id", ErrBadPolicy, id)
		default:
			uncheckable = append(uncheckable, id)
		}
		delete(pol.Checks, id)
	}
	if err := c.Validate(pol); err != nil {
		return Policy{}, ignored, err
	}
	for _, id := range uncheckable {
		pol.Checks[id] = CheckPolicy{Required: true}
	}
	pol.Uncheckable = uncheckable
	return pol, ignored, nil
}

// checkIDPattern is what a check id looks like (snake_case, short): a
// server's policy may name one this agent does not have, and it is shown
// to the practitioner.
var checkIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// overlay reads one JSON policy document (at most 1 MiB) and lays it over
// the default, without validating what it named.
func (c Catalogue) overlay(r io.Reader) (Policy, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	pol := c.Default()
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&pol); err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("%w: trailing data after the JSON object", ErrBadPolicy)
	}
	return pol, nil
}

// LoadPolicy reads a policy file; its errors name the file.
func (c Catalogue) LoadPolicy(path string) (Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	defer f.Close()
	pol, err := c.ParsePolicy(f)
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return pol, nil
}

// Reference is the policy reference as a Markdown table: every setting,
// its default, its allowed values and what it does.
func (c Catalogue) Reference() string {
	var b strings.Builder
	b.WriteString("| Setting | Default | Allowed | What it does |\n|---|---|---|---|\n")
	for _, s := range c.Settings() {
		d := s.Describe()
		what := strings.TrimSpace(d.Label + " … " + d.After)
		what = strings.TrimSuffix(what, " …")
		if d.Hint != "" {
			what += ". " + d.Hint
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", d.Name, d.Default, d.Range(), what)
	}
	return b.String()
}
