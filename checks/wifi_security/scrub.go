package wifisecurity

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/sessionguard/sessionguard/checks/probe/evidence"
)

// scrub takes network names (SSIDs, profile names), access-point and
// hardware addresses, IP addresses and network IDs out of the outputs this
// check reads, putting pseudonyms in their place, before an evidence bundle
// keeps them. What the parsers read — security, cipher, state, whether a
// network is active — is kept, so a scrubbed bundle replays to the same
// result (tested on every parser fixture and scenario).
func scrub(name string, args []string, out []byte) []byte {
	if len(out) == 0 {
		return out
	}
	switch name {
	case "nmcli":
		out = scrubNmcli(args, out)
	case "wpa_cli":
		out = scrubLines(out, "=", wpaCliKeys)
	case "netsh", "wdutil", "ipconfig":
		out = scrubLines(out, ":", colonKeys)
	case "iwctl":
		out = scrubIwctl(out)
	case "iw":
		out = scrubIw(out)
	case "system_profiler":
		// Only the Wi-Fi report: other checks read other data types
		// (the firewall's), which hold nothing of this check's.
		if !slices.Contains(args, "SPAirPortDataType") {
			return out
		}
		out = scrubProfiler(out)
	default:
		return out
	}
	// Hardware and IP addresses wherever they are left (under labels the
	// tables above do not know, in other languages, in arrays).
	out = macAddress.ReplaceAllFunc(out, func(m []byte) []byte { return []byte(evidence.Pseudonym("address", string(m))) })
	return ipv4Address.ReplaceAllFunc(out, func(m []byte) []byte { return []byte(evidence.Pseudonym("ip", string(m))) })
}

var (
	macAddress  = regexp.MustCompile(`(?i)\b([0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b`)
	ipv4Address = regexp.MustCompile(`\b(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\b`)
)

// guidKey is the random key of this process's GUID pseudonyms.
var guidKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("no randomness for pseudonyms: " + err.Error())
	}
	return k
})

// pseudonymFor keeps what says "nothing here" (empty, <redacted>) and
// replaces anything else.
func pseudonymFor(kind, value string) string {
	v := strings.TrimSpace(value)
	if v == "" || strings.HasPrefix(v, "<") {
		return value
	}
	if kind == "guid" {
		// netsh starts each interface at its GUID line: keep the shape.
		// Keyed like every other pseudonym (HMAC-SHA-256 under a random
		// key this process keeps in memory only), so two bundles cannot
		// be linked by an interface's GUID.
		mac := hmac.New(sha256.New, guidKey())
		mac.Write([]byte(strings.ToLower(v)))
		h := hex.EncodeToString(mac.Sum(nil)[:16])
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	return evidence.Pseudonym(kind, v)
}

// wpaCliKeys are wpa_cli status keys whose values identify a network, a
// device or an address.
var wpaCliKeys = map[string]string{
	"ssid": "network", "bssid": "address", "address": "address", "p2p_device_address": "address",
	"uuid": "id", "ip_address": "ip", "id_str": "network",
}

// colonKeys are the labels of `key : value` lines (netsh in the languages
// the check reads, wdutil, ipconfig getsummary) whose values identify.
var colonKeys = map[string]string{
	"ssid": "network", "bssid": "address", "ap bssid": "address", "networkid": "id",
	"networkserviceid": "id", "guid": "guid", "mac address": "address",
	"physical address": "address", "physische adresse": "address", "adresse physique": "address",
	"dirección física": "address", "indirizzo fisico": "address",
	"profile": "network", "profil": "network", "perfil": "network", "profilo": "network",
	"ipv4 address": "ip", "ipv4 router": "ip", "router": "ip", "ipv6 address": "ip",
}

// scrubLines replaces the value of every `key SEP value` line whose key
// (trimmed, case-folded) is in keys, keeping the line's layout.
func scrubLines(out []byte, sep string, keys map[string]string) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	for i, line := range lines {
		key, value, ok := strings.Cut(line, sep)
		if !ok {
			continue
		}
		kind, ok := keys[strings.ToLower(strings.TrimSpace(key))]
		if !ok {
			continue
		}
		body := strings.TrimRight(value, "\r\n")
		eol := value[len(body):]
		lead := body[:len(body)-len(strings.TrimLeft(body, " \t"))]
		lines[i] = key + sep + lead + pseudonymFor(kind, body[len(lead):]) + eol
	}
	return []byte(strings.Join(lines, ""))
}

// iwctlKeys are the `station show` properties whose values identify.
var iwctlKeys = []string{"Connected network", "ConnectedBss", "IPv4 address", "IPv6 address"}

// scrubIwctl replaces the values of iwctl's column-aligned identifying
// properties.
func scrubIwctl(out []byte) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " \t")
		for _, key := range iwctlKeys {
			rest, ok := strings.CutPrefix(trimmed, key+"  ")
			if !ok {
				continue
			}
			body := strings.TrimRight(rest, "\r\n")
			value := strings.TrimSpace(body)
			kind := "network"
			if key != "Connected network" {
				kind = "address"
			}
			lines[i] = line[:len(line)-len(rest)] + strings.Replace(body, value, pseudonymFor(kind, value), 1) + rest[len(body):]
		}
	}
	return []byte(strings.Join(lines, ""))
}

// iwKeep are the iw scan dump lines kept (trimmed, by prefix): the
// parser reads the BSS lines, capability and the RSN and WPA elements;
// the rest are kept for a reader. Everything else (WPS device names and
// serial numbers, vendor elements, country) is dropped.
var iwKeep = []string{"capability:", "RSN:", "WPA:", "freq:", "signal:", "last seen:", "TSF:", "beacon interval:", "Information elements from"}

// scrubIw keeps from iw scan dump (every access point in range) only what
// says how each is secured, with network names pseudonymised; the access
// points' addresses are replaced with the other hardware addresses.
func scrubIw(out []byte) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	kept := lines[:0:0]
	inBSS, inIE := false, false
	for _, line := range lines {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "BSS "):
			inBSS, inIE = true, false
		case !inBSS:
			// Before the first access point: iw's messages.
		case strings.HasPrefix(t, "* "):
			if !inIE {
				continue
			}
		case strings.HasPrefix(t, "SSID:"):
			inIE = false
			body := strings.TrimRight(line, "\r\n")
			i := strings.Index(body, "SSID:") + len("SSID:")
			value := strings.TrimLeft(body[i:], " \t")
			line = body[:len(body)-len(value)] + pseudonymFor("network", value) + line[len(body):]
		default:
			inIE = strings.HasPrefix(t, "RSN:") || strings.HasPrefix(t, "WPA:")
			if !slices.ContainsFunc(iwKeep, func(k string) bool { return strings.HasPrefix(t, k) }) {
				continue
			}
		}
		kept = append(kept, line)
	}
	return []byte(strings.Join(kept, ""))
}

// scrubNmcli replaces the SSID field of nmcli's terse lines, found by its
// place in the -f list.
func scrubNmcli(args []string, out []byte) []byte {
	i := slices.Index(args, "-f")
	if i < 0 || i+1 >= len(args) {
		return out
	}
	if slices.Contains(strings.Split(args[i+1], ","), propEAP) {
		return scrubNmcliProfile(out)
	}
	field := slices.Index(strings.Split(args[i+1], ","), "SSID")
	if field < 0 {
		return out
	}
	lines := strings.SplitAfter(string(out), "\n")
	for n, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		fields := splitTerse(body)
		if len(fields) <= field || fields[field] == "" {
			continue
		}
		fields[field] = evidence.Pseudonym("network", fields[field])
		for k, f := range fields {
			fields[k] = strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(f)
		}
		lines[n] = strings.Join(fields, ":") + line[len(body):]
	}
	return []byte(strings.Join(lines, ""))
}

// profileKeys are the 802.1X properties whose values say where the
// practitioner works or who they are (a certificate's path under their
// home folder, their organisation's server domains).
var profileKeys = map[string]string{
	propCACert: "path", propCAPath: "path",
	propDomainSuffixMatch: "domain", propDomainMatch: "domain", propAltsubjectMatch: "domain",
}

// scrubNmcliProfile replaces the values of an nmcli connection show
// profile's identifying properties ("property:value" terse lines); an
// unset value stays empty, so whether each is set is kept.
func scrubNmcliProfile(out []byte) []byte {
	lines := strings.SplitAfter(string(out), "\n")
	for n, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		key, value, ok := strings.Cut(body, ":")
		kind, known := profileKeys[key]
		if !ok || !known || value == "" || value == "--" {
			continue
		}
		lines[n] = key + ":" + strings.NewReplacer(`\`, `\\`, `:`, `\:`).Replace(pseudonymFor(kind, value)) + line[len(body):]
	}
	return []byte(strings.Join(lines, ""))
}

// scrubProfiler replaces network names and addresses in system_profiler's
// JSON. Output that is not JSON holds nothing the check reads and is kept.
func scrubProfiler(out []byte) []byte {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return out
	}
	scrubJSON(doc, false)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return out
	}
	return append(b, '\n')
}

// scrubJSON walks a system_profiler document; inNetwork is true inside a
// network's object, where _name is the SSID.
func scrubJSON(v any, inNetwork bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			switch s, isString := child.(string); {
			case isString && k == "_name" && inNetwork:
				v[k] = pseudonymFor("network", s)
			case isString && (strings.Contains(k, "mac_address") || strings.Contains(k, "bssid")):
				v[k] = pseudonymFor("address", s)
			default:
				scrubJSON(child, k == "spairport_current_network_information" || k == "spairport_airport_other_local_wireless_networks")
			}
		}
	case []any:
		for _, child := range v {
			scrubJSON(child, inNetwork)
		}
	}
}
