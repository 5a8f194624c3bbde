package trayapp

import (
	"context"
	"errors"
	"time"

	"github.com/sessionguard/sessionguard/agent/localapi"
	"github.com/sessionguard/sessionguard/tray"
)

// Dialog titles.
const (
	titleLabel    = "Start a session"
	titleOverride = "Start anyway?"
)

// do carries out one Effect and posts its outcome.
func (a *App) do(ctx context.Context, eff tray.Effect) {
	log := a.cfg.Logger
	switch eff := eff.(type) {
	case tray.FetchResults:
		c, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		rep, err := a.cfg.Agent.Results(c)
		switch {
		case err == nil:
			a.post(ctx, tray.ResultsLoaded{Report: rep})
		case errors.Is(err, localapi.ErrNoResults):
		default:
			log.Warn("fetching_results_failed", "err", err)
		}
	case tray.RunChecks:
		c, cancel := context.WithTimeout(ctx, RunTimeout)
		defer cancel()
		rep, err := a.cfg.Agent.Run(c)
		if err != nil {
			a.post(ctx, tray.RunFailed{Message: agentMessage(err)})
			return
		}
		a.post(ctx, tray.ResultsLoaded{Report: rep})
	case tray.AskLabel:
		a.ask(ctx, titleLabel, eff.Prompt, func(s string) tray.Msg { return tray.LabelEntered{Label: s} })
	case tray.AskOverrideReason:
		a.ask(ctx, titleOverride, eff.Prompt, func(s string) tray.Msg { return tray.OverrideReasonEntered{Reason: s} })
	case tray.StartSession:
		c, cancel := context.WithTimeout(ctx, RunTimeout)
		defer cancel()
		rec, err := a.cfg.Agent.StartSession(c, localapi.StartRequest{Label: eff.Label, OverrideReason: eff.Reason})
		var notReady *localapi.NotReadyError
		switch {
		case err == nil:
			a.post(ctx, tray.StartAccepted{Record: rec})
		case errors.As(err, &notReady):
			a.post(ctx, tray.StartRefused{NotPassing: notReady.NotPassing, OverrideAllowed: notReady.OverrideAllowed, Message: err.Error()})
		default:
			rejected := errors.Is(err, localapi.ErrBadRequest)
			a.post(ctx, tray.StartFailed{Message: agentMessage(err), LabelRejected: rejected && eff.Reason == "", ReasonRejected: rejected && eff.Reason != ""})
		}
	case tray.ClearCookies:
		c, cancel := context.WithTimeout(ctx, ClearTimeout)
		defer cancel()
		rep, err := a.cfg.Clear(c, eff.CloseBrowsers)
		if err != nil {
			log.Warn("clearing_cookies_failed", "err", err)
		}
		a.post(ctx, cookiesCleared(rep, err))
	case tray.EndSession:
		c, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		rec, err := a.cfg.Agent.EndSession(c, eff.ID, localapi.EndRequest{Cookies: eff.Cookies})
		if err != nil {
			a.post(ctx, tray.EndFailed{Message: agentMessage(err)})
			return
		}
		a.post(ctx, tray.SessionEnded{Record: rec})
	case tray.RecordCookies:
		c, cancel := context.WithTimeout(ctx, CallTimeout)
		defer cancel()
		if _, err := a.cfg.Agent.AmendCookies(c, eff.SessionID, localapi.CookiesRequest{Cookies: eff.Cookies}); err != nil {
			log.Warn("recording_cookies_cleared_failed", "err", err)
			a.post(ctx, tray.CookiesRecordFailed{Message: agentMessage(err)})
		}
	case tray.ShowFix:
		if err := a.cfg.Desktop.Asker.Show(ctx, "How to fix: "+eff.Title, eff.Fix); err != nil {
			log.Warn("showing_fix_failed", "err", err)
			a.notify(ctx, "How to fix: "+eff.Title, eff.Fix)
		}
	case tray.ShowAbout:
		if err := a.cfg.Desktop.Asker.Show(ctx, eff.Title, eff.Text); err != nil {
			log.Warn("showing_about_failed", "err", err)
			a.notify(ctx, eff.Title, eff.Text)
		}
	case tray.Notify:
		a.notify(ctx, eff.Title, eff.Body)
	case tray.OpenDashboard:
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := a.cfg.Desktop.Opener.Open(c, eff.URL); err != nil {
			log.Warn("opening_dashboard_failed", "err", err)
			a.notify(ctx, "The dashboard could not be opened", "Open "+eff.URL+" in your browser.")
		}
	}
}

func (a *App) ask(ctx context.Context, title, prompt string, answered func(string) tray.Msg) {
	text, ok, err := a.cfg.Desktop.Asker.Ask(ctx, title, prompt)
	if err != nil {
		a.cfg.Logger.Warn("asking_failed", "err", err)
		a.notify(ctx, "SessionGuard couldn't open a window", "Start the session with: sessionguard session start --label REF")
	}
	if err != nil || !ok {
		a.post(ctx, tray.Cancelled{})
		return
	}
	a.post(ctx, answered(text))
}

func (a *App) notify(ctx context.Context, title, body string) {
	if err := a.cfg.Desktop.Notifier.Notify(ctx, title, body); err != nil {
		a.cfg.Logger.Warn("notification_failed", "err", err)
	}
}

// agentMessage words an agent error for people.
func agentMessage(err error) string {
	if errors.Is(err, localapi.ErrAgentNotRunning) {
		return "SessionGuard isn't running. Try again in a minute, or restart the computer."
	}
	var apiErr *localapi.APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return apiErr.Message
	}
	return "SessionGuard didn't answer. Try again in a minute."
}
