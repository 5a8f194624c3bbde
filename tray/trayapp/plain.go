package trayapp

import (
	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/tray"
)

// SessionRules are the session log's label and override reason rules, as
// the tray model takes them (New fills them in when Config.Tray has none).
func SessionRules() tray.SessionRules {
	return tray.SessionRules{
		ValidateLabel:   sessionlog.ValidateLabel,
		OverrideReasons: sessionlog.OverrideReasons,
		OverrideReason:  sessionlog.OverrideReason,
	}
}

// cookiesCleared is what browsers.Clear did, as the tray model takes it.
func cookiesCleared(rep browsers.Report, err error) tray.CookiesCleared {
	if err != nil {
		return tray.CookiesCleared{Err: err}
	}
	out := tray.CookiesCleared{Summary: rep.Summary(), Profiles: make([]tray.ProfileCleared, 0, len(rep.Results))}
	for _, r := range rep.Results {
		p := tray.ProfileCleared{Browser: r.BrowserName, Removed: r.Removed}
		if p.Browser == "" {
			p.Browser = browsers.Names[r.Browser]
		}
		if p.Browser == "" {
			p.Browser = r.Browser
		}
		switch {
		case r.Status == browsers.StatusCleared:
			p.Outcome = tray.OutcomeCleared
		case r.Status == browsers.StatusSkipped && r.Reason == browsers.ReasonBrowserRunning:
			p.Outcome = tray.OutcomeBrowserOpen
		case r.Status == browsers.StatusError || r.Status == browsers.StatusSkipped:
			p.Outcome = tray.OutcomeFailed
		}
		out.Profiles = append(out.Profiles, p)
	}
	return out
}
