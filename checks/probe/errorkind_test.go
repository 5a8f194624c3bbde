package probe

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestErrorKind(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"not found", ErrNotFound, "not found"},
		{"not found wrapped with a path", fmt.Errorf("reading /home/sam/.config/kscreenlockerrc: %w", ErrNotFound), "not found"},
		{"access denied", fmt.Errorf("HKU\\S-1-5-21-1\\Control Panel\\Desktop: %w", ErrAccessDenied), "access denied"},
		{"unavailable", fmt.Errorf("process list: %w", ErrUnavailable), "not available"},
		{"not allowed", fmt.Errorf("running /usr/bin/evil: %w", ErrNotAllowed), "not allowed"},
		{"deadline", fmt.Errorf("gsettings: %w", context.DeadlineExceeded), "timed out"},
		{"cancelled", fmt.Errorf("gsettings: %w", context.Canceled), "cancelled"},
		{"sentinel before context", fmt.Errorf("%w: %w", ErrAccessDenied, context.DeadlineExceeded), "access denied"},
		{"other: last segment", fmt.Errorf("reading /home/sam/x: %w", errors.New("open: permission problem")), "permission problem"},
		{"other: no separator", errors.New("exit status 3"), "exit status 3"},
		{"other: colon without space kept", errors.New("runas:failed"), "runas:failed"},
		{"other: trailing separator", errors.New("odd: "), ""},
		{"COM error: code and sentence, not the sentinel", fmt.Errorf("wmi root/cimv2 Win32_Tpm: %w", &COMError{Code: 0x80041010, Err: errors.New("Exception occurred. (Invalid class )")}), "0x80041010: the WMI class is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorKind(tc.err); got != tc.want {
				t.Errorf("ErrorKind(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}
