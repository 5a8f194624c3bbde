package captureinuse

import (
	"errors"
	"slices"
	"testing"

	"github.com/sessionguard/sessionguard/checks/checktest"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Real pw-dump output of PipeWire 0.3.65 (Debian 12): pw-record with and
// without WirePlumber, and an idle daemon.
func TestParsePWDump(t *testing.T) {
	tests := []struct {
		file string
		want []stream
	}{
		// No session manager: the stream is not linked, so what it reads
		// is not known; the program (and its pid, pipewire.sec.pid) comes
		// from its client.
		{"pw-dump_pw-record_no_session_manager.json", []stream{{Binary: "pw-cat", App: "pw-record", PID: 30760, What: sound}}},
		// WirePlumber linked it to an audio source: the microphone.
		{"pw-dump_wireplumber_pw-record_from_source.json", []stream{{Binary: "pw-cat", App: "pw-record", PID: 8953, What: microphone}}},
		{"pw-dump_idle.json", nil},
	}
	for _, tt := range tests {
		got, err := parsePWDump(checktest.ReadParserData(t, tt.file))
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.file, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "[]", `{"id":0}`, `[{"id":31,"type":"PipeWire:Interface:Node"}]`, "can't connect: Host is down"} {
		if _, err := parsePWDump([]byte(bad)); !errors.Is(err, errUnrecognised) {
			t.Errorf("ParsePWDump(%q) = %v, want unrecognised", bad, err)
		}
	}
}

// Real `pactl -f json list source-outputs` of PulseAudio 16.1 with parecord
// recording from a null source, and with nothing recording; with the
// sources listed, a monitor (what the computer plays) is told from a
// microphone.
func TestParsePactl(t *testing.T) {
	got, err := parsePactl(checktest.ReadParserData(t, "pactl_parecord.json"), nil)
	if err != nil || !slices.Equal(got, []stream{{Binary: "pacat", App: "MyRec", PID: 29977, What: sound}}) {
		t.Errorf("parecord: %+v, %v", got, err)
	}
	sources := checktest.ReadParserData(t, "pactl_sources_null_sink_and_source.json")
	got, err = parsePactl(checktest.ReadParserData(t, "pactl_parecord_monitor_and_mic.json"), sources)
	want := []stream{{Binary: "pacat", App: "parecord", PID: 4960, What: playback}, {Binary: "pacat", App: "parecord", PID: 4961, What: microphone}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("monitor and microphone: %+v, %v; want %+v", got, err, want)
	}
	// Sources that cannot be read leave "sound".
	if got, err = parsePactl(checktest.ReadParserData(t, "pactl_parecord_monitor_and_mic.json"), []byte("Connection failure")); err != nil || got[0].What != sound {
		t.Errorf("unreadable sources: %+v, %v", got, err)
	}
	got, err = parsePactl(checktest.ReadParserData(t, "pactl_empty.json"), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %+v, %v", got, err)
	}
	// pactl before PulseAudio 15 has no -f json.
	for _, bad := range []string{"", "pactl: invalid option -- 'f'", `{"index":0}`, `[{"index":0}]`} {
		if _, err := parsePactl([]byte(bad), nil); !errors.Is(err, errUnrecognised) {
			t.Errorf("ParsePactl(%q) = %v, want unrecognised", bad, err)
		}
	}
}

// What pactl and pw-dump print with no server (C locale) is "no server";
// anything else that fails is unrecognised.
func TestSoundToolError(t *testing.T) {
	tests := []struct {
		tool   string
		out    probe.Output
		want   error
		wantOK bool
	}{
		{"pactl", probe.Output{ExitCode: 1, Stderr: []byte("Connection failure: Connection refused\npa_context_connect() failed: Connection refused\n")}, errNoServer, false},
		{"pw-dump", probe.Output{ExitCode: 255, Stderr: []byte("can't connect: Host is down\n")}, errNoServer, false},
		{"pactl", probe.Output{ExitCode: 1, Stderr: []byte("pactl: invalid option -- 'f'\n")}, errUnrecognised, false},
		{"pw-dump", probe.Output{ExitCode: 0}, nil, true},
	}
	for _, tt := range tests {
		err := soundToolError(tt.tool, tt.out)
		if tt.wantOK != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s %q: %v, want %v", tt.tool, tt.out.Stderr, err, tt.want)
		}
	}
}

func TestCaptureDevices(t *testing.T) {
	// /dev/snd of a laptop: playback (p) and capture (c) PCMs, controls,
	// timer, sequencer.
	snd := []string{"by-path", "controlC0", "controlC1", "hwC0D0", "hwC1D0", "pcmC0D0c", "pcmC0D0p", "pcmC0D3p", "pcmC1D0c", "seq", "timer"}
	dev := []string{"autofs", "media0", "null", "snd", "tty0", "video0", "video1", "videodev", "vhost-net"}
	cams, mics := captureDevices(dev, snd)
	if !slices.Equal(cams, []string{"/dev/video0", "/dev/video1", "/dev/videodev"}) || !slices.Equal(mics, []string{"/dev/snd/pcmC0D0c", "/dev/snd/pcmC1D0c"}) {
		t.Errorf("cameras %v, microphones %v", cams, mics)
	}
}

// Process lists: recorders by name, command-line capture by its arguments,
// and what an evidence bundle keeps of them.
func TestRecorderOf(t *testing.T) {
	tests := []struct {
		goos string
		pr   probe.Process
		want string
		keep int // arguments ArgsRead keeps
	}{
		{"linux", probe.Process{Name: "obs", Exe: "/usr/bin/obs", Cmdline: []string{"obs", "--startrecording"}}, "obs_studio", 0},
		{"linux", probe.Process{Name: "simplescreenrec", Exe: "/usr/bin/simplescreenrecorder"}, "simplescreenrecorder", 0},
		{"linux", probe.Process{Name: "ffmpeg", Exe: "/usr/bin/ffmpeg", Cmdline: []string{"ffmpeg", "-video_size", "1920x1080", "-framerate", "25", "-f", "x11grab", "-i", ":0.0+0,0", "/home/sam/session.mp4"}}, "ffmpeg", 8},
		{"linux", probe.Process{Name: "ffmpeg", Exe: "/usr/bin/ffmpeg", Cmdline: []string{"ffmpeg", "-f", "v4l2", "-input_format", "mjpeg", "-i", "/dev/video0", "out.mkv"}}, "ffmpeg", 6},
		{"linux", probe.Process{Name: "ffmpeg", Exe: "/usr/bin/ffmpeg", Cmdline: []string{"ffmpeg", "-i", "/dev/video0", "out.mkv"}}, "ffmpeg", 3},
		// Converting a file records nothing.
		{"linux", probe.Process{Name: "ffmpeg", Exe: "/usr/bin/ffmpeg", Cmdline: []string{"ffmpeg", "-i", "talk.webm", "-c:a", "libopus", "talk.ogg"}}, "", 0},
		{"linux", probe.Process{Name: "ffmpeg", Exe: "/usr/bin/ffmpeg", Cmdline: []string{"ffmpeg", "-f", "lavfi", "-i", "testsrc", "t.mp4"}}, "", 0},
		{"linux", probe.Process{Name: "gst-launch-1.0", Exe: "/usr/bin/gst-launch-1.0", Cmdline: []string{"gst-launch-1.0", "-e", "pipewiresrc", "path=42", "!", "videoconvert", "!", "filesink", "location=a.mkv"}}, "gstreamer", 3},
		{"linux", probe.Process{Name: "gst-launch-1.0", Exe: "/usr/bin/gst-launch-1.0", Cmdline: []string{"gst-launch-1.0", "filesrc", "location=a.ogg", "!", "decodebin", "!", "autoaudiosink"}}, "", 0},
		{"linux", probe.Process{Name: "wf-recorder", Exe: "/usr/bin/wf-recorder", Cmdline: []string{"wf-recorder", "-f", "rec.mp4"}}, "wf_recorder", 0},
		// Always running: judged by their screen-cast streams only.
		{"linux", probe.Process{Name: "gnome-shell", Exe: "/usr/bin/gnome-shell"}, "", 0},
		{"linux", probe.Process{Name: "zoom", Exe: "/opt/zoom/zoom"}, "", 0},
		{"windows", probe.Process{Name: "obs64.exe", Exe: `C:\Program Files\obs-studio\bin\64bit\obs64.exe`}, "obs_studio", 0},
		{"windows", probe.Process{Name: "bcastdvr.exe", Exe: `C:\Windows\System32\bcastdvr.exe`}, "xbox_game_bar", 0},
		{"windows", probe.Process{Name: "Granola.exe", Exe: `C:\Users\sam\AppData\Local\Programs\Granola\Granola.exe`}, "granola", 0},
		{"windows", probe.Process{Name: "ffmpeg.exe", Exe: `C:\ffmpeg\bin\ffmpeg.exe`, Cmdline: []string{`C:\ffmpeg\bin\ffmpeg.exe`, "-f", "gdigrab", "-i", "desktop", "out.mkv"}}, "ffmpeg", 4},
		{"darwin", probe.Process{Name: "OBS", Exe: "/Applications/OBS.app/Contents/MacOS/OBS"}, "obs_studio", 0},
		{"darwin", probe.Process{Name: "Granola Helper", Exe: "/Applications/Granola.app/Contents/Frameworks/Granola Helper.app/Contents/MacOS/Granola Helper"}, "granola", 0},
		{"darwin", probe.Process{Name: "krisp", Exe: "/Applications/krisp.app/Contents/MacOS/krisp"}, "krisp", 0},
		{"darwin", probe.Process{Name: "screencapture", Exe: "/usr/sbin/screencapture", Cmdline: []string{"/usr/sbin/screencapture", "-v", "-C"}}, "screenshot_recording", 2},
		{"darwin", probe.Process{Name: "screencapture", Exe: "/usr/sbin/screencapture", Cmdline: []string{"/usr/sbin/screencapture", "-i", "shot.png"}}, "", 0},
		{"darwin", probe.Process{Name: "zoom.us", Exe: "/Applications/zoom.us.app/Contents/MacOS/zoom.us"}, "", 0},
	}
	for _, tt := range tests {
		if got := recorderOf(tt.goos, tt.pr); got != tt.want {
			t.Errorf("%s %s %v: %q, want %q", tt.goos, tt.pr.Exe, tt.pr.Cmdline, got, tt.want)
		}
		if got := argsRead(tt.pr); len(got) != tt.keep {
			t.Errorf("ArgsRead(%v) = %v, want %d arguments", tt.pr.Cmdline, got, tt.keep)
		}
	}
}

func TestIdentify(t *testing.T) {
	for bin, want := range map[string]string{
		"zoom": "zoom", "firefox-esr": "browser", "chrome": "browser", "pacat": "pacat", "Zoom.exe": "zoom",
		"obs64.exe": "obs_studio", "wireplumber": "sound_system", "browser": unidentified,
	} {
		if got := identifyName(bin); got != want {
			t.Errorf("identifyName(%q) = %q, want %q", bin, got, want)
		}
	}
	// An application name is the program's own choice: it never makes a
	// call app, a browser or the sound system.
	for app, want := range map[string]string{
		"ZOOM VoiceEngine": unidentified, "Firefox": unidentified, "PulseAudio Volume Control": unidentified,
		"OBS": "obs_studio", "Some Recorder": "some recorder", "": "",
	} {
		if got := identifyApp(app); got != want {
			t.Errorf("identifyApp(%q) = %q, want %q", app, got, want)
		}
	}
	exes := []struct{ goos, exe, want string }{
		{"linux", "/opt/zoom/zoom", "zoom"},
		{"linux", "/app/extra/zoom/zoom", "zoom"},
		{"linux", "/home/user/bin/zoom", unidentified},
		{"linux", "/tmp/zoom", unidentified},
		{"linux", "/opt/../home/user/zoom", unidentified},
		{"linux", "/usr/lib/firefox-esr/firefox-esr", "browser"},
		{"linux", "/usr/lib/firefox/firefox (deleted)", "browser"},
		{"linux", "/snap/firefox/4793/usr/lib/firefox/firefox", "browser"},
		{"linux", "/home/user/.local/bin/firefox", unidentified},
		{"linux", "/usr/bin/pipewire", "sound_system"},
		{"linux", "/home/user/pipewire", unidentified},
		{"linux", "/home/user/bin/obs", "obs_studio"},
		{"linux", "/home/user/rec", "rec"},
		{"windows", `C:\Users\user\AppData\Roaming\Zoom\bin\Zoom.exe`, "zoom"},
		{"windows", `C:\Program Files\Zoom\bin\Zoom.exe`, "zoom"},
		{"windows", `C:\Users\user\AppData\Local\Temp\zoom.exe`, unidentified},
		{"windows", `C:\Users\user\AppData\Roaming\Zoom\zoom.exe`, unidentified},
		{"windows", `C:\Program Files\Google\Chrome\Application\chrome.exe`, "browser"},
		{"windows", `C:\Users\user\AppData\Local\Google\Chrome\Application\chrome.exe`, "browser"},
		{"windows", `C:\Users\user\Downloads\chrome.exe`, unidentified},
		{"windows", `C:\Users\user\AppData\Local\Mozilla Firefox\firefox.exe`, "browser"},
		{"windows", `C:\Users\user\AppData\Local\Programs\Opera\opera.exe`, "browser"},
		{"windows", `C:\Program Files\obs-studio\bin\64bit\obs64.exe`, "obs_studio"},
		{"windows", "", ""},
	}
	for _, tt := range exes {
		if got := identifyExe(tt.goos, tt.exe); got != tt.want {
			t.Errorf("identifyExe(%s, %q) = %q, want %q", tt.goos, tt.exe, got, tt.want)
		}
	}
	procs := []probe.Process{
		{PID: 10, Name: "zoom", Exe: "/opt/zoom/zoom"},
		{PID: 11, Name: "pacat", Exe: "/usr/bin/pacat"},
		{PID: 12, Name: "zoom", Exe: "/home/user/zoom"},
	}
	streams := []struct {
		s    stream
		want string
	}{
		{stream{Binary: "zoom", App: "ZOOM VoiceEngine", PID: 10}, "zoom"},
		{stream{Binary: "zoom", App: "ZOOM VoiceEngine", PID: 99}, "zoom"},
		{stream{Binary: "pacat", App: "ZOOM VoiceEngine", PID: 99}, "pacat"},
		{stream{App: "ZOOM VoiceEngine"}, unidentified},
		{stream{Binary: "zoom", App: "ZOOM VoiceEngine", PID: 11}, "pacat"},
		{stream{Binary: "pacat", PID: 10}, "pacat"},
		{stream{Binary: "zoom", PID: 12}, unidentified},
		{stream{Binary: "firefox", PID: 10}, unidentified},
	}
	for _, tt := range streams {
		if got := identifyStream(tt.s, procs); got != tt.want {
			t.Errorf("identifyStream(%+v) = %q, want %q", tt.s, got, tt.want)
		}
	}
	for fam, want := range map[string]string{
		"MSTeams_8wekyb3d8bbwe":                        "microsoft_teams",
		"Microsoft.WindowsCamera_8wekyb3d8bbwe":        "camera_app",
		"Microsoft.XboxGamingOverlay_8wekyb3d8bbwe":    "xbox_game_bar",
		"Contoso.NoteTaker_abcdefghjkmnp":              "contoso.notetaker",
		"Microsoft.WindowsSoundRecorder_8wekyb3d8bbwe": "sound_recorder",
	} {
		if got := identifyPackage(fam); got != want {
			t.Errorf("identifyPackage(%q) = %q, want %q", fam, got, want)
		}
	}
}
