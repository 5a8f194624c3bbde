package web

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/internal/text"
)

// When someone else saves a team's policy while an admin edits it with the
// settings form, the admin's save is refused (its ETag is stale) and the
// form is shown again merged three ways, one form field at a time: the
// version the form was opened on (its base field), the admin's form, and
// the policy as it now stands. A field the admin changed keeps the admin's
// value; any other takes the current one. A field both changed, to
// different values, keeps the admin's value and is marked with the one now
// saved. Nothing is saved until the admin saves the merged form, which
// carries the current ETag and is checked as any other.

// baseField is the settings form's hidden field holding the policy
// document (compact JSON) of the version the form was opened on.
const baseField = "base"

// maxBaseBytes bounds the base a form may carry: far beyond any policy the
// dashboard shows, well inside the form's own limit (maxFormBytes).
const maxBaseBytes = 16 << 10

// baseDocument is a stored policy document as the form carries it: compact
// JSON, {} for an empty one.
func baseDocument(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil || b.Len() == 0 {
		if len(bytes.TrimSpace(raw)) > 0 {
			return string(raw)
		}
		return "{}"
	}
	return b.String()
}

// readBase reads the version the posted settings form was opened on: the
// policy, and its document as the form carries it. ok is false when the
// form has none, or one too large or not a policy: the form then cannot be
// merged. The base only tells which fields the admin changed; whatever is
// saved is checked as always.
func readBase(form url.Values) (pol checks.Policy, doc string, ok bool) {
	raw := form.Get(baseField)
	if raw == "" || len(raw) > maxBaseBytes {
		return checks.Policy{}, "", false
	}
	pol, err := all.ParsePolicy(strings.NewReader(raw))
	if err != nil {
		return checks.Policy{}, "", false
	}
	return pol, baseDocument(json.RawMessage(raw)), true
}

// threeWay compares one field across the base, the admin's form (mine)
// and the current policy (theirs): whether the admin changed it, and
// whether someone else changed it too, to another value.
func threeWay[T any](base, mine, theirs T, equal func(a, b T) bool) (changed, clash bool) {
	changed = !equal(mine, base)
	return changed, changed && !equal(theirs, base) && !equal(theirs, mine)
}

// mergeForm is the form to show when the policy changed since the admin
// opened the form: edited is the admin's form as read over base (the
// version it was opened on) into after; current is the policy as it now
// stands. It returns the merged form, whether the admin had changed
// anything, and the labels of the fields both changed to different values
// (each marked in the form with the value now saved).
func mergeForm(edited policyForm, base, after, current checks.Policy, titles func(string) string) (merged policyForm, changed bool, clashes []string) {
	cur := newPolicyForm(current, titles)
	merged = edited
	merged.Fields = slices.Clone(edited.Fields)
	merged.Checks = slices.Clone(edited.Checks)
	// keep says whether the admin's value of one field stays, marking a
	// clash with note; otherwise the caller takes the current value.
	keep := func(mine, clash bool, label string, note *string, saved string) bool {
		changed = changed || mine
		if clash {
			*note = clashNote(saved)
			clashes = append(clashes, label)
		}
		return mine
	}
	bf, af, cf := flatPolicy(base), flatPolicy(after), flatPolicy(current)
	for i := range merged.Fields {
		ff := &merged.Fields[i]
		mine, clash := threeWay(bf[ff.Name], af[ff.Name], cf[ff.Name], jsonEqual)
		if !keep(mine, clash, ff.Label, &ff.Note, shownValue(cur.Fields[i])) {
			*ff = cur.Fields[i]
		}
	}
	// A check is required or not: two changes of one are the same change.
	for i, c := range merged.Checks {
		if after.Required(c.ID) == base.Required(c.ID) {
			merged.Checks[i] = cur.Checks[i]
		} else {
			changed = true
		}
	}
	mine, clash := threeWay(base.CookieDomains, after.CookieDomains, current.CookieDomains, slices.Equal)
	if !keep(mine, clash, cookieSitesLabel, &merged.CookieSitesNote, shownScope(current.CookieDomains)) {
		merged.CookieScope, merged.CookieSites = cur.CookieScope, cur.CookieSites
	}
	mine, clash = threeWay(base.CookieKeep, after.CookieKeep, current.CookieKeep, slices.Equal)
	if !keep(mine, clash, cookieKeepLabel, &merged.CookieKeepNote, shownList(current.CookieKeep)) {
		merged.CookieKeep = cur.CookieKeep
	}
	return merged, changed, clashes
}

// The cookie fields' names in the conflict message.
const (
	cookieSitesLabel = "Sites to clear"
	cookieKeepLabel  = "Sites whose cookies are kept"
)

// clashNote marks a field both the admin and someone else changed; saved
// is the other person's value, as shownValue words it.
func clashNote(saved string) string {
	return "Someone else saved this as " + saved + "; your value is shown. Keep it or change it, then save."
}

// shownValue words a field's value (as newPolicyForm shows it) for a
// clash note: "15 minutes", "Warn only", "Quick Assist and TeamViewer".
func shownValue(ff formField) string {
	switch {
	case ff.Number:
		n, err := readNumber(ff.Value, ff.Unit, ff.SettingDoc.Units)
		if err != nil {
			return ff.Value + " " + ff.Unit
		}
		return inUnits(n, ff.SettingDoc.Units)
	case ff.Choice:
		i := slices.IndexFunc(ff.Choices, func(c checks.Choice) bool { return c.Value == ff.Value })
		if i < 0 {
			return `"` + ff.Value + `"`
		}
		return `"` + ff.Choices[i].Label + `"`
	case ff.Toggle:
		if ff.Checked {
			return "ticked"
		}
		return "not ticked"
	case ff.Names:
		return shownList(lines(ff.Value))
	}
	if ff.Value == "" {
		return "empty"
	}
	return `"` + ff.Value + `"`
}

// shownList words a list of names for a clash note.
func shownList(names []string) string {
	if len(names) == 0 {
		return "empty"
	}
	return text.JoinAnd(names)
}

// shownScope words which sites' cookies are cleared (cookie_domains) for a
// clash note.
func shownScope(sites []string) string {
	if len(sites) == 0 {
		return "every site but those kept"
	}
	return "only " + text.JoinAnd(sites)
}

// conflictMessage tells the admin what happened when someone else saved
// the policy since they opened the form: changed, whether they had
// changed anything; clashes, the fields both changed.
func conflictMessage(changed bool, clashes []string) string {
	const what = "Someone changed this policy since you opened it. "
	if !changed {
		return what + "You had changed nothing, so the form now shows the current policy."
	}
	msg := what + "Your edits are kept in the form, with their changes to other settings, and nothing is saved yet. "
	if len(clashes) > 0 {
		quoted := make([]string, len(clashes))
		for i, c := range clashes {
			quoted[i] = `"` + c + `"`
		}
		msg += "You both changed " + text.JoinAnd(quoted) + ": your values are shown, each marked with the value they saved. "
	}
	return msg + "Review the form and save it."
}

// unmergedMessage tells the admin their edits were lost: someone else
// saved the policy, and the form did not say which version it was opened
// on, so which fields the admin changed cannot be told.
const unmergedMessage = "Someone changed this policy since you opened it, and this form does not say which version you opened, so your edits could not be kept: the form now shows the current policy. Make your change again and save."
