package service

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestProgramStopTimeout(t *testing.T) {
	release := make(chan struct{})
	p := newProgram(t.Context(), func(context.Context) error {
		<-release // ignores its context
		return nil
	})
	p.stopTimeout = 50 * time.Millisecond
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(nil); err == nil {
		t.Error("a second Start should fail")
	}
	if err := p.Stop(nil); !errors.Is(err, ErrStopTimeout) {
		t.Errorf("Stop() = %v, want ErrStopTimeout", err)
	}
	close(release)
	<-p.done
}

func TestProgramWithoutRun(t *testing.T) {
	p := newProgram(t.Context(), nil)
	if err := p.Start(nil); err == nil {
		t.Error("Start without an agent should fail")
	}
	if err := p.Stop(nil); err != nil {
		t.Errorf("Stop before Start: %v", err)
	}
}

func TestProgramEarlyExitHook(t *testing.T) {
	runErr := errors.New("boom")
	got := make(chan error, 1)
	p := newProgram(t.Context(), func(context.Context) error { return runErr })
	p.onEarlyExit = func(err error) { got <- err }
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if !errors.Is(err, runErr) {
			t.Errorf("early exit with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("early exit not reported")
	}
	if err := p.Stop(nil); !errors.Is(err, runErr) {
		t.Errorf("Stop() = %v, want the agent's error", err)
	}
}

func TestRunForeground(t *testing.T) {
	t.Run("context cancelled (Ctrl-C in Main)", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		err := runForeground(ctx, func(ctx context.Context) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		})
		if err != nil {
			t.Errorf("runForeground = %v, want nil after a cancel", err)
		}
	})
	t.Run("agent error", func(t *testing.T) {
		want := errors.New("socket taken")
		if err := runForeground(t.Context(), func(context.Context) error { return want }); !errors.Is(err, want) {
			t.Errorf("runForeground = %v", err)
		}
	})
}
