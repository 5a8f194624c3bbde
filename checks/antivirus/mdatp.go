package antivirus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// errMDATPUnrecognised: mdatp health printed nothing the parser knows.
var errMDATPUnrecognised = errors.New("mdatp health output not recognised")

// collectMDATP runs `mdatp health`; ok is false when mdatp is not installed.
func collectMDATP(ctx context.Context, p probe.Probe) (h *mdatpHealth, errText string) {
	out, err := p.Run(ctx, probe.CmdMdatp, "health")
	if err != nil {
		return nil, errKind(err)
	}
	h, err = parseMDATPHealth(out.Stdout)
	if err != nil {
		msg := strings.TrimSpace(string(out.Stderr))
		if msg == "" {
			msg = strings.TrimSpace(string(out.Stdout))
		}
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, fmt.Sprintf("%v (exit %d): %s", err, out.ExitCode, msg)
	}
	return h, ""
}

// parseMDATPHealth reads the text of `mdatp health` (lines of
// "field : value", values true/false, "quoted", [lists] or dates, with an
// optional " [managed]" suffix). It fails unless the output names
// real_time_protection_enabled or healthy.
func parseMDATPHealth(b []byte) (*mdatpHealth, error) {
	h := &mdatpHealth{}
	known := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		val = strings.TrimSpace(val)
		val = strings.TrimSpace(strings.TrimSuffix(val, "[managed]"))
		switch key {
		case "healthy":
			h.Healthy, known = parseMDATPBool(val), true
		case "health_issues":
			h.HealthIssues = parseMDATPList(val)
		case "licensed":
			h.Licensed = parseMDATPBool(val)
		case "passive_mode_enabled":
			h.PassiveMode = parseMDATPBool(val)
		case "real_time_protection_enabled":
			h.RealTimeProtectionEnabled, known = parseMDATPBool(val), true
			// "unavailable": the daemon has no real-time protection to
			// offer (not onboarded, no licence, no event provider).
			h.RealTimeProtectionUnavailable = strings.Trim(val, `"`) == "unavailable"
		case "real_time_protection_available":
			h.RealTimeProtectionAvailable = parseMDATPBool(val)
		case "definitions_status":
			h.DefinitionsStatus = strings.Trim(val, `"`)
		case "definitions_updated_minutes_ago":
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				h.DefinitionsMinutesAgo = &n
			}
		}
	}
	if !known {
		return nil, errMDATPUnrecognised
	}
	return h, nil
}

func parseMDATPBool(s string) *bool {
	switch strings.Trim(s, `"`) {
	case "true":
		return ptr(true)
	case "false":
		return ptr(false)
	}
	return nil
}

func parseMDATPList(s string) []string {
	var list []string
	if err := json.Unmarshal([]byte(s), &list); err == nil {
		return list
	}
	s = strings.TrimSpace(strings.Trim(s, "[]"))
	if s == "" {
		return nil
	}
	for _, e := range strings.Split(s, ",") {
		if e = strings.Trim(strings.TrimSpace(e), `"`); e != "" {
			list = append(list, e)
		}
	}
	return list
}

// state judges Defender for Endpoint: "active" (real-time protection
// on, not passive, healthy, definitions up to date), "outdated" (active but
// definitions not up to date), "passive", "off" (real-time protection off
// or unavailable), "unhealthy" (healthy: false or not licensed: it is not
// protecting) or "unknown".
//
// healthy: false whose only health issues are about definitions is
// "outdated": real-time protection runs, with old definitions, like any
// other product whose definitions are old.
func (h *mdatpHealth) state() string {
	if h.RealTimeProtectionUnavailable {
		return "off"
	}
	if h.RealTimeProtectionEnabled == nil {
		return "unknown"
	}
	if h.PassiveMode != nil && *h.PassiveMode {
		return "passive"
	}
	if !*h.RealTimeProtectionEnabled || (h.RealTimeProtectionAvailable != nil && !*h.RealTimeProtectionAvailable) {
		return "off"
	}
	if h.Licensed != nil && !*h.Licensed {
		return "unhealthy"
	}
	if h.Healthy != nil && !*h.Healthy && !h.onlyDefinitionIssues() {
		return "unhealthy"
	}
	switch h.DefinitionsStatus {
	case "":
		return "unknown"
	case "up_to_date":
	default:
		return "outdated"
	}
	if h.Healthy == nil || h.onlyDefinitionIssues() {
		// Nothing said it is healthy, or it is unhealthy for its
		// definitions while definitions_status says up to date.
		return "unknown"
	}
	return "active"
}

// onlyDefinitionIssues reports whether every health issue is about the
// definitions (e.g. "definitions out of date"), and there is one.
func (h *mdatpHealth) onlyDefinitionIssues() bool {
	if len(h.HealthIssues) == 0 {
		return false
	}
	for _, i := range h.HealthIssues {
		if !strings.Contains(strings.ToLower(i), "definitions") {
			return false
		}
	}
	return true
}
