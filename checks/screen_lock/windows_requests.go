package screenlock

import (
	"context"
	"strings"

	"github.com/sessionguard/sessionguard/checks/internal/anypath"
	"github.com/sessionguard/sessionguard/checks/probe"
)

// Power requests on Windows. A DISPLAY request (PowerRequestDisplayRequired,
// or SetThreadExecutionState with ES_DISPLAY_REQUIRED) keeps the display
// on, keeps the screen saver from starting and the session from being
// locked after a period of user inactivity (Microsoft's documentation of
// POWER_REQUEST_TYPE): PowerToys Awake with "Keep screen on", a call app,
// a video playing. A SYSTEM request only keeps the computer from sleeping
// and is not counted.

// powercfgDisplayHeading is the heading of `powercfg /requests`' DISPLAY
// section. The headings DISPLAY, SYSTEM and AWAYMODE stay in English on a
// Japanese Windows (where EXECUTION is translated, and "None." is
// "なし。"), so only this one is relied on.
const powercfgDisplayHeading = "DISPLAY:"

// powerRequest is one requester of `powercfg /requests`.
type powerRequest struct {
	Kind string // PROCESS, SERVICE, DRIVER, … (the bracketed tag)
	Name string // the rest of its line: a process's program path, a driver's name
}

// parsePowercfgRequests reads the DISPLAY section of `powercfg
// /requests`: after the "DISPLAY:" heading, one "[PROCESS]
// \Device\HarddiskVolume3\Program Files\PowerToys\PowerToys.Awake.exe"
// line per request (a reason line may follow it), or "None." (translated)
// for none, up to the next heading ("SYSTEM:"). ok is false without the
// heading (an error: /requests needs an administrator).
func parsePowercfgRequests(text string) (display []powerRequest, ok bool) {
	in := false
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case line == powercfgDisplayHeading:
			in, ok = true, true
		case isPowercfgHeading(line):
			in = false
		case in && strings.HasPrefix(line, "["):
			kind, name, found := strings.Cut(line[1:], "]")
			if found {
				display = append(display, powerRequest{Kind: kind, Name: strings.TrimSpace(name)})
			}
		}
	}
	return display, ok
}

// isPowercfgHeading: a section heading, one word (in whatever language)
// and a colon: "SYSTEM:", "実行:".
func isPowercfgHeading(line string) bool {
	return strings.HasSuffix(line, ":") && !strings.HasPrefix(line, "[") && !strings.ContainsAny(line, ` \.`)
}

// readPowerRequests reads who holds a DISPLAY power request right now
// (`powercfg /requests`, which needs an administrator: the agent runs as
// SYSTEM) into f.AwakeHolds: a process by its program file name, a
// service or driver by its name.
func readPowerRequests(ctx context.Context, p probe.Probe, f *facts) {
	out, err := p.Run(ctx, probe.CmdPowercfg, "/requests")
	if err != nil {
		f.AwakeHoldsUnread = "powercfg /requests: " + probe.ErrorKind(err)
		return
	}
	requests, ok := parsePowercfgRequests(probe.ConsoleText(p, out.Stdout))
	if !ok {
		f.AwakeHoldsUnread = "powercfg /requests: not recognised"
		return
	}
	f.AwakeHoldsRead = true
	for _, r := range requests {
		name := r.Name
		if r.Kind == "PROCESS" {
			name = strings.TrimSuffix(strings.ToLower(anypath.Base(name)), ".exe")
		}
		f.addAwakeHold(classifyHold(name, ""))
	}
}

// scrubPowercfgRequests keeps what parsePowercfgRequests reads: the
// headings and, under DISPLAY, each request's tag and, for a process, its
// program file's name (its folder can be under a person's home:
// \Users\<account>\AppData\…). Reason lines and the other sections'
// requests are left out.
func scrubPowercfgRequests(out []byte) []byte {
	var kept strings.Builder
	in := false
	for line := range strings.Lines(string(out)) {
		t := strings.TrimSpace(line)
		switch {
		case t == powercfgDisplayHeading:
			in = true
			kept.WriteString(t + "\r\n")
		case isPowercfgHeading(t):
			in = false
			kept.WriteString(t + "\r\n")
		case in && strings.HasPrefix(t, "["):
			kind, name, _ := strings.Cut(t[1:], "]")
			if kind == "PROCESS" {
				name = " " + anypath.Base(strings.TrimSpace(name))
			}
			kept.WriteString("[" + kind + "]" + name + "\r\n")
		}
	}
	return []byte(kept.String())
}
