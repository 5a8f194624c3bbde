package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/checks/all"
	"github.com/sessionguard/sessionguard/report"
)

// screenSession applies the agent's label and reason rules again, so a
// modified or older agent cannot put personal data on the dashboard: no
// record's label may look like personal data (sessionlog.ValidateLabel)
// and an override reason, on any record, must be one of
// sessionlog.OverrideReasons with an optional screened note. A start
// record's label must also match the team policy's case reference format
// (case_reference_pattern); end and cookies records repeat their start's
// label and are not held to the format again, so that a policy made
// stricter during a session never stops it from being closed. It returns
// nil when the record may be stored.
func (a *API) screenSession(ctx context.Context, teamID string, s *report.SessionRecord) *outcome {
	if s == nil {
		return nil
	}
	if s.Event != report.SessionStart {
		err := sessionlog.ValidateLabel(s.Label)
		if err == nil && s.Override != nil {
			err = sessionlog.ValidateOverrideReason(s.Override.Reason)
		}
		return refusedRecord(err)
	}
	_, raw, err := a.policies.get(ctx, teamID)
	if err != nil {
		a.log.Error("reading_team_policy_failed", "err", err)
		o := refuse(http.StatusInternalServerError, "the server could not read this device's policy; it will be retried")
		o.header = http.Header{"Retry-After": {"5"}}
		return &o
	}
	pol := all.DefaultPolicy()
	if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if pol, err = all.ParsePolicy(bytes.NewReader(raw)); err != nil {
			// A stored policy was validated when saved; fall back to the
			// default format rather than take any label.
			a.log.Error("team_policy_unreadable", "err", err)
			pol = all.DefaultPolicy()
		}
	}
	re, err := pol.CaseReference()
	if err != nil {
		re, _ = all.DefaultPolicy().CaseReference()
	}
	err = sessionlog.ValidateLabel(s.Label)
	if err == nil {
		err = sessionlog.ValidateCaseReference(s.Label, re)
	}
	if err == nil && s.Override != nil {
		err = sessionlog.ValidateOverrideReason(s.Override.Reason)
	}
	return refusedRecord(err)
}

// refusedRecord is the answer to a session record that err (from the
// label and reason rules) refuses; nil when err is nil.
func refusedRecord(err error) *outcome {
	if err == nil {
		return nil
	}
	// The messages never repeat the label or the reason.
	o := refuse(http.StatusUnprocessableEntity, "session record refused: "+err.Error())
	return &o
}
