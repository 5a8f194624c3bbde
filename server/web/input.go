package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Input that no page can use: a NUL character or bytes that are not UTF-8,
// in the path, the query or a form. PostgreSQL cannot store or compare
// either in text and fails the query (a 500); SQLite would store them.
// Every request is checked here before any page runs, and every form in
// parseForm, and refused with 400 (issue 16, item 12).

// badText reports whether s holds a NUL or is not valid UTF-8.
func badText(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

// badValues reports whether any key or value of v is bad text.
func badValues(v url.Values) bool {
	for k, vs := range v {
		if badText(k) {
			return true
		}
		for _, s := range vs {
			if badText(s) {
				return true
			}
		}
	}
	return false
}

// checkInput refuses a request whose path or query holds bad text.
func (d *dashboard) checkInput(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, _ := url.ParseQuery(r.URL.RawQuery) // what pages would read of it
		if badText(r.URL.Path) || badValues(q) {
			d.renderError(w, r, http.StatusBadRequest, "The address holds characters the dashboard does not accept (a NUL, or text that is not UTF-8).")
			return
		}
		h.ServeHTTP(w, r)
	})
}
