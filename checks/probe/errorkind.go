package probe

import (
	"context"
	"errors"
	"strings"
)

// ErrorKind reduces a probe error to what went wrong, without the paths,
// keys or arguments a message may carry (a home folder names its user):
// "not found", "access denied", "not available", "not allowed", "timed out"
// or "cancelled" for the sentinel and context errors, otherwise the last
// ": "-separated part of the message (the cause, not what was wrapped
// around it). A nil error gives "".
func ErrorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNotFound):
		return "not found"
	case errors.Is(err, ErrAccessDenied):
		return "access denied"
	case errors.Is(err, ErrUnavailable):
		return "not available"
	case errors.Is(err, ErrNotAllowed):
		return "not allowed"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	default:
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return msg
	}
}
