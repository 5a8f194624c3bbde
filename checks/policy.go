package checks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
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
// default is Default(), a policy file or the server's policy is laid over it
// so a file only names what it changes.
type Policy struct {
	Schema string                 `json:"schema"`
	Checks map[string]CheckPolicy `json:"checks"`

	// CheckTimeoutSeconds bounds each check (default 10).
	CheckTimeoutSeconds int `json:"check_timeout_seconds"`

	// ScreenLockMaxSeconds is the longest allowed idle time before the
	// screen locks with a password (default 600).
	ScreenLockMaxSeconds int `json:"screen_lock_max_seconds"`

	// AntivirusMaxSignatureAgeDays is the oldest allowed anti-virus
	// signature age (default 7).
	AntivirusMaxSignatureAgeDays int `json:"antivirus_max_signature_age_days"`
	// XProtectMaxAgeDays is the oldest allowed macOS XProtect (default 30:
	// Apple publishes XProtect every one to four weeks, so a Mac that
	// updates itself can hold a two-week-old one).
	XProtectMaxAgeDays int `json:"xprotect_max_age_days"`
	// AntivirusMissing is the status when no anti-virus is found at all:
	// "fail" (default) or "warn".
	AntivirusMissing Status `json:"antivirus_missing"`

	// HomeOnlyEncryption is the status when only home directories are
	// encrypted (fscrypt, eCryptfs, ZFS dataset) but not the system disk:
	// "warn" (default) or "fail".
	HomeOnlyEncryption Status `json:"home_only_encryption"`

	// WifiInsecure is the status of a connection to an open, OWE, WEP, WPA1
	// or WPA2-TKIP network: "fail" (default) or "warn".
	WifiInsecure Status `json:"wifi_insecure"`

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

// CheckIDs is every check id a policy may name. Packages add to it through
// the registry in checks/all; the engine knows the seven of the design.
var CheckIDs = []string{
	"disk_encryption", "firewall", "antivirus", "wifi_security",
	"screen_lock", "user_accounts", "voice_assistants", "smart_speakers",
}

// Default is the built-in policy.
func Default() Policy {
	return Policy{
		Schema: PolicySchema,
		Checks: map[string]CheckPolicy{
			"disk_encryption":  {Required: true},
			"firewall":         {Required: true},
			"antivirus":        {Required: true},
			"wifi_security":    {Required: true},
			"screen_lock":      {Required: true},
			"user_accounts":    {Required: true},
			"voice_assistants": {Required: true},
			"smart_speakers":   {Required: false},
		},
		CheckTimeoutSeconds:          10,
		ScreenLockMaxSeconds:         600,
		AntivirusMaxSignatureAgeDays: 7,
		XProtectMaxAgeDays:           30,
		AntivirusMissing:             Fail,
		HomeOnlyEncryption:           Warn,
		WifiInsecure:                 Fail,
		AllowOverride:                false,
		ReportIntervalSeconds:        900,
		SessionReminderMinutes:       90,
	}
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

// ParsePolicy reads a JSON policy and lays it over the default. Unknown
// fields, unknown check ids and out-of-range values are errors.
func ParsePolicy(r io.Reader) (Policy, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	pol := Default()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pol); err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	if dec.More() {
		return Policy{}, fmt.Errorf("%w: trailing data after the JSON object", ErrBadPolicy)
	}
	// Checks named in the file replace their default entry; others keep it.
	merged := Default().Checks
	var named struct {
		Checks map[string]CheckPolicy `json:"checks"`
	}
	_ = json.Unmarshal(b, &named)
	for id, c := range named.Checks {
		merged[id] = c
	}
	pol.Checks = merged
	if err := pol.Validate(); err != nil {
		return Policy{}, err
	}
	return pol, nil
}

// LoadPolicy reads a policy file.
func LoadPolicy(path string) (Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	defer f.Close()
	pol, err := ParsePolicy(f)
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return pol, nil
}

// Validate reports the first thing wrong with a policy.
func (p Policy) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadPolicy, fmt.Sprintf(format, args...))
	}
	if p.Schema != PolicySchema {
		return bad("schema is %q, want %q", p.Schema, PolicySchema)
	}
	for id := range p.Checks {
		if !slices.Contains(CheckIDs, id) {
			return bad("unknown check id %q in checks", id)
		}
	}
	if p.CheckTimeoutSeconds < 1 || p.CheckTimeoutSeconds > 300 {
		return bad("check_timeout_seconds must be 1..300, got %d", p.CheckTimeoutSeconds)
	}
	if p.ScreenLockMaxSeconds < 1 || p.ScreenLockMaxSeconds > 86400 {
		return bad("screen_lock_max_seconds must be 1..86400, got %d", p.ScreenLockMaxSeconds)
	}
	if p.AntivirusMaxSignatureAgeDays < 1 || p.AntivirusMaxSignatureAgeDays > 365 {
		return bad("antivirus_max_signature_age_days must be 1..365, got %d", p.AntivirusMaxSignatureAgeDays)
	}
	if p.XProtectMaxAgeDays < 1 || p.XProtectMaxAgeDays > 365 {
		return bad("xprotect_max_age_days must be 1..365, got %d", p.XProtectMaxAgeDays)
	}
	if p.AntivirusMissing != Fail && p.AntivirusMissing != Warn {
		return bad("antivirus_missing must be \"fail\" or \"warn\", got %q", p.AntivirusMissing)
	}
	if p.HomeOnlyEncryption != Fail && p.HomeOnlyEncryption != Warn {
		return bad("home_only_encryption must be \"fail\" or \"warn\", got %q", p.HomeOnlyEncryption)
	}
	if p.WifiInsecure != Fail && p.WifiInsecure != Warn {
		return bad("wifi_insecure must be \"fail\" or \"warn\", got %q", p.WifiInsecure)
	}
	for _, d := range append(append([]string{}, p.CookieDomains...), p.CookieKeep...) {
		if d = strings.TrimSpace(d); d == "" || strings.ContainsAny(d, " /:@") {
			return bad("cookie_domains and cookie_keep hold site names like zoom.us, got %q", d)
		}
	}
	if p.ReportIntervalSeconds < 60 || p.ReportIntervalSeconds > 86400 {
		return bad("report_interval_seconds must be 60..86400, got %d", p.ReportIntervalSeconds)
	}
	if p.SessionReminderMinutes < 0 || p.SessionReminderMinutes > 1440 {
		return bad("session_reminder_minutes must be 0 (no reminder)..1440, got %d", p.SessionReminderMinutes)
	}
	if _, err := p.CaseReference(); err != nil {
		return bad("%v", err)
	}
	return nil
}
