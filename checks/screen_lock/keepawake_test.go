package screenlock_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sessionguard/sessionguard/checks"
	"github.com/sessionguard/sessionguard/checks/checktest"
	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func TestParseGdbusReplies(t *testing.T) {
	for file, want := range map[string]bool{"is_inhibited_true": true, "is_inhibited_false": false} {
		if got, ok := screenlock.ParseGVariantBool(string(checktest.ReadParserData(t, "gdbus/"+file+".stdout"))); !ok || got != want {
			t.Errorf("%s: %v %v", file, got, ok)
		}
	}
	if _, ok := screenlock.ParseGVariantBool("Error: GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable\n"); ok {
		t.Error("an error message read as a reply")
	}
	paths := screenlock.ParseGVariantObjectPaths(string(checktest.ReadParserData(t, "gdbus/get_inhibitors_two.stdout")))
	if !reflect.DeepEqual(paths, []string{"/org/gnome/SessionManager/Inhibitor3", "/org/gnome/SessionManager/Inhibitor5"}) {
		t.Errorf("paths: %v", paths)
	}
	if paths := screenlock.ParseGVariantObjectPaths(string(checktest.ReadParserData(t, "gdbus/get_inhibitors_none.stdout"))); len(paths) != 0 {
		t.Errorf("no inhibitors: %v", paths)
	}
	if n, ok := screenlock.ParseGVariantUint32(string(checktest.ReadParserData(t, "gdbus/get_flags_12.stdout"))); !ok || n != 12 {
		t.Errorf("flags: %d %v", n, ok)
	}
	if s, ok := screenlock.ParseGVariantString(string(checktest.ReadParserData(t, "gdbus/get_app_id.stdout"))); !ok || s != "caffeine-gnome-extension" {
		t.Errorf("app id: %q %v", s, ok)
	}
	if s, ok := screenlock.ParseGVariantString(string(checktest.ReadParserData(t, "gdbus/get_reason_quoted.stdout"))); !ok || s != "it's \"playing\" \u00e9\n" {
		t.Errorf("quoted reason: %q %v", s, ok)
	}
	for _, bad := range []string{"", "()", "('a', 'b',)", "('unterminated,)", "(uint32 8,)"} {
		if s, ok := screenlock.ParseGVariantString(bad); ok {
			t.Errorf("%q read as %q", bad, s)
		}
	}
}

// TestParseMATESaverInhibitors reads mate-screensaver 1.26's own list as
// gdbus printed it (recorded from the real program on a test display, with
// Firefox's inhibitor and one whose reason holds both quote marks, which
// GLib then prints in double quotes with escapes).
func TestParseMATESaverInhibitors(t *testing.T) {
	entries, ok := screenlock.ParseGVariantStrings(string(checktest.ReadParserData(t, "gdbus/mate_saver_get_inhibitors_two.stdout")))
	if !ok || len(entries) != 2 {
		t.Fatalf("entries %q, %v", entries, ok)
	}
	got := [][2]string{}
	for _, e := range entries {
		app, reason := screenlock.ParseSaverInhibitor(e)
		got = append(got, [2]string{app, reason})
	}
	if want := [][2]string{{"Firefox", "video-playing"}, {"caffeine-ng", `Caffeine's "cup" is on`}}; !reflect.DeepEqual(got, want) {
		t.Errorf("inhibitors %q, want %q", got, want)
	}
	if entries, ok := screenlock.ParseGVariantStrings(string(checktest.ReadParserData(t, "gdbus/mate_saver_get_inhibitors_none.stdout"))); !ok || len(entries) != 0 {
		t.Errorf("none: %q %v", entries, ok)
	}
	for _, bad := range []string{"", "([],", "(['a' 'b'],)", "(['a',],)", "(['unterminated],)", "(true,)"} {
		if e, ok := screenlock.ParseGVariantStrings(bad); ok {
			t.Errorf("%q read as %q", bad, e)
		}
	}
	if app, reason := screenlock.ParseSaverInhibitor("not a description"); app != "" || reason != "" {
		t.Errorf("a foreign string read as %q, %q", app, reason)
	}
}

func TestClassifyHold(t *testing.T) {
	tests := []struct{ app, reason, kind, name string }{
		{"caffeine-gnome-extension", "Inhibited by Caffeine GNOME extension", "keep_awake", "Caffeine"},
		{"user", "Inhibit by Caffeine", "keep_awake", "Caffeine"},                        // Caffeine before 50
		{"org.mozilla.firefox.desktop", "Inhibit by Caffeine", "keep_awake", "Caffeine"}, // its app trigger
		{"firefox", "video-playing", "browser", "Firefox"},                               // Firefox's topic
		{"org.mozilla.firefox", "screen", "browser", "Firefox"},                          // through the portal
		{"com.google.Chrome", "Playing video", "browser", "Google Chrome"},
		{"us.zoom.Zoom", "", "call_app", "Zoom"},
		{"teams-for-linux", "", "call_app", "Microsoft Teams"},
		{"inhibit@cinnamon.org", "prevent idle functions like screen blanking and dimming", "keep_awake", "Cinnamon's Inhibit applet"},
		{"unknown", "not specified", "other", ""}, // gnome-session-inhibit's defaults
		{"", "", "other", ""},
	}
	for _, tc := range tests {
		h := screenlock.ClassifyHold(tc.app, tc.reason)
		if h.Kind != tc.kind || h.Name != tc.name {
			t.Errorf("%q %q: %+v, want %s %q", tc.app, tc.reason, h, tc.kind, tc.name)
		}
	}
}

func TestEvaluateAwakeHolds(t *testing.T) {
	pol := checks.Catalogue{screenlock.Check}.Default()
	with := func(l *screenlock.LinuxFacts, holds ...screenlock.AwakeHold) screenlock.Facts {
		return screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: l, AwakeHoldsRead: true, AwakeHolds: holds}
	}
	caffeine := screenlock.AwakeHold{Program: "caffeine-gnome-extension", Kind: "keep_awake", Name: "Caffeine"}
	firefox := screenlock.AwakeHold{Program: "firefox", Kind: "browser", Name: "Firefox"}
	zoom := screenlock.AwakeHold{Program: "us.zoom.zoom", Kind: "call_app", Name: "Zoom"}
	tests := []struct {
		name         string
		f            screenlock.Facts
		want         checks.Status
		summary, fix string
	}{
		{"caffeine fails a pass", with(gnome(true, 300, 0), caffeine), checks.Fail, "Caffeine is keeping the computer", "Turn off Caffeine"},
		{"unnamed fails a pass", with(gnome(true, 300, 0), screenlock.AwakeHold{Kind: "other"}), checks.Fail, "a program that did not give its name is", "keep-awake tool"},
		{"unrecognised program", with(gnome(true, 300, 0), screenlock.AwakeHold{Program: "mpv", Kind: "other"}), checks.Fail, "a program (mpv) is", "(a program (mpv))"},
		{"caffeine fails an unknown", with(&screenlock.LinuxFacts{Desktop: screenlock.DesktopGNOME, Locker: screenlock.LockerGSettings, GNOMEShellLock: screenlock.ShellLockGDMRunning, LockdownDisabled: bp(false)}, caffeine), checks.Fail, "Caffeine", "Caffeine"},
		{"a late lock keeps its own summary", with(gnome(true, 900, 0), caffeine), checks.Fail, "locks only after 15 minutes", ""},
		{"call app and browser are named in a pass", with(gnome(true, 300, 0), zoom, firefox), checks.Pass, "Right now Zoom and Firefox are keeping the screen awake", ""},
		{"none held", with(gnome(true, 300, 0)), checks.Pass, "after 5 minutes without use (the limit is 10 minutes).", ""},
		{"unread: the settings decide", screenlock.Facts{OS: "linux", ConsoleUser: signed(), Linux: gnome(true, 300, 0), AwakeHoldsUnread: "gnome-session: gdbus call failed"}, checks.Pass, "after 5 minutes", ""},
	}
	for _, tc := range tests {
		r := screenlock.Evaluate(tc.f, pol)
		if r.Status != tc.want || !strings.Contains(r.Summary, tc.summary) || !strings.Contains(r.Fix, tc.fix) {
			t.Errorf("%s: %s %q fix %q", tc.name, r.Status, r.Summary, r.Fix)
		}
	}
}

func TestKDEInhibitions(t *testing.T) {
	active := "(<[('sleep:idle', 'org.kde.plasmashell', 'The battery applet has enabled suppressing sleep and screen locking', 'block', uint32 3), ('sleep', 'org.kde.discover', \"it's updating\", 'block', uint32 3)]>,)\n"
	want := []string{"sleep:idle", "org.kde.plasmashell", "The battery applet has enabled suppressing sleep and screen locking", "block", "sleep", "org.kde.discover", "it's updating", "block"}
	if got := screenlock.GVariantStrings(active); !reflect.DeepEqual(got, want) {
		t.Errorf("strings: %q", got)
	}
	if got := screenlock.GVariantStrings("(<@a(ssssu) []>,)\n"); len(got) != 0 {
		t.Errorf("none: %q", got)
	}
	args := []string{"call", "--session", "--dest", "org.kde.Solid.PowerManagement.PolicyAgent", "--object-path", "/org/kde/Solid/PowerManagement/PolicyAgent",
		"--method", "org.freedesktop.DBus.Properties.Get", "org.kde.Solid.PowerManagement.PolicyAgent", "ActiveInhibitions"}
	scrubbed := string(screenlock.Scrub("/usr/bin/gdbus", args, []byte(active)))
	if got := screenlock.GVariantStrings(scrubbed); len(got) != 8 || got[1] != "org.kde.plasmashell" || got[2] != "" || got[6] != "" || got[4] != "sleep" {
		t.Errorf("scrubbed: %s", scrubbed)
	}
}
