package store

import (
	"context"
	"time"
)

// PrivacyStore is the data-protection side of the store: the audit log of
// admin actions, retention, subject access export and erasure, and the
// streaming queries behind the CSV/JSON exports. Implemented by the SQL
// store in privacy_sql.go.
type PrivacyStore interface {
	// AppendAudit records one admin action. It never fails silently: an
	// action whose audit entry cannot be written should not be reported as
	// done.
	AppendAudit(ctx context.Context, e AuditEntry) error
	// AuditLog returns audit entries, newest first, a page at a time.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// AuditEntry is one admin action.
type AuditEntry struct {
	ID int64
	At time.Time
	// Actor is the admin's login name, or "cli" / "system" (retention job).
	Actor string
	// Action is a short verb phrase: "login", "login_failed",
	// "policy.update", "enroll_secret.create", "device.revoke",
	// "export.devices", "subject.export", "subject.erase", "retention.purge"…
	Action string
	// Target is what the action was on (team, device or secret ID), if any.
	Target string
	// Detail is a short free text (never a secret or a password).
	Detail string
}

// AuditFilter selects a page of the audit log.
type AuditFilter struct {
	// BeforeID continues after the last entry of the previous page.
	BeforeID int64
	// Limit caps the page (default 100, at most 1000).
	Limit int
}
