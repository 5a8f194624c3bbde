package sessionlog

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrBadLabel is wrapped by every error of ValidateLabel.
var ErrBadLabel = errors.New("this label cannot be used")

// MaxLabelLength is the longest label, in characters.
const MaxLabelLength = 64

const labelAdvice = `Use your organisation's case reference, such as "CR-2291" or "YP0042", never a client's name, contact details or date of birth`

// ValidateLabel checks that a session label is a pseudonymous case reference
// ("CR-2291", "Case 17/B", "YP-0042 week 3", "J.S. review"); the agent also
// holds it to the team's case reference format (ValidateCaseReference),
// which by default takes one word with a digit only. The records are
// kept for years and sent to the server, so a label must not identify the
// client. It refuses, with a message that says why (never repeating the
// label, so it is safe to log) and wrapping ErrBadLabel:
//
//   - an empty label, one longer than MaxLabelLength characters, invalid
//     UTF-8, control characters (tabs, newlines) and invisible formatting
//     characters (such as bidirectional overrides);
//   - an email address or social media handle (an "@" touching text) and a
//     web address;
//   - a date with a day, a month and a year (12/03/2014, 2014-03-12,
//     12 March 2014, March 12, 2014) or the words DOB or born: it could be a
//     date of birth, and the record keeps the session's date anyway;
//   - a phone number or NHS number: a run of digits (with spaces, dashes,
//     dots or brackets between them) holding 9 or more digits, or 7 or more
//     after a "+" (07700 900123, +44 7700 900123, 020 7946 0958,
//     (01632) 960001, 943 476 5919); short case numbers such as "CR-2291" or
//     "2024-117" are fine;
//   - a UK postcode (SW1A 1AA, M1 1AE, sw1a 1aa; a lower-case ordinal as in
//     "B1 3rd" is not taken for one, "B33 8TH" is);
//   - a full name: without any digit, two or more name-like words (letters,
//     apostrophes and hyphens only, two letters or more, not an all-capital
//     abbreviation of up to three letters) that are not common session words
//     ("Jane Smith", "jane smith", "Mary-Jane O'Neil"); with a digit, two
//     such words next to each other both capitalised ("CR-2291 Jane Smith");
//     and a title followed by a name-like word ("Mrs Smith"). The common
//     words ("initial", "assessment", "follow", "up", "review", "anxiety",
//     "support" …) keep descriptions such as "Initial assessment" or
//     "Follow up" allowed. A single word is never taken for a full name.
//
// These are heuristics: they catch the usual mistakes, they cannot prove a
// label anonymous.
func ValidateLabel(label string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: %s. %s", ErrBadLabel, why, labelAdvice)
	}
	if strings.TrimSpace(label) == "" && utf8.ValidString(label) {
		return bad("a label is required")
	}
	if why := shape(label, MaxLabelLength); why != "" {
		return bad(why)
	}
	if why := screen(label); why != "" {
		return bad(why)
	}
	if looksLikeName(label) {
		return bad("it looks like a person's name (if it is a description, add the case number)")
	}
	return nil
}

// shape says why text is not valid text or is longer than max characters
// (or empty), or returns "".
func shape(text string, max int) string {
	switch {
	case !utf8.ValidString(text):
		return "it is not valid text"
	case strings.TrimSpace(text) == "":
		return "it is empty"
	case utf8.RuneCountInString(text) > max:
		return fmt.Sprintf("it is longer than %d characters", max)
	}
	return ""
}

// screen applies the rules of ValidateLabel that fit any short text (all
// but the name rule) and says why text is refused, or returns "".
func screen(text string) string {
	for _, r := range text {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "it contains a control character (such as a tab or a line break) or an invisible formatting character"
		}
	}
	switch {
	case emailPattern.MatchString(text):
		return "it looks like an email address or a social media handle"
	case webPattern.MatchString(text):
		return "it looks like a web address"
	case hasDate(text):
		return "it contains a full date or mentions a date of birth, which could identify the client (the record keeps the session's date and time anyway)"
	}
	if why := longNumber(text); why != "" {
		return why
	}
	if hasPostcode(text) {
		return "it looks like it contains a postcode"
	}
	return ""
}

var (
	emailPattern = regexp.MustCompile(`\S@|@\S`)
	webPattern   = regexp.MustCompile(`(?i)\b(https?://|www\.)|\.(com|org|net|co\.uk|org\.uk|io)\b`)

	numericDate = regexp.MustCompile(`\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b`)
	isoDate     = regexp.MustCompile(`\b(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\b`)
	months      = `(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?`
	dayMonth    = regexp.MustCompile(`(?i)\b\d{1,2}(st|nd|rd|th)?\s*(of\s+)?` + months + `,?\s*'?\d{2,4}\b`)
	monthDay    = regexp.MustCompile(`(?i)\b` + months + `\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}\b`)
	dobWord     = regexp.MustCompile(`(?i)\b(dob|d\.o\.b|born|birthday|date of birth)\b`)

	numberRun = regexp.MustCompile(`[+(]?\d[\d ().\-]*\d`)

	postcode = regexp.MustCompile(`(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*([0-9][ABD-HJLNP-UW-Z]{2})\b`)
	ordinal  = regexp.MustCompile(`^[0-9](st|nd|rd|th)$`)
)

func hasDate(label string) bool {
	dayAndMonth := func(a, b string) bool {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x >= 1 && y >= 1 && ((x <= 31 && y <= 12) || (x <= 12 && y <= 31))
	}
	for _, m := range numericDate.FindAllStringSubmatch(label, -1) {
		if dayAndMonth(m[1], m[2]) {
			return true
		}
	}
	for _, m := range isoDate.FindAllStringSubmatch(label, -1) {
		if mo, _ := strconv.Atoi(m[2]); mo >= 1 && mo <= 12 {
			if d, _ := strconv.Atoi(m[3]); d >= 1 && d <= 31 {
				return true
			}
		}
	}
	return dayMonth.MatchString(label) || monthDay.MatchString(label) || dobWord.MatchString(label)
}

// longNumber says why a run of digits looks like a phone or NHS number, or
// returns "".
func longNumber(label string) string {
	for _, run := range numberRun.FindAllString(label, -1) {
		var digits []byte
		for i := 0; i < len(run); i++ {
			if run[i] >= '0' && run[i] <= '9' {
				digits = append(digits, run[i])
			}
		}
		switch {
		case len(digits) == 10 && nhsChecksum(digits):
			return "it looks like an NHS number"
		case len(digits) >= 9, run[0] == '+' && len(digits) >= 7:
			return "it looks like a phone number (or another personal number, such as an NHS number)"
		}
	}
	return ""
}

// nhsChecksum reports whether ten digits pass the NHS number's modulus 11
// check.
func nhsChecksum(d []byte) bool {
	sum := 0
	for i := range 9 {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[9]-'0')
}

func hasPostcode(label string) bool {
	for _, m := range postcode.FindAllStringSubmatch(label, -1) {
		if !ordinal.MatchString(m[1]) {
			return true
		}
	}
	return false
}

// looksLikeName applies the full-name rule of ValidateLabel.
func looksLikeName(label string) bool {
	words := strings.FieldsFunc(label, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:/()[]{}&+|\"", r)
	})
	hasDigit := strings.ContainsFunc(label, unicode.IsDigit)
	names := 0
	prevCapitalName := false
	for i, w := range words {
		w = strings.Trim(w, ".!?'’-")
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		nameLike := isNameLike(w)
		if nameLike {
			names++
		}
		if i > 0 && nameLike && honorifics[strings.ToLower(strings.Trim(words[i-1], "."))] {
			return true
		}
		capital := nameLike && isCapitalised(w)
		if hasDigit && capital && prevCapitalName {
			return true
		}
		prevCapitalName = capital
	}
	return !hasDigit && names >= 2
}

// isNameLike reports whether w could be part of a name: letters with
// apostrophes or hyphens inside, at least two letters, not an abbreviation,
// not a common session word.
func isNameLike(w string) bool {
	letters, upper := 0, 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		case r == '\'' || r == '’' || r == '-':
		default:
			return false
		}
	}
	if letters < 2 || (upper == letters && letters <= 3) {
		return false
	}
	lower := strings.ToLower(w)
	if commonWords[lower] || honorifics[lower] {
		return false
	}
	// A compound is common when each part is ("follow-up", "self-harm").
	if parts := strings.FieldsFunc(lower, func(r rune) bool { return r == '-' || r == '\'' || r == '’' }); len(parts) > 1 {
		for _, p := range parts {
			if !commonWords[p] {
				return true
			}
		}
		return false
	}
	return true
}

func isCapitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

var honorifics = toSet(`mr mrs ms miss mx dr master sir dame prof lady lord`)

// commonWords are words of session descriptions, never taken for a name.
// Month and season names that are also first names (April, May, June,
// August, Summer, Autumn) are left out on purpose.
var commonWords = toSet(`
a an the and or of with for to on at in by via per from about after before into over re vs
no not only new old next last other more less plus also all any each both
is are be was my our your their his her its this that these those
session sessions review reviews assessment assessments initial first second third fourth fifth sixth final
follow up followup check checkin catch catchup meeting meetings call calls chat talk intro introduction
induction intake referral triage screening consultation consult appointment visit visits home
video online phone remote virtual face person planning plan plans planned goal goals target targets
progress update updates closing closure ending end start starting opening open ongoing
weekly fortnightly monthly daily week weeks month months term year years half day days time
morning afternoon evening night today tomorrow
monday tuesday wednesday thursday friday saturday sunday
january february march september october november december spring winter holiday holidays
group groups one two three four five six seven eight nine ten pair joint individual solo
parent parents carer carers guardian guardians family families team teams multi agency
professional professionals network staff teacher teachers school schools college university
supervision debrief handover feedback evaluation outcome outcomes summary notes note record
case cases client clients young person people child children adult adults student students pupil pupils
youth teen teenager teens kid kids boy girl boys girls sibling siblings
urgent crisis emergency routine standard extra short long brief quick full general admin misc test trial demo practice
support advice guidance information info signposting mentoring mentor coaching coach
counselling counseling therapy therapeutic therapist intervention work working worker
anxiety depression stress anger management bereavement grief loss trauma sleep hygiene
exam exams transition transitions bullying friendship friendships relationship relationships
self esteem confidence harm safety safeguarding risk mood wellbeing wellness mental health healthy
emotional emotion emotions feelings behaviour behavior behavioural eating body image identity gender
career careers job jobs employment money housing parenting attendance substance alcohol drugs drug
social media gaming screen coping skills skill strategies strategy mindfulness relaxation breathing
resilience worry worries panic phobia anxious low motivation sensory regulation
ocd adhd autism autistic asd send sen ehcp camhs cbt dbt emdr act iapt sendco senco lac cin gp
art music play drama sand tray speech language occupational physio physiotherapy reading writing
maths math english science homework tutoring tutor lesson lessons revision mock mocks class lab
help early late primary secondary nursery sixth form room office clinic hub centre center library
outreach drop detached street club activity activities game games sport sports football story life
peer looked protection core annual exit interview return welfare safe space consent weekend lunchtime
breakfast lunch after-school transport travel court hearing legal police probation hospital discharge
pre post mid part stage phase block module unit round cycle episode step level
good bad better worse
`)

func toSet(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
