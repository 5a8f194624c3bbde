package tray

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const labelPrompt = `Type a case reference for this session, such as "CR-2291". Never the client's name, phone number or date of birth.`

// labelError turns a refused label into the next prompt: the refusal's
// own words after the error it wraps (sessionlog.ErrBadLabel's "this label
// cannot be used").
func labelError(err error) string {
	msg := err.Error()
	if sentinel := errors.Unwrap(err); sentinel != nil {
		if rest, ok := strings.CutPrefix(msg, sentinel.Error()+": "); ok {
			return "That can't be used: " + rest
		}
	}
	return capitalise(msg)
}

// plain gives a message for people, never an empty one.
func plain(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "Something went wrong. Try again, or ask IT support."
	}
	return sentence(s)
}

// sentence ends s with a full stop.
func sentence(s string) string {
	s = capitalise(strings.TrimSpace(s))
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func isOrAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func its(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
