// Package callapps is the catalogue of video-call apps SessionGuard knows:
// the name people know each by and the names its programs go by on each
// OS. capture_in_use recognises them holding the camera or microphone;
// screen_lock names them keeping the screen awake during a call.
package callapps

import (
	"slices"
	"strings"
)

// App is one video-call app.
type App struct {
	// ID is its id in facts; Name the name people know it by.
	ID, Name string
	// Binaries are its program file names, lower case, without .exe
	// (Linux, Windows; PipeWire's application.process.binary; macOS
	// process names).
	Binaries []string
	// AppNames are application names a sound server reports, lower case.
	AppNames []string
	// MacApps are its macOS app bundle names, lower case (zoom.us.app).
	MacApps []string
	// Packages are its Windows package family names without the
	// publisher hash, lower case.
	Packages []string
	// Policy are the call_apps policy names that allow it, lower case.
	Policy []string
}

var known = []App{
	{ID: "zoom", Name: "Zoom", Binaries: []string{"zoom", "zoom.us", "zoomwebinar", "cpthost", "zoomlauncher"},
		AppNames: []string{"zoom", "zoom voiceengine", "zoom.us", "zoomaudiodevice"}, MacApps: []string{"zoom.us.app"}, Policy: []string{"zoom"}},
	{ID: "microsoft_teams", Name: "Microsoft Teams", Binaries: []string{"ms-teams", "teams", "teams-for-linux", "msteams", "msteamswebview"},
		AppNames: []string{"microsoft teams", "teams", "teams-for-linux", "microsoft teams (work or school)"}, MacApps: []string{"microsoft teams.app", "microsoft teams (work or school).app", "microsoft teams classic.app"},
		Packages: []string{"msteams", "microsoftteams"}, Policy: []string{"microsoft teams", "teams"}},
	{ID: "webex", Name: "Webex", Binaries: []string{"webex", "ciscowebexstart", "atmgr", "webexmta", "ciscocollabhost"},
		AppNames: []string{"webex", "cisco webex meetings"}, MacApps: []string{"webex.app", "cisco webex meetings.app"}, Policy: []string{"webex", "cisco webex"}},
	{ID: "skype", Name: "Skype", Binaries: []string{"skype", "skypeforlinux", "skypeapp", "skypebridge"},
		AppNames: []string{"skype", "skypeforlinux"}, MacApps: []string{"skype.app"}, Packages: []string{"microsoft.skypeapp"}, Policy: []string{"skype"}},
	{ID: "facetime", Name: "FaceTime", MacApps: []string{"facetime.app"}, Binaries: []string{"facetime", "avconferenced"}, Policy: []string{"facetime"}},
}

// Known returns the catalogue, in a stable order.
func Known() []App { return slices.Clone(known) }

// NameOf is the name people know a call app by ("Zoom"), found by a name
// it goes by: a program file or process name, an application name, or a
// desktop or Flatpak app id such as us.zoom.Zoom (its last part), in any
// case; "" when the name is no call app's. A program chooses its own
// name: use this for wording and for judging what is expected, never to
// trust a program.
func NameOf(name string) string {
	n := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".desktop")
	if strings.Count(n, ".") >= 2 {
		n = n[strings.LastIndexByte(n, '.')+1:]
	}
	n = strings.TrimSuffix(n, ".exe")
	for _, a := range known {
		if slices.Contains(a.Binaries, n) || slices.Contains(a.AppNames, n) {
			return a.Name
		}
	}
	return ""
}
