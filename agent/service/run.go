package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	kservice "github.com/kardianos/service"
)

// stopTimeout is how long Stop waits for the agent to return after its
// context is cancelled. systemd waits 30 s (TimeoutStopSec) before killing.
const stopTimeout = 20 * time.Second

// ErrStopTimeout is returned by a stop that the agent did not honour in time.
var ErrStopTimeout = errors.New("the agent did not stop within 20 seconds of being asked to")

// Run runs the agent, run, for `sessionguard agent run`.
//
// Started from a terminal (kardianos's Interactive), run runs in the
// foreground with ctx, which Ctrl-C (SIGINT) and SIGTERM cancel. Started by
// the service manager, run goes through kardianos: its Start calls run in a
// goroutine with a context that its Stop cancels (systemd's and launchd's
// SIGTERM, the Windows Service Control Manager's stop and shutdown). Run
// returns run's error; a context.Canceled from run after a stop is no error.
//
// When run returns on its own under the service manager, Run returns its
// error (systemd and launchd restart the agent); on Windows, where kardianos
// offers no way to report that, the process exits with status 1 and the
// service's recovery action restarts it.
func Run(ctx context.Context, run func(ctx context.Context) error) error {
	p := newProgram(ctx, run)
	if ran, err := runUnderSCM(p); ran {
		return err
	}
	if kservice.Interactive() {
		return runForeground(ctx, run)
	}
	s, err := kservice.New(p, &kservice.Config{
		Name:        Name,
		DisplayName: DisplayName,
		Option:      kservice.KeyValue{"RunWait": p.wait},
	})
	if err != nil {
		return fmt.Errorf("running under the service manager: %w", err)
	}
	slog.Info("agent starting under the service manager", "platform", s.Platform())
	return s.Run()
}

func runForeground(ctx context.Context, run func(ctx context.Context) error) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// program is kardianos's Interface around run.
type program struct {
	parent context.Context
	run    func(ctx context.Context) error

	cancel   context.CancelFunc
	done     chan struct{} // closed when run has returned
	runErr   error         // run's result, written before done is closed
	stopping atomic.Bool

	stopTimeout time.Duration
	// onEarlyExit is called when run returns without a Stop.
	onEarlyExit func(error)
}

func newProgram(parent context.Context, run func(ctx context.Context) error) *program {
	return &program{parent: parent, run: run, done: make(chan struct{}), stopTimeout: stopTimeout, onEarlyExit: earlyExit}
}

// Start starts run in a goroutine; kardianos wants it to return at once.
func (p *program) Start(kservice.Service) error {
	if p.run == nil {
		return errors.New("no agent to run")
	}
	if p.cancel != nil {
		return errors.New("the agent was already started")
	}
	ctx, cancel := context.WithCancel(p.parent)
	p.cancel = cancel
	go func() {
		err := p.run(ctx)
		p.runErr = err
		close(p.done)
		if !p.stopping.Load() {
			slog.Error("agent stopped on its own", "error", err)
			if p.onEarlyExit != nil {
				p.onEarlyExit(err)
			}
		}
	}()
	return nil
}

// Stop cancels run's context and waits, for a while, for run to return.
func (p *program) Stop(kservice.Service) error {
	p.stopping.Store(true)
	if p.cancel == nil {
		return nil
	}
	p.cancel()
	t := time.NewTimer(p.stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		return ErrStopTimeout
	}
	if p.runErr != nil && !errors.Is(p.runErr, context.Canceled) {
		return p.runErr
	}
	return nil
}

// wait is kardianos's RunWait on systemd and launchd (Windows has its own
// loop): between Start and Stop it blocks until SIGTERM or SIGINT, the end
// of the parent context, or run returning on its own.
func (p *program) wait() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-p.parent.Done():
	case <-p.done:
	}
}
