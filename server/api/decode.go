package api

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/sessionguard/sessionguard/report"
)

// DecodeEnvelope reads one envelope of the given kind from a request body:
// strict JSON (one object, no unknown fields, no trailing data), then the
// report schema (report.Envelope.Validate) and the server's size limits.
// Schema and limit failures wrap report.ErrInvalid; anything else is
// malformed JSON.
func DecodeEnvelope(body []byte, kind string) (report.Envelope, error) {
	var env report.Envelope
	if err := decodeStrict(body, &env); err != nil {
		return report.Envelope{}, err
	}
	if err := env.Validate(); err != nil {
		return report.Envelope{}, err
	}
	if env.Kind != kind {
		return report.Envelope{}, fmt.Errorf("%w: a %s envelope was sent to the %s endpoint", report.ErrInvalid, env.Kind, kind)
	}
	if err := checkLimits(env); err != nil {
		return report.Envelope{}, err
	}
	return env, nil
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown
// fields, duplicate names, invalid UTF-8 and anything after the value.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("the body is empty; it must be one JSON object")
	}
	if err := jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return fmt.Errorf("malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	// A NUL cannot be stored in PostgreSQL text, and its \u0000 escape
	// in JSON cannot be cast to jsonb (every query of the check_results
	// view would fail): refused as malformed anywhere in the body, facts
	// included.
	if escapesNUL(body) {
		return errors.New("malformed JSON: a string holds a NUL character (\\u0000)")
	}
	return nil
}

// escapesNUL reports whether valid JSON holds the escape \u0000 (a raw
// NUL byte is not valid JSON at all). Backslashes occur only in strings,
// each starting an escape, so walking them pairwise is exact.
func escapesNUL(body []byte) bool {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return false // the usual case, found at memchr speed
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' || i+1 >= len(body) {
			continue
		}
		if body[i+1] == 'u' && i+6 <= len(body) && string(body[i+2:i+6]) == "0000" {
			return true
		}
		i++ // skip the escaped character (\\ included)
	}
	return false
}

// checkLimits bounds what the schema leaves open, so one device cannot
// fill the database with a single report.
func checkLimits(env report.Envelope) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", report.ErrInvalid, fmt.Sprintf(format, args...))
	}
	if err := shortTexts(env.Agent.Version, env.Agent.Host.OS, env.Agent.Host.OSVersion, env.Agent.Host.Arch); err != nil {
		return bad("agent: %v", err)
	}
	if run := env.CheckRun; run != nil {
		if len(run.Results) > maxResults {
			return bad("%d results, at most %d", len(run.Results), maxResults)
		}
		if run.DurationMS < 0 {
			return bad("duration_ms is negative")
		}
		for _, r := range run.Results {
			if err := shortTexts(r.ID); err != nil {
				return bad("result id: %v", err)
			}
			if err := longTexts(r.Summary, r.Reason); err != nil {
				return bad("result %s: %v", r.ID, err)
			}
			if len(r.Facts) > maxFacts {
				return bad("result %s: facts larger than %d bytes", r.ID, maxFacts)
			}
			if len(r.Facts) > 0 && !bytes.HasPrefix(bytes.TrimSpace(r.Facts), []byte("{")) && !bytes.Equal(bytes.TrimSpace(r.Facts), []byte("null")) {
				return bad("result %s: facts must be a JSON object", r.ID)
			}
		}
	}
	if s := env.Session; s != nil {
		if err := longTexts(s.Label); err != nil {
			return bad("session label: %v", err)
		}
		if len(s.NotPassing) > maxListItems {
			return bad("not_passing has more than %d items", maxListItems)
		}
		if err := shortTexts(s.NotPassing...); err != nil {
			return bad("not_passing: %v", err)
		}
		if o := s.Override; o != nil {
			if err := longTexts(o.Reason); err != nil {
				return bad("override reason: %v", err)
			}
			if len(o.Checks) > maxListItems {
				return bad("override checks has more than %d items", maxListItems)
			}
			if err := shortTexts(o.Checks...); err != nil {
				return bad("override checks: %v", err)
			}
		}
	}
	return nil
}

func shortTexts(ss ...string) error { return texts(maxShort, ss) }

func longTexts(ss ...string) error { return texts(maxText, ss) }

func texts(limit int, ss []string) error {
	for _, s := range ss {
		if len(s) > limit {
			return fmt.Errorf("a text is longer than %d bytes", limit)
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return errors.New("a text is not valid UTF-8 or holds a NUL")
		}
	}
	return nil
}

// validateEnroll checks an enrolment request beyond its JSON shape.
func validateEnroll(req report.EnrollRequest) error {
	switch {
	case req.Schema != report.Schema:
		return fmt.Errorf("schema is %q, want %q", req.Schema, report.Schema)
	case strings.TrimSpace(req.Secret) == "" || len(req.Secret) > 512:
		return errors.New("secret is missing or too long")
	case strings.TrimSpace(req.DeviceName) == "" || len(req.DeviceName) > maxDeviceName:
		return fmt.Errorf("device_name is missing or longer than %d bytes", maxDeviceName)
	}
	if err := texts(maxDeviceName, []string{req.DeviceName}); err != nil {
		return fmt.Errorf("device_name: %w", err)
	}
	if err := shortTexts(req.Agent.Version, req.Agent.Host.OS, req.Agent.Host.OSVersion, req.Agent.Host.Arch); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	return nil
}
