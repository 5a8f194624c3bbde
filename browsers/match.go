package browsers

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// cookieHost is a stored cookie host without the leading dot of a domain
// cookie and the trailing dot of a fully-qualified name (both browsers
// store "us02web.zoom.us." for a site visited as such), lower-cased:
// ".zoom.us" and "Zoom.us." → "zoom.us".
func cookieHost(host string) string {
	h := strings.TrimSuffix(strings.TrimSpace(host), ".")
	return strings.ToLower(strings.TrimPrefix(h, "."))
}

// matchDomain reports whether a stored cookie host belongs to the site d
// (normalised) or one of its subdomains: zoom.us matches ".zoom.us",
// "zoom.us" and "us02web.zoom.us", not "notzoom.us".
func matchDomain(host, d string) bool {
	h := cookieHost(host)
	return h == d || strings.HasSuffix(h, "."+d)
}

func matchAny(host string, domains []string) bool {
	for _, d := range domains {
		if matchDomain(host, d) {
			return true
		}
	}
	return false
}

// site is the registrable domain of a cookie host (eTLD+1), used to count
// distinct sites: ".zoom.us" and "us02web.zoom.us" are one site.
func site(host string) string {
	h := cookieHost(host)
	if s, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
		return s
	}
	return h
}

// selector decides which cookies go.
type selector struct {
	domains []string // empty: every site
	keep    []string
}

// all reports whether the selector removes every cookie.
func (s selector) all() bool { return len(s.domains) == 0 && len(s.keep) == 0 }

// remove reports whether the cookie stored for host is to be removed.
func (s selector) remove(host string) bool {
	if len(s.domains) > 0 && !matchAny(host, s.domains) {
		return false
	}
	return !matchAny(host, s.keep)
}
