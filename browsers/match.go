package browsers

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// NormaliseDomain turns what a person types for --domain or --keep into a
// bare lower-case host name: "https://us02web.zoom.us/j/1" → "us02web.zoom.us",
// ".Zoom.US" → "zoom.us". A name in another script is turned into the
// ASCII form browsers store cookie hosts in ("Bücher.example" →
// "xn--bcher-kva.example"): kept as typed it would match no cookie, and a
// site meant to be cleared would keep its cookies. It rejects empty values
// and anything that cannot be a host name.
func NormaliseDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(d, "://") {
		u, err := url.Parse(d)
		if err != nil || u.Hostname() == "" {
			return "", fmt.Errorf("%q is not a site name (try e.g. zoom.us)", s)
		}
		d = u.Hostname()
	} else if i := strings.IndexAny(d, "/:"); i >= 0 {
		d = d[:i]
	}
	if !isASCII(d) {
		ascii, err := idna.Lookup.ToASCII(d)
		if err != nil {
			return "", fmt.Errorf("%q is not a site name (try e.g. zoom.us)", s)
		}
		d = ascii
	}
	d = strings.Trim(d, ".")
	if d == "" || strings.ContainsAny(d, " \t*?,;\"'") || strings.Contains(d, "..") {
		return "", fmt.Errorf("%q is not a site name (try e.g. zoom.us)", s)
	}
	return d, nil
}

// isASCII reports whether s has only ASCII characters.
func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cookieHost is a stored cookie host without the leading dot of a domain
// cookie, lower-cased: ".zoom.us" → "zoom.us".
func cookieHost(host string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(host), "."))
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
