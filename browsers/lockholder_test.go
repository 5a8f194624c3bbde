package browsers

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestSplitCommandLine(t *testing.T) {
	got := splitCommandLine(`"C:\Program Files\Google\Chrome\Application\chrome.exe" --user-data-dir="C:\Users\user\My Data" "--profile-directory=Profile 1"  -x`)
	want := []string{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `--user-data-dir=C:\Users\user\My Data`, `--profile-directory=Profile 1`, "-x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The holder of a Windows lock is found in the process list: the main
// browser process of that data folder, never a renderer, another channel,
// or a guess between two.
func TestLockHolderIn(t *testing.T) {
	const (
		local      = `C:\Users\user\AppData\Local`
		chromeExe  = `C:\Program Files\Google\Chrome\Application\chrome.exe`
		betaExe    = `C:\Program Files\Google\Chrome Beta\Application\chrome.exe`
		edgeExe    = `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`
		chromiumEx = local + `\Chromium\Application\chrome.exe`
		ffExe      = `C:\Program Files\Mozilla Firefox\firefox.exe`
		operaExe   = local + `\Programs\Opera\120.0.5543.38\opera.exe`
	)
	chrome := Profile{Browser: Chrome, Engine: EngineChromium, LockDir: local + `\Google\Chrome\User Data`}
	beta := Profile{Browser: Chrome, Engine: EngineChromium, LockDir: local + `\Google\Chrome Beta\User Data`}
	edge := Profile{Browser: Edge, Engine: EngineChromium, LockDir: local + `\Microsoft\Edge\User Data`}
	chromium := Profile{Browser: Chromium, Engine: EngineChromium, LockDir: local + `\Chromium\User Data`}
	custom := Profile{Browser: Chrome, Engine: EngineChromium, LockDir: `D:\Work\Chrome Data`}
	ff := Profile{Browser: Firefox, Engine: EngineFirefox, LockDir: `C:\Users\user\AppData\Roaming\Mozilla\Firefox\Profiles\ab.default-release`}
	opera := Profile{Browser: Opera, Engine: EngineChromium, LockDir: `C:\Users\user\AppData\Roaming\Opera Software\Opera Stable`}
	cases := []struct {
		name string
		p    Profile
		ps   []procDetail
		want int
	}{
		{"edge startup boost, renderers ignored", edge, []procDetail{
			{10, edgeExe, `"` + edgeExe + `" --type=renderer --user-data-dir="` + edge.LockDir + `"`},
			{11, edgeExe, `"` + edgeExe + `" --no-startup-window --win-session-start /prefetch:5`},
		}, 11},
		{"chrome beta, not stable", beta, []procDetail{
			{20, chromeExe, `"` + chromeExe + `"`},
			{21, betaExe, `"` + betaExe + `" --no-startup-window`},
		}, 21},
		{"stable chrome is not chrome beta's holder", beta, []procDetail{
			{20, chromeExe, `"` + chromeExe + `"`},
		}, 0},
		{"chromium per-user install", chromium, []procDetail{{30, chromiumEx, chromiumEx}}, 30},
		{"explicit --user-data-dir", custom, []procDetail{
			{40, chromeExe, `"` + chromeExe + `"`},
			{41, chromeExe, `"` + chromeExe + `" --user-data-dir="d:/work/chrome data/"`},
		}, 41},
		{"another browser's process", chrome, []procDetail{{50, edgeExe, edgeExe}}, 0},
		{"firefox default profile, content processes ignored", ff, []procDetail{
			{60, ffExe, `"` + ffExe + `"`},
			{61, ffExe, `"` + ffExe + `" -contentproc --channel=1 -parentPid 60 tab`},
		}, 60},
		{"firefox -profile", ff, []procDetail{
			{70, ffExe, `"` + ffExe + `"`},
			{71, ffExe, `"` + ffExe + `" -profile "` + ff.LockDir + `"`},
		}, 71},
		{"firefox -P name cannot be told", ff, []procDetail{
			{80, ffExe, `"` + ffExe + `" -P work`},
		}, 0},
		{"two firefoxes naming nothing: no guess", ff, []procDetail{
			{90, ffExe, ffExe}, {91, ffExe, ffExe},
		}, 0},
		{"opera, whose install implies no folder", opera, []procDetail{{100, operaExe, `"` + operaExe + `"`}}, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := lockHolderIn(tc.p, tc.ps); got != tc.want {
				t.Errorf("lockHolderIn = %d, want %d", got, tc.want)
			}
		})
	}
}

// A lock that does not name its holder (Windows) no longer leaves the
// browser unclosable: the holder found in the process list is asked to
// quit.
func TestCloseBrowserFindsUnnamedHolder(t *testing.T) {
	p := Profile{Engine: EngineChromium, Browser: Edge, LockDir: t.TempDir()}
	var asked int
	quit := false
	sys := system{
		lockHolder:     func(context.Context, Profile) int { return 4242 },
		processName:    func(context.Context, int) (string, error) { return "msedge.exe", nil },
		terminate:      func(_ context.Context, pid int) error { asked, quit = pid, true; return nil },
		alive:          func(int) bool { return !quit },
		hostname:       func() (string, error) { return "h", nil },
		fileLockHolder: func(string) (bool, int) { return !quit, 0 },
	}
	if err := sys.closeBrowser(t.Context(), p, lockState{inUse: true, how: "lockfile"}, 2*time.Second); err != nil || asked != 4242 {
		t.Errorf("err %v, asked %d to quit; want nil, 4242", err, asked)
	}
}
