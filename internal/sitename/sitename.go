// Package sitename reads the site names people give for cookie clearing
// (`--domain`, `--keep`, a policy's cookie_domains and cookie_keep), so
// that the agent that clears and the server that stores the policy agree
// on which names a clear can use.
package sitename

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Normalise turns what a person types into a bare lower-case host name:
// "https://us02web.zoom.us/j/1" → "us02web.zoom.us", ".Zoom.US" →
// "zoom.us". A name in another script becomes the ASCII form browsers store
// cookie hosts in ("Bücher.example" → "xn--bcher-kva.example"): kept as
// typed it would match no cookie, and a site meant to be cleared would
// keep its cookies. It rejects empty values and anything that cannot be a
// host name (a wildcard, an address with a user, spaces), saying why.
func Normalise(s string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(d, "://") {
		u, err := url.Parse(d)
		if err != nil || u.Hostname() == "" {
			return "", notASite(s)
		}
		d = u.Hostname()
	} else if i := strings.IndexAny(d, "/:"); i >= 0 {
		d = d[:i]
	}
	if !isASCII(d) {
		ascii, err := idna.Lookup.ToASCII(d)
		if err != nil {
			return "", notASite(s)
		}
		d = ascii
	}
	d = strings.Trim(d, ".")
	if d == "" || strings.Contains(d, "..") || strings.IndexFunc(d, notHostRune) >= 0 {
		return "", notASite(s)
	}
	if sharedEnding(d) {
		return "", fmt.Errorf("%q is an ending many sites share, not a site: write the site itself, such as mybank.%s", s, d)
	}
	return d, nil
}

// sharedEnding reports whether a name is itself a public suffix (the
// Public Suffix List: com, co.uk, github.io), under which anyone may have
// a site: keeping "co.uk" would keep every British company's cookies, and
// clearing it every one. A name with no dot that the list does not hold
// (intranet, localhost) is a host of its own.
func sharedEnding(d string) bool {
	if _, err := netip.ParseAddr(d); err == nil {
		return false // an address is a host of its own
	}
	suffix, icann := publicsuffix.PublicSuffix(d)
	return suffix == d && (icann || strings.Contains(d, "."))
}

// notHostRune reports a character no host name holds once lower-cased:
// host names are letters, digits, hyphens and dots (underscores too, in
// names browsers keep cookies for).
func notHostRune(r rune) bool {
	return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '.' || r == '_')
}

func notASite(s string) error {
	// A wildcard is the likeliest mistake: a site already takes in its
	// subdomains.
	if bare := strings.TrimLeft(strings.TrimSpace(s), "*."); strings.Contains(s, "*") && bare != "" && !strings.Contains(bare, "*") {
		return fmt.Errorf("%q is not a site name: write %s, which takes in its subdomains", s, bare)
	}
	return fmt.Errorf("%q is not a site name (try e.g. zoom.us)", s)
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
