package captureinuse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// errUnrecognised marks output a parser does not recognise.
var errUnrecognised = errors.New("output not recognised")

// errNoServer: the sound server's tool found no server to talk to.
var errNoServer = errors.New("no sound server answered")

// stream is one capture stream a sound server reported: the program's file
// name and application name (never the stream's or media's name), the
// process id it came from (0 when not told) and what it records.
type stream struct {
	Binary, App string
	PID         int
	What        string
}

// streamPID is the process a stream came from: PipeWire's pipewire.sec.pid,
// which the server takes from the socket's credentials (the client cannot
// choose it), else the application.process.id the client reported; 0 when
// neither is a number.
func streamPID(prop func(string) string) int {
	for _, k := range []string{"pipewire.sec.pid", "application.process.id"} {
		if n, err := strconv.Atoi(prop(k)); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// pwObject is the part of a pw-dump object this check reads.
type pwObject struct {
	ID   int    `json:"id"`
	Type string `json:"type"`
	Info *struct {
		Props      map[string]any `json:"props"`
		OutputNode *int           `json:"output-node-id"`
		InputNode  *int           `json:"input-node-id"`
	} `json:"info"`
}

func (o pwObject) prop(k string) string {
	if o.Info == nil {
		return ""
	}
	switch v := o.Info.Props[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// parsePWDump reads `pw-dump` output (a JSON array of PipeWire objects)
// and returns the capture streams: nodes of media class
// Stream/Input/Audio or Stream/Input/Video, named by their own
// application.process.binary and application.name or their client's. What
// each records comes from the node its link reads from: an Audio/Source is
// the microphone, a Video/Source the camera, a Stream/Output/Video a
// screen cast; otherwise sound or video.
func parsePWDump(out []byte) ([]stream, error) {
	var objs []pwObject
	if err := json.Unmarshal(out, &objs); err != nil {
		return nil, fmt.Errorf("pw-dump: %w: %w", errUnrecognised, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("pw-dump printed no objects: %w", errUnrecognised)
	}
	byID := map[int]pwObject{}
	core := false
	for _, o := range objs {
		byID[o.ID] = o
		core = core || o.Type == "PipeWire:Interface:Core"
	}
	if !core {
		return nil, fmt.Errorf("pw-dump has no core object: %w", errUnrecognised)
	}
	source := map[int]int{} // input node → the node it reads from
	for _, o := range objs {
		if o.Type == "PipeWire:Interface:Link" && o.Info != nil && o.Info.InputNode != nil && o.Info.OutputNode != nil {
			source[*o.Info.InputNode] = *o.Info.OutputNode
		}
	}
	var streams []stream
	for _, o := range objs {
		if o.Type != "PipeWire:Interface:Node" {
			continue
		}
		class := o.prop("media.class")
		if class != "Stream/Input/Audio" && class != "Stream/Input/Video" {
			continue
		}
		s := stream{Binary: o.prop("application.process.binary"), App: o.prop("application.name"), PID: streamPID(o.prop)}
		if cid, err := strconv.Atoi(o.prop("client.id")); err == nil {
			if c, ok := byID[cid]; ok {
				if s.Binary == "" {
					s.Binary = c.prop("application.process.binary")
				}
				if s.App == "" {
					s.App = c.prop("application.name")
				}
				// The client's pid is the one its socket told the server.
				if pid := streamPID(c.prop); c.prop("pipewire.sec.pid") != "" || s.PID == 0 {
					s.PID = pid
				}
			}
		}
		s.What = sound
		if class == "Stream/Input/Video" {
			s.What = video
		}
		if from, ok := byID[source[o.ID]]; ok {
			switch from.prop("media.class") {
			case "Audio/Source", "Audio/Source/Virtual":
				s.What = microphone
			case "Audio/Sink":
				s.What = playback
			case "Video/Source":
				s.What = camera
			case "Stream/Output/Video":
				s.What = screen
			}
		}
		streams = append(streams, s)
	}
	return streams, nil
}

// pactlOutput is one source output of `pactl -f json list source-outputs`
// (Source is the index of the source it records), or one source of `pactl
// -f json list sources` (Index; device.class "monitor" for what a sink
// plays).
type pactlOutput struct {
	Index      *int              `json:"index"`
	Source     *int              `json:"source"`
	Properties map[string]string `json:"properties"`
}

// parsePactl reads `pactl -f json list source-outputs`: every recording
// stream of a PulseAudio server (or PipeWire's pulse server), named by its
// application.process.binary and application.name. sources, when not nil,
// is `pactl -f json list sources`, which tells a microphone from a monitor
// (what the computer plays); without it a stream records sound.
func parsePactl(out, sources []byte) ([]stream, error) {
	outs, err := parsePactlList(out)
	if err != nil {
		return nil, err
	}
	class := map[int]string{}
	if srcs, err := parsePactlList(sources); sources != nil && err == nil {
		for _, s := range srcs {
			if s.Index != nil {
				class[*s.Index] = s.Properties["device.class"]
			}
		}
	}
	streams := make([]stream, 0, len(outs))
	for _, o := range outs {
		s := stream{Binary: o.Properties["application.process.binary"], App: o.Properties["application.name"], What: sound,
			PID: streamPID(func(k string) string { return o.Properties[k] })}
		if o.Source != nil {
			switch c, ok := class[*o.Source]; {
			case ok && c == "monitor":
				s.What = playback
			case ok:
				s.What = microphone
			}
		}
		streams = append(streams, s)
	}
	return streams, nil
}

func parsePactlList(out []byte) ([]pactlOutput, error) {
	var outs []pactlOutput
	if err := json.Unmarshal(bytes.TrimSpace(out), &outs); err != nil {
		return nil, fmt.Errorf("pactl: %w: %w", errUnrecognised, err)
	}
	for _, o := range outs {
		if o.Properties == nil {
			return nil, fmt.Errorf("pactl entry without properties: %w", errUnrecognised)
		}
	}
	return outs, nil
}

// soundToolError tells a sound server's tool that found no server (pactl:
// "Connection failure: …"; pw-dump: "can't connect: …") from one that
// failed otherwise, from its exit status and C-locale error text.
func soundToolError(tool string, out probe.Output) error {
	if out.ExitCode == 0 {
		return nil
	}
	msg := string(bytes.TrimSpace(out.Stderr))
	if strings.Contains(msg, "Connection failure") || strings.Contains(msg, "can't connect") || strings.Contains(msg, "Connection refused") {
		return fmt.Errorf("%s: %w", tool, errNoServer)
	}
	first, _, _ := strings.Cut(msg, "\n")
	return fmt.Errorf("%s exited %d (%q): %w", tool, out.ExitCode, first, errUnrecognised)
}

var capturePCM = regexp.MustCompile(`^pcmC[0-9]+D[0-9]+c$`)

// captureDevices are the camera and audio capture device files among the
// names in /dev and /dev/snd.
func captureDevices(dev, snd []string) (cameras, mics []string) {
	for _, n := range dev {
		if strings.HasPrefix(n, "video") {
			cameras = append(cameras, "/dev/"+n)
		}
	}
	for _, n := range snd {
		if capturePCM.MatchString(n) {
			mics = append(mics, "/dev/snd/"+n)
		}
	}
	return cameras, mics
}

// collectLinux reads the capture streams of the console user's sound
// server and who holds a camera or audio capture device open.
func collectLinux(ctx context.Context, p probe.Probe, procs []probe.Process, f *facts) {
	u, presence, err := probe.ConsolePresence(p)
	f.ConsoleUser = presence
	if err != nil {
		f.addError("console user", err)
	}
	streams(ctx, p, procs, f)
	devices(p, procs, u, f)
}

// streams reads the sound server's capture streams. Which tool asks first
// follows the server that runs; none runs (by the process list) means no
// streams, without asking.
func streams(ctx context.Context, p probe.Probe, procs []probe.Process, f *facts) {
	running := func(bin string) bool {
		return slices.ContainsFunc(procs, func(pr probe.Process) bool { return binName(pr.Name) == bin })
	}
	pw, pa := running("pipewire"), running("pulseaudio")
	if f.ProcessListRead && !pw && !pa {
		f.Streams = stateNone
		return
	}
	if f.ConsoleUser == probe.ConsoleUnknown {
		f.Streams = stateUnknown // whose sound server to ask could not be told
		return
	}
	if f.ConsoleUser == probe.ConsoleNone {
		// A sound server runs, but nobody is at the screen to ask it as.
		f.Streams = stateUnknown
		f.addError("capture streams", errors.New("a sound server runs but nobody is signed in at the screen"))
		return
	}
	tools := []string{"pw-dump", "pactl"}
	if pa && !pw {
		tools = []string{"pactl", "pw-dump"}
	}
	var errs []error
	for _, tool := range tools {
		var out probe.Output
		var err error
		if tool == "pw-dump" {
			out, err = p.RunAsConsoleUser(ctx, probe.CmdPwDump)
		} else {
			out, err = p.RunAsConsoleUser(ctx, probe.CmdPactl, "-f", "json", "list", "source-outputs")
		}
		if err == nil {
			err = soundToolError(tool, out)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var ss []stream
		via := viaPipeWire
		if tool == "pw-dump" {
			ss, err = parsePWDump(out.Stdout)
		} else {
			ss, err = parsePactl(out.Stdout, pactlSources(ctx, p, out.Stdout))
			via = viaPulseAudio
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Streams = via
		for _, s := range ss {
			if id := identifyStream(s, procs); !isSystem(id) {
				f.addCapture(capture{Program: id, What: s.What, Via: via})
			}
		}
		return
	}
	// Neither answered. With no server to talk to and none in the process
	// list, nothing streams; otherwise it could not be told.
	noServer := !slices.ContainsFunc(errs, func(e error) bool { return !errors.Is(e, errNoServer) && !errors.Is(e, probe.ErrNotFound) })
	if noServer && f.ProcessListRead && !pw && !pa {
		f.Streams = stateNone
		return
	}
	f.Streams = stateUnknown
	for i, e := range errs {
		f.addError(tools[i], e)
	}
}

// pactlSources lists the sources, to tell a microphone from a monitor,
// only when something records (nil when nothing does or it fails: the
// streams then record "sound").
func pactlSources(ctx context.Context, p probe.Probe, outputs []byte) []byte {
	if outs, err := parsePactlList(outputs); err != nil || len(outs) == 0 {
		return nil
	}
	out, err := p.RunAsConsoleUser(ctx, probe.CmdPactl, "-f", "json", "list", "sources")
	if err != nil || out.ExitCode != 0 {
		return nil
	}
	return out.Stdout
}

func isSystem(id string) bool {
	p, ok := byID(id)
	return ok && p.kind == system
}

// devices finds the programs holding a camera or audio capture device
// open, leaving out the console user's sound server and its kin (they hold
// them for that user's programs, whose streams tell who records). Another
// account's sound server is not asked for its streams, so it holding a
// device counts as that account recording; one whose account cannot be
// read leaves the scan unknown.
func devices(p probe.Probe, procs []probe.Process, console probe.User, f *facts) {
	dev, err := p.ReadDir("/dev")
	if err != nil {
		f.Devices = stateUnknown
		f.addError("devices", err)
		return
	}
	snd, err := p.ReadDir("/dev/snd")
	if err != nil && !errors.Is(err, probe.ErrNotFound) {
		f.Devices = stateUnknown
		f.addError("sound devices", err)
		return
	}
	cameras, mics := captureDevices(dev, snd)
	if len(cameras)+len(mics) == 0 {
		f.Devices = stateNone
		return
	}
	holders, err := probe.HeldOpen(p, append(cameras, mics...))
	f.Devices = stateRead
	if err != nil {
		f.Devices = stateUnknown
		f.addError("open devices", err)
	}
	for _, h := range holders {
		id := unidentified
		if i := slices.IndexFunc(procs, func(pr probe.Process) bool { return pr.PID == h.PID }); i >= 0 {
			id = identifyProcess("linux", procs[i])
			if isSystem(id) {
				switch owner := procs[i].Owner(); {
				case owner == "":
					f.Devices = stateUnknown
					f.addError("open devices", errors.New("the account of a sound system holding the microphone or camera could not be read"))
					continue
				case f.ConsoleUser == probe.ConsoleUnknown:
					f.Devices = stateUnknown // whose sound system it is could not be told
					continue
				case f.ConsoleUser == probe.ConsoleSignedIn && (owner == console.Name || console.Name == "" && owner == console.UID):
					continue
				}
				id = otherAccountSoundSystem
			}
		}
		what := microphone
		if slices.Contains(cameras, h.Path) {
			what = camera
		}
		f.addCapture(capture{Program: id, What: what, Via: viaDevice})
	}
}
