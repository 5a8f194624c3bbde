// Package trayapp runs the tray: it feeds the pure state machine in package
// tray with what happens (the agent's watch stream, answers, clicks, the
// clock), renders every new Menu through a UI (the systray adapter, or
// none when the desktop has no tray) and carries out the Effects: calls to
// the agent through its local API, cookie clearing in the user's own
// context through package browsers, dialogs, notifications and opening the
// dashboard through package desktop.
//
// One goroutine owns the Model; Effects run on their own goroutines and
// send their outcome back as a Msg. The watch stream reconnects with
// exponential backoff (full jitter) when the agent stops, so the icon goes
// grey and comes back by itself when the agent restarts.
package trayapp

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/tray"
	"github.com/sessionguard/sessionguard/tray/desktop"
)

// Agent is the part of localapi.Client the tray uses.
type Agent interface {
	Results(ctx context.Context) (checks.Report, error)
	Run(ctx context.Context) (checks.Report, error)
	StartSession(ctx context.Context, req localapi.StartRequest) (report.SessionRecord, error)
	EndSession(ctx context.Context, id string, req localapi.EndRequest) (report.SessionRecord, error)
	AmendCookies(ctx context.Context, id string, req localapi.CookiesRequest) (report.SessionRecord, error)
	Watch(ctx context.Context) (<-chan localapi.Event, error)
}

var _ Agent = (*localapi.Client)(nil)

// UI shows the menu. Render is called from the app's goroutine after every
// Msg, with the whole MenuView; it must not block for long.
type UI interface {
	Render(v tray.MenuView)
}

// CookieClearer clears the user's cookies in the policy's scope.
type CookieClearer func(ctx context.Context, closeBrowsers bool) (browsers.Report, error)

// Defaults of Config.
const (
	DefaultTickEvery  = time.Minute
	DefaultMinBackoff = 250 * time.Millisecond
	DefaultMaxBackoff = 15 * time.Second
	// CallTimeout bounds one call to the agent other than a check run or
	// a start (which runs the checks); RunTimeout bounds those.
	CallTimeout = 10 * time.Second
	RunTimeout  = 2 * time.Minute
	// ClearTimeout bounds clearing cookies (closing browsers included).
	ClearTimeout = time.Minute
)

// Config is what an App runs with.
type Config struct {
	Tray    tray.Config
	Agent   Agent
	UI      UI // nil: nothing rendered (no tray host)
	Desktop desktop.Desktop
	Clear   CookieClearer
	Logger  *slog.Logger
	// TickEvery is how often the clock ticks (reminders).
	TickEvery time.Duration
	// MinBackoff and MaxBackoff bound the reconnection delay.
	MinBackoff, MaxBackoff time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// App is the running tray. Create it with New, then call Run.
type App struct {
	cfg  Config
	msgs chan tray.Msg
	// rendered is signalled (non-blocking) after every render; tests and
	// benchmarks wait on it.
	mu       sync.Mutex
	model    tray.Model
	watchers []chan tray.MenuView
}

// New checks cfg and returns an App.
func New(cfg Config) (*App, error) {
	if cfg.Agent == nil || cfg.Clear == nil {
		return nil, errors.New("trayapp: an agent client and a cookie clearer are required")
	}
	if cfg.Desktop.Notifier == nil || cfg.Desktop.Asker == nil || cfg.Desktop.Opener == nil {
		return nil, errors.New("trayapp: a notifier, an asker and an opener are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TickEvery <= 0 {
		cfg.TickEvery = DefaultTickEvery
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if s := cfg.Tray.Sessions; s.ValidateLabel == nil && s.OverrideReasons == nil && s.OverrideReason == nil {
		cfg.Tray.Sessions = SessionRules()
	}
	return &App{cfg: cfg, msgs: make(chan tray.Msg, 64), model: tray.New(cfg.Tray)}, nil
}

// Send passes a Msg (a click) to the app. It never blocks the caller for
// long: when the queue is full the click is dropped (and logged).
func (a *App) Send(msg tray.Msg) {
	select {
	case a.msgs <- msg:
	case <-time.After(time.Second):
		a.cfg.Logger.Warn("tray_message_dropped")
	}
}

// Menu is the menu as last rendered.
func (a *App) Menu() tray.MenuView {
	a.mu.Lock()
	defer a.mu.Unlock()
	return tray.Menu(a.model)
}

// Watch returns a channel receiving every rendered MenuView (the newest
// wins when the reader is slow) until the app stops.
func (a *App) Watch() <-chan tray.MenuView {
	ch := make(chan tray.MenuView, 1)
	a.mu.Lock()
	a.watchers = append(a.watchers, ch)
	a.mu.Unlock()
	return ch
}

// Run runs the app until Quit is clicked (nil) or ctx ends (ctx.Err()).
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	wg.Go(func() { a.watch(ctx) })
	wg.Go(func() {
		t := time.NewTicker(a.cfg.TickEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				a.post(ctx, tray.Tick{Now: a.cfg.Now()})
			}
		}
	})

	a.render()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case msg := <-a.msgs:
			a.mu.Lock()
			m, effects := tray.Update(a.model, msg)
			a.model = m
			a.mu.Unlock()
			a.render()
			for _, eff := range effects {
				if _, quit := eff.(tray.Quit); quit {
					return nil
				}
				wg.Go(func() { a.do(ctx, eff) })
			}
		}
	}
}

func (a *App) render() {
	a.mu.Lock()
	v := tray.Menu(a.model)
	watchers := a.watchers
	a.mu.Unlock()
	if a.cfg.UI != nil {
		a.cfg.UI.Render(v)
	}
	for _, ch := range watchers {
		select {
		case <-ch:
		default:
		}
		select {
		case ch <- v:
		default:
		}
	}
}

// post sends an outcome back to the loop unless the app is stopping.
func (a *App) post(ctx context.Context, msg tray.Msg) {
	select {
	case a.msgs <- msg:
	case <-ctx.Done():
	}
}

// watch keeps the watch stream open, reconnecting with backoff.
func (a *App) watch(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		events, err := a.cfg.Agent.Watch(ctx)
		if err == nil {
			got := false
			for ev := range events {
				got = true
				a.post(ctx, tray.AgentEvent{Event: ev})
			}
			if got {
				failures = 0
			}
			if ctx.Err() != nil {
				return
			}
			err = errors.New("the agent closed the connection")
		}
		if ctx.Err() != nil {
			return
		}
		a.cfg.Logger.Debug("agent_watch_down", "err", err, "failures", failures)
		a.post(ctx, tray.AgentDown{Err: err})
		delay := backoff(failures, a.cfg.MinBackoff, a.cfg.MaxBackoff)
		failures++
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

// backoff is exponential with full jitter: a random delay in
// [min, min·2^failures], at most max.
func backoff(failures int, lo, hi time.Duration) time.Duration {
	ceil := lo << min(failures, 20)
	if ceil > hi || ceil <= 0 {
		ceil = hi
	}
	if ceil <= lo {
		return lo
	}
	return lo + rand.N(ceil-lo)
}

// PolicyClearer clears cookies as `sessionguard session end` does: every
// site but the policy's cookie_keep, or only its cookie_domains.
func PolicyClearer(pol checks.Policy) CookieClearer {
	return func(ctx context.Context, closeBrowsers bool) (browsers.Report, error) {
		return browsers.Clear(ctx, browsers.Options{
			Domains: pol.CookieDomains, Keep: pol.CookieKeep, CloseBrowsers: closeBrowsers,
		})
	}
}

// AgentScopeClearer clears cookies in the scope of the policy the agent
// holds (which the server may have set), read from its status just before
// clearing. When the agent cannot say, fallback's scope is used.
func AgentScopeClearer(status func(context.Context) (localapi.Status, error), fallback checks.Policy) CookieClearer {
	return func(ctx context.Context, closeBrowsers bool) (browsers.Report, error) {
		pol := fallback
		if st, err := status(ctx); err == nil {
			pol.CookieDomains, pol.CookieKeep = st.CookieDomains, st.CookieKeep
		}
		return PolicyClearer(pol)(ctx, closeBrowsers)
	}
}
