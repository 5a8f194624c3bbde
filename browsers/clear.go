package browsers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/internal/sitename"
	"github.com/sessionguard/sessionguard/report"
)

// ReportSchema names the JSON shape of Report.
const ReportSchema = "sessionguard.cookies/v1"

// DefaultCloseTimeout is how long Clear waits for a browser it asked to quit.
const DefaultCloseTimeout = 10 * time.Second

// ErrUsage is wrapped by errors about the options themselves (an unknown
// browser, a malformed domain, a filter that matches no profile).
var ErrUsage = errors.New("invalid cookie options")

// Status of one profile after Clear.
type Status string

// Statuses.
const (
	StatusCleared Status = "cleared" // the selected cookies are gone
	StatusSkipped Status = "skipped" // not touched; Reason says why
	StatusError   Status = "error"   // could not be cleared; Reason and Detail say why
	StatusDryRun  Status = "dry_run" // counted only; nothing was changed
)

// Reasons.
const (
	ReasonBrowserRunning   = "browser_running"
	ReasonPermissionDenied = "permission_denied"
	ReasonNotDatabase      = "not_a_database"
	ReasonDamaged          = "damaged"
	ReasonUnreadable       = "unreadable"
)

// Options select what Clear and List act on.
type Options struct {
	// Env is whose browsers; nil means the current user on this machine.
	Env *Env
	// Browsers limits to these browser ids (chrome, firefox, …); empty: all.
	Browsers []string
	// Profiles limits to profiles with these display or directory names.
	Profiles []string
	// Domains limits clearing to these sites and their subdomains; empty:
	// every site.
	Domains []string
	// Keep are sites (and their subdomains) whose cookies stay.
	Keep []string
	// DryRun counts what would be removed and changes nothing.
	DryRun bool
	// CloseBrowsers asks a browser holding a profile to quit, waits up to
	// CloseTimeout (default DefaultCloseTimeout) and then clears.
	CloseBrowsers bool
	CloseTimeout  time.Duration

	sys *system // tests replace the live machine
}

// Result is what happened to one profile.
type Result struct {
	Browser     string `json:"browser"`
	BrowserName string `json:"browser_name"`
	Profile     string `json:"profile"`
	ProfileDir  string `json:"profile_dir"`
	Status      Status `json:"status"`
	// Reason is a stable code for skipped and error results.
	Reason string `json:"reason,omitempty"`
	// Detail says in plain English what happened; Fix what to do.
	Detail        string `json:"detail,omitempty"`
	Fix           string `json:"fix,omitempty"`
	Before        int    `json:"before"`
	Removed       int    `json:"removed"`
	Kept          int    `json:"kept"`
	ClosedBrowser bool   `json:"closed_browser,omitempty"`
	DurationMS    int64  `json:"duration_ms"`
}

// Report is the outcome of Clear.
type Report struct {
	Schema     string    `json:"schema"`
	DryRun     bool      `json:"dry_run"`
	Domains    []string  `json:"domains,omitempty"`
	Keep       []string  `json:"keep,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Results    []Result  `json:"results"`
}

// OK reports whether every targeted profile was cleared (or, in a dry run,
// could be): nothing skipped, nothing failed.
func (r Report) OK() bool {
	for _, res := range r.Results {
		if res.Status != StatusCleared && res.Status != StatusDryRun {
			return false
		}
	}
	return true
}

// Summary counts the clearing for a session record: cookies removed and
// kept, browsers seen, and profiles cleared, skipped (a browser still open)
// or failed.
func (r Report) Summary() *report.CookieSummary {
	s := &report.CookieSummary{}
	seen := map[string]bool{}
	for _, res := range r.Results {
		s.Removed += res.Removed
		s.Kept += res.Kept
		seen[res.Browser] = true
		switch res.Status {
		case StatusCleared:
			s.ProfilesCleared++
		case StatusSkipped:
			s.ProfilesSkipped++
		default:
			s.ProfilesFailed++
		}
	}
	s.Browsers = len(seen)
	return s
}

// Removed is the number of cookies removed over all profiles.
func (r Report) Removed() int {
	n := 0
	for _, res := range r.Results {
		n += res.Removed
	}
	return n
}

// prepared is validated options and the profiles they target.
type prepared struct {
	sel      selector
	profiles []Profile
	sys      system
	goos     string // the OS whose browsers these are, for advice (explain)
}

func prepare(o Options) (prepared, error) {
	var p prepared
	for _, b := range o.Browsers {
		if normaliseBrowser(b) == "" {
			return p, fmt.Errorf("%w: unknown browser %q (known: %s)", ErrUsage, b, strings.Join(IDs(), ", "))
		}
	}
	var err error
	if p.sel.domains, err = normaliseAll(o.Domains); err != nil {
		return p, err
	}
	if p.sel.keep, err = normaliseAll(o.Keep); err != nil {
		return p, err
	}
	env := o.Env
	if env == nil {
		cur, err := CurrentEnv()
		if err != nil {
			return p, err
		}
		env = &cur
	}
	p.goos = env.GOOS
	all, err := Discover(*env)
	if err != nil {
		return p, err
	}
	for _, prof := range all {
		if len(o.Browsers) > 0 && !slices.ContainsFunc(o.Browsers, func(b string) bool { return normaliseBrowser(b) == prof.Browser }) {
			continue
		}
		if len(o.Profiles) > 0 && !slices.ContainsFunc(o.Profiles, prof.matchesProfile) {
			continue
		}
		p.profiles = append(p.profiles, prof)
	}
	if len(p.profiles) == 0 && (len(o.Browsers) > 0 || len(o.Profiles) > 0) {
		return p, fmt.Errorf("%w: no browser profile matches --browser %s --profile %s (see 'sessionguard cookies list')",
			ErrUsage, orAny(o.Browsers), orAny(o.Profiles))
	}
	p.sys = liveSystem()
	if o.sys != nil {
		p.sys = *o.sys
	}
	return p, nil
}

func orAny(s []string) string {
	if len(s) == 0 {
		return "(any)"
	}
	return strings.Join(s, ",")
}

func normaliseAll(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		d, err := sitename.Normalise(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// Clear removes the selected cookies from every targeted profile and says
// per profile what happened. A profile whose browser runs is skipped (or,
// with CloseBrowsers, its browser is asked to quit first); a damaged store
// is an error for that profile only. The error return is for invalid
// options (wrapping ErrUsage) and discovery failures only.
func Clear(ctx context.Context, o Options) (Report, error) {
	start := time.Now()
	rep := Report{Schema: ReportSchema, DryRun: o.DryRun, StartedAt: start.UTC()}
	p, err := prepare(o)
	if err != nil {
		return rep, err
	}
	rep.Domains, rep.Keep = p.sel.domains, p.sel.keep
	timeout := o.CloseTimeout
	if timeout <= 0 {
		timeout = DefaultCloseTimeout
	}
	// Chromium profiles share one lock per user data directory: ask each
	// browser to quit once.
	closed := map[string]error{}
	for _, prof := range p.profiles {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("clearing cookies: %w", err)
		}
		t0 := time.Now()
		res := Result{Browser: prof.Browser, BrowserName: Names[prof.Browser], Profile: prof.Name, ProfileDir: prof.Dir}
		running, closedNow := p.checkRunning(ctx, prof, o, timeout, closed)
		res.ClosedBrowser = closedNow
		if running != nil {
			res.Status, res.Reason = StatusSkipped, ReasonBrowserRunning
			res.Detail = running.Error()
			res.Fix = "Close " + Names[prof.Browser] + " (or use --close-browsers) and clear again."
			// Count what is there, without changing anything.
			if cr, err := p.clearProfile(ctx, prof, true); err == nil {
				res.Before, res.Kept = cr.before, cr.before
			}
		} else {
			cr, err := p.clearProfile(ctx, prof, o.DryRun)
			res.Before = cr.before
			switch {
			case err != nil:
				res.Status = StatusError
				res.Reason, res.Detail, res.Fix = explain(err, p.goos)
				if errors.Is(err, ErrLocked) {
					res.Status = StatusSkipped
				}
				res.Kept = cr.before
			case o.DryRun:
				res.Status, res.Removed, res.Kept = StatusDryRun, cr.removed, cr.before-cr.removed
				res.Detail = fmt.Sprintf("would remove %d of %d cookies", cr.removed, cr.before)
			default:
				res.Status, res.Removed, res.Kept = StatusCleared, cr.removed, cr.before-cr.removed
			}
		}
		res.DurationMS = time.Since(t0).Milliseconds()
		slog.Debug("cookie_profile_done", "browser", res.Browser, "profile", res.Profile, "status", res.Status,
			"reason", res.Reason, "before", res.Before, "removed", res.Removed, "kept", res.Kept, "duration_ms", res.DurationMS)
		rep.Results = append(rep.Results, res)
	}
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep, nil
}

// checkRunning returns an error describing why the profile's browser still
// holds it (nil when it does not, or when it was closed), and whether Clear
// closed the browser.
func (p prepared) checkRunning(ctx context.Context, prof Profile, o Options, timeout time.Duration, closed map[string]error) (error, bool) {
	if prof.Engine == EngineSafari {
		if p.sys.safariRunning != nil && p.sys.safariRunning(ctx) {
			return errors.New("Safari is open; it keeps cookies in memory and would write them back"), false
		}
		return nil, false
	}
	st := p.sys.lockState(prof)
	if !st.inUse {
		if err, ok := closed[prof.LockDir]; ok && err == nil {
			return nil, true
		}
		return nil, false
	}
	running := fmt.Errorf("%s is open with this profile (process %d)", Names[prof.Browser], st.pid)
	if !o.CloseBrowsers || o.DryRun {
		return running, false
	}
	err, tried := closed[prof.LockDir]
	if !tried {
		err = p.sys.closeBrowser(ctx, prof, st, timeout)
		closed[prof.LockDir] = err
	}
	if err != nil {
		return fmt.Errorf("%s is open with this profile and did not close: %w", Names[prof.Browser], err), false
	}
	return nil, true
}

// clearProfile clears (or counts) every cookie store of the profile.
func (p prepared) clearProfile(ctx context.Context, prof Profile, dryRun bool) (clearResult, error) {
	var total clearResult
	// Look again: a browser that just quit may have written its first
	// cookie store only now.
	for _, f := range prof.cookieFilesNow() {
		var cr clearResult
		var err error
		if prof.Engine == EngineSafari {
			cr, err = clearSafari(f, p.sel, dryRun)
		} else {
			cr, err = clearStore(ctx, f, prof.Engine, p.sel, dryRun)
		}
		total.before += cr.before
		if err != nil {
			return total, err
		}
		total.removed += cr.removed
	}
	if prof.Engine == EngineFirefox {
		// Session cookies come back from the saved session otherwise.
		cr, err := clearFirefoxSession(prof.Dir, p.sel, dryRun)
		total.before += cr.before
		if err != nil {
			return total, err
		}
		total.removed += cr.removed
	}
	return total, nil
}

// otherAccountFix is what to do when the cookie file cannot be read or
// written outside macOS: it belongs to another account, or its permissions
// shut this one out.
const otherAccountFix = "Run SessionGuard as the person whose browser this is (not as another user or with sudo); " +
	"if it already is, the cookie file belongs to another account: ask IT support to give it back to this one."

// explain turns a store error into a reason code, a sentence and a fix
// that fits goos, the OS whose browser it is.
func explain(err error, goos string) (reason, detail, fix string) {
	switch {
	case isPermission(err) && goos == "darwin":
		// macOS privacy protection, not file ownership, is the usual cause.
		return ReasonPermissionDenied, "SessionGuard is not allowed to read this browser's cookies: " + err.Error(), FullDiskAccessFix
	case isPermission(err):
		return ReasonPermissionDenied, "This browser's cookie file belongs to another account or cannot be written by this one: " + err.Error(), otherAccountFix
	case errors.Is(err, errSessionRestore):
		reason = ReasonUnreadable
		if errors.As(err, new(sessionDamaged)) {
			reason = ReasonDamaged
		}
		return reason, err.Error(), sessionRestoreFix
	case errors.Is(err, ErrNotDatabase):
		return ReasonNotDatabase, err.Error(), "The cookie file is not a cookie database; close the browser and delete the file, or ask IT support."
	case errors.Is(err, ErrLocked):
		// SQLite's own words ("database is locked (5) (SQLITE_BUSY)")
		// mean nothing to the person; what holds the file does.
		return ReasonBrowserRunning, "The browser holds its cookie file while it is open, so it cannot be read or cleared now.", "Close the browser and try again."
	case errors.Is(err, ErrDamaged), errors.Is(err, ErrSchema):
		return ReasonDamaged, err.Error(), "The cookie file is damaged; clear cookies in the browser's own settings, or ask IT support."
	}
	return ReasonUnreadable, err.Error(), "Clear cookies in the browser's own settings, or ask IT support."
}

// ProfileInfo describes one profile for List.
type ProfileInfo struct {
	Browser     string `json:"browser"`
	BrowserName string `json:"browser_name"`
	Profile     string `json:"profile"`
	ProfileDir  string `json:"profile_dir"`
	InUse       bool   `json:"in_use"`
	Cookies     int    `json:"cookies"`
	Sites       int    `json:"sites"`
	// Error says why the cookies could not be counted; Fix what to do.
	Error string `json:"error,omitempty"`
	Fix   string `json:"fix,omitempty"`
}

// List counts the cookies and distinct sites (registrable domains) of every
// targeted profile and says whether its browser is running. Domains and
// Keep do not apply.
func List(ctx context.Context, o Options) ([]ProfileInfo, error) {
	o.Domains, o.Keep = nil, nil
	p, err := prepare(o)
	if err != nil {
		return nil, err
	}
	var out []ProfileInfo
	for _, prof := range p.profiles {
		info := ProfileInfo{Browser: prof.Browser, BrowserName: Names[prof.Browser], Profile: prof.Name, ProfileDir: prof.Dir}
		if prof.Engine == EngineSafari {
			info.InUse = p.sys.safariRunning != nil && p.sys.safariRunning(ctx)
		} else {
			info.InUse = p.sys.lockState(prof).inUse
		}
		sites := map[string]bool{}
		for _, f := range prof.cookieFilesNow() {
			var sc storeCount
			if prof.Engine == EngineSafari {
				sc, err = countSafari(f)
			} else {
				sc, err = countStore(ctx, f, prof.Engine)
			}
			if err != nil {
				_, info.Error, info.Fix = explain(err, p.goos)
				break
			}
			info.Cookies += sc.cookies
			for s := range sc.sites {
				sites[s] = true
			}
		}
		info.Sites = len(sites)
		out = append(out, info)
	}
	return out, nil
}
