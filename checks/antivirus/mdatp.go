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
func collectMDATP(ctx context.Context, p probe.Probe) (h *MDATPHealth, errText string) {
	out, err := p.Run(ctx, "mdatp", "health")
	if err != nil {
		return nil, errKind(err)
	}
	h, err = ParseMDATPHealth(out.Stdout)
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

// ParseMDATPHealth reads the text of `mdatp health` (lines of
// "field : value", values true/false, "quoted", [lists] or dates, with an
// optional " [managed]" suffix). It fails unless the output names
// real_time_protection_enabled or healthy.
func ParseMDATPHealth(b []byte) (*MDATPHealth, error) {
	h := &MDATPHealth{}
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
// definitions not up to date), "passive", "off", "unhealthy" or "unknown".
func (h *MDATPHealth) state() string {
	if h.RealTimeProtectionEnabled == nil {
		return "unknown"
	}
	if h.PassiveMode != nil && *h.PassiveMode {
		return "passive"
	}
	if !*h.RealTimeProtectionEnabled {
		return "off"
	}
	if h.Licensed != nil && !*h.Licensed {
		return "unhealthy"
	}
	if h.Healthy != nil && !*h.Healthy {
		return "unhealthy"
	}
	switch h.DefinitionsStatus {
	case "":
		return "unknown"
	case "up_to_date":
	default:
		return "outdated"
	}
	return "active"
}
