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
// around it). A COM or WMI error of the live Windows probe (*COMError)
// gives its code and sentence, "0x80041010: the WMI class is missing",
// even where it also stands for a sentinel. A nil error gives "".
func ErrorKind(err error) string {
	var comErr *COMError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &comErr):
		return comErr.Error()
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
