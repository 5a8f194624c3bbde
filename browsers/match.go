package browsers

import (
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// cookieHost is a stored cookie host as a domain list reads it: without
// the leading dot of a domain cookie and the trailing dot of a
// fully-qualified name (both browsers store "us02web.zoom.us." for a site
// visited as such), lower-cased: ".zoom.us" and "Zoom.us." → "zoom.us".
// Listing a site clears its cookies however their host is written.
func cookieHost(host string) string {
	return strings.ToLower(keptHost(host))
}

// keptHost is a stored cookie host as a keep-list reads it: cookieHost's
// trimming, not lower-cased. Browsers store hosts in lower case (RFC 6265
// §5.1.2 and §5.2.3; Chromium, Firefox and WebKit do), and only that form
// is ever sent back to a site: a host stored otherwise is no kept site's,
// and goes. Reading the bytes as they are also lets a store be searched
// for a kept site's name in SQL (see scanCandidates) with the same answer.
func keptHost(host string) string {
	h := strings.TrimSuffix(strings.TrimSpace(host), ".")
	return strings.TrimPrefix(h, ".")
}

// within reports whether the host h (read by cookieHost or keptHost) is
// the site d (normalised) or one of its subdomains: zoom.us holds
// "zoom.us" and "us02web.zoom.us", not "notzoom.us".
func within(h, d string) bool {
	return h == d || strings.HasSuffix(h, "."+d)
}

// matchDomain reports whether a stored cookie host belongs to the site d
// (normalised) or one of its subdomains, read as a domain list reads it:
// zoom.us matches ".zoom.us", "Zoom.us" and "us02web.zoom.us", not
// "notzoom.us".
func matchDomain(host, d string) bool { return within(cookieHost(host), d) }

func matchAny(host string, domains []string) bool {
	for _, d := range domains {
		if matchDomain(host, d) {
			return true
		}
	}
	return false
}

// keptBy reports whether a stored cookie host belongs to one of the kept
// sites (normalised) or their subdomains, read as a keep-list reads it
// (keptHost): "zoom.us" keeps ".zoom.us" and "us02web.zoom.us", not
// "Zoom.us".
func keptBy(host string, keep []string) bool {
	h := keptHost(host)
	for _, d := range keep {
		if within(h, d) {
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

// remove reports whether an unpartitioned cookie stored for host is to be
// removed. A partitioned cookie of host is removed at least then too (see
// removeCookie), so a store may be cleared by host first.
func (s selector) remove(host string) bool { return s.removeCookie(host, "") }

// removeCookie reports whether the cookie stored for host in the partition
// of the top-level site partition ("" when it is not partitioned) is to be
// removed. A partitioned cookie exists only inside its top-level site, and
// goes back to that site's pages, so it belongs to both sites: it is one of
// the listed sites' cookies when its host or its partition is listed, and
// it is kept only when its host and its partition are both kept.
func (s selector) removeCookie(host, partition string) bool {
	partitioned := partition != ""
	if len(s.domains) > 0 && !matchAny(host, s.domains) && !(partitioned && matchAny(partition, s.domains)) {
		return false
	}
	kept := keptBy(host, s.keep) && (!partitioned || keptBy(partition, s.keep))
	return !kept
}

// chromiumPartitionSite is the top-level site of a Chromium (CHIPS) cookie
// from its top_frame_site_key, a scheme and host ("https://zoom.us"), or ""
// for an unpartitioned cookie (an empty key).
func chromiumPartitionSite(key string) string {
	if key == "" {
		return ""
	}
	if u, err := url.Parse(key); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return key // not a URL: matched as it is, so keeping it takes naming it
}

// firefoxPartitionSite is the top-level site of a Firefox cookie from its
// originAttributes suffix ("^partitionKey=(https,zoom.us)", possibly
// percent-encoded and joined with other attributes by "&"), or "" for an
// unpartitioned cookie. A cookie isolated to a first party
// (firstPartyDomain, privacy.firstparty.isolate) is partitioned by it.
func firefoxPartitionSite(originAttributes string) string {
	var partitionKey, firstParty string
	for _, attr := range strings.Split(strings.TrimPrefix(originAttributes, "^"), "&") {
		name, value, _ := strings.Cut(attr, "=")
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		switch name {
		case "partitionKey":
			partitionKey = value
		case "firstPartyDomain":
			firstParty = value
		}
	}
	return firefoxSiteOf(partitionKey, firstParty)
}

// firefoxSiteOf is the top-level site named by a decoded partitionKey,
// "(scheme,host[,port[,…]])" or a bare host, or else by firstPartyDomain.
func firefoxSiteOf(partitionKey, firstParty string) string {
	for _, key := range []string{partitionKey, firstParty} {
		if strings.HasPrefix(key, "(") {
			fields := strings.Split(strings.Trim(key, "()"), ",")
			if len(fields) < 2 {
				continue
			}
			key = fields[1]
		}
		if key != "" {
			return key
		}
	}
	return ""
}
