// Package captureinuse checks that nobody else is watching or listening
// through this computer: no program other than the session's own video-call
// app records the microphone, the camera or the screen right now, and no
// screen recorder or AI note-taker runs. A call app the policy names
// (call_apps: Zoom, Microsoft Teams, Google Meet in a browser, Webex,
// Whereby, Skype, FaceTime by default) passes; any other program capturing,
// or a known recorder or note-taker running, fails (warns when
// capture_other_program is "warn"), naming the program ("OBS Studio is
// recording the screen"). Facts keep program names only: a known program's
// id, or the file name of an unknown one; never a window title, stream or
// media name, file name, process id or user.
//
// A call app, a browser or the sound system is recognised by its program
// file only where it is installed: on Linux under /usr, /opt, /snap,
// /var/lib/flatpak or a Flatpak's /app; on Windows under Program Files or
// Windows, or its own per-user install folder (Zoom's
// %APPDATA%\Zoom\bin, Chrome's %LOCALAPPDATA%\Google\Chrome\Application
// …). The same file name anywhere else (~/bin/zoom, a temporary folder's
// zoom.exe) is "an unidentified program".
//
// Sources, per operating system:
//
//   - Every OS: the running programs (probe Processes) for known recorders
//     and note-takers: OBS Studio, SimpleScreenRecorder, Kazam, vokoscreen,
//     Kooha, Peek, GPU Screen Recorder, recordMyDesktop, wf-recorder,
//     wl-screenrec, Loom, ShareX, Camtasia, Bandicam, Xbox Game Bar's
//     recorder (bcastdvr), Otter, Fireflies, Granola, tl;dv, Fathom, Krisp;
//     and command-line capture judged by its arguments (kept in evidence
//     bundles up to the one that decides): ffmpeg with a capture input
//     format (-f x11grab, kmsgrab, v4l2, alsa, pulse, gdigrab, dshow,
//     avfoundation …) or a /dev/video or /dev/snd input, gst-launch with a
//     capture source (ximagesrc, pipewiresrc, v4l2src, pulsesrc …), macOS
//     screencapture recording video (-v, -V, -g, -G). No process list →
//     unknown.
//   - Linux: the console user's sound server, asked as that user:
//     `pw-dump` (PipeWire; capture streams are nodes of media class
//     Stream/Input/Audio or Stream/Input/Video, named by their own or their
//     client's application.process.binary and by the executable of the
//     process that opened them (pipewire.sec.pid, which PipeWire takes
//     from the socket, else application.process.id) when the process list
//     has it; the node a link reads from tells the microphone, the camera
//     or a screen cast from the compositor) or `pactl -f json list
//     source-outputs`
//     (PulseAudio, or PipeWire's pulse server; when something records,
//     `pactl -f json list sources` tells a microphone from a monitor, what
//     the computer plays). Which tool is asked first
//     follows the server that runs; with no pipewire or pulseaudio process
//     nothing is asked and there are no streams. The sound server, its
//     session manager, the desktop portals and volume meters (pavucontrol,
//     GNOME Settings) are never counted. A stream is a call app, a browser
//     or the sound system only when its binary and its process's
//     executable agree; application.name, which a program chooses itself
//     (parecord --client-name, PULSE_PROP), never makes it one. GNOME's
//     and KDE's built-in screen
//     recorders show as gnome-shell's or Spectacle's screen-cast stream.
//     Then who holds a camera (/dev/video*) or audio capture device
//     (/dev/snd/pcmC*D*c) open (probe HeldOpen, the /proc/PID/fd links,
//     only when such a device exists), leaving out the console user's
//     sound server. Another account's sound server, whose streams are not
//     asked, holding one fails as "another account's sound system"
//     recording; one whose account cannot be read, or with the console
//     user not known, leaves the scan unknown. A scan that could not read
//     other accounts' programs (not root) → unknown: run as the service or
//     with sudo.
//   - Windows: the console user's capability consent store
//     (HKU\<SID>\…\CapabilityAccessManager\ConsentStore, read whole with
//     `reg query … /s`): microphone, webcam, graphicsCaptureProgrammatic
//     and graphicsCaptureWithoutBorder, packaged apps by package family
//     and desktop programs under NonPackaged by their path; an app whose
//     LastUsedTimeStart is later than its LastUsedTimeStop is using it now
//     (checks/internal/consentstore, shared with voice_assistants). reg's
//     failure text is localised, so a failure is told by reading the
//     microphone key through the registry: not there = no app ever asked.
//     Then the microphone and webcam records of every other store, read
//     the same way: the machine's (HKLM\SOFTWARE\…\ConsentStore, where
//     Windows records programs running as SYSTEM) and each other loaded
//     hive's (`reg query HKU`; .DEFAULT, S-1-5-18's hive again, and the
//     _Classes hives left out): the service accounts S-1-5-18, -19, -20
//     and any other account signed in. A program in use there runs as a
//     system service or in another account, so it fails even when it is a
//     call app ("…, running in the background as a system service, is
//     recording the microphone"), the fix saying to tell IT support or to
//     sign that account out. Facts of agents that did not read these
//     stores (no other_consent_stores) are judged as before.
//     Nobody signed in, the console user not known, a usage time not
//     recognised, or the machine's store, the list of hives or another
//     hive's store not readable → unknown.
//   - macOS: which app uses the microphone or camera is told only to
//     programs with special permission (the menu bar's orange and green
//     dots), so that part is always unknown, with the fix saying where to
//     look; a recorder or note-taker running still fails. QuickTime Player
//     is not judged by its process: it runs to play films too.
package captureinuse
