package store

import (
	"context"
	"errors"
)

var errNotImplemented = errors.New("not implemented yet")

// AppendAudit: placeholder until the privacy work lands.
func (s *sqlStore) AppendAudit(ctx context.Context, e AuditEntry) error { return errNotImplemented }

// AuditLog: placeholder until the privacy work lands.
func (s *sqlStore) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	return nil, errNotImplemented
}
