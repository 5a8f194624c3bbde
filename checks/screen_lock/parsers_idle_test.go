package screenlock_test

import (
	"testing"

	screenlock "github.com/sessionguard/sessionguard/checks/screen_lock"
)

func secs(t screenlock.IdleTimers) int {
	if t.Seconds == nil {
		return -1
	}
	return *t.Seconds
}

func TestParseSwayidle(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		locker       string
		secs         int
		unrecognised string
	}{
		{"swaylock at 300", []string{"-w", "timeout", "300", "swaylock -f -c 000000", "timeout", "600", `swaymsg "output * power off"`, "resume", `swaymsg "output * power on"`, "before-sleep", "swaylock -f -c 000000"}, "swaylock", 300, ""},
		{"earliest locking timer", []string{"timeout", "900", "swaylock -f", "timeout", "240", "gtklock -d"}, "gtklock", 240, ""},
		{"lock-session through the lock event", []string{"-w", "timeout", "300", "loginctl lock-session", "lock", "swaylock -f"}, "swaylock", 300, ""},
		{"lock-session with nothing of its own to handle it", []string{"-w", "timeout", "300", "loginctl lock-session"}, "", -1, "loginctl lock-session"},
		{"screen off only", []string{"timeout", "600", `swaymsg "output * dpms off"`, "resume", `swaymsg "output * dpms on"`}, "", -1, ""},
		{"a script of the user's", []string{"timeout", "300", "~/.local/bin/lock.sh"}, "", -1, "lock.sh"},
		{"swaylock guarded by pidof", []string{"timeout", "120", "pidof swaylock || swaylock -f"}, "swaylock", 120, ""},
	}
	for _, tc := range tests {
		got := screenlock.ParseSwayidle(tc.args)
		if got.Locker != tc.locker || secs(got) != tc.secs || got.Unrecognised != tc.unrecognised {
			t.Errorf("%s: %+v (%d s), want %q %d s %q", tc.name, got, secs(got), tc.locker, tc.secs, tc.unrecognised)
		}
	}
	cfg := "# lock after 15 minutes\ntimeout 900 'swaylock -f'\ntimeout 960 'wlopm --off \\*' resume 'wlopm --on \\*'\nbefore-sleep 'swaylock -f'\n"
	if got := screenlock.ParseSwayidle(screenlock.ShellWords(cfg)); got.Locker != "swaylock" || secs(got) != 900 {
		t.Errorf("config file: %+v", got)
	}
}

func TestShellWords(t *testing.T) {
	got := screenlock.ShellWords("timeout 300 'swaylock -f' \\\n  resume \"swaymsg 'output * on'\" # comment\nlock x")
	want := []string{"timeout", "300", "swaylock -f", "resume", "swaymsg 'output * on'", "lock", "x"}
	if len(got) != len(want) {
		t.Fatalf("%q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%q, want %q", got, want)
		}
	}
}

func TestParseHypridle(t *testing.T) {
	tests := []struct {
		name, conf, locker string
		secs               int
		unrecognised       string
	}{
		{"lock-session through lock_cmd", "general {\n    lock_cmd = pidof hyprlock || hyprlock       # one instance\n    before_sleep_cmd = loginctl lock-session\n}\n\nlistener {\n    timeout = 150\n    on-timeout = brightnessctl -s set 10\n    on-resume = brightnessctl -r\n}\n\nlistener {\n    timeout = 300                                 # 5min\n    on-timeout = loginctl lock-session\n}\n\nlistener {\n    timeout = 1800\n    on-timeout = systemctl suspend\n}\n", "hyprlock", 300, ""},
		{"hyprlock directly", "listener {\n  timeout = 900\n  on-timeout = hyprlock\n}\n", "hyprlock", 900, ""},
		{"lock_cmd through bash", "general {\n    lock_cmd = bash -c 'pidof hyprlock || hyprlock'\n}\nlistener {\n    timeout = 240\n    on-timeout = loginctl lock-session\n}\n", "hyprlock", 240, ""},
		{"lock-session without lock_cmd", "listener {\n    timeout = 300\n    on-timeout = loginctl lock-session\n}\n", "", -1, "loginctl lock-session"},
		{"commented-out listener", "general {\n    lock_cmd = hyprlock\n}\n#listener {\n#    timeout = 120\n#    on-timeout = loginctl lock-session\n#}\nlistener {\n  timeout = 600\n  on-timeout = hyprctl dispatch dpms off\n}\n", "", -1, ""},
		{"a script", "listener {\n    timeout = 60\n    on-timeout = ~/.config/scripts/hyprland/lock_status_check_loop.py &\n}\n", "", -1, "lock_status_check_loop.py"},
	}
	for _, tc := range tests {
		got := screenlock.ParseHypridle([]byte(tc.conf))
		if got.Locker != tc.locker || secs(got) != tc.secs || got.Unrecognised != tc.unrecognised {
			t.Errorf("%s: %+v (%d s), want %q %d s %q", tc.name, got, secs(got), tc.locker, tc.secs, tc.unrecognised)
		}
	}
}

func TestParseXautolockXidlehook(t *testing.T) {
	if got := screenlock.ParseXautolock(nil); got.Locker != "xlock" || secs(got) != 600 {
		t.Errorf("xautolock defaults: %+v", got)
	}
	if got := screenlock.ParseXautolock([]string{"-time", "5", "-locker", "i3lock -n -c 000000", "-detectsleep"}); got.Locker != "i3lock" || secs(got) != 300 {
		t.Errorf("xautolock -time 5: %+v", got)
	}
	if got := screenlock.ParseXautolock([]string{"-time", "5", "-locker", "systemctl suspend"}); got.Seconds != nil {
		t.Errorf("xautolock suspending is not a lock: %+v", got)
	}
	args := []string{"--not-when-fullscreen", "--not-when-audio", "--timer", "60", "xrandr --output eDP-1 --brightness .1", "xrandr --output eDP-1 --brightness 1",
		"--timer", "10", "i3lock", "", "--timer", "3600", "systemctl suspend", ""}
	if got := screenlock.ParseXidlehook(args); got.Locker != "i3lock" || secs(got) != 70 {
		t.Errorf("xidlehook timers add up: %+v (%d s)", got, secs(got))
	}
	if got := screenlock.ParseXidlehook([]string{"--timer", "normal", "300", "slock", ""}); got.Locker != "slock" || secs(got) != 300 {
		t.Errorf("xidlehook older syntax: %+v", got)
	}
}

func TestParseXsetAndXScreenSaver(t *testing.T) {
	xset := "Pointer Control:\n  acceleration:  2/1    threshold:  4\nScreen Saver:\n  prefer blanking:  yes    allow exposures:  yes\n  timeout:  600    cycle:  600\nColors:\n  default colormap:  0x20    BlackPixel:  0x0    WhitePixel:  0xffffff\nDPMS (Energy Star):\n  Standby: 600    Suspend: 600    Off: 600\n"
	if n, ok := screenlock.ParseXsetScreenSaver([]byte(xset)); !ok || n != 600 {
		t.Errorf("xset q: %d %v", n, ok)
	}
	if n, ok := screenlock.ParseXsetScreenSaver([]byte("Screen Saver:\n  prefer blanking:  yes    allow exposures:  yes\n  timeout:  0    cycle:  600\n")); !ok || n != 0 {
		t.Errorf("xset s off: %d %v", n, ok)
	}
	if _, ok := screenlock.ParseXsetScreenSaver([]byte("xset:  unable to open display \"\"\n")); ok {
		t.Error("an error read as a timeout")
	}
	user := "# XScreenSaver Preferences File\ntimeout:\t0:05:00\ncycle:\t\t0:10:00\nlock:\t\tTrue\nlockTimeout:\t0:01:00\nmode:\t\tblank\n"
	if x, ok := screenlock.ParseXScreenSaver([]byte(user)); !ok || !x.Lock || x.TimeoutSeconds != 300 || x.LockSeconds != 60 || x.ModeOff {
		t.Errorf("~/.xscreensaver: %+v %v", x, ok)
	}
	appDefaults := "*timeout:\t\t0:10:00\n*cycle:\t\t\t0:10:00\n*lockTimeout:\t\t0:00:00\n*lock:\t\t\tFalse\n"
	if x, ok := screenlock.ParseXScreenSaver([]byte(appDefaults)); !ok || x.Lock || x.TimeoutSeconds != 600 {
		t.Errorf("app-defaults: %+v %v", x, ok)
	}
}

// TestIdleDaemonsLockBeforeSleep: swayidle's before-sleep and hypridle's
// before_sleep_cmd lock when they run a locker, or loginctl lock-session
// answered by the daemon's own lock handler.
func TestIdleDaemonsLockBeforeSleep(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want bool
	}{
		"swaylock before sleep":             {[]string{"-w", "timeout", "300", "swaylock -f", "before-sleep", "swaylock -f"}, true},
		"lock-session answered by lock":     {[]string{"-w", "before-sleep", "loginctl lock-session", "lock", "gtklock -d"}, true},
		"lock-session with nothing to lock": {[]string{"-w", "before-sleep", "loginctl lock-session"}, false},
		"no before-sleep":                   {[]string{"-w", "timeout", "300", "swaylock -f"}, false},
		"screen off before sleep":           {[]string{"before-sleep", "swaymsg 'output * power off'"}, false},
	} {
		got := screenlock.ParseSwayidle(tc.args)
		if got.SleepLocks == nil || *got.SleepLocks != tc.want {
			t.Errorf("swayidle %s: %v, want %v", name, got.SleepLocks, tc.want)
		}
	}
	for conf, want := range map[string]bool{
		"general {\n lock_cmd = pidof hyprlock || hyprlock\n before_sleep_cmd = loginctl lock-session\n}\n": true,
		"general {\n before_sleep_cmd = loginctl lock-session\n}\n":                                         false,
		"general {\n before_sleep_cmd = hyprlock\n}\n":                                                      true,
		"listener {\n timeout = 300\n on-timeout = hyprlock\n}\n":                                           false,
	} {
		got := screenlock.ParseHypridle([]byte(conf))
		if got.SleepLocks == nil || *got.SleepLocks != want {
			t.Errorf("hypridle %q: %v, want %v", conf, got.SleepLocks, want)
		}
	}
}

// TestSleepHookAction: a unit runs a locker only through its Exec lines, a
// script outside comments; a program that stops a locker, or a hook that
// only asks logind to lock, does not lock by itself.
func TestSleepHookAction(t *testing.T) {
	tests := []struct {
		name, text string
		unit       bool
		want       int
	}{
		{"unit running i3lock", "[Unit]\nBefore=sleep.target\n[Service]\nUser=%I\nEnvironment=DISPLAY=:0\nExecStart=/usr/bin/i3lock -c 000000\n", true, screenlock.HookLocks},
		{"unit's ExecStartPre with prefixes", "[Service]\nExecStartPre=-@/usr/bin/slock slock\nExecStart=/usr/bin/true\n", true, screenlock.HookLocks},
		{"locker named only in the description", "[Unit]\nDescription=stop i3lock from flickering\n[Service]\nExecStart=/usr/bin/xset dpms force on\n", true, screenlock.HookNone},
		{"Exec line commented out", "[Service]\n# ExecStart=/usr/bin/i3lock\n;ExecStart=/usr/bin/slock\nExecStart=/usr/bin/true\n", true, screenlock.HookNone},
		{"script locking before sleep", "#!/bin/sh\ncase $1 in\n  pre) su -c 'DISPLAY=:0 /usr/bin/xsecurelock' sam ;;\nesac\n", false, screenlock.HookLocks},
		{"script stopping a locker after waking", "#!/bin/sh\ncase $1 in\n  post) pkill i3lock; killall -q swaylock ;;\nesac\n", false, screenlock.HookNone},
		{"script asking logind", "#!/bin/sh\n[ \"$1\" = pre ] && loginctl lock-sessions\n", false, screenlock.HookAsks},
		{"script asking LightDM", "#!/bin/sh\n[ \"$1\" = pre ] && dm-tool lock\n", false, screenlock.HookAsks},
		{"script whose locker is in a comment", "#!/bin/sh\n# i3lock would go here\nexit 0\n", false, screenlock.HookNone},
	}
	for _, tc := range tests {
		if got := screenlock.SleepHookAction([]byte(tc.text), tc.unit); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	for in, want := range map[string]string{"i3lock@sam.service": "i3lock@.service", "lock.service": "lock.service", "90-lock": "90-lock", "x@y": "x@y"} {
		if got := screenlock.HookName(in); got != want {
			t.Errorf("HookName(%q) = %q, want %q", in, got, want)
		}
	}
	for _, args := range [][]string{{"-time", "5", "-locker", "i3lock"}, {"-detectsleep"}} {
		if got := screenlock.ParseXautolock(args); got.SleepLocks == nil || *got.SleepLocks {
			t.Errorf("xautolock %q: sleep_locks %v, want false (it has no before-sleep event)", args, got.SleepLocks)
		}
	}
	if got := screenlock.ParseXidlehook([]string{"--timer", "300", "i3lock -n", ""}); got.SleepLocks == nil || *got.SleepLocks {
		t.Errorf("xidlehook: sleep_locks %v, want false", got.SleepLocks)
	}
}
