// Package web is the admin dashboard: server-rendered HTML that works
// without JavaScript, admin login, CSRF protection and the fleet pages.
//
// Pages: the fleet overview (devices ready, not ready, stale and never
// reported; compliance per check; a readiness trend as inline SVG), the
// device list (filters and keyset pagination), a device's page (latest
// results with facts and fix, run history, sessions, revoke), a check's
// page (devices failing it, the fix, its Cyber Essentials controls), the
// session audit trail, teams and their policy (a settings form beside the
// JSON, and which devices applied it), enrol secrets, the audit log
// and the data-protection page whose links and forms go to the export
// handler (Options.Exports), mounted here at /exports/ and /privacy/.
//
// Security: argon2id password hashes (package password); a login session is
// a random 256-bit token in an HttpOnly, SameSite=Strict cookie (Secure
// when Options.SecureCookies), stored hashed, with an absolute expiry and an
// idle timeout. Every POST must come from this origin (Sec-Fetch-Site and
// Origin) and carry the session's CSRF token in the form field csrf_token,
// compared in constant time; the login form uses a double-submit cookie.
// Failed logins are rate limited per client address and per account. Every
// answer carries a CSP without 'unsafe-inline' (no script at all),
// frame-ancestors 'none', nosniff and a same-origin referrer policy; form bodies are capped.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/server/fleet"
	"github.com/sessionguard/sessionguard/server/store"
)

// Options configures the dashboard.
type Options struct {
	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure. True whenever the
	// server terminates TLS or sits behind a TLS proxy; false only for plain
	// http on loopback (make run, tests).
	SecureCookies bool
	// Exports serves GET /exports/…, POST /exports/subject.json and
	// POST /privacy/… (see package
	// export); the dashboard mounts it behind admin login and CSRF checks.
	Exports http.Handler
	// StaleAfter is how long without a check run makes a device "stale"
	// (whatever else it sent).
	StaleAfter time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time

	// SessionLifetime is how long a login lasts at most (DefaultSessionLifetime
	// when 0).
	SessionLifetime time.Duration
	// IdleTimeout ends a login unused for this long (DefaultIdleTimeout when 0).
	IdleTimeout time.Duration
	// FleetCacheTTL is how old the overview's device counts and compliance
	// figures may get before they are recomputed (DefaultFleetCacheTTL when
	// 0; see fleet.Cache).
	FleetCacheTTL time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client for the login limits (see clientIP); from any other peer
	// the header is ignored.
	TrustedProxies []netip.Prefix
}

// Defaults of Options.
const (
	DefaultStaleAfter      = fleet.DefaultStaleAfter
	DefaultSessionLifetime = 12 * time.Hour
	DefaultIdleTimeout     = time.Hour
	DefaultFleetCacheTTL   = fleet.DefaultCacheTTL
)

// Limits.
const (
	// maxFormBytes caps a dashboard form body (the policy editor's JSON is
	// the largest).
	maxFormBytes = 64 << 10
	// maxExportFormBytes caps a form posted to the export handler.
	maxExportFormBytes = 64 << 10
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// dashboard is the handler.
type dashboard struct {
	st      store.Store
	o       Options
	log     *slog.Logger
	zones   *zonePages
	limiter *loginLimiter
	catalog *catalog
	// hashSlots bounds concurrent password hashing (each takes ~19 MiB and
	// a core for ~30 ms): a burst of logins queues instead of exhausting
	// memory.
	hashSlots chan struct{}
	// snapshots records the overview's figures for the trend; fleet
	// holds them.
	snapshots *fleet.Throttle
	fleet     *fleet.Cache
}

// New returns the dashboard handler. It serves every path not under
// /api/ or /metrics.
func New(st store.Store, o Options) (http.Handler, error) {
	if st == nil {
		return nil, errors.New("web: no store")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = DefaultSessionLifetime
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.FleetCacheTTL <= 0 {
		o.FleetCacheTTL = DefaultFleetCacheTTL
	}
	d := &dashboard{
		st: st, o: o, log: o.Logger, zones: &zonePages{zones: map[string]map[string]*template.Template{}},
		limiter:   newLoginLimiter(o.Now),
		catalog:   newCatalog(),
		hashSlots: make(chan struct{}, 4),
		snapshots: fleet.NewThrottle(st, o.Logger),
		fleet:     fleet.NewCache(st, o.FleetCacheTTL, o.StaleAfter, o.Now, o.Logger),
	}
	// Parse the default zone's pages now: a template error stops the
	// server at start, not at the first page.
	if _, err := d.pagesFor(zoneOf(store.DefaultTimeZone)); err != nil {
		return nil, err
	}
	return securityHeaders(d.checkInput(d.routes())), nil
}

func (d *dashboard) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(http.FileServerFS(static))))

	mux.HandleFunc("GET /login", d.loginPage)
	mux.HandleFunc("POST /login", d.sameOrigin(d.login))

	auth := func(h http.HandlerFunc) http.Handler { return d.requireLogin(h) }
	post := func(h http.HandlerFunc) http.Handler { return d.sameOrigin(d.requireLogin(d.checkCSRF(h))) }

	mux.Handle("POST /logout", post(d.logout))
	mux.Handle("GET /{$}", auth(d.overview))
	mux.Handle("GET /devices", auth(d.devices))
	mux.Handle("GET /devices/{id}", auth(d.device))
	mux.Handle("GET /devices/{id}/revoke", auth(d.confirmRevokeDevice))
	mux.Handle("POST /devices/{id}/revoke", post(d.revokeDevice))
	mux.Handle("GET /checks/{id}", auth(d.check))
	mux.Handle("GET /sessions", auth(d.sessions))
	mux.Handle("GET /teams", auth(d.teams))
	mux.Handle("POST /teams", post(d.createTeam))
	mux.Handle("GET /teams/{id}", auth(d.team))
	mux.Handle("POST /teams/{id}/policy", post(d.savePolicy))
	mux.Handle("POST /teams/{id}/policy-form", post(d.savePolicyForm))
	mux.Handle("GET /secrets", auth(d.secrets))
	mux.Handle("POST /secrets", post(d.createSecret))
	mux.Handle("GET /secrets/{id}/revoke", auth(d.confirmRevokeSecret))
	mux.Handle("POST /secrets/{id}/revoke", post(d.revokeSecret))
	mux.Handle("GET /settings", auth(d.settings))
	mux.Handle("POST /settings", post(d.saveSettings))
	mux.Handle("GET /audit", auth(d.auditLog))
	mux.Handle("GET /data-protection", auth(d.dataProtection))

	if d.o.Exports != nil {
		mux.Handle("GET /exports/", auth(d.o.Exports.ServeHTTP))
		mux.Handle("POST /privacy/", d.sameOrigin(d.requireLogin(d.checkExportCSRF(d.o.Exports))))
		// A practitioner's subject access export: the name in a form.
		mux.Handle("POST /exports/subject.json", d.sameOrigin(d.requireLogin(d.checkExportCSRF(d.o.Exports))))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.renderError(w, r, http.StatusNotFound, "There is no such page.")
	})
	return mux
}

// staticFiles marks embedded assets cacheable for a day (they change only
// with the binary).
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows no script, styles from this origin only (no
// inline styles: the SVG uses presentation attributes), no framing, forms to
// this origin only.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every dashboard answer carries.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		// same-origin, not no-referrer: with no-referrer, browsers send
		// "Origin: null" on form posts, which the origin check must refuse.
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// Request context: the logged-in admin.

type ctxKey int

const adminKey ctxKey = iota

// login is what requireLogin puts in the request context.
type login struct {
	admin string
	csrf  string
	// sessionID is the non-secret session ID (for logs).
	sessionID string
	// zone is the admin's time zone setting.
	zone string
}

func withLogin(ctx context.Context, l login) context.Context {
	return context.WithValue(ctx, adminKey, l)
}

func loginOf(r *http.Request) (login, bool) {
	l, ok := r.Context().Value(adminKey).(login)
	return l, ok
}

// Actor returns the logged-in admin's name for a request that passed the
// dashboard's login check, or "" (used by the export handler for the audit
// log).
func Actor(r *http.Request) string {
	l, _ := loginOf(r)
	return l.admin
}

// record writes an admin action to the audit log. An action whose entry cannot be written is
// reported to the admin as failed to record (the caller decides whether
// the action itself stands).
func (d *dashboard) record(ctx context.Context, actor, action, target, detail string) error {
	err := d.st.AppendAudit(ctx, store.AuditEntry{At: d.o.Now().UTC(), Actor: actor, Action: action, Target: target, Detail: detail})
	if err != nil {
		d.log.Error("writing the audit log", "action", action, "err", err)
		return fmt.Errorf("recording %s in the audit log: %w", action, err)
	}
	return nil
}
