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
// modified or older agent cannot put personal data on the dashboard: a
// start record's label must not look like personal data
// (sessionlog.ValidateLabel) and must match the team policy's case
// reference format (case_reference_pattern); an override reason must be
// one of sessionlog.OverrideReasons with an optional screened note. End
// and cookies records repeat their start's label and are not checked
// again, as in the agent's log, so that a stricter rule never stops a
// session from being closed. It returns nil when the record may be stored.
func (a *API) screenSession(ctx context.Context, teamID string, s *report.SessionRecord) *outcome {
	if s == nil || s.Event != report.SessionStart {
		return nil
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
	if err != nil {
		// The messages never repeat the label or the reason.
		o := refuse(http.StatusUnprocessableEntity, "session record refused: "+err.Error())
		return &o
	}
	return nil
}
