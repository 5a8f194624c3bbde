package captureinuse

import (
	"slices"
	"strings"

	"github.com/sessionguard/sessionguard/browsers"
	"github.com/sessionguard/sessionguard/checks/internal/anypath"
	"github.com/sessionguard/sessionguard/checks/internal/callapps"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// kind is what a known program is to this check.
type kind int

const (
	// callApp: a video-call app; passes when call_apps names it.
	callApp kind = iota
	// browser: passes while call_apps names a call app used in a browser.
	browser
	// recorder: records the screen (or sound) whenever it runs.
	recorder
	// noteTaker: an AI note-taker that records meetings.
	noteTaker
	// system: the sound server, its session manager and volume meters,
	// which hold devices and open meter streams for everyone: never a
	// capture of their own.
	system
)

// program is a known program: its id in facts, the name people know it by
// and how it is recognised.
type program struct {
	id, name string
	kind     kind
	// bins are program file names, lower case, without .exe (Linux,
	// Windows; PipeWire's application.process.binary).
	bins []string
	// apps are application names a sound server reports, lower case.
	apps []string
	// macApps are macOS app bundle names (OBS.app).
	macApps []string
	// packages are Windows package family names without the publisher
	// hash, lower case (Microsoft.WindowsCamera).
	packages []string
	// policy are the call_apps names that allow it, lower case.
	policy []string
	// records is what a recorder records, for the wording.
	records string
}

var programs = slices.Concat(callAppPrograms(), []program{
	webBrowsers(),

	{id: "obs_studio", name: "OBS Studio", kind: recorder, records: "the screen", bins: []string{"obs", "obs64", "obs32"}, apps: []string{"obs", "obs studio"}, macApps: []string{"obs.app"}},
	{id: "simplescreenrecorder", name: "SimpleScreenRecorder", kind: recorder, records: "the screen", bins: []string{"simplescreenrecorder", "ssr-glinject"}, apps: []string{"simplescreenrecorder"}},
	{id: "kazam", name: "Kazam", kind: recorder, records: "the screen", bins: []string{"kazam"}},
	{id: "vokoscreen", name: "vokoscreen", kind: recorder, records: "the screen", bins: []string{"vokoscreen", "vokoscreenng"}, apps: []string{"vokoscreenng"}},
	{id: "kooha", name: "Kooha", kind: recorder, records: "the screen", bins: []string{"kooha"}, apps: []string{"kooha"}},
	{id: "peek", name: "Peek", kind: recorder, records: "the screen", bins: []string{"peek"}},
	{id: "gpu_screen_recorder", name: "GPU Screen Recorder", kind: recorder, records: "the screen", bins: []string{"gpu-screen-recorder", "gpu-screen-recorder-gtk"}},
	{id: "recordmydesktop", name: "recordMyDesktop", kind: recorder, records: "the screen", bins: []string{"recordmydesktop"}},
	{id: "wf_recorder", name: "wf-recorder", kind: recorder, records: "the screen", bins: []string{"wf-recorder"}},
	{id: "wl_screenrec", name: "wl-screenrec", kind: recorder, records: "the screen", bins: []string{"wl-screenrec"}},
	{id: "gnome_screen_recorder", name: "the GNOME screen recorder", kind: recorder, records: "the screen", bins: []string{"gnome-shell"}, apps: []string{"gnome-shell", "gnome shell"}},
	{id: "kde_screen_recorder", name: "the KDE screen recorder (Spectacle)", kind: recorder, records: "the screen", bins: []string{"spectacle"}, apps: []string{"spectacle"}},
	{id: "ffmpeg", name: "ffmpeg", kind: recorder, records: "the screen, camera or microphone", bins: []string{"ffmpeg"}},
	{id: "gstreamer", name: "gst-launch (GStreamer)", kind: recorder, records: "the screen, camera or microphone", bins: []string{"gst-launch-1.0", "gst-launch"}},
	{id: "loom", name: "Loom", kind: recorder, records: "the screen", bins: []string{"loom"}, macApps: []string{"loom.app"}},
	{id: "sharex", name: "ShareX", kind: recorder, records: "the screen", bins: []string{"sharex"}},
	{id: "camtasia", name: "Camtasia", kind: recorder, records: "the screen", bins: []string{"camrecorder", "camtasiarecorder"}, macApps: []string{"camtasia 2023.app", "camtasia 2024.app", "camtasia 2025.app"}},
	{id: "bandicam", name: "Bandicam", kind: recorder, records: "the screen", bins: []string{"bdcam"}},
	{id: "xbox_game_bar", name: "Xbox Game Bar", kind: recorder, records: "the screen", bins: []string{"bcastdvr"}, packages: []string{"microsoft.xboxgamingoverlay"}},
	{id: "sound_recorder", name: "Sound Recorder", kind: recorder, records: "the microphone", packages: []string{"microsoft.windowssoundrecorder"}},
	{id: "camera_app", name: "the Camera app", kind: recorder, records: "the camera", packages: []string{"microsoft.windowscamera"}},
	{id: "snipping_tool", name: "the Snipping Tool", kind: recorder, records: "the screen", packages: []string{"microsoft.screensketch"}},
	{id: "screenshot_recording", name: "macOS Screenshot", kind: recorder, records: "the screen", bins: []string{"screencapture"}},

	{id: "otter", name: "Otter", kind: noteTaker, bins: []string{"otter", "otter.ai"}, macApps: []string{"otter.app", "otter.ai.app"}, apps: []string{"otter"}},
	{id: "fireflies", name: "Fireflies", kind: noteTaker, bins: []string{"fireflies", "fireflies.ai"}, macApps: []string{"fireflies.app", "fireflies.ai.app"}},
	{id: "granola", name: "Granola", kind: noteTaker, bins: []string{"granola"}, macApps: []string{"granola.app"}, apps: []string{"granola"}},
	{id: "tldv", name: "tl;dv", kind: noteTaker, bins: []string{"tldv", "tl;dv"}, macApps: []string{"tldv.app", "tl;dv.app"}},
	{id: "fathom", name: "Fathom", kind: noteTaker, bins: []string{"fathom"}, macApps: []string{"fathom.app"}, apps: []string{"fathom"}},
	{id: "krisp", name: "Krisp", kind: noteTaker, bins: []string{"krisp"}, macApps: []string{"krisp.app"}, apps: []string{"krisp"}},

	// Another account's sound server holding a device: never recognised
	// by a file, only named so (see devices).
	{id: otherAccountSoundSystem, name: "another account's sound system", kind: recorder, records: "the microphone or camera"},

	{id: "sound_system", name: "the sound system", kind: system,
		bins: []string{"pipewire", "pipewire-pulse", "wireplumber", "pipewire-media-session", "pulseaudio", "jackd", "jackdbus",
			"pavucontrol", "pavucontrol-qt", "pwvucontrol", "gnome-control-center", "xdg-desktop-portal", "xdg-desktop-portal-gnome",
			"xdg-desktop-portal-kde", "xdg-desktop-portal-wlr", "xdg-desktop-portal-hyprland", "pipewire-v4l2"},
		apps: []string{"pipewire", "wireplumber", "pulseaudio volume control", "pavucontrol", "gnome-control-center", "gnome settings", "pwvucontrol"}},
})

// callAppPrograms are the video-call apps, from their catalogue
// (callapps.Known, shared with screen_lock).
func callAppPrograms() []program {
	var out []program
	for _, a := range callapps.Known() {
		out = append(out, program{id: a.ID, name: a.Name, kind: callApp, bins: a.Binaries, apps: a.AppNames,
			macApps: a.MacApps, packages: a.Packages, policy: a.Policy})
	}
	return out
}

// byID finds a known program.
func byID(id string) (program, bool) {
	i := slices.IndexFunc(programs, func(p program) bool { return p.id == id })
	if i < 0 {
		return program{}, false
	}
	return programs[i], true
}

// binName is a program file name as programs lists it: the base name,
// lower case, without .exe.
func binName(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(anypath.Base(s))), ".exe")
}

// trusted reports whether a program, once recognised, is not counted
// against the machine: a call app, a browser or the sound system. Such a
// program is recognised only from where it is installed (installedAt),
// never from a name a program can give itself.
func (p program) trusted() bool {
	return p.kind == callApp || p.kind == browser || p.kind == system
}

func trustedID(id string) bool {
	p, ok := byID(id)
	return ok && p.trusted()
}

// unidentified names a program that could not be told.
const unidentified = "unidentified"

// otherAccountSoundSystem is a sound server of an account other than the
// console user's holding the microphone or camera open.
const otherAccountSoundSystem = "other_account_sound_system"

// identifyName names a program by its file name alone (a sound server's
// application.process.binary, a process's name): a known program's id,
// else the file name, lower case ("unidentified" for a file name that is
// itself a known program's id, which must not pass for that program).
func identifyName(bin string) string {
	b := binName(bin)
	if b == "" {
		return ""
	}
	for _, p := range programs {
		if slices.Contains(p.bins, b) {
			return p.id
		}
	}
	if _, ok := byID(b); ok {
		return unidentified
	}
	return b
}

// identifyApp names a program by the application name it gave the sound
// server, which the program chooses itself (parecord --client-name,
// PULSE_PROP, PIPEWIRE_PROPS): it may name a recorder or note-taker, never
// a call app, a browser or the sound system ("unidentified" then).
func identifyApp(app string) string {
	a := strings.ToLower(strings.TrimSpace(app))
	if a == "" {
		return ""
	}
	for _, p := range programs {
		if slices.Contains(p.apps, a) {
			if p.trusted() {
				return unidentified
			}
			return p.id
		}
	}
	if _, ok := byID(a); ok {
		return unidentified
	}
	return a
}

// identifyExe names a program by the full path of its program file (a
// process's executable, a consent store's NonPackaged entry): as its file
// name tells, except that a call app, browser or sound system file outside
// the places that program is installed to is "unidentified" (a recorder
// copied to ~/bin/zoom or a temporary folder's zoom.exe is not Zoom).
func identifyExe(goos, exe string) string {
	// Linux shows a program file replaced since it started (an update
	// while it runs) as "<path> (deleted)": still where it was installed.
	exe = strings.TrimSuffix(exe, " (deleted)")
	id := identifyName(exe)
	if p, ok := byID(id); ok && p.trusted() && !installedAt(goos, p, exe) {
		return unidentified
	}
	return id
}

// identifyProcess names a running process by its executable (by its name
// alone, when the executable could not be read, it cannot be a trusted
// program).
func identifyProcess(goos string, pr probe.Process) string {
	if pr.Exe != "" {
		return identifyExe(goos, pr.Exe)
	}
	if id := identifyName(pr.Name); !trustedID(id) {
		return id
	}
	return unidentified
}

// identifyStream names a sound server's capture stream. The process that
// opened it (pid: PipeWire's pipewire.sec.pid, which the server takes
// from the socket, else the application.process.id the client gave) is
// named by its executable when the process list has it; the stream's
// application.process.binary, or without one its application.name, by
// name. The two must agree for the stream to be a call app, a browser or
// the sound system: otherwise it is whichever of them is not one of
// those, or "unidentified".
func identifyStream(s stream, procs []probe.Process) string {
	byName := identifyName(s.Binary)
	if s.Binary == "" {
		byName = identifyApp(s.App)
	}
	i := slices.IndexFunc(procs, func(pr probe.Process) bool { return s.PID > 0 && int(pr.PID) == s.PID })
	if i < 0 {
		return byName
	}
	byExe := identifyProcess("linux", procs[i])
	if byExe == byName {
		return byExe
	}
	for _, id := range []string{byExe, byName} {
		if id != "" && !trustedID(id) {
			return id
		}
	}
	return unidentified
}

// installRoots are where, per OS, only an administrator can put programs:
// a trusted program's file there is what it says it is. Patterns are lower
// case with "/" separators; "?" stands for a drive letter, "*" for one
// folder name.
var installRoots = map[string][]string{
	"linux":   {"/usr/", "/opt/", "/snap/", "/var/lib/flatpak/", "/app/"},
	"windows": {"?:/program files/", "?:/program files (x86)/", "?:/windows/"},
}

// userInstallDirs are the folders in the user's profile a trusted program
// installs itself to on Windows (Zoom's per-user installer, Teams classic,
// Webex, and browsers' per-user installs from the browser catalogue), by
// program id.
var userInstallDirs = func() map[string][]string {
	dirs := map[string][]string{
		"zoom":            {"?:/users/*/appdata/roaming/zoom/bin/"},
		"microsoft_teams": {"?:/users/*/appdata/local/microsoft/teams/"},
		"webex":           {"?:/users/*/appdata/local/webex/", "?:/users/*/appdata/local/ciscosparklauncher/", "?:/users/*/appdata/local/programs/cisco spark/"},
	}
	for _, b := range browsers.Known() {
		for _, d := range b.WindowsUserInstalls {
			dirs["browser"] = append(dirs["browser"], "?:/users/*/appdata/local/"+strings.ToLower(d)+"/")
		}
	}
	return dirs
}()

// installedAt reports whether exe, a trusted program's file, lies where
// programs are installed on goos (installRoots, or the program's own
// userInstallDirs).
func installedAt(goos string, p program, exe string) bool {
	path := strings.ToLower(strings.ReplaceAll(exe, `\`, "/"))
	if goos != "windows" && goos != "linux" {
		return false
	}
	for _, dir := range append(slices.Clone(installRoots[goos]), userInstallDirs[p.id]...) {
		if underDir(path, dir) {
			return true
		}
	}
	return false
}

// underDir reports whether path lies under the folder pattern dir (both
// lower case, "/" separators; "?" a drive letter, "*" one folder name).
// A path with ".." in it is never under anything.
func underDir(path, dir string) bool {
	parts := strings.Split(path, "/")
	if slices.Contains(parts, "..") || slices.Contains(parts, ".") {
		return false
	}
	want := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	if len(parts) <= len(want) {
		return false
	}
	for i, w := range want {
		switch {
		case w == "?:":
			if len(parts[i]) != 2 || parts[i][1] != ':' || parts[i][0] < 'a' || parts[i][0] > 'z' {
				return false
			}
		case w == "*":
			if parts[i] == "" {
				return false
			}
		case parts[i] != w:
			return false
		}
	}
	return true
}

// identifyPackage names a Windows packaged app by its family name.
func identifyPackage(family string) string {
	name := strings.ToLower(family)
	if i := strings.LastIndexByte(name, '_'); i > 0 {
		name = name[:i]
	}
	for _, p := range programs {
		if slices.Contains(p.packages, name) {
			return p.id
		}
	}
	return name
}

// recorderOf is the id of the known recorder or note-taker a running
// process is, or "". Programs judged by their arguments (ffmpeg,
// gst-launch, screencapture) count only when recording.
func recorderOf(goos string, pr probe.Process) string {
	bin := binName(pr.Name)
	if pr.Exe != "" {
		bin = binName(pr.Exe)
	}
	if goos == "darwin" {
		if app := macApp(pr.Exe); app != "" {
			for _, p := range programs {
				if (p.kind == recorder || p.kind == noteTaker) && slices.Contains(p.macApps, app) {
					return p.id
				}
			}
			return ""
		}
	}
	for _, p := range programs {
		if p.kind != recorder && p.kind != noteTaker || !slices.Contains(p.bins, bin) {
			continue
		}
		switch p.id {
		case "gnome_screen_recorder", "kde_screen_recorder":
			return "" // always running; seen by their capture streams only
		case "ffmpeg", "gstreamer", "screenshot_recording":
			if _, n := recordingArgs(p.id, pr.Args()); n == 0 {
				return ""
			}
		}
		return p.id
	}
	return ""
}

// macApp is the outermost app bundle a macOS program runs from
// (/Applications/OBS.app/Contents/MacOS/OBS → obs.app), lower case.
func macApp(exe string) string {
	for _, part := range strings.Split(exe, "/") {
		if strings.HasSuffix(strings.ToLower(part), ".app") {
			return strings.ToLower(part)
		}
	}
	return ""
}

// captureInputs are the ffmpeg input formats and GStreamer sources that
// read the screen, a camera or a microphone.
var (
	ffmpegInputs = []string{"x11grab", "kmsgrab", "fbdev", "v4l2", "video4linux2", "alsa", "pulse", "jack", "openal", "oss", "sndio",
		"gdigrab", "dshow", "ddagrab", "vfwcap", "avfoundation", "lavfi"}
	gstSources = []string{"ximagesrc", "pipewiresrc", "v4l2src", "pulsesrc", "alsasrc", "autoaudiosrc", "autovideosrc", "jackaudiosrc",
		"dx9screencapsrc", "d3d11screencapturesrc", "d3d12screencapturesrc", "gdiscreencapsrc", "wasapisrc", "wasapi2src", "ksvideosrc",
		"mfvideosrc", "avfvideosrc", "osxaudiosrc", "libcamerasrc", "kmssrc"}
)

// recordingArgs tells whether an ffmpeg, gst-launch or screencapture
// command line records (returning what it reads), and how many of its
// arguments that took to tell (0: it does not record).
func recordingArgs(id string, argv []string) (string, int) {
	for i, a := range argv {
		if i == 0 {
			continue
		}
		switch id {
		case "ffmpeg":
			if a == "-f" && i+1 < len(argv) && slices.Contains(ffmpegInputs, argv[i+1]) && argv[i+1] != "lavfi" {
				// an input format: it applies to the -i that follows
				for j := i + 2; j < len(argv); j++ {
					if argv[j] == "-i" {
						return argv[i+1], j + 1
					}
				}
			}
			if a == "-i" && i+1 < len(argv) && (strings.HasPrefix(argv[i+1], "/dev/video") || strings.HasPrefix(argv[i+1], "/dev/snd/")) {
				return "device", i + 2
			}
		case "gstreamer":
			name, _, _ := strings.Cut(a, " ")
			if slices.Contains(gstSources, name) {
				return name, i + 1
			}
		case "screenshot_recording":
			if a == "-v" || a == "-V" || strings.HasPrefix(a, "-V") || a == "-g" || a == "-G" {
				return a, i + 1
			}
		}
	}
	return "", 0
}

// argsRead is this check's probe.ArgsKeeper: the arguments of ffmpeg,
// gst-launch and screencapture up to the one that shows they record (an
// input format, a device, a source element, a recording flag); nothing of
// any other process, nor of those when they do not record.
func argsRead(pr probe.Process) []string {
	bin := binName(pr.Name)
	if pr.Exe != "" {
		bin = binName(pr.Exe)
	}
	for _, id := range []string{"ffmpeg", "gstreamer", "screenshot_recording"} {
		p, _ := byID(id)
		if slices.Contains(p.bins, bin) {
			argv := pr.Args()
			if _, n := recordingArgs(id, argv); n > 0 {
				return argv[:n]
			}
		}
	}
	return nil
}

// webBrowsers is every browser as one program, from the browser catalogue
// (browsers.Known, the one place browsers are named) plus what only
// capture needs: Safari's WebKit GPU process and Arc, which SessionGuard
// does not clear cookies of.
func webBrowsers() program {
	p := program{id: "browser", name: "a web browser", kind: browser,
		bins: []string{"com.apple.webkit.gpu"}, macApps: []string{"arc.app"},
		policy: []string{"google meet", "whereby", "web browser", "browser"}}
	for _, b := range browsers.Known() {
		p.bins = append(p.bins, b.Binaries...)
		p.apps = append(p.apps, strings.ToLower(b.Name))
		if b.MacApp != "" {
			p.macApps = append(p.macApps, strings.ToLower(b.MacApp))
		}
	}
	return p
}
