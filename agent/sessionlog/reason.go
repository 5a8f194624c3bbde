package sessionlog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/sessionguard/sessionguard/checks"
)

// OverrideReasons are the reasons a practitioner picks from to start a
// session although a required check is not passing. The override reason
// recorded is one of them, optionally followed by OverrideNoteSeparator
// and a short screened note (ValidateOverrideReason).
var OverrideReasons = []string{
	"urgent safeguarding concern",
	"scheduled session could not be moved",
	"IT support is fixing it",
	"the check is wrong about this computer",
}

// OverrideNoteSeparator joins a picked reason and its note.
const OverrideNoteSeparator = " — "

// MaxOverrideNote is the longest note, in characters.
const MaxOverrideNote = 120

// ErrBadOverride is wrapped by every error of ValidateOverrideReason and
// ValidateOverrideNote.
var ErrBadOverride = errors.New("this reason cannot be used")

// ErrBadCaseReference is wrapped by ValidateCaseReference's refusal.
var ErrBadCaseReference = errors.New("this label is not a case reference")

// OverrideReason joins a picked reason and a note ("" for none) into the
// reason recorded. It does not validate.
func OverrideReason(picked, note string) string {
	note = strings.TrimSpace(note)
	if note == "" {
		return picked
	}
	return picked + OverrideNoteSeparator + note
}

// ValidateOverrideReason checks a recorded override reason: one of
// OverrideReasons (exactly, or case-insensitively), optionally followed by
// OverrideNoteSeparator and a note ValidateOverrideNote accepts. The
// reason is kept for years, sent to the server and shown to its admins, so
// it must not identify the client. Messages never repeat the reason.
func ValidateOverrideReason(reason string) error {
	picked, note, hasNote := strings.Cut(reason, OverrideNoteSeparator)
	if !slices.ContainsFunc(OverrideReasons, func(r string) bool { return strings.EqualFold(r, picked) }) {
		return fmt.Errorf("%w: pick one of the reasons (%s)", ErrBadOverride, strings.Join(quoted(OverrideReasons), ", "))
	}
	if hasNote {
		return ValidateOverrideNote(note)
	}
	return nil
}

// ValidateOverrideNote screens the short note that may follow a picked
// reason: at most MaxOverrideNote characters of one line, and the label
// rules that fit free text (ValidateLabel's email, web address, date,
// phone/NHS number and postcode rules, a title before a name-like word),
// plus: a capitalised name-like word anywhere but at the start ("spoke to
// Jane", "laptop from Dave"), and two capitalised name-like words together
// ("Jane Smith called"). Write the note in plain lower case, without
// anyone's name.
func ValidateOverrideNote(note string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: the note %s. Keep it short and about the computer or the situation, never the client's or anyone's name, contact details or date of birth", ErrBadOverride, why)
	}
	if why := shape(note, MaxOverrideNote); why != "" {
		return bad(strings.Replace(why, "it ", "", 1))
	}
	if why := screen(note); why != "" {
		return bad(strings.Replace(why, "it ", "", 1))
	}
	if namesSomeone(note) {
		return bad("looks like it names someone")
	}
	return nil
}

// ValidateCaseReference checks a label against the team's case reference
// format re (checks.Policy.CaseReference): the whole label must match. The
// message names the format but never repeats the label.
func ValidateCaseReference(label string, re *regexp.Regexp) error {
	if re == nil || re.MatchString(label) {
		return nil
	}
	format := "a single word with at least one digit, such as CR-2291 or YP0042"
	if pat := strings.TrimSuffix(strings.TrimPrefix(re.String(), "^(?:"), ")$"); pat != checks.DefaultCaseReferencePattern {
		format = "the format your organisation set (the pattern " + pat + ")"
	}
	return fmt.Errorf("%w: use your case reference, %s; a person's name is never a case reference", ErrBadCaseReference, format)
}

// namesSomeone applies the note's name rules.
func namesSomeone(note string) bool {
	words := strings.FieldsFunc(note, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:/()[]{}&+|\"", r)
	})
	prevCapital := false
	for i, w := range words {
		w = strings.Trim(w, ".!?'’-")
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		capital := isNameLike(w) && isCapitalised(w)
		if capital && (i > 0 || prevCapital) {
			return true
		}
		if i > 0 && isNameLike(w) && honorifics[strings.ToLower(strings.Trim(words[i-1], "."))] {
			return true
		}
		prevCapital = capital
	}
	return false
}

func quoted(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `"` + s + `"`
	}
	return out
}
