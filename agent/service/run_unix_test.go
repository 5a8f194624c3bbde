//go:build !windows

package service

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

func TestRunForegroundSIGTERM(t *testing.T) {
	err := runForeground(t.Context(), func(ctx context.Context) error {
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return errors.New("SIGTERM did not cancel the context")
		}
	})
	if err != nil {
		t.Error(err)
	}
}
