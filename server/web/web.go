// Package web is the admin dashboard: server-rendered HTML that works
// without JavaScript, admin login, CSRF protection and the fleet pages.
package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
)

// Options configures the dashboard.
type Options struct {
	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure. True whenever the
	// server terminates TLS or sits behind a TLS proxy; false only for plain
	// http on loopback (make run, tests).
	SecureCookies bool
	// Exports serves GET /exports/… and POST /privacy/… (see package
	// export); the dashboard mounts it behind admin login and CSRF checks.
	Exports http.Handler
	// StaleAfter is how long without a report makes a device "stale".
	StaleAfter time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// New returns the dashboard handler. It serves every path not under
// /api/ or /metrics.
func New(st store.Store, o Options) (http.Handler, error) {
	return http.NotFoundHandler(), nil
}

// Actor returns the logged-in admin's name for a request that passed the
// dashboard's login check, or "" (used by the export handler for the audit
// log).
func Actor(r *http.Request) string { return "" }
