package wifisecurity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sessionguard/sessionguard/checks/probe"
)

// profilerWiFi is what system_profiler SPAirPortDataType -json said.
type profilerWiFi struct {
	// Recognised is false for output that is not the SPAirPortDataType
	// JSON document.
	Recognised bool
	// Interfaces is how many Wi-Fi interfaces were listed (awdl0 and llw0,
	// which have no status, are not counted).
	Interfaces int
	// State is StateNone, StateNotConnected, StateConnected (an
	// interface connected with a security mode; see Unreadable for the
	// others) or StateUnknown (none such, and an interface Unreadable
	// counts).
	State string
	// Connections are the connected interfaces' networks.
	Connections []connection
	// Unreadable counts the interfaces that may be connected but whose
	// security was not read: connected without a security mode, or with a
	// status that is not recognised.
	Unreadable int
	// Interface is the name of the first Wi-Fi interface (for wdutil and
	// ipconfig); it is never put in the facts.
	Interface string
	// Status is the unrecognised status value, if any.
	Status string
}

// parseSystemProfiler parses system_profiler SPAirPortDataType -json.
func parseSystemProfiler(b []byte) profilerWiFi {
	var doc struct {
		Data []struct {
			Interfaces []map[string]any `json:"spairport_airport_interfaces"`
		} `json:"SPAirPortDataType"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || !strings.Contains(string(b), "SPAirPortDataType") {
		return profilerWiFi{}
	}
	res := profilerWiFi{Recognised: true}
	notConnected := false
	for _, d := range doc.Data {
		for _, iface := range d.Interfaces {
			status, hasStatus := iface["spairport_status_information"].(string)
			_, hasCard := iface["spairport_wireless_card_type"]
			if !hasStatus && !hasCard {
				continue // awdl0, llw0: no Wi-Fi association of their own
			}
			res.Interfaces++
			if res.Interface == "" {
				res.Interface, _ = iface["_name"].(string)
			}
			switch status {
			case "spairport_status_connected":
				cur, _ := iface["spairport_current_network_information"].(map[string]any)
				mode, _ := cur["spairport_security_mode"].(string)
				if mode == "" {
					res.Status = "connected without a security mode"
					res.Unreadable++
					continue
				}
				res.Connections = append(res.Connections, airPortSecurity(mode))
			case "spairport_status_off", "spairport_status_disassociated", "spairport_status_inactive",
				"spairport_status_disconnected", "spairport_status_not_associated", "spairport_status_init":
				notConnected = true
			default:
				res.Status = status
				res.Unreadable++
			}
		}
	}
	switch {
	case len(res.Connections) > 0:
		res.State = stateConnected
	case res.Unreadable > 0:
		res.State = stateUnknown
	case notConnected:
		res.State = stateNotConnected
	case res.Interfaces == 0:
		res.State = stateNone
	default:
		res.State = stateUnknown
	}
	return res
}

// airPortSecurity maps a spairport_security_mode value to a connection.
// The *_mixed modes are WPA/WPA2 mixed mode; WPA2/WPA3 is
// "wpa3_transition" and is WPA3.
// Apple writes the WPA3 transition mode as "pairport_security_mode_..."
// (missing the leading s), so everything up to "security_mode_" is
// dropped.
func airPortSecurity(mode string) connection {
	c := connection{Raw: mode}
	m := mode
	if i := strings.Index(m, "security_mode_"); i >= 0 {
		m = m[i+len("security_mode_"):]
	} else {
		return c
	}
	switch m {
	case "none":
		c.Security = secOpen
	case "wep", "wep40", "wep128":
		c.Security = secWEP
	case "8021x", "dynamic_wep":
		c.Security, c.Enterprise = secWEP, true
	case "wpa_personal":
		c.Security = secWPA
	case "wpa_enterprise":
		c.Security, c.Enterprise = secWPA, true
	case "wpa2_personal":
		c.Security = secWPA2
	case "wpa2_enterprise":
		c.Security, c.Enterprise = secWPA2, true
	case "wpa_personal_mixed", "wpa2_personal_mixed":
		// "WPA/WPA2 Personal" (CWSecurity wpaPersonalMixed): admits WPA1
		// and TKIP.
		c.Security, c.Mixed = secWPA2, true
	case "wpa_enterprise_mixed", "wpa2_enterprise_mixed":
		c.Security, c.Enterprise, c.Mixed = secWPA2, true, true
	case "wpa3_personal", "wpa3_transition", "wpa3_personal_transition", "wpa2_wpa3_personal":
		c.Security = secWPA3
	case "wpa3_enterprise", "wpa2_wpa3_enterprise", "wpa3_enterprise_transition":
		c.Security, c.Enterprise = secWPA3, true
	case "owe", "owe_transition":
		c.Security = secOWE
	}
	return c
}

// keyValueWiFi is what wdutil info or ipconfig getsummary said.
type keyValueWiFi struct {
	Recognised bool
	State      string // StateNotConnected, StateConnected, StateNone, or StateUnknown
	Conn       connection
	Denied     bool
}

// parseWdutilInfo parses the WIFI section of wdutil info (run as root).
func parseWdutilInfo(stdout, stderr []byte, exitCode int) keyValueWiFi {
	text := string(stdout)
	all := strings.ToLower(text + string(stderr))
	if exitCode != 0 && (strings.Contains(all, "root") || strings.Contains(all, "sudo") || strings.Contains(all, "permission")) {
		return keyValueWiFi{Denied: true}
	}
	kv := map[string]string{}
	inWiFi := false
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.Trim(t, "—-") == "" && t != "" {
			continue
		}
		if t == "WIFI" {
			inWiFi = true
			continue
		}
		if inWiFi && t != "" && !strings.Contains(t, ":") && strings.ToUpper(t) == t {
			break // next section (BLUETOOTH, ...)
		}
		if !inWiFi {
			continue
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, seen := kv[k]; !seen && k != "" {
			kv[k] = strings.TrimSpace(v)
		}
	}
	mode, hasMode := kv["Op Mode"]
	sec, hasSec := kv["Security"]
	if !hasMode && !hasSec {
		return keyValueWiFi{}
	}
	res := keyValueWiFi{Recognised: true}
	power := strings.ToLower(kv["Power"])
	switch {
	case strings.HasPrefix(power, "off"):
		res.State = stateNotConnected
	case strings.EqualFold(mode, "STA"):
		res.State, res.Conn = stateConnected, wordsSecurity(sec)
	case mode == "None" || mode == "n/a" || mode == "":
		res.State = stateNotConnected
	default:
		res.State = stateUnknown
	}
	return res
}

// parseIpconfigSummary parses ipconfig getsummary <interface>.
func parseIpconfigSummary(b []byte) keyValueWiFi {
	kv := map[string]string{}
	depth := 0
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "}") {
			depth--
			continue
		}
		k, v, ok := strings.Cut(t, " : ")
		if strings.HasSuffix(t, "{") {
			depth++
			if depth > 1 {
				continue
			}
		}
		if !ok || depth != 1 {
			continue
		}
		if _, seen := kv[k]; !seen {
			kv[k] = strings.TrimSpace(v)
		}
	}
	typ, ok := kv["InterfaceType"]
	if !ok {
		return keyValueWiFi{}
	}
	res := keyValueWiFi{Recognised: true}
	if !strings.EqualFold(typ, "WiFi") {
		res.State = stateNone // this interface is not Wi-Fi
		return res
	}
	sec, hasSec := kv["Security"]
	switch {
	case kv["LinkStatusActive"] == "FALSE":
		res.State = stateNotConnected
	case hasSec:
		res.State, res.Conn = stateConnected, wordsSecurity(sec)
	case kv["LinkStatusActive"] == "TRUE":
		res.State = stateUnknown
	default:
		res.State = stateNotConnected
	}
	return res
}

// wordsSecurity maps free-form security words: wdutil's "WPA2 Personal",
// "WPA/WPA2 Personal", "WPA2/WPA3 Personal", "None"; ipconfig's
// "WPA2_PSK", "WPA3_SAE", "SHA256_8021X", "NONE"; netsh's "WPA2-Personal",
// "WPA-Personal" (also Japanese "WPA2-パーソナル"). WPA (version 1) named
// beside WPA2 or WPA3 ("WPA/WPA2", "WPA1 WPA2"), or "mixed", is mixed
// mode.
func wordsSecurity(s string) connection {
	c := connection{Raw: strings.TrimSpace(s)}
	u := strings.ToUpper(c.Raw)
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(u, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		words[w] = true
	}
	newer := strings.Contains(u, "WPA2") || strings.Contains(u, "WPA3")
	c.Mixed = newer && (words["WPA"] || words["WPA1"] || words["MIXED"] || words["TKIP"])
	c.Enterprise = strings.Contains(u, "ENTERPRISE") || strings.Contains(u, "ENTREPRISE") ||
		strings.Contains(u, "8021X") || strings.Contains(u, "802.1X") || strings.Contains(u, "EAP") ||
		strings.Contains(u, "エンタープライズ") || strings.Contains(u, "企业")
	switch {
	case u == "":
	case strings.Contains(u, "WPA3") || strings.Contains(u, "SAE"):
		c.Security = secWPA3
	case strings.Contains(u, "WPA2") || strings.Contains(u, "SHA256_8021X"):
		c.Security = secWPA2
	case strings.Contains(u, "OWE"):
		c.Security = secOWE
	case strings.Contains(u, "WPA"):
		c.Security = secWPA
	case strings.Contains(u, "WEP"):
		c.Security = secWEP
	case u == "NONE" || u == "OPEN":
		c.Security = secOpen
	}
	return c
}

func collectDarwin(ctx context.Context, p probe.Probe) facts {
	f := facts{OS: "darwin"}
	var note sourceNote
	iface := "en0"
	out, err := p.Run(ctx, probe.CmdSystemProfiler, "SPAirPortDataType", "-json")
	if err != nil {
		note.runErr(&f, "system_profiler", err)
	} else {
		sp := parseSystemProfiler(out.Stdout)
		switch {
		case !sp.Recognised:
			note.unrecognised = true
			f.Tried = append(f.Tried, "system_profiler: output not recognised")
		case sp.State == stateUnknown:
			note.unrecognised = true
			f.WirelessInterfaces = intp(sp.Interfaces)
			f.Tried = append(f.Tried, "system_profiler: "+statusWord(sp.Status))
		default:
			f.Source, f.WiFi, f.WirelessInterfaces = "system_profiler", sp.State, intp(sp.Interfaces)
			f.Connections = sp.Connections
			if sp.Unreadable > 0 {
				// Another interface may be connected to anything: wdutil
				// and ipconfig speak for one interface only.
				f.Unread = append(f.Unread, fmt.Sprintf("system_profiler: %d more Wi-Fi interface(s) not read (%s)", sp.Unreadable, statusWord(sp.Status)))
				f.Problem = problemInterfaceUnread
			}
			return f
		}
		if sp.Interface != "" {
			iface = sp.Interface
		}
	}

	out, err = p.Run(ctx, probe.CmdWdutil, "info")
	if err != nil {
		note.runErr(&f, "wdutil", err)
	} else {
		w := parseWdutilInfo(out.Stdout, out.Stderr, out.ExitCode)
		switch {
		case w.Denied:
			note.denied = true
			f.Tried = append(f.Tried, "wdutil: needs administrator rights")
		case !w.Recognised || w.State == stateUnknown:
			note.unrecognised = true
			f.Tried = append(f.Tried, "wdutil: output not recognised")
		default:
			return darwinResult(f, "wdutil", w)
		}
	}

	out, err = p.Run(ctx, probe.CmdIpconfig, "getsummary", iface)
	if err != nil {
		note.runErr(&f, "ipconfig", err)
	} else {
		s := parseIpconfigSummary(out.Stdout)
		switch {
		case !s.Recognised || s.State == stateUnknown:
			note.unrecognised = true
			f.Tried = append(f.Tried, "ipconfig: output not recognised")
		case s.State == stateNone:
			// The interface asked about is not Wi-Fi: say nothing about
			// the others.
			note.unrecognised = true
			f.Tried = append(f.Tried, "ipconfig: the interface is not Wi-Fi")
		default:
			f = darwinResult(f, "ipconfig", s)
			// ipconfig names the key management the Mac negotiated
			// (WPA2_PSK, SHA256_8021X), which is the same on a WPA/WPA2
			// mixed-mode network: its WPA2 cannot pass alone.
			if s.State == stateConnected && s.Conn.Security == secWPA2 && !s.Conn.Mixed {
				f.Unread = append(f.Unread, "ipconfig: shows WPA2 but not whether the network also admits WPA (version 1) or TKIP; wdutil (run as administrator) or system_profiler can tell")
			}
			return f
		}
	}
	note.finish(&f)
	return f
}

func darwinResult(f facts, source string, w keyValueWiFi) facts {
	f.Source, f.WiFi = source, w.State
	if w.State == stateConnected {
		f.Connections = []connection{w.Conn}
	}
	return f
}

func statusWord(s string) string {
	if s == "" {
		return "status not recognised"
	}
	if strings.HasPrefix(s, "spairport_status_") || strings.HasPrefix(s, "connected") {
		return "status " + s
	}
	return "status not recognised"
}
