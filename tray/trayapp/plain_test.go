package trayapp

import (
	"errors"
	"reflect"
	"testing"

	"github.com/sessionguard/sessionguard/agent/sessionlog"
	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/report"
	"github.com/sessionguard/sessionguard/tray"
)

// TestCookiesCleared: what browsers.Clear did becomes the model's plain
// values: a name for people, the outcome the menu words, and the summary
// the session records.
func TestCookiesCleared(t *testing.T) {
	rep := browsers.Report{Results: []browsers.Result{
		{Browser: browsers.Chrome, BrowserName: "Google Chrome", Status: browsers.StatusCleared, Before: 10, Removed: 7, Kept: 3},
		{Browser: browsers.Firefox, Status: browsers.StatusSkipped, Reason: browsers.ReasonBrowserRunning},
		{Browser: browsers.Safari, BrowserName: "Safari", Status: browsers.StatusError, Reason: browsers.ReasonPermissionDenied},
		{Browser: browsers.Edge, BrowserName: "Microsoft Edge", Status: browsers.StatusSkipped, Reason: browsers.ReasonDamaged},
		{Browser: "netsurf", Status: browsers.StatusDryRun, Before: 2},
	}}
	got := cookiesCleared(rep, nil)
	want := tray.CookiesCleared{
		Profiles: []tray.ProfileCleared{
			{Browser: "Google Chrome", Removed: 7, Outcome: tray.OutcomeCleared},
			{Browser: browsers.Names[browsers.Firefox], Outcome: tray.OutcomeBrowserOpen},
			{Browser: "Safari", Outcome: tray.OutcomeFailed},
			{Browser: "Microsoft Edge", Outcome: tray.OutcomeFailed},
			{Browser: "netsurf", Outcome: tray.OutcomeCounted},
		},
		Summary: &report.CookieSummary{Removed: 7, Kept: 3, Browsers: 5, ProfilesCleared: 1, ProfilesSkipped: 2, ProfilesFailed: 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got.Profiles[1].Browser == "" || got.Profiles[1].Browser == browsers.Firefox {
		t.Errorf("Firefox named %q, want its name for people", got.Profiles[1].Browser)
	}
	boom := errors.New("no home directory")
	if got := cookiesCleared(browsers.Report{}, boom); got.Err != boom || got.Summary != nil || got.Profiles != nil {
		t.Errorf("failed clearing: %+v", got)
	}
}

// TestSessionRules: the model gets the session log's rules, and New fills
// them in when the caller gave none.
func TestSessionRules(t *testing.T) {
	r := SessionRules()
	if !reflect.DeepEqual(r.OverrideReasons, sessionlog.OverrideReasons) {
		t.Errorf("reasons %q", r.OverrideReasons)
	}
	if err := r.ValidateLabel("jane@example.org"); !errors.Is(err, sessionlog.ErrBadLabel) {
		t.Errorf("an email address as a label: %v", err)
	}
	if got := r.OverrideReason("urgent safeguarding concern", "call cannot wait"); got != sessionlog.OverrideReason("urgent safeguarding concern", "call cannot wait") {
		t.Errorf("joined reason %q", got)
	}
}
