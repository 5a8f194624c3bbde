package antivirus

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// endpointProduct is an endpoint product organisations deploy on Linux. It
// is judged by its agent process (name and program under one of Dirs) and,
// where it has one that the check reads, its own status tool. An install
// directory alone only tells that it should be running.
type endpointProduct struct {
	ID, Name string
	// Dirs are its install directories (under /opt).
	Dirs []string
	// Agents are the names of the processes that protect; one of them
	// must run from under Dirs.
	Agents []string
	// Service is its systemd unit, for the fix.
	Service string
	// Status runs its status tool and fills e's Status, StatusDetail
	// and StatusError (and, with ContentAge, its Content fields); nil
	// when the check has none for it.
	Status func(ctx context.Context, p probe.Probe, e *endpointFacts)
	// ContentAge is true when its status tool tells when its security
	// content was last updated: that age is held to the signature age
	// limit, as every other product's definitions are.
	ContentAge bool
}

// endpointProducts are the products recognised, in the order they are
// reported.
var endpointProducts = []endpointProduct{
	{ID: "falcon", Name: "CrowdStrike Falcon", Dirs: []string{"/opt/CrowdStrike"}, Agents: []string{"falcon-sensor", "falcon-sensor-bpf"}, Service: "falcon-sensor", Status: falconStatus},
	{ID: "sentinelone", Name: "SentinelOne", Dirs: []string{"/opt/sentinelone"}, Agents: []string{"s1-agent", "s1-orchestrator"}, Service: "sentinelone", Status: sentinelOneStatus},
	{ID: "sophos", Name: "Sophos Protection for Linux", Dirs: []string{"/opt/sophos-spl"}, Agents: []string{"sophos_threat_detector", "soapd"}, Service: "sophos-spl"},
	{ID: "eset", Name: "ESET Security for Linux", Dirs: []string{"/opt/eset"}, Agents: []string{"odfeeder", "esets_daemon"}, Service: "efs or eea"},
	{ID: "trellix", Name: "Trellix Endpoint Security", Dirs: []string{"/opt/McAfee", "/opt/isec"}, Agents: []string{"mfetpd", "isectpd"}, Service: "mfetpd"},
	{ID: "bitdefender", Name: "Bitdefender GravityZone", Dirs: []string{"/opt/bitdefender-security-tools"}, Agents: []string{"bdsecd"}, Service: "bdsec", Status: bitdefenderStatus, ContentAge: true},
	{ID: "kaspersky", Name: "Kaspersky Endpoint Security", Dirs: []string{"/opt/kaspersky/kesl"}, Agents: []string{"kesl"}, Service: "kesl"},
	{ID: "trendmicro", Name: "Trend Micro Deep Security", Dirs: []string{"/opt/ds_agent"}, Agents: []string{"ds_agent"}, Service: "ds_agent"},
	{ID: "elastic", Name: "Elastic Defend", Dirs: []string{"/opt/Elastic/Endpoint"}, Agents: []string{"elastic-endpoint"}, Service: "ElasticEndpoint"},
	{ID: "cortex", Name: "Cortex XDR", Dirs: []string{"/opt/traps"}, Agents: []string{"pmd", "traps_pmd"}, Service: "traps_pmd"},
	{ID: "carbonblack", Name: "Carbon Black", Dirs: []string{"/opt/carbonblack"}, Agents: []string{"cbagentd"}, Service: "cbagentd"},
}

// Endpoint statuses from a product's own tool.
const (
	statusProtecting    = "protecting"
	statusNotProtecting = "not_protecting"
)

var errStatusUnrecognised = errors.New("status output not recognised")

// collectEndpoints finds the endpoint products that are installed (their
// directory under /opt exists) or whose agent runs, and asks the status
// tool of those whose agent runs.
func collectEndpoints(ctx context.Context, p probe.Probe, procs []probe.Process, procErr string) ([]endpointFacts, string) {
	listings := map[string][]string{}
	listErrs := map[string]error{}
	list := func(dir string) ([]string, error) {
		if names, ok := listings[dir]; ok {
			return names, listErrs[dir]
		}
		names, err := p.ReadDir(dir)
		listings[dir], listErrs[dir] = names, err
		return names, err
	}
	_, optErr := list("/opt")
	// installed reports whether dir exists, listing each parent from /opt
	// down (one listing of /opt for most products).
	var installed func(dir string) bool
	installed = func(dir string) bool {
		parent, leaf := path.Split(dir)
		parent = strings.TrimSuffix(parent, "/")
		if parent != "/opt" && !installed(parent) {
			return false
		}
		names, err := list(parent)
		return err == nil && slices.Contains(names, leaf)
	}
	var out []endpointFacts
	for _, prod := range endpointProducts {
		e := endpointFacts{Product: prod.ID, Name: prod.Name}
		for _, d := range prod.Dirs {
			if installed(d) {
				e.Installed = true
			}
		}
		if procErr == "" {
			e.Running = ptr(false)
			for _, pr := range procs {
				agent, ok := agentName(pr, prod.Agents)
				if !ok {
					continue
				}
				if isProgram(pr, agent, prod.Dirs) {
					e.Running, e.Agent = ptr(true), trimDeleted(pr.Exe)
					break
				}
				// A program elsewhere is not the product; one that
				// cannot be told might be.
				if pr.Exe == "" {
					e.NameOnly = append(e.NameOnly, fmt.Sprintf("%s (pid %d)", pr.Name, pr.PID))
				}
			}
		}
		if !e.Installed && (e.Running == nil || !*e.Running) && len(e.NameOnly) == 0 {
			continue
		}
		if e.Running != nil && *e.Running && prod.Status != nil {
			prod.Status(ctx, p, &e)
		}
		out = append(out, e)
	}
	return out, errKind(optErr)
}

// agentName matches a process name against the agent names; the kernel
// cuts names to 15 bytes.
func agentName(pr probe.Process, agents []string) (string, bool) {
	for _, a := range agents {
		if pr.Name == a || (len(pr.Name) == 15 && strings.HasPrefix(a, pr.Name)) {
			return a, true
		}
	}
	return "", false
}

// isProgram reports whether pr is the program name run from under one of
// dirs: its name (as the kernel shortens it) and its executable's path.
func isProgram(pr probe.Process, name string, dirs []string) bool {
	if _, ok := agentName(pr, []string{name}); !ok {
		return false
	}
	exe := trimDeleted(pr.Exe)
	if path.Base(exe) != name {
		return false
	}
	for _, d := range dirs {
		if strings.HasPrefix(exe, d+"/") {
			return true
		}
	}
	return false
}

// trimDeleted drops the " (deleted)" the kernel adds to the executable of
// a process whose program was replaced by an update.
func trimDeleted(exe string) string {
	return strings.TrimSuffix(exe, " (deleted)")
}

// runStatus runs a status tool, reads its output with parse into e, and
// returns the output when its status was read.
func runStatus(ctx context.Context, p probe.Probe, e *endpointFacts, parse func([]byte) (string, string, error), name probe.Command, args ...string) []byte {
	out, err := p.Run(ctx, name, args...)
	if err != nil {
		e.StatusError = name.String() + ": " + errKind(err)
		return nil
	}
	st, detail, err := parse(out.Stdout)
	if err != nil {
		e.StatusError = name.String() + ": " + err.Error()
		return nil
	}
	e.Status, e.StatusDetail = st, detail
	return out.Stdout
}

func falconStatus(ctx context.Context, p probe.Probe, e *endpointFacts) {
	runStatus(ctx, p, e, parseFalconRFM, probe.CmdFalconctl, "-g", "--rfm-state")
}

func sentinelOneStatus(ctx context.Context, p probe.Probe, e *endpointFacts) {
	runStatus(ctx, p, e, parseSentinelCtlStatus, probe.CmdSentinelctl, "control", "status")
}

// bitdefenderStatus reads `bduitool get ps`: the antimalware feature's
// state and when the security content was last updated.
func bitdefenderStatus(ctx context.Context, p probe.Probe, e *endpointFacts) {
	out := runStatus(ctx, p, e, parseBduitoolStatus, probe.CmdBduitool, "get", "ps")
	if out == nil {
		return
	}
	t, err := parseBduitoolContentUpdate(out)
	if err != nil {
		e.ContentError = "bduitool get ps: " + err.Error()
		return
	}
	e.ContentUpdated = t.Format(time.RFC3339)
	e.ContentAgeDays = ageDays(p.Now(), t)
}

// parseBduitoolContentUpdate reads the line "Last security content
// update: 2026-11-22 at 08:14:37 GMT+1" of `bduitool get ps`: a date, a
// time and the zone as GMT (or UTC) with an offset in hours (+1, -5,
// +5:30), or none (read as UTC: at most hours off, nothing to an age in
// days).
func parseBduitoolContentUpdate(b []byte) (time.Time, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Last security content update:")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) >= 3 && f[1] == "at" {
			f = append(f[:1], f[2:]...)
		}
		if len(f) < 2 || len(f) > 3 {
			return time.Time{}, fmt.Errorf("security content update %q not recognised", strings.TrimSpace(v))
		}
		t, err := time.Parse("2006-01-02 15:04:05", f[0]+" "+f[1])
		if err != nil {
			return time.Time{}, fmt.Errorf("security content update %q not recognised", strings.TrimSpace(v))
		}
		if len(f) == 3 {
			off, ok := gmtOffset(f[2])
			if !ok {
				return time.Time{}, fmt.Errorf("security content update time zone %q not recognised", f[2])
			}
			t = t.Add(-off)
		}
		return t.UTC(), nil
	}
	return time.Time{}, errors.New("no \"Last security content update\" line")
}

// gmtOffset reads a zone written GMT, UTC, GMT+1, GMT-5 or GMT+5:30.
func gmtOffset(z string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(z, "GMT")
	if !ok {
		rest, ok = strings.CutPrefix(z, "UTC")
	}
	if !ok {
		return 0, false
	}
	if rest == "" {
		return 0, true
	}
	sign := time.Duration(1)
	switch rest[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	h, m, _ := strings.Cut(rest[1:], ":")
	hours, err := strconv.Atoi(h)
	if err != nil || hours > 14 {
		return 0, false
	}
	minutes := 0
	if m != "" {
		if minutes, err = strconv.Atoi(m); err != nil || minutes >= 60 {
			return 0, false
		}
	}
	return sign * (time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute), true
}

// parseFalconRFM reads `falconctl -g --rfm-state`: "rfm-state=false."
// protects; "rfm-state=true." is reduced functionality mode, in which the
// sensor does not prevent anything.
func parseFalconRFM(b []byte) (status, detail string, err error) {
	for _, f := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
		v, ok := strings.CutPrefix(strings.TrimSpace(f), "rfm-state=")
		if !ok {
			continue
		}
		switch strings.TrimRight(v, ".") {
		case "false":
			return statusProtecting, "rfm-state=false", nil
		case "true":
			return statusNotProtecting, "rfm-state=true", nil
		}
	}
	return "", "", errStatusUnrecognised
}

// parseSentinelCtlStatus reads `sentinelctl control status`: the line
// "Agent state      Enabled" (or Disabled).
func parseSentinelCtlStatus(b []byte) (status, detail string, err error) {
	return statusLine(b, "Agent state ", "Enabled", "Disabled", func(line string) (string, bool) {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "Agent" || f[1] != "state" {
			return "", false
		}
		return f[2], true
	})
}

// parseBduitoolStatus reads `bduitool get ps`: the feature line
// "  - Antimalware status: On" (or Off).
func parseBduitoolStatus(b []byte) (status, detail string, err error) {
	return statusLine(b, "Antimalware status: ", "On", "Off", func(line string) (string, bool) {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "-"))
		v, ok := strings.CutPrefix(line, "Antimalware status:")
		return strings.TrimSpace(v), ok
	})
}

// statusLine finds the first line whose value (as value reads it) is on or
// off; detail is label and that value.
func statusLine(b []byte, label, on, off string, value func(line string) (string, bool)) (status, detail string, err error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		v, ok := value(sc.Text())
		switch {
		case !ok:
		case v == on:
			return statusProtecting, label + v, nil
		case v == off:
			return statusNotProtecting, label + v, nil
		}
	}
	return "", "", errStatusUnrecognised
}
