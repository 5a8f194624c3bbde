package credentials

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Errors of ParseServerURL.
var (
	ErrBadServerURL      = errors.New("bad server URL")
	ErrInsecureServerURL = errors.New("the server URL must use https:// (http:// only to this computer, for tests)")
)

// ParseServerURL checks a server URL and returns it normalised (scheme and
// host lower-cased, no trailing slash). It must be https://, or http:// to
// a loopback address (tests, `make run`); it may carry a path prefix (a
// reverse proxy) but no user, password, query or fragment.
func ParseServerURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("%w: none given", ErrBadServerURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadServerURL, raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("%w: %q: want https://host", ErrBadServerURL, raw)
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("%w: %q has no host", ErrBadServerURL, raw)
	case u.User != nil:
		// Never echo the URL: the password would end up in a message.
		return "", fmt.Errorf("%w: a server URL must not hold a user name or password", ErrBadServerURL)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("%w: %q: no query or fragment please", ErrBadServerURL, raw)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return "", fmt.Errorf("%w: %q", ErrInsecureServerURL, raw)
	}
	if p := u.Port(); p != "" {
		if _, err := net.LookupPort("tcp", p); err != nil {
			return "", fmt.Errorf("%w: %q: bad port", ErrBadServerURL, raw)
		}
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
