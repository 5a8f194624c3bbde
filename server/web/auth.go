package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/server/store"
	"github.com/sessionguard/sessionguard/server/web/password"
)

// Cookies. With Secure, the session cookie takes the __Host- prefix: the
// browser then refuses it unless it is Secure, host-only and Path=/.
const (
	sessionCookieSecure = "__Host-sg_session"
	sessionCookiePlain  = "sg_session"
	loginCookie         = "sg_login"
	csrfField           = "csrf_token"
	// touchEvery bounds the writes that record activity for the idle
	// timeout to one a minute per session.
	touchEvery = time.Minute
)

func (d *dashboard) sessionCookieName() string {
	if d.o.SecureCookies {
		return sessionCookieSecure
	}
	return sessionCookiePlain
}

func (d *dashboard) setCookie(w http.ResponseWriter, name, value, path string, maxAge int) {
	http.SetCookie(w, &http.Cookie{ //nolint:gosec // Secure is off only when the operator serves plain HTTP
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: d.o.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
}

// csrfToken derives a session's CSRF token from its secret token, so it
// needs no storage and is useless without the session cookie.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("sessionguard dashboard csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func equalTokens(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// currentLogin checks the session cookie: the login, its token, and
// whether it is valid. An expired or idle session is ended here.
func (d *dashboard) currentLogin(w http.ResponseWriter, r *http.Request) (login, bool, string) {
	c, err := r.Cookie(d.sessionCookieName())
	if err != nil || c.Value == "" {
		return login{}, false, ""
	}
	ctx := r.Context()
	sess, err := d.st.AdminSessionByToken(ctx, c.Value)
	if err != nil {
		if !errors.Is(err, store.ErrUnauthorized) {
			d.log.Error("reading admin session", "err", err)
		}
		d.setCookie(w, d.sessionCookieName(), "", "/", -1)
		return login{}, false, ""
	}
	now := d.o.Now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > d.o.IdleTimeout {
		if err := d.st.DeleteAdminSession(ctx, c.Value); err != nil {
			d.log.Error("ending an expired admin session", "err", err)
		}
		d.setCookie(w, d.sessionCookieName(), "", "/", -1)
		return login{}, false, "Your sign-in has expired. Please sign in again."
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := d.st.TouchAdminSession(ctx, c.Value, now); err != nil {
			d.log.Error("recording admin activity", "err", err)
		}
	}
	return login{admin: sess.Admin, csrf: csrfToken(c.Value), sessionID: sess.ID, zone: sess.TimeZone}, true, ""
}

// requireLogin sends visitors without a valid login to the login page (GET)
// or refuses the request (POST).
func (d *dashboard) requireLogin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, ok, msg := d.currentLogin(w, r)
		if !ok {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				d.renderError(w, r, http.StatusForbidden, "You are not signed in (or your sign-in expired). Sign in again, then repeat the action.")
				return
			}
			q := url.Values{"next": {r.URL.RequestURI()}}
			if msg != "" {
				q.Set("expired", "1")
			}
			http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
			return
		}
		h(w, r.WithContext(withLogin(r.Context(), l)))
	}
}

// sameOrigin refuses a state-changing request a browser marks as coming
// from another site (Sec-Fetch-Site) or another origin (Origin). Clients
// that send neither header are left to the CSRF token.
func (d *dashboard) sameOrigin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
			d.renderError(w, r, http.StatusForbidden, "Cross-site request refused: dashboard forms must be sent from the dashboard itself.")
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			u, err := url.Parse(origin)
			if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
				d.renderError(w, r, http.StatusForbidden, "Cross-origin request refused: dashboard forms must be sent from the dashboard itself.")
				return
			}
		}
		h(w, r)
	}
}

// parseForm reads a form body of at most limit bytes; it answers the
// request itself (413 or 400) and returns false when the body is refused.
func (d *dashboard) parseForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			d.renderError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The form is larger than %d KiB.", limit>>10))
			return false
		}
		d.renderError(w, r, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	if badValues(r.Form) || r.MultipartForm != nil && badValues(r.MultipartForm.Value) {
		d.renderError(w, r, http.StatusBadRequest, "The form holds characters the dashboard does not accept (a NUL, or text that is not UTF-8).")
		return false
	}
	return true
}

// csrfGuard parses the form and checks its CSRF token against the login's.
func (d *dashboard) csrfGuard(limit int64, h http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !d.parseForm(w, r, limit) {
			return
		}
		l, _ := loginOf(r)
		if !equalTokens(r.PostForm.Get(csrfField), l.csrf) {
			d.log.Warn("CSRF token mismatch", "path", r.URL.Path, "session", l.sessionID)
			d.renderError(w, r, http.StatusForbidden, "This form was not sent by your dashboard session, or it has expired. Go back, reload the page and try again.")
			return
		}
		h.ServeHTTP(w, r)
	}
}

func (d *dashboard) checkCSRF(h http.HandlerFunc) http.HandlerFunc {
	return d.csrfGuard(maxFormBytes, h)
}

func (d *dashboard) checkExportCSRF(h http.Handler) http.HandlerFunc {
	return d.csrfGuard(maxExportFormBytes, h)
}

// Login and logout.

type loginView struct {
	Next, Name, CSRF, Message string
}

// safeNext keeps a post-login redirect on this site: a path of this origin
// (with its query), or "/". Browsers drop tabs and newlines anywhere in a
// URL and read a backslash as a slash, so "/\t/evil.example" would become
// "//evil.example", another site: any control character, space or
// backslash refuses the whole value, and what is left must parse as a
// path alone (no scheme, no host, not starting "//", decoded or not). The
// value returned is the parsed path re-encoded, never the raw input.
func safeNext(next string) string {
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(u.EscapedPath(), "//") {
		return "/"
	}
	out := u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func (d *dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok, _ := d.currentLogin(w, r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := loginView{Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("expired") != "" {
		v.Message = "Your sign-in has expired. Please sign in again."
	}
	d.renderLogin(w, r, http.StatusOK, v)
}

// renderLogin shows the login form with a fresh double-submit CSRF token.
func (d *dashboard) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	v.CSRF = randomToken()
	d.setCookie(w, loginCookie, v.CSRF, "/login", 3600)
	d.render(w, r, status, "login", "Sign in", v)
}

func (d *dashboard) login(w http.ResponseWriter, r *http.Request) {
	if !d.parseForm(w, r, 8<<10) {
		return
	}
	f := r.PostForm
	v := loginView{Next: safeNext(f.Get("next")), Name: strings.TrimSpace(f.Get("name"))}
	c, err := r.Cookie(loginCookie)
	if err != nil || !equalTokens(f.Get(csrfField), c.Value) {
		v.Message = "The sign-in form had expired. Please try again."
		d.renderLogin(w, r, http.StatusForbidden, v)
		return
	}
	ip := d.clientIP(r)
	// Counted before the password is checked, so parallel guesses cannot
	// all be verified before the first failure is counted.
	attempt, wait, why := d.limiter.begin(ip, v.Name)
	if wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		v.Message = fmt.Sprintf("%s Try again in %s.", why, roundUpMinutes(wait))
		d.renderLogin(w, r, http.StatusTooManyRequests, v)
		return
	}
	ctx := r.Context()
	ok, err := d.checkPassword(r, v.Name, f.Get("password"))
	if err != nil {
		d.log.Error("checking an admin password", "err", err)
		d.renderError(w, r, http.StatusInternalServerError, "Sign-in failed on the server; see its log.")
		return
	}
	if !ok {
		// Nobody is signed in. The attempted name is the target only when
		// it is an account: the audit log is kept for good, and people
		// type their password into the name field.
		target := "unknown account"
		if _, err := d.st.Admin(ctx, v.Name); err == nil {
			target = v.Name
		}
		// Aggregated: the first failure of a window, then one entry with
		// the count when the account limit is reached.
		if audit, n := d.limiter.failed(target, ip); audit {
			detail := "from " + ip
			if n > 1 {
				detail = fmt.Sprintf("%d failed sign-ins from %s within %d minutes (further failures in this window are not listed)", n, ip, int(loginWindow.Minutes()))
			}
			if err := d.record(ctx, "anonymous", "login_failed", target, detail); err != nil {
				d.renderError(w, r, http.StatusInternalServerError, err.Error())
				return
			}
		}
		v.Message = "Wrong name or password, or the account is disabled."
		d.renderLogin(w, r, http.StatusUnauthorized, v)
		return
	}
	d.limiter.succeeded(attempt)
	// Logins are rare: a good moment to drop sessions that ended.
	now := d.o.Now()
	if _, err := d.st.DeleteExpiredAdminSessions(ctx, now, now.Add(-d.o.IdleTimeout)); err != nil {
		d.log.Error("deleting ended admin sessions", "err", err)
	}
	sess, token, err := d.st.CreateAdminSession(ctx, v.Name, now.Add(d.o.SessionLifetime))
	if err != nil {
		d.log.Error("starting an admin session", "err", err)
		d.renderError(w, r, http.StatusInternalServerError, "Sign-in failed on the server; see its log.")
		return
	}
	if err := d.record(ctx, v.Name, "login", v.Name, "from "+ip); err != nil {
		_ = d.st.DeleteAdminSession(ctx, token)
		d.renderError(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	d.log.Info("admin signed in", "admin", v.Name, "session", sess.ID)
	d.setCookie(w, loginCookie, "", "/login", -1)
	d.setCookie(w, d.sessionCookieName(), token, "/", int(d.o.SessionLifetime.Seconds()))
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// dummyHash is verified against when the account does not exist, so a
// login takes as long for an unknown name as for a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := password.Hash(randomToken(), password.Default)
	if err != nil {
		panic(err)
	}
	return h
})

// verifyPassword is password.Verify (tests count the calls).
var verifyPassword = password.Verify

// checkPassword verifies a login, bounding concurrent hashing.
func (d *dashboard) checkPassword(r *http.Request, name, pw string) (bool, error) {
	select {
	case d.hashSlots <- struct{}{}:
		defer func() { <-d.hashSlots }()
	case <-r.Context().Done():
		return false, r.Context().Err()
	}
	a, err := d.st.Admin(r.Context(), name)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && a.Disabled()) || name == "":
		_, _ = verifyPassword(pw, dummyHash())
		return false, nil
	case err != nil:
		return false, err
	}
	ok, err := verifyPassword(pw, a.PasswordHash)
	if errors.Is(err, password.ErrMalformed) {
		d.log.Error("admin has an unreadable password hash; reset it with sessionguard-server admin set-password", "admin", name)
		return false, nil
	}
	return ok, err
}

func (d *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(d.sessionCookieName()); err == nil {
		if err := d.st.DeleteAdminSession(r.Context(), c.Value); err != nil {
			d.log.Error("ending an admin session", "err", err)
		}
	}
	l, _ := loginOf(r)
	if err := d.record(r.Context(), l.admin, "logout", l.admin, ""); err != nil {
		d.log.Error("recording a logout", "err", err)
	}
	d.setCookie(w, d.sessionCookieName(), "", "/", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func roundUpMinutes(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
